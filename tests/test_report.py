"""The export's own pieces: rows streamed into the workbook, and the report's charts."""

from __future__ import annotations

import datetime as dt
import random
import re
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from bluestone_forms import api, pdf_ua
from bluestone_forms.formats import xlsx
from bluestone_forms.formats.ooxml import rows as xlsx_rows
from bluestone_forms.formats.ooxml.cells import dangerous
from bluestone_forms.outputs import charts
from bluestone_forms.outputs.export import HTML_REPORT, REPORT
from bluestone_forms.outputs.figures import AlertRow, Heatmap, Summary, Table
from bluestone_forms.outputs.report import (
    PDF_LISTED,
    PDF_LISTED_EACH,
    ReportWriter,
    chart_table,
    common_folder,
    fair_shares,
    html,
    pivot,
)
from bluestone_forms.samples import apply_relevance, sample_values
from bluestone_forms.spec.catalog import Catalog

TOTALS = dict.fromkeys(("files", "records", "read", "read_with_issues", "duplicate",
                        "superseded", "conflict", "rejected", "issues"), 0)


def test_streamed_rows_read_back_as_the_values_put_in(tmp_path: Path) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    styles = xlsx_rows.Styles.register(ws)
    ws.append(["heading"])
    rows = [
        ["plain", 3, 2.5, Decimal("4"), Decimal("1.25"), True, dt.date(2024, 2, 29), None],
        ["=SUM(A1)", "  {=1+1}", "-3", "@cmd", " padded ", "a\x01b", "<&>", ""],
        ["\ud800 lone", "\uffff", "\tTab", "x" * 200, "x" * 200, "ok", 0, -7],
    ]
    out = tmp_path / "b.xlsx"
    xlsx_rows.save(wb, out, {"Data": (rows, 2)}, styles)
    got = load_workbook(out)["Data"]
    values = [[c.value for c in r] for r in got.iter_rows(min_row=2, max_col=8)]
    assert values[0] == ["plain", 3, 2.5, 4, 1.25, True, dt.datetime(2024, 2, 29), None]
    assert values[1] == ["=SUM(A1)", "  {=1+1}", "-3", "@cmd", " padded ", "a\u2401b", "<&>", None]
    assert values[2][:3] == ["\ufffd lone", "\ufffd", "\tTab"]
    assert got["G2"].number_format == "dd/mm/yyyy"
    assert all(got.cell(3, c).data_type == "s" and got.cell(3, c).quotePrefix
               for c in range(1, 5))
    assert not got["E3"].quotePrefix
    assert not got["A2"].quotePrefix


def test_dangerous_is_a_trigger_after_spaces_and_braces() -> None:
    for text in ("=1", " =1", "\u3000{ {+1", "\t", "＠x", "\0", "{-"):
        assert dangerous(text), text
    for text in ("", "a=1", " x-", "1+1", "}=", "\u2003=1"):
        assert not dangerous(text), text


def test_grid_rows_stay_one_line_each_whatever_the_labels() -> None:
    labels = ["Line\nbreak", "x" * 80, "tab\there", "ok"]
    cells = [[("1.0", "#ffffff"), ("", None)] for _ in labels]
    (grid,) = charts.grids("Force", labels, ["1", "2"], cells)
    assert all("\n" not in x and len(x) <= charts.LABEL_CHARS for x in grid.labels)
    assert len(grid.lines) == len(grid.labels) == 4
    assert grid.svg.count("M") == 4  # one square per coloured cell
    many = charts.grids("Force", [str(i) for i in range(120)], ["1"], [[("1", None)]] * 120)
    assert [len(g.labels) for g in many] == [50, 50, 20]


