"""Returns straight from a mailbox: .eml, mbox and Outlook .msg (mail/).

Mail is built the way clients build it: MIME with Python's `email` package (as Thunderbird
and Outlook's internet format lay it out), mbox with `mailbox.mbox`, .msg as Outlook's
compound files (tests/mailkit.py, written for this project, MIT), winmail.dat as TNEF.
Returns are real: generated templates filled by the toolkit's own fillers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import mailbox
import random
import zipfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from formcache import form as cached_form
from mailkit import cfb, mime, msg_tree, tnef
from openpyxl import load_workbook

from bluestone_forms import formats
from bluestone_forms.answers.records import new_instance_id
from bluestone_forms.api import generate
from bluestone_forms.cli import main
from bluestone_forms.collate.run import collate
from bluestone_forms.mail import MAX_DEPTH, MAX_PARTS, mbox
from bluestone_forms.outputs.export import export
from bluestone_forms.samples import sample_values
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.store.core import Store

CAT = Catalog.shipped()
FORMS = ("rp1", "rp2", "case_review")


class Returns:
    """Filled returns made on demand from one template per form and format."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.templates: dict[tuple[str, str], Path] = {}
        self.n = 0

    def make(self, fmt: str, form: str = "rp1") -> tuple[bytes, str]:
        """(bytes of a new filled return, its instance id)."""
        spec = CAT.get(form)
        key = (form, fmt)
        if key not in self.templates:
            self.templates[key] = cached_form(
                spec, fmt, self.folder / f"{form}{formats.EXTENSIONS[fmt]}",
                instance_id=f"inst-{form}")
        self.n += 1
        out = self.folder / f"r{self.n}{formats.EXTENSIONS[fmt]}"
        iid = new_instance_id()
        formats.module(fmt).fill(self.templates[key], sample_values(spec, random.Random(self.n)),
                                 out, instance_id=iid)
        return out.read_bytes(), iid


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> Returns:
    return Returns(tmp_path_factory.mktemp("returns"))


def files(store: Path) -> dict[str, Any]:
    with Store(store) as s:
        return {r["path"].split("!/", 1)[-1] if "!/" in r["path"] else Path(r["path"]).name:
                dict(r) for r in s.files()}


def run(tmp: Path, *inputs: Path, **kw: Any) -> tuple[Any, Path]:
    store = tmp / "out" / "bluestone.sqlite"
    return collate(list(inputs), store, workers=2, **kw), store


# --- single messages --------------------------------------------------------------------------
def test_single_message_gives_return_with_provenance_and_counts_other_parts(
        tmp_path: Path, returns: Returns) -> None:
    docx, iid = returns.make("docx")
    m = mime("DS Priya Patel <priya.patel@durham.police.uk>", "RP1 return AS-10001-26",
             message_id="<rp1-0001@durham.police.uk>",
             attachments=[("RP1 Patel.docx", docx), ("disclaimer.txt", b"This email is...")])
    m.add_attachment(b"\x89PNG\r\n\x1a\nsig", maintype="image", subtype="png",
                     filename="image001.png", disposition="inline", cid="<image001@01>")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "patel.eml").write_bytes(bytes(m))
    summary, store = run(tmp_path, tmp_path / "in")
    assert summary.records == 1
    assert summary.rejected == 0
    got = files(store)
    ret = got["RP1 Patel.docx"]
    assert ret["outcome"] == "read"
    assert ret["instance_id"] == iid
    assert ret["mail_from"] == "DS Priya Patel <priya.patel@durham.police.uk>"
    assert ret["mail_sent"] == "2026-11-02T10:00:00+00:00"
    assert ret["mail_subject"] == "RP1 return AS-10001-26"
    assert ret["mail_message_id"] == "<rp1-0001@durham.police.uk>"
    assert ret["mail_attachment"] == "RP1 Patel.docx"
    line = got["patel.eml"]
    assert line["outcome"] == "message"
    assert "1 attachment(s) taken out: RP1 Patel.docx" in line["message"]
    assert ("not returns: the message body, 1 signature image (image001.png), "
            "1 text attachment (disclaimer.txt)") in line["message"]
    assert summary.files == 2
    assert "1 mail messages (0 with no return attached)" in summary.line()
    # the Files sheet shows the provenance
    export(store, tmp_path / "out", CAT)
    ws = load_workbook(tmp_path / "out" / "bluestone-collated.xlsx")["Files"]
    rows = list(ws.iter_rows(values_only=True))
    head = next(r for r in rows if r and "From" in r)
    body = [dict(zip(head, r, strict=False)) for r in rows[rows.index(head) + 1:]]
    row = next(r for r in body if r["Attachment"] == "RP1 Patel.docx")
    assert row["From"] == "DS Priya Patel <priya.patel@durham.police.uk>"
    assert row["Message-ID"] == "<rp1-0001@durham.police.uk>"
    # the Summary sheet and both reports count the message as the summary line does
    said = "Mail messages among the files: 1 (0 with no return attached)"
    summary_sheet = load_workbook(tmp_path / "out" / "bluestone-collated.xlsx")["Summary"]
    assert any(said in str(c) for r in summary_sheet.iter_rows(values_only=True) for c in r)
    assert said in (tmp_path / "out" / "bluestone-report.html").read_text(encoding="utf-8")


