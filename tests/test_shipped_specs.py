"""The shipped form specs against the seed documents they quote.

Labels taken from a seed must be verbatim: a paraphrased, merged, split or dropped point is a
change to the Bluestone model itself, not a wording choice. So these tests read the seeds at test
time (the passages they check are kept, unchanged, in `tests/data/seeds/`, made by
`scripts/seed_excerpts.py` with each document's title, authors and date), extract the points,
criteria, questions and headings from the seed text, and compare them, in order and in number,
with the specs. Text is compared with whitespace normalised; seed 002's HTML tags are removed
and its entities decoded.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from bluestone_forms.spec import expr
from bluestone_forms.spec.loader import load_spec
from bluestone_forms.spec.model import FormSpec, NoteField, RatingField, Section, YesNoNAField

REPO = Path(__file__).resolve().parents[1]
SPECS_DIR = REPO / "form_specs"
SEEDS_DIR = REPO / "tests" / "data" / "seeds"

RP_IDS = [f"rp{n}" for n in range(1, 7)]
SHIPPED_IDS = [
    *RP_IDS,
    "case_review",
    "pausepoint",
    "ld_self_assessment",
    "statutory_review_quality",
]
# Points per RP stage, as the brief and FORMS.md state them: a guard on the extraction below.
RP_POINT_COUNTS = {1: 3, 2: 7, 3: 5, 4: 5, 5: 4, 6: 8}
# Text in seed 000 that follows an RP block without being one of its points.
RP_BLOCK_ENDS = (
    "core purpose is to reflect on",
    "Where does this fit with learning?",
    "The research for Project Bluestone",
)


# --------------------------------------------------------------------------- helpers


def norm(text: str) -> str:
    """Whitespace-normalised text."""
    return " ".join(text.split())


def unmarkdown(text: str) -> str:
    """Seed 000 marks bold and italics with asterisks; the forms print plain text."""
    return norm(text.replace("*", ""))


def untag(text: str) -> str:
    """Seed 002's table cells: HTML tags removed, entities decoded, whitespace normalised."""
    return norm(html.unescape(re.sub(r"<[^>]+>", " ", text)))


def seed_path(prefix: str) -> Path:
    found = sorted(SEEDS_DIR.glob(f"{prefix}_*.txt"))
    assert len(found) == 1, f"expected one seed {prefix}_*.txt in {SEEDS_DIR}, found {found}"
    return found[0]


def seed_text(prefix: str) -> str:
    return seed_path(prefix).read_text(encoding="utf-8")


def between(text: str, start: str, end: str) -> str:
    assert start in text, f"seed no longer contains {start!r}"
    rest = text.split(start, 1)[1]
    assert end in rest, f"seed no longer contains {end!r} after {start!r}"
    return rest.split(end, 1)[0]


_LOADED: dict[str, FormSpec] = {}


def spec(form_id: str) -> FormSpec:
    if form_id not in _LOADED:
        _LOADED[form_id] = load_spec(SPECS_DIR / f"{form_id}.yaml")
    return _LOADED[form_id]


def section(s: FormSpec, section_id: str) -> Section:
    for sec in s.sections:
        if sec.id == section_id:
            return sec
    raise AssertionError(f"{s.id} has no section '{section_id}'")


def note(s: FormSpec, note_id: str) -> NoteField:
    for f in s.fields():
        if isinstance(f, NoteField) and f.id == note_id:
            return f
    raise AssertionError(f"{s.id} has no note '{note_id}'")


# --------------------------------------------------------------------------- seed extraction


def rp_points_from_seed() -> dict[int, list[str]]:
    """The lines under each `RPn` heading of seed 000, up to the next heading or section."""
    points: dict[int, list[str]] = {}
    current: int | None = None
    blanks = 0
    for raw in seed_text("000").splitlines():
        line = raw.strip()
        heading = re.fullmatch(r"RP([1-6])", line)
        if heading:
            current = int(heading[1])
            assert current not in points, f"RP{current} appears twice in seed 000"
            points[current] = []
            blanks = 0
            continue
        if current is None:
            continue
        if not line:
            blanks += 1
            continue
        if line.startswith(RP_BLOCK_ENDS) or (blanks >= 2 and points[current]):
            current = None
            continue
        blanks = 0
        points[current].append(norm(line))
    return points


