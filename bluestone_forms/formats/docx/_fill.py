"""Filling a Word form's controls: storing a value in a control the way Word stores what a
person typed or picked (used by `docx.write` for prefilled forms and by `docx.fill`).
The raw names and the reading of controls are in `_docx_xml`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..ooxml.wordml import (
    BR,
    CHECKED,
    SDT_CONTENT,
    SDT_PR,
    TAB,
    UNCHECKED,
    W14_VAL,
    P,
    R,
    _glyph_rpr,
    _placeholder_run,
    _sub,
    _text,
    describe,
    find_controls,
    w,
    w14,
)


@dataclass(frozen=True)
class Entry:
    """What to put in one control: display text, tick state, ISO date, and the placeholder
    to show again when the text is empty."""

    text: str
    checked: bool = False
    full_date: str | None = None
    placeholder: str = ""


def set_control(sdt: Any, entry: Entry, kind: str | None = None) -> None:
    """Store a value in a control the way Word stores what a person typed or picked."""
    pr = sdt.find(SDT_PR)
    if pr is None:
        pr = etree.Element(SDT_PR)
        sdt.insert(0, pr)
    content = sdt.find(SDT_CONTENT)
    if content is None:
        content = _sub(sdt, SDT_CONTENT)
    kind = kind or describe(sdt, pr).kind
    block = content.find(P) is not None
    for child in list(content):
        content.remove(child)
    holder = _sub(content, P) if block else content
    for old in pr.findall(w("showingPlcHdr")):
        pr.remove(old)
    if kind == "checkbox":
        state = pr.find(f"{w14('checkbox')}/{w14('checked')}")
        if state is not None:
            state.set(W14_VAL, "1" if entry.checked else "0")
        run = _sub(holder, R)
        _glyph_rpr(run)
        _text(run, CHECKED if entry.checked else UNCHECKED)
        return
    date = pr.find(w("date"))
    if date is not None:
        if entry.full_date and entry.text:
            date.set(w("fullDate"), entry.full_date)
        elif w("fullDate") in date.attrib:
            del date.attrib[w("fullDate")]
    dropdown = pr.find(w("dropDownList"))
    if dropdown is not None:
        if entry.text:
            dropdown.set(w("lastValue"), entry.text)
        elif w("lastValue") in dropdown.attrib:
            del dropdown.attrib[w("lastValue")]
    if not entry.text:
        # an emptied control shows its placeholder again, as in Word
        anchor = pr.find(w("lock"))
        mark = etree.Element(w("showingPlcHdr"))
        if anchor is not None:
            anchor.addnext(mark)
        else:
            pr.append(mark)
        _placeholder_run(holder, entry.placeholder or " ")
        return
    run = _sub(holder, R)
    rpr = pr.find(w("rPr"))
    if rpr is not None:
        run.append(etree.fromstring(etree.tostring(rpr)))
    for i, line in enumerate(entry.text.split("\n")):
        if i:
            _sub(run, BR)
        for j, piece in enumerate(line.split("\t")):
            if j:
                _sub(run, TAB)
            if piece:
                _text(run, piece)


def fill_tree(root: Any, entries: Mapping[str, Entry]) -> list[str]:
    """Fill the controls of the given keys; returns the keys whose control was not found."""
    found = find_controls(root, tuple(entries))
    for key, f in found.items():
        set_control(f.element, entries[key], f.kind)
    return [k for k in entries if k not in found]