def test_message_without_return_has_its_own_outcome(tmp_path: Path) -> None:
    m = mime("Someone <s@x.police.uk>", "Thanks", body="Thanks, will send it next week.")
    (tmp_path / "thanks.eml").write_bytes(bytes(m))
    summary, store = run(tmp_path, tmp_path / "thanks.eml")
    line = files(store)["thanks.eml"]
    assert line["outcome"] == "no_return"
    assert line["message"].endswith("no return attached; not returns: the message body")
    assert summary.files == 1
    assert "1 mail messages (1 with no return attached)" in summary.line()


# --- forwarding -------------------------------------------------------------------------------
def test_forwarded_chain_and_the_same_return_twice_is_a_duplicate_listing_both(
        tmp_path: Path, returns: Returns) -> None:
    xlsx, iid = returns.make("xlsx", "rp2")
    original = mime("DC Aisha Khan <aisha.khan@wmp.police.uk>", "RP2", message_id="<o@wmp>",
                    date="Mon, 02 Nov 2026 09:00:00 +0000", attachments=[("rp2.xlsx", xlsx)])
    # forwarded inline (Outlook): the attachment re-attached, the original quoted in the body
    inline = mime("DS Tom O'Neill <tom.oneill@wmp.police.uk>", "FW: RP2", message_id="<f1@wmp>",
                  date="Tue, 03 Nov 2026 11:00:00 +0000",
                  body="FYI\n\nFrom: DC Aisha Khan <aisha.khan@wmp.police.uk>\n"
                       "Sent: 02 November 2026 09:00\nTo: DS Tom O'Neill\nSubject: RP2\n\n"
                       "Please find my return attached.",
                  attachments=[("rp2.xlsx", xlsx)])
    # then forwarded on as an attachment (message/rfc822) to the lead
    outer = mime("DI Gareth Evans <gareth.evans@wmp.police.uk>", "Fwd: FW: RP2",
                 message_id="<f2@wmp>", date="Wed, 04 Nov 2026 08:00:00 +0000")
    outer.add_attachment(inline)
    box = tmp_path / "in"
    box.mkdir()
    (box / "a-original.eml").write_bytes(bytes(original))
    (box / "b-forwarded.eml").write_bytes(bytes(outer))
    summary, store = run(tmp_path, box)
    assert summary.records == 1
    assert summary.outcomes["duplicate"] == 1
    got = files(store)
    first = got["rp2.xlsx"]
    assert first["instance_id"] == iid
    assert first["mail_message_id"] == "<o@wmp>"
    dup = got["FW_ RP2.eml!/rp2.xlsx"]
    assert dup["outcome"] == "duplicate"
    # both messages listed: its own as provenance, the first in its message
    assert dup["mail_message_id"] == "<f2@wmp>"
    assert "sent by DC Aisha Khan <aisha.khan@wmp.police.uk>" in dup["message"]
    assert "Message-ID <o@wmp>" in dup["message"]
    assert dup["mail_forwarded"] == (
        "DC Aisha Khan <aisha.khan@wmp.police.uk> (2026-11-02T09:00:00) → "
        "DS Tom O'Neill <tom.oneill@wmp.police.uk> (2026-11-03T11:00:00+00:00) → "
        "DI Gareth Evans <gareth.evans@wmp.police.uk> (2026-11-04T08:00:00+00:00)")
    assert got["FW_ RP2.eml"]["outcome"] == "message"
    assert got["b-forwarded.eml"]["outcome"] == "message"
    assert "FW_ RP2.eml (a message inside, 1 return(s))" in got["b-forwarded.eml"]["message"]


