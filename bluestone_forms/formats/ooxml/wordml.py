"""Raw WordprocessingML for the Word format: element names, the hidden bookmark of each slot,
finding a return's controls and what they hold. `_docx_fill` fills controls in and
`_docx_build_xml` builds the form's markup with these names; `docx.py` speaks in spec terms.

Markup follows what Word itself writes (ECMA-376 Part 1 §17.5.2, [MS-DOCX] for w14): an inline
`w:sdt` inside a paragraph, `w:sdtPr` children in schema order (rPr, alias, tag, id, lock,
showingPlcHdr, then the type: w:text, w:date, w:dropDownList, w14:checkbox, or none for rich
text), and values stored as Word stores them after a person fills a control: `w:t` text with
`w:br` for each line break and `w:tab` for tabs, `w:date/@w:fullDate` plus the display text,
the chosen item's display text (and `w:lastValue`) of a drop-down, `w14:checked` plus the ☒/☐
glyph; `w:showingPlcHdr` goes once a control holds an answer and comes back when it is emptied.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
DATE_FORMAT = "dd/MM/yyyy"
CHECKED, UNCHECKED = "☒", "☐"
BOOKMARK_PREFIX = "_bs_"
PLACEHOLDER_STYLE = "PlaceholderText"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def w14(tag: str) -> str:
    return f"{{{W14}}}{tag}"


SDT, SDT_PR, SDT_CONTENT = w("sdt"), w("sdtPr"), w("sdtContent")
P, R, T, BR, CR, TAB = w("p"), w("r"), w("t"), w("br"), w("cr"), w("tab")
NO_BREAK_HYPHEN, BR_TYPE = w("noBreakHyphen"), w("type")
BM_START, BM_END, BM_NAME, W_ID = w("bookmarkStart"), w("bookmarkEnd"), w("name"), w("id")
VAL, W14_VAL = w("val"), w14("val")
ALIAS, TAG, SHOWING_PLACEHOLDER = w("alias"), w("tag"), w("showingPlcHdr")
TEXT_TYPE, DATE, FULL_DATE = w("text"), w("date"), w("fullDate")
DROPDOWN, COMBO, CHECKBOX = w("dropDownList"), w("comboBox"), w14("checkbox")
CHECKED_STATE = w14("checked")
TAG_PATH = f"{SDT_PR}/{TAG}"
NESTED_SDT = f".//{SDT}"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


# --------------------------------------------------------------------------- naming


def bookmark_name(key: str) -> str:
    """The hidden bookmark around a slot's control: `_bs_` + 40 bits of a hash of the key.

    Word bookmark names are at most 40 letters, digits and underscores; a leading underscore
    hides them from Word's Bookmark list. A hash keeps the name short for any key length.
    """
    return BOOKMARK_PREFIX + hashlib.blake2b(key.encode(), digest_size=5).hexdigest()


def _number(key: str, salt: bytes) -> int:
    digest = hashlib.blake2b(key.encode(), digest_size=4, person=salt).digest()
    return int.from_bytes(digest, "big") & 0x3FFFFFFF or 1


# --------------------------------------------------------------------------- small builders


def _sub(parent: Any, tag: str, attrs: Mapping[str, str] | None = None) -> Any:
    el = etree.SubElement(parent, tag)
    for k, v in (attrs or {}).items():
        el.set(k, v)
    return el


def _glyph_rpr(parent: Any) -> None:
    rpr = _sub(parent, w("rPr"))
    fonts = {w(a): "MS Gothic" for a in ("ascii", "eastAsia", "hAnsi")}
    _sub(rpr, w("rFonts"), {**fonts, w("hint"): "eastAsia"})


def _placeholder_run(parent: Any, text: str) -> None:
    run = _sub(parent, R)
    _sub(_sub(run, w("rPr")), w("rStyle"), {VAL: PLACEHOLDER_STYLE})
    _text(run, text)


def _text(run: Any, text: str) -> None:
    t = _sub(run, T)
    t.text = text
    if text != text.strip():
        t.set(_XML_SPACE, "preserve")


# --------------------------------------------------------------------------- reading


def replace_text(root: Any, old: str, new: str) -> bool:
    """Replace text within single w:t elements (the footer's identity line); True if any."""
    done = False
    for t in root.iter(T):
        if t.text and old in t.text:
            t.text = t.text.replace(old, new)
            done = True
    return done


def part_text(root: Any) -> str:
    """All visible text of a part (a header or footer), paragraphs separated by newlines."""
    return "\n".join(_text_of(p) for p in root.iter(P))


@dataclass(slots=True)
class Found:
    """A control found in a return: its Word kind, displayed text and state."""

    kind: str
    text: str
    placeholder: bool
    checked: bool | None
    full_date: str | None
    title: str | None
    element: Any


def _text_of(scope: Any) -> str:
    """The text a person sees in an element: runs' text, tabs, line breaks and, between
    paragraphs, a newline. Deleted text (tracked changes) is w:delText and is skipped.

    One unfiltered walk comparing tags is several times faster in lxml than a filtered one.
    """
    out: list[str] = []
    for el in scope.iter():
        tag = el.tag
        if tag == T:
            out.append(el.text or "")
        elif tag in (BR, CR):
            if el.get(BR_TYPE, "textWrapping") == "textWrapping":
                out.append("\n")
        elif tag == TAB:
            if el.getparent().tag == R:  # not a tab stop in paragraph properties
                out.append("\t")
        elif tag == P:
            if el is not scope and el.getprevious() is not None:
                out.append("\n")
        elif tag == NO_BREAK_HYPHEN:
            out.append("-")
    return "".join(out)


_ALIAS, _SHOWING, _PLAIN, _DATE, _LIST, _BOX = range(6)
_PROPS = {ALIAS: _ALIAS, SHOWING_PLACEHOLDER: _SHOWING, TEXT_TYPE: _PLAIN, DATE: _DATE,
          DROPDOWN: _LIST, COMBO: _LIST, CHECKBOX: _BOX}
_KINDS = {_PLAIN: "text", _DATE: "date", _LIST: "dropdown", _BOX: "checkbox"}


def describe(sdt: Any, pr: Any = None) -> Found:
    """What a control holds, reading its properties once (this runs for every answer box of
    every return, so it does one pass over the properties and one over the content)."""
    kind, title, placeholder, checked, full_date = "richtext", None, False, None, None
    if pr is None:
        pr = next((child for child in sdt if child.tag == SDT_PR), None)
    for child in pr if pr is not None else ():
        prop = _PROPS.get(child.tag)
        if prop is None:
            continue
        if prop == _ALIAS:
            title = child.get(VAL)
        elif prop == _SHOWING:
            placeholder = child.get(VAL, "1") not in ("0", "false", "off")
        else:
            kind = _KINDS[prop]
            if prop == _DATE:
                full_date = child.get(FULL_DATE)
            elif prop == _BOX:
                for state in child.iter(CHECKED_STATE):
                    checked = state.get(W14_VAL, "1") in ("1", "true", "on")
    content = pr.getnext() if pr is not None else (sdt[0] if len(sdt) else None)
    while content is not None and content.tag != SDT_CONTENT:
        content = content.getnext()
    text = _text_of(content) if content is not None and checked is None else ""
    return Found(kind, text, placeholder, checked, full_date, title, sdt)


@lru_cache(maxsize=64)
def _bookmarks(keys: tuple[str, ...]) -> dict[str, str]:
    return {bookmark_name(k): k for k in keys}


def find_controls(root: Any, keys: Sequence[str]) -> dict[str, Found]:
    """Every control of the given slot keys, by its tag or else by its slot's bookmark.

    Word keeps tags; LibreOffice 7.4 drops them but keeps bookmarks, moving the start inside
    the control. So a bookmark names the control it sits in, or else the next control that
    starts before the bookmark ends. Order alone is never used: a deleted control loses only
    its own answer.
    """
    by_name = _bookmarks(tuple(keys))
    wanted = set(by_name.values())
    found: dict[str, Found] = {}
    for tag_el in root.iter(TAG):
        key = tag_el.get(VAL)
        if key in wanted and key not in found:
            pr = tag_el.getparent()
            sdt = pr.getparent()
            if sdt is not None and sdt.tag == SDT:
                found[key] = describe(sdt, pr)
    if len(found) < len(wanted):
        found.update(_by_bookmark(root, by_name, set(found)))
    return found


Answer = str | bool | None


def answers(root: Any, keys: Sequence[str]) -> dict[str, Answer]:
    """The raw answer of every control found (as `find_controls` finds them): a tick box's
    state, else the text it shows, placeholder or not.

    `w:showingPlcHdr` is not trusted: LibreOffice 7.4 keeps it (and the placeholder style)
    on text a person typed over the placeholder, so only the caller, knowing each control's
    own placeholder text, can tell "no answer" from an answer.

    The fast path for reading returns: one walk of the document (`Seen`) finds the tags,
    the tick states and what makes a control's text more than its runs' text; only the
    text is then read per control.
    """
    by_name = _bookmarks(tuple(keys))
    wanted = set(by_name.values())
    seen = Seen(root)
    ticks, mixed = seen.ticks, seen.mixed
    out: dict[str, Answer] = {}
    for tag_el in seen.tags:
        key = tag_el.get(VAL)
        if key not in wanted or key in out:
            continue
        pr = tag_el.getparent()
        sdt = pr.getparent()
        if sdt is None or sdt.tag != SDT:
            continue
        if pr in ticks:
            out[key] = ticks[pr]
        else:
            content = pr.getnext()
            while content is not None and content.tag != SDT_CONTENT:
                content = content.getnext()
            if content is None:
                out[key] = ""
            elif content in mixed or (len(content) and content[0].tag != R):
                out[key] = _text_of(content)
            else:  # only runs of w:t text: let libxml2 join them
                out[key] = etree.tostring(content, method="text", encoding="unicode",
                                          with_tail=False)
    if len(out) < len(wanted):
        for key, f in _by_bookmark(root, by_name, set(out)).items():
            out[key] = f.checked if f.checked is not None else f.text
    return out


# what makes a control's shown text more than its runs' w:t text: breaks, tabs, non-breaking
# hyphens, or text that is not shown (deleted text, field codes)
_MIXING = (BR, CR, TAB, NO_BREAK_HYPHEN, w("delText"), w("instrText"), w("delInstrText"))


class Seen:
    """What one walk of a document finds for reading its controls: every w:tag (in document
    order), the tick state of every w14:checkbox by its control's properties, and the
    control contents holding anything but plain w:t text (`_MIXING`).

    Why one walk: lxml walks a tree fast in C but each walk is a pass over every element;
    one walk for all these tags, instead of one per tag, is what reading a return needs."""

    __slots__ = ("mixed", "tags", "ticks")

    def __init__(self, root: Any) -> None:
        self.tags: list[Any] = []
        self.ticks: dict[Any, bool] = {}
        self.mixed: set[Any] = set()
        tags, ticks = self.tags, self.ticks
        mixing: list[Any] = []
        for el in root.iter(TAG, CHECKED_STATE, *_MIXING):
            tag = el.tag
            if tag == TAG:
                tags.append(el)
            elif tag == CHECKED_STATE:
                box = el.getparent()
                if box is not None and box.tag == CHECKBOX and box.getparent() is not None:
                    ticks[box.getparent()] = el.get(W14_VAL, "1") in ("1", "true", "on")
            else:
                mixing.append(el)
        for el in mixing:
            parent = el.getparent()
            while parent is not None and parent.tag not in _STOP:
                if parent.tag == SDT_CONTENT:
                    self.mixed.add(parent)
                    break
                parent = parent.getparent()


def _by_bookmark(root: Any, by_name: Mapping[str, str], skip: set[str]) -> dict[str, Found]:
    found: dict[str, Found] = {}
    pending: dict[str, str] = {}  # open bookmark id -> key, waiting for its control
    for el in root.iter(SDT, BM_START, BM_END):
        tag = el.tag
        if tag == SDT:
            if pending and el.find(NESTED_SDT) is None:
                key = pending.pop(next(iter(pending)))
                if key not in found:
                    found[key] = describe(el)
        elif tag == BM_START:
            name = by_name.get(el.get(BM_NAME, ""))
            if name is None or name in found or name in skip:
                continue
            holder = _enclosing_sdt(el)
            if holder is not None:
                found[name] = describe(holder)
            else:
                pending[el.get(W_ID, "")] = name
        else:
            pending.pop(el.get(W_ID, ""), None)
    return found


_STOP = frozenset((w("body"), w("tc"), w("hdr"), w("ftr")))


def _enclosing_sdt(el: Any) -> Any:
    parent = el.getparent()
    while parent is not None and parent.tag not in _STOP:
        if parent.tag == SDT:
            return parent
        parent = parent.getparent()
    return None


R_STYLE = w("rStyle")


def pasted_beside(root: Any, empty: Mapping[str, str]) -> dict[str, str]:
    """Text LibreOffice put just before an empty control instead of into it, by key.

    `empty` maps the keys of the controls found empty to the caption the form prints before
    each ("Name: " before a sign-off's name box, else ""). LibreOffice 7.4, pasting over a
    control's selected placeholder, empties the control and inserts the text in front of it,
    outside: in the PlaceholderText character style, or appended to the caption's own run.
    So the runs right before an empty control (same paragraph) are its answer when they are
    all in that style, which a generated form never has outside a control, or when they read
    the caption followed by more text. Plain text typed elsewhere beside a control is not
    taken (`answers`).
    """
    out: dict[str, str] = {}
    if not any(_placeholder_run_outside(style) for style in root.iter(R_STYLE)):
        empty = {key: caption for key, caption in empty.items() if caption}
        if not empty:  # the usual case, cheaply: nothing can have been pasted beside
            return out
    for key, f in find_controls(root, tuple(empty)).items():
        runs, styled = [], True
        sibling = f.element.getprevious()
        while sibling is not None and sibling.tag in (R, BM_START, BM_END):
            if sibling.tag == R:
                runs.append(sibling)
                styled = styled and any(
                    st.get(VAL) == PLACEHOLDER_STYLE for st in sibling.iter(R_STYLE))
            sibling = sibling.getprevious()
        text = "".join(_text_of(run) for run in reversed(runs))
        caption = empty[key]
        if runs and styled and text.strip():
            out[key] = text
        elif caption and text.startswith(caption) and text[len(caption):].strip():
            out[key] = text[len(caption):]
    return out


def _placeholder_run_outside(style: Any) -> bool:
    """Whether a w:rStyle is the PlaceholderText style of a run outside any inline control."""
    if style.get(VAL) != PLACEHOLDER_STYLE:
        return False
    parent = style.getparent()
    while parent is not None and parent.tag != P:
        if parent.tag == SDT:
            return False
        parent = parent.getparent()
    return True