def every_stage_items_from_seed() -> list[tuple[str, str]]:
    """(item, its italic explanation) for the three things to cover at every RP point."""
    block = between(
        seed_text("000"), "RP points to cover at each stage:", "Cultural considerations"
    )
    items = []
    for line in block.splitlines():
        if line.strip():
            item, explanation = line.split(" – ", 1)
            items.append((norm(item), unmarkdown(explanation)))
    return items


def cultural_bullets_from_seed() -> list[str]:
    block = between(seed_text("000"), "Cultural considerations", "Action learning sets:")
    return [unmarkdown(ln[2:]) for ln in block.splitlines() if ln.startswith("- ")]


def action_learning_sets_from_seed() -> list[tuple[str, list[str]]]:
    """(group name, its questions) in seed order."""
    block = between(
        seed_text("000"),
        "Action learning sets: What questions to consider at each RP Point",
        "Agree as a group",
    )
    groups: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        group = re.fullmatch(r"- \*\*(.+?):?\*\*", line.strip())
        question = re.fullmatch(r"\s+- (.+)", line)
        if group:
            groups.append((norm(group[1]), []))
        elif question:
            groups[-1][1].append(norm(question[1]))
    return groups


def agree_sentence_from_seed() -> str:
    text = seed_text("000")
    start = text.index("Agree as a group")
    return norm(text[start:].splitlines()[0])


def rp_stage_names_from_seed() -> dict[int, str]:
    """Stage names of seed 003's `RPP n: …` headings (one is misprinted `RRP 6`)."""
    found = re.findall(r"^R[RP]P (\d): (.+)$", seed_text("003"), re.M)
    return {int(n): norm(name) for n, name in found}


def case_review_areas_from_seed() -> list[str]:
    sentence = between(
        seed_text("003"), "critically reflect on several areas of the investigation: ", "."
    )
    parts = [norm(p) for p in sentence.split(";")]
    parts[-1] = parts[-1].removeprefix("and ")
    return [p[0].upper() + p[1:] for p in parts]


def criteria_from_seed() -> list[tuple[str, str]]:
    """(criterion, guidance) for each row of seed 002's table; page-break rows joined."""
    table = between(
        seed_text("002"), "What does this mean for RASSO Investigations?", "\nReferences"
    )
    rows: list[list[str]] = []
    for line in table.splitlines():
        if not line.strip():
            continue
        cells = line.split("\t")
        assert len(cells) == 3, f"seed 002 table row without three cells: {line[:80]!r}"
        number, criterion, guidance = (untag(c) for c in cells)
        if number:
            assert number == str(len(rows) + 1), f"criterion {number} out of order"
            rows.append([criterion, guidance])
        else:  # the row continues after a page break
            assert rows, "seed 002 table starts with a continuation row"
            rows[-1][0] = norm(f"{rows[-1][0]} {criterion}")
            rows[-1][1] = norm(f"{rows[-1][1]} {guidance}")
    return [(c, g) for c, g in rows]


def limitations_from_seed() -> list[tuple[str, str]]:
    """(heading, body) of each limitation in seed 004, in order."""
    block = between(
        seed_text("004"),
        "Limitations of statutory reviews for police practice",
        "Future steps: Quality rating system",
    )
    lines = [ln.strip() for ln in block.splitlines() if ln.strip()]

    def is_heading(line: str) -> bool:
        return (
            len(line.split()) <= 8
            and line[0].isupper()
            and not line.endswith((".", ":", ";", ","))
            and not re.search(r"\d", line)
        )

    out: list[tuple[str, list[str]]] = []
    for line in lines:
        if is_heading(line):
            out.append((line, []))
        elif out:
            out[-1][1].append(line)
    return [(h, norm(" ".join(body))) for h, body in out]


def pausepoint_from_seed() -> tuple[list[str], list[str]]:
    """(generally available support options, PausePoint bullets) from seed 001."""
    text = seed_text("001")
    options_block = between(text, "Generally available options:", "#")
    options = [norm(ln[2:]) for ln in options_block.splitlines() if ln.startswith("- ")]
    pp_block = between(text, "**PausePoint:**", "#")
    bullets = [norm(ln[2:]) for ln in pp_block.splitlines() if ln.startswith("- ")]
    return options, bullets


# --------------------------------------------------------------------------- all specs


def test_shipped_specs_all_load():
    found = sorted(p.stem for p in SPECS_DIR.glob("*.yaml"))
    assert found == sorted(SHIPPED_IDS)
    for form_id in SHIPPED_IDS:
        s = spec(form_id)
        assert s.id == form_id
        assert s.version == "1.0"
        assert s.description


