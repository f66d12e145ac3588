"""Appearance streams for filled text and choice fields, drawn in the form's own Unicode font.

Why our own: a value is only visible in renderers that ignore NeedAppearances (pdftoppm,
most printers) if the field has an appearance stream. qpdf's generator (pikepdf
`generate_appearance_streams`) and pdftk encode text one byte per character, which is wrong
for WeasyPrint's Identity-H fonts: every character came out as a wrong glyph (TOOLING.md).
WeasyPrint embeds the whole font of a page with form fields, with a ToUnicode map and widths
for every glyph, so we map each character to its glyph id through that map and write 2-byte
codes: anything DejaVu Sans has (Latin, Greek, Cyrillic, …) is drawn, and pdftotext reads it
back through the same map. Characters the font lacks are drawn as its .notdef box.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

import pikepdf

UNICODE_FONT = "/BsUni"  # the field font's name in the AcroForm /DR (set when the form is written)
MIN_SIZE = 6.0
PAD = 2.0
MAX_CMAP_BYTES = 4 * 1024 * 1024
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]{2,8})>\s*<([0-9A-Fa-f]{2,64})>")


@dataclass(frozen=True)
class FieldFont:
    """What drawing text needs: glyph id per character, width per glyph (1/1000 em)."""

    glyphs: dict[str, int]
    widths: dict[int, float]
    default_width: float
    ascent: float
    descent: float
    _chars: dict[str, tuple[str, float]] = field(default_factory=dict, compare=False)

    def gid(self, ch: str) -> int:
        return self.glyphs.get(ch, self.glyphs.get("\ufffd", 0))

    def char(self, ch: str) -> tuple[str, float]:
        """A character's 2-byte code (hex) and advance width, looked up once per font."""
        hit = self._chars.get(ch)
        if hit is None:
            gid = self.gid(ch)
            hit = self._chars[ch] = (f"{gid:04X}", self.widths.get(gid, self.default_width))
        return hit

    def units(self, text: str) -> float:
        """Advance width of `text` in glyph units (1/1000 em)."""
        return sum(self.char(c)[1] for c in text)

    def hex(self, text: str) -> bytes:
        return ("<" + "".join(self.char(c)[0] for c in text) + ">").encode()

    def width(self, text: str, size: float) -> float:
        return self.units(text) * size / 1000


_CACHE: dict[bytes, FieldFont] = {}


def field_font(pdf: pikepdf.Pdf) -> tuple[pikepdf.Object, FieldFont] | None:
    """The form's Unicode field font and its maps, or None for a form without one."""
    try:
        font = pdf.Root.AcroForm.DR.Font[UNICODE_FONT]
    except (AttributeError, KeyError, IndexError, TypeError):
        return None
    maps = font_maps(font)
    return None if maps is None else (font, maps)


def font_maps(font: pikepdf.Object) -> FieldFont | None:
    """Glyph ids and widths of a Type0 (Identity-H) font, from its ToUnicode map and /W."""
    try:
        to_unicode = font.ToUnicode
        cid_font = font.DescendantFonts[0]
    except (AttributeError, KeyError, IndexError, TypeError):
        return None
    raw = to_unicode.read_raw_bytes()
    if len(raw) > MAX_CMAP_BYTES:
        return None
    key = hashlib.blake2b(raw, digest_size=16).digest()
    cached = _CACHE.get(key)
    if cached is None:
        cached = _load(to_unicode.read_bytes(), cid_font)
        _CACHE[key] = cached
    return cached


