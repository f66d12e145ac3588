"""The self-contained HTML report: valid HTML5, no script and nothing fetched, accessible
tables and charts, the same order as the PDF (live risks, then follow-ups), and a real
headless browser draws it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from outputs_corpus import Corpus, corpus
from PIL import Image
from tinyhtml5.parser import HTMLParser

from bluestone_forms.outputs.figures import AlertRow, Heatmap, Summary
from bluestone_forms.outputs.report import html

H = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return corpus(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def page(made: Corpus) -> str:
    return made.hidden.html_report.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tree(page: str) -> Any:
    parser = HTMLParser()
    root = parser.parse(page)
    assert parser.errors == [], parser.errors[:5]  # parses as HTML5 without one error
    return root


def test_html_report_is_written_beside_the_pdf(made: Corpus) -> None:
    assert made.hidden.html_report.parent == made.hidden.report.parent
    assert made.hidden.html_report.name == "bluestone-report.html"


def test_html_report_has_no_script_and_no_external_reference(page: str, tree: Any) -> None:
    tags = [e.tag for e in tree.iter() if isinstance(e.tag, str)]
    assert f"{H}script" not in tags
    assert f"{H}link" not in tags
    for e in tree.iter():
        for name, value in e.attrib.items():
            assert not name.startswith("on"), (e.tag, name)  # no event handlers
            if name.rsplit("}", 1)[-1] in ("src", "href", "srcset", "action", "data"):
                pytest.fail(f"{e.tag} refers to {value!r}")
    assert not re.search(r"url\(|@import|https?:|file:", "".join(
        e.text or "" for e in tree.iter(f"{H}style")))
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")


def test_html_report_tables_have_header_cells_and_charts_text(tree: Any) -> None:
    tables = list(tree.iter(f"{H}table"))
    assert len(tables) > 5
    for t in tables:
        assert any(True for _ in t.iter(f"{H}th")), "a table without header cells"
    heat = [t for t in tables if "heat" in t.get("class", "")]
    assert heat, "the heatmaps are real tables"
    for t in heat:
        assert [th.get("scope") for th in t.iter(f"{H}th")][:2] == ["col", "col"]
        assert any(th.get("scope") == "row" for th in t.iter(f"{H}th"))
    for svg in tree.iter(f"{SVG}svg"):
        assert svg.get("aria-hidden") == "true" or (
            svg.get("role") == "img" and svg.get("aria-label")), svg.attrib
    assert [e.tag for e in tree.iter() if e.tag in (f"{H}h1",)] == [f"{H}h1"]


def test_html_report_puts_live_risks_then_follow_ups_under_a_fixed_marking(page: str,
                                                                           made: Corpus) -> None:
    risks = page.index("Live risks and other alerts")
    follow = page.index("Welfare and other follow-ups")
    assert risks < follow < page.index("mean rating by force")
    banner = re.search(r'<div class="banner"[^>]*>([^<]+)</div>', page)
    assert banner
    assert banner.group(1) == "OFFICIAL-SENSITIVE"
    assert re.search(r"\.banner \{ position: fixed", page)
    pdf_order = html(_tiny())
    assert pdf_order.index("Live risks") < pdf_order.index("Welfare and other follow-ups")


def test_html_report_names_the_files_that_need_attention(page: str) -> None:
    assert "Files rejected (1)" in page
    assert "damaged.docx" in page
    assert "Duplicate files (1)" in page
    assert "copy-of-last" in page


def _tiny() -> Summary:
    totals = dict.fromkeys(("files", "records", "read", "read_with_issues", "duplicate",
                            "superseded", "conflict", "rejected", "issues"), 0)
    row = AlertRow("RP1", "Welfare", "Kent", [("Crime reference", "<b>X</b>")], "a/b.docx",
                   "i", "current")
    return Summary("OFFICIAL-SENSITIVE", "now", totals, alerts=[row], follow_ups=[row],
                   heatmaps=[Heatmap("f", "Heat", ["A"], ["Q"], [[2.0]], 1, 4, "cap", n=[3])])


def test_html_report_escapes_what_returns_say() -> None:
    page = html(_tiny(), web=True)
    assert "<b>X</b>" not in page
    assert "&lt;b&gt;X&lt;/b&gt;" in page


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_html_report_renders_in_headless_chromium(made: Corpus, tmp_path: Path) -> None:
    browser = chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; scripts/setup.sh installs it")
        pytest.skip("chromium is not installed")
    shot = tmp_path / "report.png"
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1100,1600",
         f"--screenshot={shot}", made.hidden.html_report.as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    with Image.open(shot) as im:
        assert im.format == "PNG"
        assert im.size == (1100, 1600)
        grey = im.convert("L")
        lo, hi = grey.getextrema()
        assert hi - lo > 150  # text and banner on a light page, not one flat colour
        dark = sum(grey.histogram()[:100])
        assert dark > 2000  # enough dark pixels for headings, figures and the banner
        colours = im.convert("RGB").getcolors(maxcolors=1_000_000) or []
        assert len(colours) > 50  # heatmap colours and text