def test_pivot_counts_forces_by_form_titles_with_totals() -> None:
    t = Table("Returns", ["Form", "Version", "Force", "Returns"],
              [["Form A: one", "1.0", "Kent", 2], ["Form B: two", "1.0", "Kent", 3],
               ["Form A: one", "1.0", "Essex", 4], ["Form B: two", "1.1", "Essex", 1]],
              chart="pivot")
    p = pivot(t)
    assert p.columns == ["Form A", "Form B v1.0", "Form B v1.1", "All forms"]
    same = Table("Returns", t.headers, [["Form: one", "1.0", "Kent", 1],
                                         ["Form: two", "1.0", "Kent", 1]], chart="pivot")
    assert pivot(same).columns == ["Form: one", "Form: two", "All forms"]
    assert [(force, [text for text, _ in row]) for force, row in p.rows] == [
        ("Essex", ["4", "", "1", "5"]), ("Kent", ["2", "3", "", "5"]),
        ("All forces", ["6", "3", "1", "10"])]


def test_report_escapes_and_lists_every_alert() -> None:
    alerts = [AlertRow("Case <b>review</b>", "Live risk", f"Force {i % 3}",
                       [("Crime reference", f"<script>{i}</script>"), ("Direction", "go")],
                       f"/in/returns/r{i}.docx", f"id{i}", "current") for i in range(7)]
    s = Summary("OFFICIAL-SENSITIVE", "now", TOTALS, alerts=alerts,
                heatmaps=[Heatmap("f", "Heat", ["<i>A</i>"], ["Q"], [[2.0]], 1, 4, "cap")])
    page = html(s)
    for raw in ("<script>", "<i>A</i>", "<b>review"):
        assert raw not in page
    assert all(f"&lt;script&gt;{i}&lt;/script&gt;" in page for i in range(7))
    assert all(f"· r{i}.docx" in page for i in range(7))
    assert "Files named below are in /in/returns." in page


def test_common_folder_is_a_real_prefix_or_nothing() -> None:
    assert common_folder(["/a/b/x.docx", "/a/b/c/y.pdf"]) == "/a/b"
    assert common_folder(["/a//b/x.docx"]) == ""
    assert common_folder(["x.docx", "/a/y.docx"]) == ""
    assert common_folder([]) == ""


def test_report_writer_writes_in_another_process_and_passes_errors_back(tmp_path: Path) -> None:
    s = Summary("OFFICIAL", "now", TOTALS)
    with ReportWriter(s, tmp_path / "r.pdf") as writer:
        assert writer.proc is not None  # no other thread here: forked
        assert writer.wait() > 0
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    with ReportWriter(s, tmp_path / "missing" / "r.pdf") as writer, \
            pytest.raises(FileNotFoundError):
        writer.wait()


def test_report_writer_stays_in_this_process_beside_other_threads(tmp_path: Path) -> None:
    s = Summary("OFFICIAL", "now", TOTALS)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with ReportWriter(s, tmp_path / "r.pdf") as writer:
            assert writer.proc is None
            writer.wait()
    finally:
        stop.set()
        other.join()
    assert (tmp_path / "r.pdf").exists()


def test_rating_bars_span_the_scale_not_from_zero() -> None:
    t = Table("R", ["Question", "Mean", "Answers"], [["a", 1.0, 2], ["b", 2.5, 2], ["c", 4.0, 1]],
              high=4, low=1)
    widths = [float(bar.split('<rect x="0.0" width="')[1].split('"')[0]) if "<rect" in bar
              else 0.0 for bar in chart_table(t, value=1).bars]
    assert widths == [0.0, charts.BAR_WIDTH / 2, charts.BAR_WIDTH]


def test_report_lists_at_most_max_files_per_outcome_and_says_so() -> None:
    many = Table("Files rejected (250)", ["File", "Form", "Why"],
                 [[f"r{i}.docx", "", "damaged"] for i in range(250)], chart="none")
    s = Summary("OFFICIAL-SENSITIVE", "now", TOTALS, files=[many])
    page = html(s, web=True)
    assert "r199.docx" in page
    assert "r200.docx" not in page
    assert "the Files sheet of the workbook lists all 250" in page