# --- an mbox of 200 messages ------------------------------------------------------------------
@pytest.mark.slow
def test_mbox_of_200_messages_with_returns_in_every_format(
        tmp_path: Path, returns: Returns) -> None:
    path = tmp_path / "Inbox.mbox"
    box = mailbox.mbox(path)
    expected: dict[str, str] = {}  # instance id -> Message-ID it came in
    kinds = ("docx", "xlsx", "pdf", "zip", "nested", "none")
    for i in range(200):
        kind = kinds[i % len(kinds)]
        mid = f"<m{i}@force{i % 7}.police.uk>"
        sender = f"Officer {i} <officer{i}@force{i % 7}.police.uk>"
        if kind in ("docx", "xlsx", "pdf"):
            data, iid = returns.make(kind, FORMS[i % 3])
            m = mime(sender, f"Return {i}", message_id=mid,
                     attachments=[(f"return-{i}{formats.EXTENSIONS[kind]}", data)])
            expected[iid] = mid
        elif kind == "zip":
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as z:
                for fmt in ("docx", "xlsx"):
                    data, iid = returns.make(fmt)
                    z.writestr(f"returns/{fmt}-{i}{formats.EXTENSIONS[fmt]}", data)
                    expected[iid] = mid
            m = mime(sender, f"Returns {i}", message_id=mid,
                     attachments=[(f"returns-{i}.zip", buf.getvalue())])
        elif kind == "nested":
            data, iid = returns.make("docx")
            inner = mime(f"Inner {i} <inner{i}@x.police.uk>", f"Inner {i}",
                         message_id=f"<inner{i}@x>", attachments=[(f"in-{i}.docx", data)])
            m = mime(sender, f"Fwd: Inner {i}", message_id=mid)
            m.add_attachment(inner)
            expected[iid] = mid
        else:
            m = mime(sender, f"Chasing {i}", message_id=mid, body="From the past: >From here")
        box.add(m)
    box.flush()
    box.close()
    summary, store = run(tmp_path, path)
    assert summary.rejected == 0, summary.line()
    assert summary.records == len(expected)
    with Store(store) as s:
        came = {r.instance_id: r.file for r in s.records()}
        by_path = {r["path"]: dict(r) for r in s.files()}
    assert set(came) == set(expected)
    for iid, mid in expected.items():
        assert by_path[came[iid]]["mail_message_id"] == mid
    lines = [r for r in by_path.values() if r["reader"] == "mail"]
    assert len(lines) == 200 + 33  # every message, and each message inside one
    assert sum(r["outcome"] == "no_return" for r in lines) == 33
    assert summary.files == len(by_path)


