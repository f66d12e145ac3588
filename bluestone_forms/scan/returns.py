"""Scanned pages grouped into returns by their QR codes, and each return's record.

A return is one printed copy (form, version, instance id); its pages may come in any order,
from any number of files. Its record is built from the decided tick boxes and, for what a
person must decide or key (uncertain marks, handwriting), from the filled review workbook
(`Resolution` per review key). Until every item of a return is resolved, it is "read,
awaiting review".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..answers import values
from ..answers.records import Record
from ..answers.slots import Slot, field_slots
from ..errors import Issue
from ..formats.common import Identity, finish
from ..spec.compiled import CompiledSpec
from ..spec.model import FormSpec
from ..spec.numbering import question_numbers
from ..spec.wording import key_as, show_date
from .decide import EMPTY, REVIEW, TICKED, Mark
from .pages import PageRead, Writing

PROVENANCE = "keyed from scan"
TICKED_WORDS = frozenset({"ticked", "tick", "yes", "y", "x", "✓", "✔", "true", "1"})
EMPTY_WORDS = frozenset({"empty", "not ticked", "no", "n", "false", "0", "blank"})
BLANK_TEXT = frozenset({"blank", "(blank)", "nothing written"})


@dataclass(frozen=True)
class ReviewItem:
    """One row of the review workbook: an uncertain mark or a handwritten answer."""

    key: str  # instance|slot|opt ("" for writing): stable across runs
    form_id: str
    version: str
    instance_id: str
    page: int
    where: str
    number: str | None  # the printed question number ("12", "17.1")
    question: str
    kind: str  # "mark" | "writing"
    slot_kind: str
    detail: str  # the option of a mark, the format expected of writing
    why: str
    crop: bytes


def questions(spec: FormSpec) -> dict[str, tuple[str | None, Slot]]:
    """Per slot key: the printed question number (`numbering`) and the slot."""
    numbers = question_numbers(spec)
    out: dict[str, tuple[str | None, Slot]] = {}
    for f in spec.answerable():
        for s in field_slots(spec, f):
            out[s.key] = (numbers[f.id], s)
    return out


def _questions(form: CompiledSpec) -> dict[str, tuple[str | None, Slot]]:
    return questions(form.spec)  # kept with the compiled form: once per form, not per return


@dataclass
class ScanReturn:
    form: CompiledSpec
    instance_id: str
    pages: dict[int, PageRead] = field(default_factory=dict)
    duplicates: list[PageRead] = field(default_factory=list)

    @property
    def spec(self) -> FormSpec:
        return self.form.spec

    @property
    def total(self) -> int:
        return next(iter(self.pages.values())).pid.pages  # type: ignore[union-attr]

    @property
    def missing(self) -> list[int]:
        return [n for n in range(1, self.total + 1) if n not in self.pages]

    @property
    def files(self) -> list[str]:
        return sorted({p.file for p in self.pages.values()})

    @property
    def first_file(self) -> str:
        return self.pages[min(self.pages)].file

    def items(self) -> list[ReviewItem]:
        """Every mark and handwritten answer a person must decide or key."""
        qs = self.form.derived(_questions)
        out: list[ReviewItem] = []
        for n in sorted(self.pages):
            page = self.pages[n]
            for m in page.marks:
                if m.state == REVIEW:
                    out.append(self._item(qs, page, m.place.slot, m.place.opt, "mark", m.why,
                                          _mark_crop(page, m)))
            for w in page.writing:
                out.append(self._item(qs, page, w.place.slot, None, "writing",
                                      "handwritten: key what is written", w.crop))
        return out

    def _item(self, qs: dict[str, tuple[str | None, Slot]], page: PageRead, slot_key: str,
              opt: int | None, kind: str, why: str, crop: bytes) -> ReviewItem:
        number, slot = qs[slot_key]
        if kind == "mark":
            detail = (values.choice_texts(slot)[opt] if opt is not None and opt >= 0
                      else slot.options[0].label if slot.options else "")
        else:
            # what to key, in the words every form uses for the kind (spec/wording.py)
            detail = key_as(slot.kind)
        return ReviewItem(
            key=f"{self.instance_id}|{slot_key}|{'' if opt is None else opt}",
            form_id=self.spec.id, version=self.spec.version, instance_id=self.instance_id,
            page=n_of(page), where=page.where, number=number, question=slot.label,
            kind=kind, slot_kind=slot.kind, detail=detail, why=why, crop=crop)

    def record(self, resolutions: dict[str, Any], partial: bool = False
               ) -> tuple[Record | None, list[Issue], int]:
        """The return's record and issues, or (None, [], pending) while items are unresolved.

        Resolved values go through the codec and validation like any other return's. With
        `partial`, a record is made anyway, each unresolved item left unanswered (`read`)."""
        pending = [i for i in self.items()
                   if _resolved(i.kind, resolutions.get(i.key)) is None]
        if pending and not partial:
            return None, [], len(pending)
        raw, where, keyed = self._raw(resolutions)
        file = self.first_file
        record, issues = finish(self.form, Identity(self.spec.id, self.spec.version,
                                                    self.instance_id), raw, where, file)
        for n in self.missing:
            issues.append(Issue("(form)", f"page {n} of {self.total} is not among the scanned "
                                          "pages; its answers are missing", file=file))
        for dup in self.duplicates:
            issues.append(Issue("(form)", f"page {n_of(dup)} was scanned twice ({dup.where}); "
                                          "the first scan was read", file=file))
        record.meta["format"] = "scan"
        record.meta["provenance"] = PROVENANCE if keyed else "read from scan"
        record.meta["keyed"] = keyed
        record.meta["pages"] = {str(n): p.where for n, p in sorted(self.pages.items())}
        return record, issues, len(pending)

    def _raw(self, res: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], list[str]]:
        marks: dict[str, list[tuple[Mark, PageRead]]] = {}
        writing: dict[str, tuple[Writing, PageRead]] = {}
        seen: dict[str, PageRead] = {}
        for page in self.pages.values():
            for m in page.marks:
                marks.setdefault(m.place.slot, []).append((m, page))
                seen[m.place.slot] = page
            for w in page.writing:
                writing[w.place.slot] = (w, page)
                seen[w.place.slot] = page
            for p in page.blank:
                seen[p.slot] = page
        raw: dict[str, Any] = {}
        where: dict[str, str] = {}
        keyed: list[str] = []
        for key, (_, slot) in self.form.derived(_questions).items():
            if key not in seen:  # its page is missing: one issue says so for the page
                raw[key] = None
                continue
            page = seen[key]
            where[key] = f"page {n_of(page)} ({page.where})"
            if key in writing:
                text = _resolved_text(res.get(f"{self.instance_id}|{key}|"), slot)
                raw[key] = None if text is None or text.lower() in BLANK_TEXT else text
                keyed.append(key)
                continue
            if key not in marks:
                raw[key] = None
                continue
            states: list[tuple[int, str]] = []
            for m, _ in marks[key]:
                state = m.state
                if state == REVIEW:
                    state = _resolved("mark", res.get(
                        f"{self.instance_id}|{key}|{m.place.opt}")) or EMPTY
                    keyed.append(key)
                states.append((m.place.opt if m.place.opt is not None else -1, state))
            ticked = [opt for opt, st in states if st == TICKED]
            if slot.kind == "flag":
                raw[key] = bool(ticked)
            elif not ticked:
                raw[key] = None
            else:
                texts = values.choice_texts(slot)
                raw[key] = " and ".join(texts[o] for o in ticked)  # two: the codec says so
        return raw, where, sorted(set(keyed))


def n_of(page: PageRead) -> int:
    return page.pid.page if page.pid else 0


def _mark_crop(page: PageRead, m: Mark) -> bytes:
    return page.crops.get((m.place.slot, m.place.opt), b"")


def _resolved(kind: str, value: Any) -> str | None:
    """A review cell's value as "ticked"/"empty" for a mark, or the text for writing; None
    when the cell is empty or not understood (the item stays pending)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind == "mark":
        word = str(value).strip().lower()
        return TICKED if word in TICKED_WORDS else EMPTY if word in EMPTY_WORDS else None
    return str(value)


def _resolved_text(value: Any, slot: Slot) -> str | None:
    """A keyed cell as the text the codec reads (a date cell Excel made a date, a number)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        d = value.date() if isinstance(value, dt.datetime) else value
        return show_date(d)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
