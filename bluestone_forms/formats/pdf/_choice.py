"""Radio buttons and tick boxes of the fillable PDF: made recognisable, read and filled.

A single choice of a few options (Yes / No / Not applicable, a rating 1–4) is a radio group,
one button per option with the option's text printed beside it; a select-many question is a
tick box per option. WeasyPrint 70 makes radio groups, but in a shape other tools do not take:

- each button's on-state is its index ("/0", "/1", …) with the texts in the group's /Opt, so
  pypdf users must pass "/1" for "No", and pdftk maps texts to indexes only through /Opt;
- every button also keeps /T and /TU and is listed in /Fields beside its group, so a tool
  sees each button as a field of the same name;
- the checked appearance is a disc the size of the whole button, and there is no /Off state.

`prepare` makes each group what a person and a tool expect: the on-state of a button is the
option text itself (/Yes, /No, /Not#20applicable, /3#20-#20Good), no /Opt, the
buttons only as /Kids of the group, and appearances of our own: a dot inside the ring the page
draws for a radio button, a tick inside the box for a tick box, an empty /Off state for both.
pdftk (`fill_form` with the option text), pypdf (`"/Yes"`) and a viewer all set /V to that
name, which `value` reads back and the codec decodes like any answer.

Why ASCII names: pdftk writes a name one byte per character, so "3 – Good" (an en dash)
came back as "3 \x13 Good". A state name is therefore the option text with dashes as "-"
when that is printable ASCII, else the option's code (`state_names`); the codec reads both.
"""

from __future__ import annotations

import pikepdf

from ...answers import values
from ...answers.slots import Slot

FLAG_RADIO = 1 << 15
FLAG_NO_TOGGLE_OFF = 1 << 14
INK = b"0.1 g 0.1 G"


def state_names(slot: Slot) -> dict[str, str]:
    """Each option text of a choice or rating slot -> its radio button's on-state name."""
    texts = values.choice_texts(slot)
    out: dict[str, str] = {}
    for text, option in zip(texts, slot.options, strict=True):
        name = text.replace("\u2013", "-").replace("\u2014", "-")
        ok = name.isascii() and name.isprintable() and name.strip() and name != "Off"
        out[text] = name if ok else option.code
    if len(set(out.values())) < len(out):
        out = {text: option.code for text, option in zip(texts, slot.options, strict=True)}
    return out


def _is_radio_group(node: object) -> bool:
    return (isinstance(node, pikepdf.Dictionary) and node.get("/FT") == pikepdf.Name.Btn
            and "/Kids" in node and bool(int(node.get("/Ff", 0)) & FLAG_RADIO))


def _xobject(pdf: pikepdf.Pdf, w: float, h: float, ops: bytes) -> pikepdf.Stream:
    return pdf.make_stream(ops, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                           BBox=pikepdf.Array([0, 0, w, h]), Resources=pikepdf.Dictionary())


def _size(widget: pikepdf.Object) -> tuple[float, float]:
    x1, y1, x2, y2 = (float(v) for v in widget.Rect)
    return abs(x2 - x1), abs(y2 - y1)


def dot(pdf: pikepdf.Pdf, w: float, h: float) -> pikepdf.Stream:
    """A radio button's on-state: a filled dot, half the button across, in its centre."""
    cx, cy, r = w / 2, h / 2, min(w, h) / 4
    k = 0.5523 * r  # Bézier control distance for a quarter circle
    path = (f"{cx + r:.2f} {cy:.2f} m "
            f"{cx + r:.2f} {cy + k:.2f} {cx + k:.2f} {cy + r:.2f} {cx:.2f} {cy + r:.2f} c "
            f"{cx - k:.2f} {cy + r:.2f} {cx - r:.2f} {cy + k:.2f} {cx - r:.2f} {cy:.2f} c "
            f"{cx - r:.2f} {cy - k:.2f} {cx - k:.2f} {cy - r:.2f} {cx:.2f} {cy - r:.2f} c "
            f"{cx + k:.2f} {cy - r:.2f} {cx + r:.2f} {cy - k:.2f} {cx + r:.2f} {cy:.2f} c f")
    return _xobject(pdf, w, h, b"q " + INK + b" " + path.encode() + b" Q")


def tick(pdf: pikepdf.Pdf, w: float, h: float) -> pikepdf.Stream:
    """A tick box's on-state: a tick stroked inside the box."""
    lw = max(min(w, h) * 0.12, 0.6)
    path = (f"{lw:.2f} w 1 J 1 j {w * 0.22:.2f} {h * 0.52:.2f} m {w * 0.42:.2f} {h * 0.28:.2f} l "
            f"{w * 0.80:.2f} {h * 0.76:.2f} l S")
    return _xobject(pdf, w, h, b"q " + INK + b" " + path.encode() + b" Q")