def test_mbox_splitter_unquotes_from_and_bounds_long_lines(tmp_path: Path) -> None:
    path = tmp_path / "box"
    long = b"x" * (mbox.BLOCK * 3)
    path.write_bytes(b"From a@b Mon Nov  2 10:00:00 2026\nSubject: one\n\n>From here\n" + long
                     + b"From b\nstill one\n\nFrom c@d Mon Nov  2 10:00:00 2026\n"
                       b"Subject: two\n\nbody\n")
    msgs = list(mbox.messages(path))
    assert [m.number for m in msgs] == [1, 2]
    assert msgs[0].data is not None
    assert b"\nFrom here\n" in msgs[0].data
    assert msgs[0].data.endswith(b"From b\nstill one\n\n")  # "From " mid-line is no separator
    assert msgs[1].data == b"Subject: two\n\nbody\n"
    # separators at every offset of a block boundary, and an empty message
    for cut in range(mbox.BLOCK - 8, mbox.BLOCK + 2):
        path.write_bytes(b"From a\n" + b"y" * (cut - 7) + b"\nFrom b\nSubject: 2\n\nz\n"
                         b"From c\nFrom d\nlast")
        got = [m.data for m in mbox.messages(path)]
        assert got == [b"y" * (cut - 7) + b"\n", b"Subject: 2\n\nz\n", b"", b"last"], cut


# --- Outlook .msg -----------------------------------------------------------------------------
def test_outlook_msg_unicode_ansi_and_embedded(tmp_path: Path, returns: Returns) -> None:
    docx, iid1 = returns.make("docx")
    pdf, iid2 = returns.make("pdf", "rp2")
    inner = msg_tree("Ffurflen RP2 – Siân", "Siân Hughes", "sian.hughes@dyfed.police.uk",
                     attachments=[("RP2 Siân.pdf", pdf)], unicode=False, embedded=True,
                     when=dt.datetime(2026, 11, 1, 8, 15, tzinfo=dt.UTC))
    outer = msg_tree("FW: RP returns — Llŷr", "Llŷr Evans", "llyr.evans@dyfed.police.uk",
                     attachments=[("RP1 Llŷr.docx", docx), ("Ffurflen RP2.msg", inner)],
                     message_id="<outlook-1@dyfed.police.uk>")
    (tmp_path / "returns.msg").write_bytes(cfb(outer))
    eml_inside = mime("Ann <ann@x.police.uk>", "saved as .eml", message_id="<e@x>",
                      attachments=[("from-eml.xlsx", returns.make("xlsx")[0])])
    ansi = msg_tree("RP1 (ANSI, café)", "José Núñez", "jose@x.police.uk",
                    attachments=[("RP1 café.docx", returns.make("docx")[0]),
                                 ("saved.eml", bytes(eml_inside))], unicode=False)
    (tmp_path / "ansi.msg").write_bytes(cfb(ansi))
    summary, store = run(tmp_path, tmp_path / "returns.msg", tmp_path / "ansi.msg")
    assert summary.rejected == 0, summary.line()
    assert summary.records == 4
    got = files(store)
    assert got["saved.eml!/from-eml.xlsx"]["outcome"] == "read"
    one = got["RP1 Llŷr.docx"]
    assert one["instance_id"] == iid1
    assert one["mail_from"] == "Llŷr Evans <llyr.evans@dyfed.police.uk>"
    assert one["mail_subject"] == "FW: RP returns — Llŷr"
    assert one["mail_message_id"] == "<outlook-1@dyfed.police.uk>"
    assert one["mail_sent"] == "2026-11-02T09:30:00+00:00"
    two = got["Ffurflen RP2.msg!/RP2 Siân.pdf"]
    assert two["instance_id"] == iid2
    assert two["mail_forwarded"] == ("Siân Hughes <sian.hughes@dyfed.police.uk> "
                                     "(2026-11-01T08:15:00+00:00) → Llŷr Evans "
                                     "<llyr.evans@dyfed.police.uk> (2026-11-02T09:30:00+00:00)")
    assert got["RP1 café.docx"]["mail_from"] == "José Núñez <jose@x.police.uk>"
    assert got["RP1 café.docx"]["mail_subject"] == "RP1 (ANSI, café)"


