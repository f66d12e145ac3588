"""After restructure.py: move SpreadsheetML cell encoders from formats/xlsx/_layout.py into
formats/ooxml/serial.py, so the ooxml layer imports nothing private from xlsx/."""
from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

LAYOUT = Path("bluestone_forms/formats/xlsx/_layout.py")
SERIAL = Path("bluestone_forms/formats/ooxml/serial.py")
NAMES = ["EXCEL_EPOCH", "EPOCH_1904", "FIRST_SERIAL_DATE", "MAX_SERIAL", "MAX_WHOLE",
         "serial", "from_serial", "_XSTRING_ESCAPE", "_XML_ILLEGAL", "escape_xstring",
         "unescape_xstring"]
EXTRA = ["time_serial", "from_time_serial", "MAX_CELL_TEXT"]  # moved too if present

src = LAYOUT.read_text()
tree = ast.parse(src)
lines = src.split("\n")
spans = []
present = []
for node in tree.body:
    names = []
    if isinstance(node, ast.FunctionDef):
        names = [node.name]
    elif isinstance(node, ast.Assign):
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        names = [node.target.id]
    hit = [n for n in names if n in NAMES or n in EXTRA]
    if hit:
        start = node.lineno - 1
        if isinstance(node, ast.FunctionDef) and node.decorator_list:
            start = node.decorator_list[0].lineno - 1
        # keep comment lines directly above
        while start > 0 and lines[start - 1].lstrip().startswith("#"):
            start -= 1
        spans.append((start, node.end_lineno))
        present += hit
moved = []
for a, b in spans:
    moved.append("\n".join(lines[a:b]))
keep = [ln for i, ln in enumerate(lines) if not any(a <= i < b for a, b in spans)]
body = "\n\n\n".join(m for m in moved if m.lstrip().startswith(("def", "@")))
consts = "\n".join(m for m in moved if not m.lstrip().startswith(("def", "@")))
SERIAL.write_text(
    '"""How SpreadsheetML stores what a cell holds: Excel serial dates and times, the largest\n'
    'whole number a cell keeps exactly, and the `_xHHHH_` escapes of its strings.\n\n'
    "The Excel writer, filler and reader and the register reader all encode and decode cells\n"
    'through these, so a date or a string means the same thing on the way out and back."""\n\n'
    "from __future__ import annotations\n\nimport datetime as dt\nimport re\n\n"
    + consts + "\n\n\n" + body + "\n")
public = [n for n in present if not n.startswith("_")]
text = "\n".join(keep)
imp = "from ..ooxml.serial import (  # re-exported for the xlsx modules\n" + \
    "".join(f"    {n} as {n},\n" for n in sorted(public)) + ")\n"
anchor = text.index("\nfrom ...answers")
text = text[:anchor + 1] + imp + text[anchor + 1:]
text = re.sub(r"\n{4,}", "\n\n\n", text)
LAYOUT.write_text(text)
for mod in ["bluestone_forms/formats/ooxml/cellrefs.py", "bluestone_forms/formats/ooxml/sheetml.py"]:
    p = Path(mod)
    t = p.read_text()
    used = sorted(set(re.findall(r"\bL\.(\w+)", t)))
    assert all(u in public for u in used), (mod, used)
    t = re.sub(r"\bL\.(\w+)", r"\1", t)
    t = t.replace("from ..xlsx import _layout as L\n",
                  "from .serial import " + ", ".join(used) + "\n")
    p.write_text(t)
subprocess.run(["git", "add", str(SERIAL)], check=True)
subprocess.run([".venv/bin/ruff", "check", "--fix", "-q", "bluestone_forms"], check=False)
