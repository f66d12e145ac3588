"""The font a PDF viewer or filler types field text in: DejaVu Sans, WinAnsi plus Welsh.

Why not Helvetica: a field's /DA names the font any other client draws its text in (a viewer
honouring NeedAppearances, a person typing, pdftk). Helvetica (WinAnsi) has no ŵ or ŷ, so a
Welsh answer "Dŵr, Tŷ" showed as "Dr, T" or "D?r, T?". Why not the form's own Type0 font: those
clients write one byte per character, which is a wrong glyph in an Identity-H font (every
character a .notdef box under pdftk). So the field font is the DejaVu Sans that WeasyPrint
already embeds whole, given a second, simple TrueType dictionary over the same font program:
WinAnsi, with the twelve Welsh letters WinAnsi lacks (ŵ ŷ ẁ ẃ ẅ ỳ and capitals) in codes WinAnsi
leaves undefined or never uses for text. Clients map a character to its code through the
/Differences by its standard glyph name; the glyph comes from the font's own Unicode cmap.
The appearances the toolkit draws itself still use the Type0 font (any character it has).
"""

from __future__ import annotations

import pikepdf

from ._appearance import font_maps

TEXT_FONT = "/BsTx"  # the field text font's name in the AcroForm /DR
WELSH = {
    0x01: ("Ŵ", "Wcircumflex"), 0x02: ("ŵ", "wcircumflex"),
    0x03: ("Ŷ", "Ycircumflex"), 0x04: ("ŷ", "ycircumflex"),
    0x05: ("Ẁ", "Wgrave"), 0x06: ("ẁ", "wgrave"),
    0x7F: ("Ẃ", "Wacute"), 0x81: ("ẃ", "wacute"),
    0x8D: ("Ẅ", "Wdieresis"), 0x8F: ("ẅ", "wdieresis"),
    0x90: ("Ỳ", "Ygrave"), 0x9D: ("ỳ", "ygrave"),
}  # fmt: skip
NONSYMBOLIC = 32


def _char(code: int) -> str | None:
    if code in WELSH:
        return WELSH[code][0]
    if code < 0x20:
        return None
    try:
        return bytes([code]).decode("cp1252")
    except UnicodeDecodeError:
        return None


def text_font(pdf: pikepdf.Pdf, type0: pikepdf.Object) -> pikepdf.Object | None:
    """A simple TrueType font over `type0`'s embedded font program, or None if it has none."""
    maps = font_maps(type0)
    try:
        descriptor = type0.DescendantFonts[0].FontDescriptor
        program = descriptor.FontFile2
    except (AttributeError, KeyError, IndexError, TypeError):
        return None
    if maps is None or program is None:
        return None
    widths = pikepdf.Array()
    for code in range(256):
        ch = _char(code)
        gid = maps.glyphs.get(ch) if ch else None
        widths.append(round(maps.widths.get(gid, maps.default_width)) if gid else 0)
    name = pikepdf.Name("/" + str(type0.BaseFont)[1:].split("+")[-1])
    own = pikepdf.Dictionary(dict(descriptor.items()))
    own.Flags = NONSYMBOLIC
    own.FontName = name
    differences = pikepdf.Array()
    for code, (_, glyph) in sorted(WELSH.items()):
        differences.append(code)
        differences.append(pikepdf.Name("/" + glyph))
    return pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.TrueType, BaseFont=name,
        FirstChar=0, LastChar=255, Widths=widths, FontDescriptor=pdf.make_indirect(own),
        Encoding=pikepdf.Dictionary(Type=pikepdf.Name.Encoding,
                                    BaseEncoding=pikepdf.Name.WinAnsiEncoding,
                                    Differences=differences),
    ))
