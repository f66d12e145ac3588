"""The translation round trip of a spec's texts: a workbook out to a translator, the
translations back into the spec.

`export_workbook` writes one row per text a form prints (`spec_texts.form_texts`): its key,
what kind of text it is, the question it belongs to (number as every format prints it, and
label), the text in the spec's default language, any length limit, and a column for the
translation (already filled where the spec has one). Everything but that column is locked, and
every row is tall enough for its wrapped text. `import_workbook` puts the translations into
the spec as `{en: …, cy: …}` texts, adds the language to `languages`, writes the spec again as
plain, readable YAML (the file's opening comment kept) and says what is still missing: the
loader refuses a `--lang cy` copy until nothing is.

A translation whose English has changed since the export (the workbook's English column no
longer matches the spec) is not imported: it is listed as stale, to be checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from ..errors import BluestoneError
from ..formats import row_height
from . import texts as spec_texts
from .loader import _Builder, load_spec
from .numbering import question_numbers
from .texts import LANGUAGE_NAMES, Text

SHEET = "Translate"
HEADERS = ("Key", "Kind of text", "Question", "{source} text", "Limit", "{target} ({lang})")
WIDTHS = (30, 18, 30, 55, 7, 55)
WRAP = Alignment(wrap_text=True, vertical="top")
HEAD_FILL = PatternFill("solid", fgColor="D9D9D9")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")


@dataclass
class Imported:
    """What an import did: texts now translated, still missing, and stale (English changed)."""

    path: Path
    translated: int
    total: int
    missing: list[Text] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)


def raw_spec(path: Path) -> tuple[dict[str, Any], str]:
    """The spec file as plain data (checked by loading it) and its text."""
    load_spec(path)  # a spec with problems fails here, naming them
    text = path.read_text(encoding="utf-8")
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    assert node is not None  # load_spec refused an empty file
    data = _Builder(str(path)).build(node, ())
    assert isinstance(data, dict)
    return data, text


def _check_lang(lang: str, default: str) -> None:
    if lang == default or "+" in lang or len(lang) != 2 or not lang.isalpha():
        raise BluestoneError(f"--lang {lang}: expected one two-letter language other than the "
                             f"spec's own ({default}), e.g. cy")


def _contexts(path: Path, texts: list[Text]) -> dict[str, str]:
    """Each text's question, as "Q12 Label" (a choice: the questions that offer it)."""
    spec = load_spec(path)
    numbers = question_numbers(spec)
    named = {f.id: f"Q{numbers[f.id]} {f.label}" for f in spec.answerable()}
    by_list: dict[str, list[str]] = {}
    for f in spec.answerable():
        for name in (getattr(f, "choices", None), getattr(f, "scale", None)):
            if isinstance(name, str):
                by_list.setdefault(name, []).append(f"Q{numbers[f.id]}")
    out = {}
    for t in texts:
        if t.field is not None:
            out[t.key] = named.get(t.field, "")
        elif t.choices is not None:
            asked = by_list.get(t.choices, [])
            out[t.key] = f"answer in list '{t.choices}'" + (
                f" ({', '.join(asked[:6])}{', …' if len(asked) > 6 else ''})" if asked else "")
        else:
            out[t.key] = ""
    return out


def export_workbook(path: Path, lang: str, out: Path) -> tuple[Path, int, int]:
    """Write the translator's workbook; returns it, the number of texts and of those already
    translated."""
    data, _ = raw_spec(path)
    default = spec_texts.default_language(data)
    _check_lang(lang, default)
    texts = spec_texts.form_texts(data)
    context = _contexts(path, texts)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    names = {"source": LANGUAGE_NAMES.get(default, default),
             "target": LANGUAGE_NAMES.get(lang, lang), "lang": lang}
    for col, (head, width) in enumerate(zip(HEADERS, WIDTHS, strict=True), start=1):
        cell = ws.cell(1, col, head.format(**names))
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
        cell.alignment = WRAP
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = "A2"
    done = 0
    for row, t in enumerate(texts, start=2):
        target = t.text(lang, default)
        done += target is not None
        cells = (t.key, t.kind, context[t.key], t.text(default, default) or "",
                 t.limit, target)
        for col, value in enumerate(cells, start=1):
            cell = ws.cell(row, col, value)
            cell.alignment = WRAP
            if isinstance(value, str):
                cell.data_type = "s"  # a text starting with "=" stays text
        ws.cell(row, 6).protection = Protection(locked=False)
        ws.cell(row, 6).fill = INPUT_FILL
        if t.limit:
            dv = DataValidation(type="textLength", operator="lessThanOrEqual",
                                formula1=str(t.limit), showErrorMessage=True,
                                errorTitle="Too long", error=f"At most {t.limit} characters.")
            ws.add_data_validation(dv)
            dv.add(ws.cell(row, 6))
        ws.row_dimensions[row].height = max(
            row_height(str(v or ""), w) for v, w in zip(cells, WIDTHS, strict=True))
    ws.row_dimensions[1].height = max(row_height(h.format(**names), w, bold=True)
                                      for h, w in zip(HEADERS, WIDTHS, strict=True))
    ws.auto_filter.ref = f"A1:F{len(texts) + 1}"
    ws.protection.sheet = True
    ws.protection.autoFilter = False  # the translator may filter and sort
    ws.protection.sort = False
    _read_me(wb, path, lang, names)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out, len(texts), done