def test_fair_shares_gives_small_buckets_all_and_splits_the_rest() -> None:
    assert fair_shares([1, 2, 500, 500], 200) == [1, 2, 98, 99]
    assert fair_shares([10, 10], 200) == [10, 10]
    assert fair_shares([50, 50, 50], 100) == [33, 33, 34]
    assert fair_shares([5, 5, 5], 6, each=3) == [3, 3, 3]  # the floor passes the cap
    assert fair_shares([1, 9], 4, each=3) == [1, 3]
    assert fair_shares([], 200) == []


FORCE_ROWS = (1, 2, 3, 5, 8, 20)  # the first six forces' returns; the seventh has the rest
ENTRY = re.compile(r"(CR|FU)(\d)-(\d{4})")


def _register_rows(spec_id: str, n: int, prefix: str, **fixed: str) -> list[dict[str, Any]]:
    spec = Catalog.shipped().get(spec_id)
    forces = [c.code for c in spec.choice_lists["forces"]][:7]
    owner = [k for k, count in enumerate(FORCE_ROWS) for _ in range(count)]
    owner += [6] * (n - len(owner))
    rng = random.Random(19)
    return [sample_values(spec, rng, force=forces[k], crime_ref=f"{prefix}{k}-{i:04d}",
                          **fixed) for i, k in enumerate(owner)]


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A collation (Excel registers) with more alerts and follow-ups than the PDF lists:
    seven forces, six with a few returns each and one with most; every case review has a
    live risk (every third a second one at secondary review) and every RP1 a welfare issue
    with no referral."""
    folder = tmp_path_factory.mktemp("crowded")
    reviews = _register_rows("case_review", 300, "CR", live_risk="yes")
    for i, vals in enumerate(reviews):
        vals["secondary_live_risk"] = "yes" if i % 3 == 0 else "no"
    rp1 = _register_rows("rp1", 260, "FU", welfare_raised="yes", pausepoint_referral="no")
    for spec_id, rows in (("case_review", reviews), ("rp1", rp1)):
        spec = Catalog.shipped().get(spec_id)
        for part in range(2):
            template = xlsx.write(spec, folder / f"{spec_id}-{part}-blank.xlsx",
                                  layout="register")
            xlsx.fill(template, [apply_relevance(spec, v) for v in rows[part::2]],
                      folder / "returns" / f"{spec_id}-{part}.xlsx")
    api.collate([folder / "returns"], folder / "out")
    return folder / "out"


def _entries(text: str) -> list[tuple[str, int]]:
    return [(kind, int(force)) for kind, force, _ in ENTRY.findall(text)]


def test_pdf_report_lists_at_most_the_cap_shared_fairly_and_html_lists_all(
        crowded: Path) -> None:
    text = " ".join(p.extract_text() for p in PdfReader(crowded / REPORT).pages)
    text = re.sub(r"\s+", " ", text)
    page = (crowded / HTML_REPORT).read_text(encoding="utf-8")
    whole = {"CR": 300 + 100, "FU": 260}
    assert f"Live risks and other alerts ({whole['CR']})" in text
    assert f"Welfare and other follow-ups ({whole['FU']})" in text
    assert "Live risk identified in the secondary review (100)" in text
    listed = _entries(text)
    for kind in whole:
        got = [force for k, force in listed if k == kind]
        assert len(got) == PDF_LISTED, kind
        assert f"{PDF_LISTED} of the {whole[kind]} are listed here" in text
        # a force with no more than its fair share is listed whole; every force is there
        in_html = [force for k, force in _entries(page) if k == kind]
        assert len(in_html) == whole[kind]
        for force in range(7):
            has = in_html.count(force)
            if has <= PDF_LISTED // 7:
                assert got.count(force) == has, (kind, force)
            else:
                assert got.count(force) >= PDF_LISTED_EACH, (kind, force)
    more = [int(n) for n in re.findall(r"… and (\d+) more\.", text)]
    assert sum(more) == sum(whole.values()) - 2 * PDF_LISTED
    assert "the Summary sheet of the workbook list every one" in text
    assert "… and" not in page
    assert "are listed here" not in page
    with pikepdf.open(crowded / REPORT) as pdf:  # the cut listing is tagged as the rest
        assert pdf_ua.check(pdf) == []
        assert pdf_ua.claims(pdf)
