"""Zip cases: bombs (ratio, size, entry count, Fifield overlap), lying headers, duplicate
names, encryption flags, truncation and archives of returns."""

from __future__ import annotations

import random
from pathlib import Path

from . import forge as F
from .corpus import REJECTED, Ctx, case

# --------------------------------------------------------------------------- zip bombs

@case("zip_ratio_bomb.docx", "zip bomb: document.xml inflates 20 MB at >1000:1", REJECTED,
      "suspicious|zip bomb")
def _ratio(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("docx", "zip_ratio_bomb.docx")
    doc = m["word/document.xml"]
    at = doc.rindex(b"</w:body>")
    m["word/document.xml"] = doc[:at] + b" " * (20 * 1024 * 1024) + doc[at:]
    F.write_zip(path, m, level=9)


@case("zip_declared_4gb.xlsx", "zip bomb: a part declares 4 GB", REJECTED, "too large")
def _declared(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("xlsx", "zip_declared_4gb.xlsx")
    entries = [F.entry(k, v) for k, v in m.items()]
    sheet = next(e for e in entries if e.name == "xl/worksheets/sheet1.xml")
    sheet.size = 0xFFFFFFF0
    F.forge_zip(path, entries)


@case("zip_5000_entries.docx", "zip bomb: 5,000 entries", REJECTED, r"more than \d+ parts")
def _many(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("docx", "zip_5000_entries.docx")
    m.update({f"word/media/pad{i:05d}.bin": b"x" for i in range(5000)})
    F.write_zip(path, m, level=1)


@case("zip_400k_directory.xlsx", "zip bomb: 400,000 central directory entries (22 MB)",
      REJECTED, r"more than \d+ parts")
def _directory(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("xlsx", "zip_400k_directory.xlsx")
    entries = [F.entry(k, v) for k, v in m.items()]
    entries += [F.Entry(f"p{i:06d}", b"", 0, 0, 0, offset=0, local=False)
                for i in range(400_000)]
    F.forge_zip(path, entries)


@case("zip_understated.docx", "document.xml's headers understate its size (1 KB for 48 KB)",
      REJECTED, "damaged|CRC|truncated")
def _understated(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("docx", "zip_understated.docx")
    entries = [F.entry(k, v) for k, v in m.items()]
    next(e for e in entries if e.name == "word/document.xml").size = 1000
    F.forge_zip(path, entries)


@case("zip_total_240mb.xlsx", "zip bomb: four 60 MB parts (240 MB in all)", REJECTED,
      "too large")
def _total(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("xlsx", "zip_total_240mb.xlsx")
    entries = [F.entry(k, v) for k, v in m.items()]
    zeros = b"\x00" * (60 * 1024 * 1024)
    big = F.entry("xl/media/pad0.bin", zeros)
    for i in range(4):
        entries.append(F.Entry(f"xl/media/pad{i}.bin", big.payload, big.crc, big.size))
    F.forge_zip(path, entries)


@case("zip_fifield_overlap.docx", "Fifield overlapped zip bomb (60 entries share one 2 MB "
      "kernel: 120 MB from 3 KB)", REJECTED, "overlap")
def _fifield(ctx: Ctx, path: Path) -> None:
    names = ["[Content_Types].xml", "_rels/.rels", "docProps/custom.xml", "word/document.xml"]
    names += [f"word/media/k{i:02d}.bin" for i in range(56)]
    F.fifield_overlap(path, names, 2 * 1024 * 1024)


@case("zip_same_offset.docx", "every central directory entry points at one local header",
      REJECTED, "overlap|damaged")
def _same_offset(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("docx", "zip_same_offset.docx")
    entries = [F.entry(k, v) for k, v in m.items()]
    entries += [F.Entry(f"word/media/s{i}.bin", b"", 0, 0, 0, offset=0, local=False)
                for i in range(50)]
    F.forge_zip(path, entries)


@case("zip_duplicate_names.docx", "document.xml twice (the second with an XXE)", REJECTED,
      "twice")
def _duplicate(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("docx", "zip_duplicate_names.docx")
    entries = [F.entry(k, v) for k, v in m.items()]
    evil = F.with_dtd(m["word/document.xml"], F.xxe(ctx.canary_uri), ctx.needle)
    entries.append(F.entry("word/document.xml", evil))
    F.forge_zip(path, entries)


@case("zip_case_equal_names.xlsx", "xl/workbook.xml and XL/Workbook.xml", REJECTED, "twice")
def _case_equal(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("xlsx", "zip_case_equal_names.xlsx")
    m["XL/Workbook.xml"] = m["xl/workbook.xml"]
    F.write_zip(path, m)


@case("zip_forged_csize.docx", "forged compressed size 4 GB and a duplicate name "
      "(CPython gh-151307)", REJECTED, "twice|damaged|overlap|too large")
def _forged_csize(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("docx", "zip_forged_csize.docx")
    entries = [F.entry(k, v) for k, v in m.items()]
    doc = next(e for e in entries if e.name == "word/document.xml")
    doc.csize = 0xFFFFFFF0
    entries.append(F.entry("word/document.xml", b"<x/>"))
    F.forge_zip(path, entries)


@case("zip_encrypted_flag.docx", "zip entries flagged as encrypted (traditional PKWARE)",
      REJECTED, "encrypted")
def _encrypted_flag(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("docx", "zip_encrypted_flag.docx")
    F.forge_zip(path, [F.entry(k, v, flags=1) for k, v in m.items()])


@case("zip_truncated.docx", "a .docx cut in half", REJECTED, "damaged|truncated")
def _trunc_docx(ctx: Ctx, path: Path) -> None:
    data = F.write_zip(ctx.folder / ".t.docx", ctx.parts("docx", "zip_truncated.docx"))
    path.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    data.unlink()


@case("zip_truncated_tail.xlsx", "an .xlsx missing its last 100 bytes (the directory end)",
      REJECTED, "damaged|truncated")
def _trunc_xlsx(ctx: Ctx, path: Path) -> None:
    data = F.write_zip(ctx.folder / ".t.xlsx", ctx.parts("xlsx", "zip_truncated_tail.xlsx"))
    path.write_bytes(data.read_bytes()[:-100])
    data.unlink()


@case("zip_corrupt.xlsx", "PK then random bytes", REJECTED, "damaged|truncated|not a")
def _corrupt(ctx: Ctx, path: Path) -> None:
    path.write_bytes(b"PK\x03\x04" + random.Random(5).randbytes(20_000))


@case("zip_corrupt_member.docx", "document.xml's compressed bytes overwritten", REJECTED,
      "damaged|not well-formed|CRC")
def _corrupt_member(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("docx", "zip_corrupt_member.docx")
    entries = [F.entry(k, v) for k, v in m.items()]
    doc = next(e for e in entries if e.name == "word/document.xml")
    junk = random.Random(6).randbytes(len(doc.payload) - 200)
    doc.payload = doc.payload[:100] + junk + doc.payload[-100:]
    F.forge_zip(path, entries)


@case("nested.zip", "an archive of archives (42.zip style, two levels of 8)", REJECTED,
      "archive inside an archive", members=tuple(f"nested.zip!/inner{i}.zip" for i in range(8)))
def _nested(ctx: Ctx, path: Path) -> None:
    leaf = F.write_zip(ctx.folder / ".leaf.zip", {f"r{i}.docx": b"\x00" * 100_000
                                                  for i in range(8)}).read_bytes()
    (ctx.folder / ".leaf.zip").unlink()
    F.write_zip(path, {f"inner{i}.zip": leaf for i in range(8)})


@case("returns_bomb.zip", "an archive of returns whose member inflates 200 MB at 1000:1",
      REJECTED, "too large", members=("returns_bomb.zip!/big.docx",))
def _returns_bomb(ctx: Ctx, path: Path) -> None:
    F.forge_zip(path, [F.entry("big.docx", b"\x00" * (200 * 1024 * 1024))])


@case("returns_directory_bomb.zip", "an archive of returns declaring 400,000 members (22 MB)",
      REJECTED, "more than 5000 files")
def _returns_directory(ctx: Ctx, path: Path) -> None:
    F.forge_zip(path, [F.Entry(f"r{i:06d}.docx", b"", 0, 0, 0, offset=0, local=False)
                       for i in range(400_000)])