def _read_me(wb: Workbook, path: Path, lang: str, names: dict[str, str]) -> None:
    ws = wb.create_sheet("Read me")
    lines = [
        f"Translation of the form spec {path.name} into {names['target']}.",
        f"Write the {names['target']} text of each row in the last column of the '{SHEET}' "
        "sheet; everything else is locked. Keep line breaks where the English has them (a "
        "blank line starts a new paragraph).",
        "The Question column says which question a text belongs to, numbered as every copy "
        "of the form prints it. Limit: the most characters a format can hold.",
        "The toolkit's own words (Answer if …, Tick one, Page x of y, Name, Signature) are "
        "already in Welsh; they are not in this workbook.",
        f"Then: bluestone-forms translate import {path} THIS-FILE.xlsx -o NEW-SPEC.yaml",
    ]
    ws.column_dimensions["A"].width = 100
    for row, line in enumerate(lines, start=1):
        ws.cell(row, 1, line).alignment = WRAP
        ws.row_dimensions[row].height = row_height(line, 100)
    ws.protection.sheet = True


def read_workbook(file: Path, lang: str | None = None) -> tuple[str, dict[str, tuple[str, str]]]:
    """The language of a translator's workbook and, by key, (source text, translation)."""
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a file that is not a workbook
        raise BluestoneError(f"{file}: not an Excel workbook ({exc})") from None
    if SHEET not in wb.sheetnames:
        raise BluestoneError(f"{file}: no '{SHEET}' sheet; use a workbook that "
                             "`translate export` wrote")
    rows = list(wb[SHEET].iter_rows(values_only=True))
    wb.close()
    headers = [str(h or "") for h in rows[0]] if rows else []
    if len(headers) < len(HEADERS) or headers[0] != "Key" or not headers[3].endswith(" text"):
        raise BluestoneError(f"{file}: sheet '{SHEET}' does not have the columns "
                             f"`translate export` writes (Key, …, text, …, translation)")
    key_col, src_col, target_col = 0, 3, len(HEADERS) - 1
    target_head = headers[target_col]
    got = target_head[target_head.rfind("(") + 1:].rstrip(")") if "(" in target_head else ""
    if lang is not None and got and got != lang:
        raise BluestoneError(f"{file}: the workbook is a translation into '{got}', not '{lang}'")
    out: dict[str, tuple[str, str]] = {}
    for row in rows[1:]:
        key = row[key_col] if key_col < len(row) else None
        if isinstance(key, str) and key:
            src = row[src_col] if src_col < len(row) else None
            text = row[target_col] if target_col < len(row) else None
            out[key] = (str(src or ""), str(text).strip() if text is not None else "")
    return got or (lang or ""), out


def import_workbook(path: Path, workbook: Path, out: Path, lang: str | None = None) -> Imported:
    """Write the spec at `path` with the workbook's translations into `out`."""
    lang, rows = read_workbook(workbook, lang)
    data, text = raw_spec(path)
    default = spec_texts.default_language(data)
    _check_lang(lang, default)
    texts = spec_texts.form_texts(data)
    stale = []
    imported = 0
    for t in texts:
        source, target = rows.get(t.key, ("", ""))
        english = t.text(default, default) or ""
        if not target:
            continue
        if " ".join(source.split()) != " ".join(english.split()):
            stale.append(t.key)
            continue
        node: Any = data
        for part in t.path[:-1]:
            node = node[part]
        now = node[t.path[-1]]
        node[t.path[-1]] = {**(now if isinstance(now, dict) else {default: english}),
                            lang: target}
        imported += 1
    got = data.get("languages")
    langs: list[Any] = got if isinstance(got, list) else [default]
    if lang not in langs and imported:
        data["languages"] = [*langs, lang]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(_header(text) + dump(data), encoding="utf-8")
    load_spec(out)  # the written spec loads (a problem is named with its line)
    gaps = spec_texts.missing(data, lang)
    return Imported(out, len(texts) - len(gaps), len(texts), gaps, stale)


def _header(text: str) -> str:
    """The comment lines a spec file opens with."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines) + "\n" if lines else ""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # list items indented under their key


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """Line breaks as a literal block, a long text folded (`>`), as the shipped specs write
    them; PyYAML quotes instead where a block cannot hold the text exactly."""
    style = "|" if "\n" in value else ">" if len(value) > 80 else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(data: dict[str, Any]) -> str:
    """A spec as YAML: keys in the order written, texts as written (a text with line breaks
    as a literal block), yes/no and dates quoted so the loader reads them back as text."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)