@pytest.mark.parametrize("form_id", SHIPPED_IDS)
def test_shipped_specs_source_names_an_existing_seed(form_id):
    s = spec(form_id)
    assert (SEEDS_DIR / s.source.seed).is_file(), f"{form_id}: no seed {s.source.seed}"
    assert s.source.title


def test_shipped_specs_protective_markings():
    sensitive = {*RP_IDS, "case_review", "pausepoint"}
    for form_id in SHIPPED_IDS:
        expected = "OFFICIAL-SENSITIVE" if form_id in sensitive else "OFFICIAL"
        assert spec(form_id).protective_marking == expected, form_id


def test_shipped_specs_share_one_forces_list():
    lists = {
        form_id: spec(form_id).choice_lists["forces"]
        for form_id in SHIPPED_IDS
        if "forces" in spec(form_id).choice_lists
    }
    assert set(lists) == {*RP_IDS, "case_review", "ld_self_assessment", "statutory_review_quality"}
    first = lists["rp1"]
    # 43 territorial forces of England and Wales, British Transport Police, other
    assert len(first) == 45
    assert first[-1].code == "other"
    assert {c.code for c in first} >= {
        "avon_and_somerset",
        "metropolitan",
        "british_transport_police",
    }
    for form_id, choices in lists.items():
        assert choices == first, f"{form_id} has a different forces list"


def _compared_codes(tree: expr.Expr) -> list[tuple[str, str]]:
    """(field id, code) for every code a rule compares a field's answer with."""
    out: list[tuple[str, str]] = []
    if isinstance(tree, expr.Not):
        return _compared_codes(tree.operand)
    if isinstance(tree, expr.BoolOp):
        for operand in tree.operands:
            out.extend(_compared_codes(operand))
    if isinstance(tree, expr.Compare):
        for name, other in ((tree.left, tree.right), (tree.right, tree.left)):
            if not isinstance(name, expr.Name):
                continue
            literals = other.items if isinstance(other, expr.ListOf) else (other,)
            for lit in literals:
                if isinstance(lit, expr.Literal):
                    out.append((name.name, str(lit.value)))
    return out


@pytest.mark.parametrize("form_id", SHIPPED_IDS)
def test_shipped_specs_relevance_rules_name_real_codes(form_id):
    """A rule testing a code the field does not offer would hide its question for ever."""
    s = spec(form_id)
    rules = 0
    for f in s.answerable():
        tree = s.relevance(f)
        if tree is None:
            continue
        rules += 1
        compared = _compared_codes(tree)
        assert compared, f"{f.id}: rule {f.relevant!r} compares no answer"
        for field_id, code in compared:
            offered = [c.code for c in s.options(s.field(field_id))]
            assert code in offered, f"{f.id}: {field_id} offers no code {code!r}"
    assert rules or form_id == "ld_self_assessment"


# --------------------------------------------------------------------------- RP1-RP6


def test_rp_seed_extraction_counts():
    points = rp_points_from_seed()
    assert {n: len(p) for n, p in points.items()} == RP_POINT_COUNTS


@pytest.mark.parametrize("n", sorted(RP_POINT_COUNTS))
def test_rp_checklist_points_match_seed(n):
    expected = rp_points_from_seed()[n]
    assert len(expected) == RP_POINT_COUNTS[n]
    s = spec(f"rp{n}")
    checklist = [f for f in s.answerable() if re.fullmatch(r"point_\d+", f.id)]
    assert [f.id for f in checklist] == [f"point_{i}" for i in range(1, len(expected) + 1)]
    assert all(isinstance(f, YesNoNAField) for f in checklist)
    assert len(checklist) == RP_POINT_COUNTS[n]
    assert [norm(f.label) for f in checklist] == expected
    for f in checklist:
        notes = s.field(f"{f.id}_notes")
        assert notes.type == "long_text"
    assert all(f in section(s, "checklist").fields for f in checklist)


@pytest.mark.parametrize("n", sorted(RP_POINT_COUNTS))
def test_rp_title_uses_seed_003_stage_name(n):
    names = rp_stage_names_from_seed()
    assert sorted(names) == list(range(1, 7))
    assert spec(f"rp{n}").title == f"Reflective Practice Point {n}: {names[n]}"


