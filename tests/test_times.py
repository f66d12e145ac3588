"""core.xml's dcterms:modified found without parsing (`formats.ooxml.times.modified_text`):
the same text a parse finds, or None (then the part is parsed) whenever it could differ."""

from __future__ import annotations

import pytest
from lxml import etree

from bluestone_forms.formats.ooxml.times import modified_text

CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
DT = "http://purl.org/dc/terms/"
WHEN = "2026-12-06T09:13:57Z"


def _parsed(core: bytes) -> str | None:
    node = next(etree.fromstring(core).iterchildren(f"{{{DT}}}modified"), None)
    return node.text if node is not None else None


@pytest.mark.parametrize("core", [
    # python-docx / Word: the prefix declared once, on the root
    f'<cp:coreProperties xmlns:cp="{CP}" xmlns:dcterms="{DT}"><dcterms:modified>{WHEN}'
    '</dcterms:modified></cp:coreProperties>',
    # openpyxl: declared again on each element that uses it
    f'<cp:coreProperties xmlns:cp="{CP}"><dcterms:created xmlns:dcterms="{DT}">{WHEN}'
    f'</dcterms:created><dcterms:modified xmlns:dcterms=\'{DT}\'>{WHEN}</dcterms:modified>'
    '</cp:coreProperties>',
])
def test_the_modified_time_is_found_as_a_parse_finds_it(core: str) -> None:
    assert modified_text(core.encode()) == _parsed(core.encode()) == WHEN


@pytest.mark.parametrize("core", [
    # the prefix bound to another namespace somewhere: only a parse knows which applies
    f'<cp:coreProperties xmlns:cp="{CP}" xmlns:dcterms="urn:other"><dcterms:modified '
    f'xmlns:dcterms="{DT}">{WHEN}</dcterms:modified></cp:coreProperties>',
    f'<cp:coreProperties xmlns:cp="{CP}" xmlns:dcterms="urn:other"><dcterms:modified>{WHEN}'
    '</dcterms:modified></cp:coreProperties>',
    # a declaration with spaces around "=" that binds another namespace
    f'<cp:coreProperties xmlns:cp="{CP}" xmlns:dcterms="{DT}"><x xmlns:dcterms = "urn:o">'
    f'<dcterms:modified>{WHEN}</dcterms:modified></x></cp:coreProperties>',
    # two modified elements, or none
    f'<cp:coreProperties xmlns:cp="{CP}" xmlns:dcterms="{DT}"><dcterms:modified>{WHEN}'
    f'</dcterms:modified><dcterms:modified>{WHEN}</dcterms:modified></cp:coreProperties>',
    f'<cp:coreProperties xmlns:cp="{CP}" xmlns:dcterms="{DT}"></cp:coreProperties>',
])
def test_anything_less_plain_is_left_to_a_parse(core: str) -> None:
    assert modified_text(core.encode()) is None
