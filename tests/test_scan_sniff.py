"""Telling a scanned PDF from a fillable form by its bytes (scan.dispatch.is_scan), which the
collating process does for every PDF found: it reads a small first piece, then larger ones,
and a marker that straddles two reads is still found."""

from __future__ import annotations

from pathlib import Path

import pytest

from bluestone_forms.scan import dispatch


@pytest.mark.parametrize("at", [0, 100, dispatch.FIRST - 8, dispatch.FIRST + 3,
                                dispatch.FIRST + dispatch.CHUNK - 5])
def test_an_image_anywhere_makes_a_scan_and_a_form_anywhere_does_not(tmp_path: Path,
                                                                     at: int) -> None:
    head = b"%PDF-1.7\n"
    pad = b"%" * at
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(head + pad + b"<< /Type /XObject /Subtype /Image >>" + b" " * 5000)
    assert dispatch.is_scan(scan)
    form = tmp_path / "form.pdf"
    form.write_bytes(head + b"<< /Subtype /Image >>" + pad + b"<< /AcroForm 3 0 R >>")
    assert not dispatch.is_scan(form)
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(head + pad + b"<< /Subtype /Form >>")
    assert not dispatch.is_scan(plain)