def test_msg_attached_to_internet_mail_and_winmail_dat(tmp_path: Path, returns: Returns) -> None:
    docx, iid1 = returns.make("docx")
    xlsx, iid2 = returns.make("xlsx")
    m = mime("Exchange user <ex@met.police.uk>", "RP returns",
             attachments=[("RP1.msg", cfb(msg_tree("RP1", "Ann", "ann@met.police.uk",
                                                   attachments=[("rp1.docx", docx)]))),
                          ("winmail.dat", tnef([("rp1 register.xlsx", xlsx)]))])
    (tmp_path / "m.eml").write_bytes(bytes(m))
    summary, store = run(tmp_path, tmp_path / "m.eml")
    assert summary.rejected == 0, summary.line()
    with Store(store) as s:
        assert {r.instance_id for r in s.records()} == {iid1, iid2}
    got = files(store)
    assert got["RP1.msg!/rp1.docx"]["outcome"] == "read"
    assert got["winmail.dat!/rp1 register.xlsx"]["outcome"] == "read"


def test_msg_that_is_not_one_is_rejected_with_why(tmp_path: Path) -> None:
    (tmp_path / "bad.msg").write_bytes(cfb({"WordDocument": b"x" * 100}))
    (tmp_path / "junk.msg").write_bytes(b"not a compound file")
    summary, store = run(tmp_path, tmp_path / "bad.msg", tmp_path / "junk.msg")
    got = files(store)
    assert "not an Outlook message (no MAPI properties)" in got["bad.msg"]["message"]
    assert "a .msg is a compound file, this is not one" in got["junk.msg"]["message"]
    assert summary.rejected == 2


# --- hostile mail -----------------------------------------------------------------------------
def _nest(depth: int, data: bytes) -> EmailMessage:
    m = mime("Deep <d@x>", "level 0", attachments=[("deep.docx", data)])
    for level in range(1, depth + 1):
        outer = mime("Deep <d@x>", f"level {level}")
        outer.add_attachment(m)
        m = outer
    return m


def _bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bomb.docx", b"\0" * (200 * 1024 * 1024))
    return buf.getvalue()