@pytest.mark.parametrize("form_id", RP_IDS)
def test_rp_every_stage_items_match_seed(form_id):
    items = every_stage_items_from_seed()
    assert len(items) == 3
    s = spec(form_id)
    fields = [s.field(i) for i in ("cover_case_victim", "cover_ld_gaps", "cover_welfare")]
    assert [(norm(f.label), norm(f.hint or "")) for f in fields] == items
    assert all(isinstance(f, YesNoNAField) for f in fields)
    for f in fields:
        assert s.field(f"{f.id}_notes").type == "long_text"


@pytest.mark.parametrize("form_id", RP_IDS)
def test_rp_action_learning_questions_match_seed(form_id):
    groups = action_learning_sets_from_seed()
    assert [len(qs) for _, qs in groups] == [4, 1, 1, 1]
    s = spec(form_id)
    als_sections = [sec for sec in s.sections if sec.id.startswith("als_")]
    assert [norm(sec.title) for sec in als_sections] == [
        f"Action learning set: {name}" for name, _ in groups
    ]
    for sec, (_, questions) in zip(als_sections, groups, strict=True):
        assert [norm(f.label or "") for f in sec.fields] == questions
        assert all(f.type == "long_text" for f in sec.fields)
    labels = {norm(f.label) for f in s.answerable()}
    for _, questions in groups:
        for q in questions:
            assert q in labels


@pytest.mark.parametrize("form_id", RP_IDS)
def test_rp_notes_and_guidance_match_seed(form_id):
    bullets = cultural_bullets_from_seed()
    assert len(bullets) == 4
    assert bullets[3].startswith("Note: ")
    s = spec(form_id)
    cultural = note(s, "cultural_considerations").text.split("\n")
    assert [norm(b) for b in cultural] == bullets[:3]
    assert norm(note(s, "welfare_note").text) == bullets[3].removeprefix("Note: ")
    assert norm(section(s, "agreed_actions").intro or "") == agree_sentence_from_seed()
    assert norm(s.field("learning_points").hint or "") == bullets[2]


@pytest.mark.parametrize("form_id", RP_IDS)
def test_rp_common_fields(form_id):
    s = spec(form_id)
    for fid in ("crime_ref", "review_date", "welfare_raised", "supervisor_signoff"):
        assert s.field(fid).required, fid
    assert s.field("psych_support").relevant == "welfare_raised == 'yes'"
    assert s.field("pausepoint_referral").relevant == "welfare_raised == 'yes'"
    assert s.field("pausepoint_referral_date").relevant == "pausepoint_referral == 'yes'"
    assert s.field("attendees_other").relevant == "'others' in attendees"
    actions = s.field("actions")
    assert actions.type == "table"
    assert [c.id for c in actions.columns] == ["action", "owner", "due"]
    assert actions.max_rows == 8


def test_rp_specs_share_their_common_sections():
    """Collation compares RP returns field by field: everything but the stage is identical."""

    def common(s: FormSpec) -> list[dict]:
        out = []
        for sec in s.sections:
            if sec.id == "checklist":
                continue
            dumped = sec.model_dump()
            dumped["fields"] = [f for f in dumped["fields"] if f["id"] != "rp_point"]
            out.append(dumped)
        return out

    first = spec("rp1")
    for form_id in RP_IDS[1:]:
        other = spec(form_id)
        assert common(other) == common(first), form_id
        assert other.choice_lists == first.choice_lists, form_id
        assert other.scales == first.scales, form_id
        assert other.classification == first.classification, form_id


# --------------------------------------------------------------------------- case review


def test_case_review_areas_match_seed():
    areas = case_review_areas_from_seed()
    assert len(areas) == 7
    s = spec("case_review")
    area_sections = [sec for sec in s.sections if sec.id.startswith("area_")]
    titles = [norm(sec.title) for sec in area_sections]
    assert titles == [*areas, "Quality of recording"]
    for sec in area_sections:
        kinds = {f.id.removeprefix(sec.id.removeprefix("area_") + "_"): f for f in sec.fields}
        assert {"strengths", "improve", "rating"} <= set(kinds), sec.id
        assert isinstance(kinds["rating"], RatingField)
        assert kinds["rating"].scale == "quality"
    assert len(s.scales["quality"].points) >= 2
    assert s.scales["quality"].description