def _load(cmap: bytes, cid_font: pikepdf.Object) -> FieldFont:
    glyphs: dict[str, int] = {}
    for gid_hex, uni_hex in _BFCHAR.findall(cmap):
        try:
            text = bytes.fromhex(uni_hex.decode()).decode("utf-16-be")
        except (UnicodeDecodeError, ValueError):
            continue
        if len(text) == 1:
            glyphs.setdefault(text, int(gid_hex, 16))
    widths: dict[int, float] = {}
    w = cid_font.get("/W")
    items = list(w) if isinstance(w, pikepdf.Array) else []
    i = 0
    while i < len(items):
        first = int(items[i])
        nxt = items[i + 1] if i + 1 < len(items) else None
        if isinstance(nxt, pikepdf.Array):
            for j, value in enumerate(nxt):
                widths[first + j] = float(value)
            i += 2
        elif nxt is not None and i + 2 < len(items):
            for gid in range(first, int(nxt) + 1):
                widths[gid] = float(items[i + 2])
            i += 3
        else:
            break
    descriptor = cid_font.get("/FontDescriptor")
    ascent = float(descriptor.get("/Ascent", 800)) / 1000 if descriptor is not None else 0.8
    descent = float(descriptor.get("/Descent", -200)) / 1000 if descriptor is not None else -0.2
    return FieldFont(glyphs, widths, float(cid_font.get("/DW", 1000)), ascent, descent)


def _printable(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\t", "    ")
    if text.replace("\n", "").isprintable():
        return text
    return "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf") or c == "\n")


def wrap(font: FieldFont, text: str, size: float, width: float) -> list[str]:
    """Lines of `text` no wider than `width` at `size`: at spaces, or inside a long word."""
    limit = width * 1000 / size  # in glyph units, so widths are summed once per character
    space = font.units(" ")
    lines: list[str] = []
    for para in text.split("\n"):
        line, used = "", 0.0
        for word in para.split(" "):
            w = font.units(word)
            if not line and used == 0.0 and w <= limit:
                line, used = word, w
                continue
            if used + space + w <= limit:
                line, used = f"{line} {word}", used + space + w
                continue
            if line or used:
                lines.append(line)
            line, used = "", 0.0
            if w <= limit:
                line, used = word, w
                continue
            for ch in word:  # a word longer than the box is broken where it must be
                cw = font.units(ch)
                if line and used + cw > limit:
                    lines.append(line)
                    line, used = "", 0.0
                line, used = line + ch, used + cw
        lines.append(line)
    return lines


def resources(pdf: pikepdf.Pdf, font_ref: pikepdf.Object) -> pikepdf.Object:
    """One resource dictionary shared by every appearance drawn in a fill."""
    return pdf.make_indirect(pikepdf.Dictionary(Font=pikepdf.Dictionary({UNICODE_FONT: font_ref})))


def text_appearance(
    pdf: pikepdf.Pdf,
    res: pikepdf.Object,
    font: FieldFont,
    rect: pikepdf.Object,
    value: str,
    size: float,
    multiline: bool,
) -> pikepdf.Stream:
    """A normal appearance (Form XObject) showing `value` inside the widget's rectangle.

    Text shrinks (down to 6 pt) until it fits; what still does not fit is clipped.
    """
    x1, y1, x2, y2 = (float(v) for v in rect)
    w, h = abs(x2 - x1), abs(y2 - y1)
    text = _printable(value)
    avail_w = max(w - 2 * PAD, 1.0)
    size = max(size, MIN_SIZE)
    if multiline:
        while True:
            lines = wrap(font, text, size, avail_w)
            if len(lines) * size * 1.15 <= h - PAD or size <= MIN_SIZE:
                break
            size = max(MIN_SIZE, size - 0.5)
    else:
        lines = [" ".join(text.split("\n"))]
        units = font.units(lines[0])
        if units * size / 1000 > avail_w:
            size = max(MIN_SIZE, avail_w * 1000 / units)
    leading = size * 1.15
    if multiline:
        y = h - PAD / 2 - font.ascent * size
    else:
        y = (h - (font.ascent - font.descent) * size) / 2 - font.descent * size
    ops = [
        b"/Tx BMC q",
        f"1 1 {w - 2:.2f} {h - 2:.2f} re W n".encode(),
        f"BT {UNICODE_FONT} {size:.2f} Tf 0 g {leading:.2f} TL".encode(),
        f"{PAD:.2f} {y:.2f} Td".encode(),
    ]
    for i, line in enumerate(lines):
        ops.append((b"T* " if i else b"") + font.hex(line) + b" Tj")
    ops.append(b"ET Q EMC")
    return pikepdf.Stream(
        pdf,
        b"\n".join(ops),
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Form,
        BBox=pikepdf.Array([0, 0, w, h]),
        Resources=res,
    )
