"""The DTD pre-check of every Office part (`ooxml.package.refuse_dtd`): a prolog that is only
a plain XML declaration lets the rest go unscanned (a DTD can stand only before the root
element); any other prolog is scanned as before, so every DTD is still refused."""

from __future__ import annotations

import pytest

from bluestone_forms.errors import ReturnError
from bluestone_forms.formats.ooxml.package import parse_xml, refuse_dtd

DTD = b'<!DOCTYPE r [<!ENTITY x "boom">]>'
DECL = b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"


@pytest.mark.parametrize("data", [
    DECL + DTD + b"<r>&x;</r>",
    DTD + b"<r>&x;</r>",
    b"\xef\xbb\xbf" + DECL + DTD + b"<r/>",
    DECL + b"<!-- a comment --><!-- <r> -->" + DTD + b"<r/>",
    b'<?xml version="1.0?> <r" ?>' + DTD + b"<r/>",  # "?>" inside a value: not plain
    DECL + b'<?xml-stylesheet href="a"?>' + DTD + b"<r/>",
    DECL + b"\x0b" + DTD + b"<r/>",
    DECL + b"<!doctype r><r/>",
    b"<?xml version='1.0' encoding='UTF-16'?>" + DTD + b"<r/>",
])
def test_every_dtd_before_the_root_is_refused(data: bytes) -> None:
    with pytest.raises(ReturnError, match="DTD"):
        refuse_dtd(data, "f", "part")
    with pytest.raises(ReturnError, match=r"DTD|not well-formed"):
        parse_xml(data, "f", "part")


def test_text_after_a_plain_prolog_is_left_to_the_parser() -> None:
    """Markup-like text inside the root is text, never a DTD: the parser reads it as such."""
    data = DECL + b"<r><![CDATA[<!DOCTYPE r>]]><!-- <!ENTITY y 'z'> --></r>"
    refuse_dtd(data, "f", "part")
    assert parse_xml(data, "f", "part").text == "<!DOCTYPE r>"
    with pytest.raises(ReturnError, match="not well-formed"):  # misplaced: not XML at all
        parse_xml(DECL + b"<r>" + DTD + b"</r>", "f", "part")


def test_a_foreign_encoding_is_still_refused() -> None:
    with pytest.raises(ReturnError, match="UTF-7"):
        refuse_dtd(b"<?xml version='1.0' encoding='UTF-7'?><r/>", "f", "part")