def test_hostile_mailbox_each_message_has_its_outcome_and_the_rest_is_read(
        tmp_path: Path, returns: Returns) -> None:
    good, iid = returns.make("docx")
    signed_ret, iid_signed = returns.make("docx")
    path = tmp_path / "hostile.mbox"
    box = mailbox.mbox(path)
    huge = mime("Huge <h@x>", "huge headers")
    huge["X-Padding"] = "a" * (300 * 1024)
    box.add(huge.as_bytes())
    box.add(b"Subject: broken\nFrom: \x00\x01\xff <<<\nContent-Type: multipart/mixed; "
            b"boundary=\"nope\"\n\n--nope\nContent-Type: text/plain\n\nno end")
    many = mime("Many <m@x>", "thousands of attachments")
    for n in range(2000):
        many.add_attachment(b"x", maintype="application", subtype="octet-stream",
                            filename=f"a{n}.bin")
    box.add(many)
    box.add(mime("Bomb <b@x>", "zip bomb", attachments=[("returns.zip", _bomb())]))
    box.add(_nest(MAX_DEPTH + 2, returns.make("docx")[0]))
    enc = mime("Enc <e@x>", "encrypted")
    enc.clear_content()
    enc.set_content(b"\x30\x80garbage", maintype="application", subtype="pkcs7-mime",
                    params={"smime-type": "enveloped-data", "name": "smime.p7m"},
                    filename="smime.p7m")
    box.add(enc)
    signed = EmailMessage()
    for k, v in (("From", "Signer <s@x>"), ("Subject", "signed return"),
                 ("Date", "Mon, 02 Nov 2026 10:00:00 +0000"), ("Message-ID", "<signed@x>")):
        signed[k] = v
    inner = mime("Signer <s@x>", "inner", attachments=[("signed.docx", signed_ret)])
    signed.make_mixed()
    signed.set_type("multipart/signed")
    signed.set_param("protocol", "application/pkcs7-signature")
    body = EmailMessage()
    body.set_content("Signed.")
    body.make_mixed()
    for part in list(inner.iter_attachments()):
        body.attach(part)
    sig = EmailMessage()
    sig.set_content(b"\x30\x82sig", maintype="application", subtype="pkcs7-signature",
                    filename="smime.p7s")
    signed.set_payload([body, sig])
    box.add(signed)
    box.add(mime("Winmail <w@x>", "broken tnef", attachments=[("winmail.dat", b"\x78\x9f>\"x")]))
    box.add(mime("Good <g@x>", "the good one", attachments=[("good.docx", good)]))
    box.flush()
    box.close()
    summary, store = run(tmp_path, path)
    lines = {r["path"].split("!/", 1)[1]: r for r in files_list(store)}
    why = {k: (v["outcome"], v["message"]) for k, v in lines.items()}
    assert why["message 1"][0] == "rejected"
    assert "headers are larger than 256 KB" in why["message 1"][1]
    assert why["message 2"][0] == "no_return"
    assert "malformed headers or structure" in why["message 2"][1]
    assert why["message 3"][0] == "rejected"
    assert f"more than {MAX_PARTS} parts" in why["message 3"][1]
    assert why["message 4!/returns.zip!/bomb.docx"][0] == "rejected"
    assert "too large" in why["message 4!/returns.zip!/bomb.docx"][1]
    deep = [k for k in why if k.startswith("message 5") and why[k][0] == "rejected"]
    assert len(deep) == 1
    assert f"nested more than {MAX_DEPTH} deep" in why[deep[0]][1]
    assert why["message 6"][0] == "rejected"
    assert "S/MIME-encrypted" in why["message 6"][1]
    assert why["message 7"][0] == "message"
    assert "signed (S/MIME, signature not checked)" in why["message 7"][1]
    assert "1 S/MIME signature" in why["message 7"][1]
    assert why["message 7!/signed.docx"][0] == "read"
    assert why["message 8!/winmail.dat"][0] == "rejected"
    assert "winmail.dat (TNEF) that cannot be opened" in why["message 8!/winmail.dat"][1]
    assert why["message 9!/good.docx"][0] == "read"
    with Store(store) as s:
        assert {r.instance_id for r in s.records()} == {iid, iid_signed}
    assert summary.files == len(lines)


def files_list(store: Path) -> list[dict[str, Any]]:
    with Store(store) as s:
        return [dict(r) for r in s.files()]


# --- read, chase list -------------------------------------------------------------------------
def test_read_command_on_a_mail_file(tmp_path: Path, returns: Returns) -> None:
    docx, iid = returns.make("docx")
    m = mime("DS Priya Patel <priya.patel@durham.police.uk>", "RP1", message_id="<r@d>",
             attachments=[("rp1.docx", docx)])
    (tmp_path / "r.eml").write_bytes(bytes(m))
    res = CliRunner().invoke(main, ["read", str(tmp_path / "r.eml")])
    import json

    records = json.loads(res.stdout)
    assert [r["instance_id"] for r in records] == [iid]
    assert records[0]["mail"]["message_id"] == "<r@d>"
    assert records[0]["mail"]["attachment"] == "rp1.docx"