def test_case_review_live_risk_is_required():
    s = spec("case_review")
    assert s.field("live_risk").required
    direction = s.field("live_risk_direction")
    assert direction.required
    assert direction.relevant == "live_risk == 'yes'"
    assert s.field("primary_not_involved").required
    assert s.field("primary_reviewer").type == "signoff"
    assert s.field("secondary_live_risk_direction").relevant == "secondary_live_risk == 'yes'"
    assert [c.code for c in s.choice_lists["relationships"]] == [
        "stranger",
        "acquaintance",
        "domestic",
        "other",
    ]


# --------------------------------------------------------------------------- PausePoint


def test_pausepoint_support_options_match_seed():
    options, _ = pausepoint_from_seed()
    assert len(options) == 6
    choices = spec("pausepoint").choice_lists["support_options"]
    assert [norm(c.label) for c in choices[:-1]] == options
    assert choices[-1].code == "other"


def test_pausepoint_intro_quotes_seed():
    _, bullets = pausepoint_from_seed()
    assert len(bullets) == 4
    s = spec("pausepoint")
    intro = norm(note(s, "pausepoint_intro").text)
    for bullet in bullets:
        assert bullet in intro
    mutual = next(b for b in bullets if "mutual agreement" in b)
    assert norm(note(s, "adjustment_note").text) == mutual


def test_pausepoint_is_special_category_health_data():
    s = spec("pausepoint")
    assert s.classification.special_category
    identifying = set(s.classification.identifying_fields)
    assert {"officer_name", "supervisor_name", "supervisor_signoff"} <= identifying
    for fid in ("adjustment_what", "adjustment_from", "adjustment_review"):
        assert s.field(fid).relevant == "adjustment_agreed == 'yes'"


# --------------------------------------------------------------------------- L&D self-assessment


def test_ld_self_assessment_criteria_match_seed():
    criteria = criteria_from_seed()
    assert len(criteria) == 17
    s = spec("ld_self_assessment")
    ratings = [f for f in s.answerable() if isinstance(f, RatingField)]
    assert [f.id for f in ratings] == [f"c{n:02d}_rating" for n in range(1, 18)]
    assert [norm(f.label) for f in ratings] == [c for c, _ in criteria]
    for f, (_, guidance) in zip(ratings, criteria, strict=True):
        assert f.help is not None
        assert "<" not in f.help, f.id
        assert "&amp;" not in f.help, f.id
        assert norm(f.help) == guidance, f.id
    criterion_sections = [sec for sec in s.sections if sec.id.startswith("criterion_")]
    assert [sec.title for sec in criterion_sections] == [f"Criterion {n}" for n in range(1, 18)]
    for n, sec in enumerate(criterion_sections, 1):
        p = f"c{n:02d}"
        assert [f.id for f in sec.fields] == [
            f"{p}_rating",
            f"{p}_evidence",
            f"{p}_actions",
            f"{p}_owner",
            f"{p}_target",
        ]


def test_ld_self_assessment_carries_cc_by_nc_sa_licence():
    source = spec("ld_self_assessment").source
    assert source.licence == "CC BY-NC-SA 4.0"
    assert source.attribution is not None
    assert "CC BY-NC-SA 4.0" in source.attribution
    assert "RASSO Learning and Development Guidance" in source.attribution
    assert source.url is not None
    assert "creativecommons.org/licenses/by-nc-sa/4.0" in source.url
    seed = norm(seed_text("002"))
    for author in (
        "Dr Emma Williams",
        "Richard Harding",
        "Dr Nicky Miller",
        "Dr Rachel Ward",
        "Jennifer Norman",
    ):
        assert author in seed
        assert author in source.attribution


def test_ld_self_assessment_scale_is_stated():
    scale = spec("ld_self_assessment").scales["maturity"]
    assert scale.description
    for point in scale.points:
        assert point.label in scale.description


# --------------------------------------------------------------------------- statutory reviews


def test_statutory_review_quality_limitations_match_seed():
    limitations = limitations_from_seed()
    assert len(limitations) == 9
    s = spec("statutory_review_quality")
    ratings = [f for f in s.answerable() if isinstance(f, RatingField) and f.id != "overall_rating"]
    assert [norm(f.label) for f in ratings] == [h for h, _ in limitations]
    for f, (heading, body) in zip(ratings, limitations, strict=True):
        assert f.help, heading
        assert norm(f.help) in body, f"{f.id}: help is not a sentence of '{heading}'"
    assert s.field("overall_rating").type == "rating"
    assert s.field("overall_comments").type == "long_text"