def prepare(pdf: pikepdf.Pdf) -> None:
    """Radio groups and tick boxes as WeasyPrint wrote them -> as described above."""
    acro = pdf.Root.AcroForm
    fields = list(acro.get("/Fields", pikepdf.Array()))
    buttons: set[tuple[int, int]] = set()
    for group in fields:
        if not _is_radio_group(group):
            continue
        options = [str(o) for o in group.get("/Opt", pikepdf.Array())]
        for i, kid in enumerate(group.Kids):
            buttons.add(kid.objgen)
            state = pikepdf.Name("/" + (options[i] if i < len(options) else str(i)))
            for key in ("/T", "/TU", "/V", "/FT"):
                if key in kid:
                    del kid[key]
            w, h = _size(kid)
            kid.AP = pikepdf.Dictionary(N=pikepdf.Dictionary({
                str(state): dot(pdf, w, h), "/Off": _xobject(pdf, w, h, b""),
            }))
            kid.AS = pikepdf.Name.Off
        if "/Opt" in group:
            del group["/Opt"]
        group.V = pikepdf.Name.Off
        group.Ff = FLAG_RADIO | FLAG_NO_TOGGLE_OFF
    for f in fields:  # a tick box: the on-state WeasyPrint named, drawn as a tick
        if f.get("/FT") != pikepdf.Name.Btn or "/Kids" in f or f.objgen in buttons:
            continue
        normal = f.get("/AP", pikepdf.Dictionary()).get("/N")
        on = [k for k in normal if k != "/Off"] if isinstance(normal, pikepdf.Dictionary) \
            else []
        if on:
            w, h = _size(f)
            f.AP = pikepdf.Dictionary(N=pikepdf.Dictionary({
                str(on[0]): tick(pdf, w, h), "/Off": _xobject(pdf, w, h, b""),
            }))
    acro.Fields = pikepdf.Array([f for f in fields if f.objgen not in buttons])


def is_radio(ft: str, flags: int) -> bool:
    return ft == "/Btn" and bool(flags & FLAG_RADIO)


def states(group: pikepdf.Dictionary) -> list[str]:
    """The on-state of each button of a radio group, in order (the option texts)."""
    out: list[str] = []
    for kid in group.get("/Kids", pikepdf.Array()):
        normal = kid.get("/AP", pikepdf.Dictionary()).get("/N") \
            if isinstance(kid, pikepdf.Dictionary) else None
        if isinstance(normal, pikepdf.Dictionary):
            out.extend(str(k)[1:] for k in normal if k != "/Off")
    return out


def value(group: pikepdf.Dictionary, v: object) -> str:
    """The chosen option of a radio group: its /V as a name (pdftk, viewers, `fill`) or as a
    string "/No" (pypdf writes the parent's /V so); else the button shown on (/AS); "" for
    none. An index into /Opt (another writer's radio group) gives that option's text."""
    if isinstance(v, pikepdf.Name):
        state = str(v)[1:]
    elif isinstance(v, pikepdf.String):
        state = str(v)[1:] if str(v).startswith("/") else str(v)
    else:
        shown = [str(k.AS)[1:] for k in group.get("/Kids", pikepdf.Array())
                 if isinstance(k, pikepdf.Dictionary) and isinstance(k.get("/AS"), pikepdf.Name)
                 and str(k.AS) != "/Off"]
        state = shown[0] if len(shown) == 1 else ""
    opts = group.get("/Opt") if "/Opt" in group else None  # a missing key costs more
    if state.isdigit() and isinstance(opts, pikepdf.Array) and int(state) < len(opts):
        return str(opts[int(state)])
    return "" if state == "Off" else state


def choose(group: pikepdf.Dictionary, text: str) -> None:
    """Set a radio group to the option `text` ("" for none), /V and each button's /AS."""
    on = pikepdf.Name("/" + text) if text else pikepdf.Name.Off
    if text and text not in states(group):
        raise ValueError(f"{text!r} is not one of the radio group's options")
    group.V = on
    for kid in group.get("/Kids", pikepdf.Array()):
        normal = kid.get("/AP", pikepdf.Dictionary()).get("/N")
        kid.AS = on if isinstance(normal, pikepdf.Dictionary) and on in normal \
            else pikepdf.Name.Off