def test_chase_list_from_register_lists_outstanding_with_email(tmp_path: Path) -> None:
    cases = tmp_path / "cases.csv"
    with cases.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["crime_ref", "force", "review_date", "recipient_name", "recipient_email"])
        for i in range(4):
            w.writerow([f"AS-{i:03d}-26", "durham", "02/03/2026", f"DS Officer {i}",
                        f"officer{i}@durham.police.uk"])
    sent = tmp_path / "sent"
    made = generate(["rp1"], ["docx"], sent, prefill=cases)
    forms = sorted(p for p in made if p.suffix == ".docx")
    back = mime("DS Officer 1 <officer1@durham.police.uk>", "RP1 back", message_id="<back@d>",
                attachments=[(forms[1].name, forms[1].read_bytes())])
    (tmp_path / "back.eml").write_bytes(bytes(back))
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["collate", str(tmp_path / "back.eml"), "-o", str(out),
                                    "--register", str(sent / "register.csv")])
    assert res.exit_code == 0, res.output
    assert "chase:" in res.output
    assert "3 returns outstanding" in res.output
    with (out / "chase-list.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["case_reference"] for r in rows] == ["AS-000-26", "AS-002-26", "AS-003-26"]
    assert rows[0]["recipient"] == "DS Officer 0"
    assert rows[0]["email"] == "officer0@durham.police.uk"
    assert rows[0]["form"] == "rp1"
    assert rows[0]["date_sent"] == dt.date.today().isoformat()
    with Store(out / "bluestone.sqlite") as s:
        status, _ = s.register_status()
    came = next(r for r in status if r["returned"])
    assert came["returned_by"] == "DS Officer 1 <officer1@durham.police.uk>"


def _leaves(m: Any) -> list[tuple[str, str | None, bytes]]:
    out = []
    for part in m.walk():
        if not part.is_multipart():
            data = part.get_payload(decode=True)
            out.append((part.get_content_type(), part.get_filename(),
                        data.rstrip(b"\r\n") if isinstance(data, bytes) else b""))
    return out


@pytest.mark.parametrize("crlf", [False, True])
def test_fast_mime_split_matches_the_standard_parser(crlf: bool, returns: Returns) -> None:
    import email
    import email.policy

    from bluestone_forms.mail import mime as fast

    docx, _ = returns.make("docx")
    inner = mime("A <a@x>", "inner", attachments=[("a.docx", docx), ("note.txt", b"hi")])
    outer = mime("B <b@x>", "outer", attachments=[("b.pdf", b"%PDF-1.7 x" * 300)])
    outer.add_attachment(inner)
    alt = EmailMessage()
    alt["Subject"] = "alt"
    alt.set_content("plain")
    alt.add_alternative("<p>html</p>", subtype="html")
    alt.add_attachment(b"\x00\x01--not a boundary\n--", maintype="application",
                       subtype="octet-stream", filename="x.bin")
    for m in (inner, outer, alt):
        raw = m.as_bytes()
        if crlf:
            raw = raw.replace(b"\n", b"\r\n")
        want = email.message_from_bytes(raw, policy=email.policy.compat32)
        assert _leaves(fast.parse(raw)) == _leaves(want)


def test_rerun_on_the_same_mailbox_reads_nothing_again(tmp_path: Path, returns: Returns) -> None:
    path = tmp_path / "box.mbox"
    box = mailbox.mbox(path)
    box.add(mime("A <a@x>", "one", attachments=[("a.docx", returns.make("docx")[0])]))
    box.add(mime("B <b@x>", "none"))
    box.flush()
    first, store = run(tmp_path, path)
    assert (first.records, first.unchanged, first.files) == (1, 0, 3)
    box.add(mime("C <c@x>", "later", attachments=[("c.docx", returns.make("docx")[0])]))
    box.flush()
    box.close()
    again, _ = run(tmp_path, path)
    assert (again.records, again.unchanged, again.files) == (2, 3, 5)  # records: the store's
    assert again.outcomes["message"] == 1  # this run's
    assert again.outcomes["read"] == 1
    with Store(store) as s:
        assert len(s.files()) == 5
