"""The package level of the Word format (`formats.ooxml.opc`): custom properties read back as
written, and the quick reading of a plain property the same as reading all its text."""

from __future__ import annotations

import pytest
from lxml import etree

from bluestone_forms.formats.ooxml import opc
from bluestone_forms.formats.ooxml.package import parse_xml

HEAD = (f'<Properties xmlns="{opc.CUSTOM}" xmlns:vt="{opc.VT}">'
        f'<property fmtid="{opc.FMTID}" pid="2" name="k">')


def test_custom_properties_read_back_as_written() -> None:
    props = {"bluestone:form-id": "rp1", "bluestone:version": "1.0", "x": " padded  "}
    root = etree.fromstring(opc.custom_properties(props))
    assert opc.read_custom_properties(root) == {**props, "x": "padded"}


@pytest.mark.parametrize("inner", [
    "<vt:lpwstr>plain</vt:lpwstr>",
    "  <vt:lpwstr> spaced </vt:lpwstr>\n  ",
    "before<vt:lpwstr>value</vt:lpwstr>after",
    "<vt:lpwstr>a<vt:b>nested</vt:b>c</vt:lpwstr>",
    "<vt:lpwstr>one</vt:lpwstr><vt:lpwstr>two</vt:lpwstr>",
    "<!-- a comment --><vt:lpwstr>after a comment</vt:lpwstr>",
    "<vt:lpwstr>x</vt:lpwstr><!-- trailing -->",
    "<vt:lpwstr/>",
    "",
    "just text",
    "<?pi data?>",
])
def test_a_property_reads_as_all_its_text(inner: str) -> None:
    root = parse_xml((HEAD + inner + "</property></Properties>").encode(), "f", "custom.xml")
    prop = next(root.iter(f"{{{opc.CUSTOM}}}property"))
    assert opc.read_custom_properties(root) == {"k": "".join(prop.itertext()).strip()}
