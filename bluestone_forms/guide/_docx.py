"""The Word version of the Supervisors' Guide, which a force can edit and adapt.

Real heading styles (navigation pane, screen readers), numbered and bulleted lists, a table per
RP point, and a contents list of page-reference fields (LibreOffice prints a contents *field*
without page numbers; page references it fills in).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import docx
from docx.enum.text import WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

if TYPE_CHECKING:
    from . import Guide

NAVY = RGBColor(0x2B, 0x3A, 0x55)


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def write_docx(g: Guide, path: Path, attribution: str) -> Path:
    """The guide as a Word document with real headings and lists, for a force to adapt."""
    d, h, s = g.data, g.data.headings, g.shared
    doc = docx.Document()
    _setup(doc, g)
    doc.add_paragraph(d.document.series, style="Subtitle")
    doc.add_heading(d.document.title, 1)
    doc.add_paragraph(d.document.subtitle, style="Subtitle")
    doc.add_paragraph(attribution)
    doc.add_paragraph(h.contents, style="TOC Heading")
    _toc(doc, g)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    parts = {anchor: (n, title) for n, (anchor, title, _) in enumerate(g.contents(), 1)}

    def part(anchor: str) -> None:
        n, title = parts[anchor]
        _bookmark(doc.add_heading(title, 2), anchor, n)

    part("about")
    for text in d.how_to_use:
        doc.add_paragraph(_norm(text))
    _boxed(doc.add_paragraph(s.model_intro))
    lead = _norm(d.core_purpose.lead)
    doc.add_paragraph().add_run(lead[:1].upper() + lead[1:]).bold = True
    _items(doc, d.core_purpose.items)
    _pair(doc.add_paragraph(), d.learning.question, d.learning.answer, " ")
    part("cultural")
    _items(doc, s.cultural)
    part("process")
    _pair(doc.add_paragraph(), d.document.title + ":", d.process.intro, " ")
    for step in d.process.steps:
        _pair(doc.add_paragraph(style="List Number"), step.name, step.description)
    part("every-point")
    doc.add_paragraph(s.cover_lead + ":")
    for item, why in s.cover:
        _pair(doc.add_paragraph(style="List Bullet"), item, why)
    part("points")
    doc.add_paragraph(_norm(d.investigation_map))
    for rp in g.points:
        doc.add_heading(f"{rp.code}: {rp.stage}", 3)
        if rp.intro:
            doc.add_paragraph().add_run(rp.intro).italic = True
        _table(doc, ("", f"{rp.code} points"), list(enumerate(rp.points, 1)))
    part("als")
    doc.add_paragraph(s.als_intro)
    for group in s.als:
        doc.add_heading(group.name, 3)
        _items(doc, group.questions)
    _boxed(doc.add_paragraph(s.agree))
    part("welfare")
    _pair(_boxed(doc.add_paragraph()), "Note:", s.welfare_note, " ")
    doc.add_heading(d.wellbeing_products, 3)
    head, sep, rest = g.pausepoint_lead.partition(": ")
    _pair(doc.add_paragraph(), head + sep.strip(), rest, " ")
    _items(doc, g.pausepoint)
    doc.add_paragraph(h.welfare_record)
    _items(doc, s.welfare_record)
    doc.add_heading(h.support, 3)
    doc.add_paragraph(d.support_lead)
    _items(doc, g.support)
    part("sources")
    for src, lines in g.sources:
        doc.add_heading(src.title, 3)
        for line in ([src.date] if src.date else []) + list(lines):
            doc.add_paragraph(line)
    doc.add_paragraph(_norm(d.sources_note))
    doc.add_paragraph().add_run(f"Contact: {d.contact}").bold = True
    doc.save(str(path))
    return path


def _setup(doc: Any, g: Guide) -> None:
    """A4 page, fonts and colours, core properties, and a 'Page x of y' footer."""
    info = g.data.document
    props = doc.core_properties
    props.title, props.subject, props.author = info.title, _norm(info.subject), info.author
    props.keywords, props.language = info.keywords, "en-GB"
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin = section.bottom_margin = Mm(20)
    for name, size in (("Normal", 10.5), ("Heading 1", 20), ("Heading 2", 14), ("Heading 3", 12),
                       ("Subtitle", 12), ("TOC Heading", 14)):
        style = doc.styles[name]
        style.font.name, style.font.size = "Arial", Pt(size)
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attr), None)
        if name != "Normal":
            style.font.color.rgb = NAVY
    doc.styles["Normal"].element.get_or_add_rPr().append(_el("w:lang", val="en-GB"))
    foot = section.footer.paragraphs[0]
    foot.add_run(f"{info.short_title} · Page ")
    _field(foot, "PAGE")
    foot.add_run(" of ")
    _field(foot, "NUMPAGES")


def _el(tag: str, text: str | None = None, **attrs: str) -> Any:
    """A WordprocessingML element with these w: attributes."""
    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), value)
    if text is not None:
        el.text = text
    return el


def _field(paragraph: Any, instr: str, cached: str = "1", dirty: bool = False) -> None:
    fld = _el("w:fldSimple", instr=instr, **({"dirty": "true"} if dirty else {}))
    run = _el("w:r")
    run.append(_el("w:t", cached))
    fld.append(run)
    paragraph._p.append(fld)


def _bookmark(paragraph: Any, anchor: str, number: int) -> None:
    name = "_Toc_" + anchor.replace("-", "_")
    paragraph._p.insert(1, _el("w:bookmarkStart", id=str(number), name=name))
    paragraph._p.append(_el("w:bookmarkEnd", id=str(number)))


def _toc(doc: Any, g: Guide) -> None:
    """The contents: each entry's page number is a PAGEREF field to its heading's bookmark,
    marked dirty so Word computes it on opening; LibreOffice computes it as it lays out.
    (A Word TOC field would do, but LibreOffice prints its cached entries without numbers.)"""
    for anchor, title, _subs in g.contents():
        entry = doc.add_paragraph()
        entry.paragraph_format.tab_stops.add_tab_stop(Mm(170), WD_TAB_ALIGNMENT.RIGHT,
                                                      WD_TAB_LEADER.DOTS)
        entry.add_run(title + "\t")
        _field(entry, f" PAGEREF _Toc_{anchor.replace('-', '_')} \\h ", "", dirty=True)


def _pair(paragraph: Any, head: str, text: str, sep: str = " – ") -> Any:
    """A paragraph of a bold head and its text (a step, an item and its explanation)."""
    paragraph.add_run(_norm(head)).bold = True
    if text:
        paragraph.add_run(sep + _norm(text))
    return paragraph


def _items(doc: Any, items: Any) -> None:
    for item in items:
        doc.add_paragraph(_norm(item), style="List Bullet")


def _boxed(paragraph: Any) -> Any:
    """A paragraph with a navy rule on its left and a pale fill: a note that stands out."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = _el("w:pBdr")
    borders.append(_el("w:left", val="single", sz="24", space="6", color="2B3A55"))
    ppr.append(borders)
    ppr.append(_el("w:shd", val="clear", color="auto", fill="EEF1F6"))
    paragraph.paragraph_format.space_before = Pt(6)  # after pBdr and shd, as the schema wants
    paragraph.paragraph_format.left_indent = Mm(2)
    return paragraph


def _table(doc: Any, header: tuple[str, str], rows: list[tuple[int, str]]) -> None:
    """A two-column table (number, point) whose header row repeats on each page."""
    table = doc.add_table(rows=1, cols=2)
    table.style, table.autofit = "Light List Accent 1", False
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    table.rows[0]._tr.get_or_add_trPr().append(_el("w:tblHeader", val="true"))
    for number, text in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = str(number), text
    for column, width in zip(table.columns, (Mm(12), Mm(158)), strict=True):
        column.width = width  # the grid, which LibreOffice follows
        for cell in column.cells:
            cell.width = width  # each cell, which Word follows
    table._tbl.tblPr.append(_el("w:tblCaption", val=header[1]))  # read out by screen readers
    doc.add_paragraph()
