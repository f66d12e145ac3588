"""The texts of a spec that a form prints, each with a stable key: what a translator translates.

Why a walk over the raw spec data (before it becomes a `FormSpec`): a text may be a plain
string (in the spec's default language) or one text per language (`{en: …, cy: …}`), and both
the loader (which texts lack a language asked for) and the translate round trip (`translate`)
need to find and replace them where they are written.

A key names a text by ids, not positions, so a translation survives a field moved within the
spec: `form.title`, `section.case_details.intro`, `field.crime_ref.label`,
`field.actions.column.owner.label`, `choices.forces.dyfed_powys`, `scale.rating.point.3`.
The source document, the data classification and the collation settings are not printed on a
form and are not translated (a published document keeps its own title).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

SpecPath = tuple[str | int, ...]

LANGUAGE_NAMES = {"en": "English", "cy": "Welsh"}

# What a translator is told each text is; `limit` where a format holds only so many characters.
FIELD_KINDS = {"label": "question", "hint": "hint under a question",
               "help": "guidance for a question", "message": "message when an answer is refused",
               "text": "note printed on the form", "role": "who signs"}
COLUMN_KINDS = {"label": "table column heading", "hint": "hint under a table column",
                "help": "guidance for a table column",
                "message": "message when an answer is refused"}
LIMITS = {"form title": 255, "form description": 255, "choice": 255, "scale point": 255}


@dataclass(frozen=True)
class Text:
    key: str
    path: SpecPath
    kind: str
    value: Any  # a string, or {language: text}
    field: str | None = None  # the question it belongs to
    choices: str | None = None  # the choice list or scale it belongs to

    @property
    def limit(self) -> int | None:
        return LIMITS.get(self.kind)

    def text(self, lang: str, default: str) -> str | None:
        """The text in `lang` (a plain string is the default language's), or None."""
        if isinstance(self.value, str):
            return self.value if lang == default else None
        if isinstance(self.value, dict):
            got = self.value.get(lang)
            return got if isinstance(got, str) and got.strip() else None
        return None


def default_language(data: dict[str, Any]) -> str:
    langs = data.get("languages")
    first = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else "en"
    got = data.get("default_language", first)
    return got if isinstance(got, str) else "en"


def _dicts(node: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    if isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, dict):
                yield i, item


def _texts_of(node: dict[str, Any], path: SpecPath, prefix: str, kinds: dict[str, str],
              **about: str | None) -> Iterator[Text]:
    for name, kind in kinds.items():
        if name in node and isinstance(node[name], str | dict):
            if name == "label" and node.get("type") == "note":
                kind = "heading of a note"
            yield Text(f"{prefix}.{name}", (*path, name), kind, node[name], **about)


def form_texts(data: dict[str, Any]) -> list[Text]:
    """Every text the forms print, in form order (title, then sections; choices and scales
    after), each with its key, path in the data and kind."""
    out: list[Text] = []
    for name, kind in (("title", "form title"), ("description", "form description")):
        if isinstance(data.get(name), str | dict):
            out.append(Text(f"form.{name}", (name,), kind, data[name]))
    for i, section in _dicts(data.get("sections")):
        sid = str(section.get("id", i))
        for name, kind in (("title", "section heading"), ("intro", "section introduction")):
            if isinstance(section.get(name), str | dict):
                out.append(Text(f"section.{sid}.{name}", ("sections", i, name), kind,
                                section[name]))
        for j, f in _dicts(section.get("fields")):
            fid = str(f.get("id", j))
            here: SpecPath = ("sections", i, "fields", j)
            out.extend(_texts_of(f, here, f"field.{fid}", FIELD_KINDS, field=fid))
            for k, col in _dicts(f.get("columns")):
                prefix = f"field.{fid}.column.{col.get('id', k)}"
                out.extend(_texts_of(col, (*here, "columns", k), prefix, COLUMN_KINDS, field=fid))
    lists = data.get("choice_lists")
    for name, items in (lists.items() if isinstance(lists, dict) else ()):
        for i, c in _dicts(items):
            if isinstance(c.get("label"), str | dict):
                out.append(Text(f"choices.{name}.{c.get('code', i)}",
                                ("choice_lists", name, i, "label"), "choice", c["label"],
                                choices=str(name)))
    scales = data.get("scales")
    for name, scale in (scales.items() if isinstance(scales, dict) else ()):
        if not isinstance(scale, dict):
            continue
        for part, kind in (("title", "scale title"), ("description", "scale description")):
            if isinstance(scale.get(part), str | dict):
                out.append(Text(f"scale.{name}.{part}", ("scales", name, part), kind,
                                scale[part], choices=str(name)))
        for i, p in _dicts(scale.get("points")):
            if isinstance(p.get("label"), str | dict):
                out.append(Text(f"scale.{name}.point.{p.get('value', i)}",
                                ("scales", name, "points", i, "label"), "scale point",
                                p["label"], choices=str(name)))
    return out


def missing(data: dict[str, Any], lang: str) -> list[Text]:
    """The form texts with no text in `lang` (a plain string is in the default language)."""
    default = default_language(data)
    return [t for t in form_texts(data) if t.text(lang, default) is None]


def missing_message(data: dict[str, Any], lang: str, spec_name: str) -> str | None:
    """One line naming what a `--lang` copy lacks and how to start translating, or None."""
    gaps = missing(data, lang)
    if not gaps:
        return None
    total = len(form_texts(data))
    name = LANGUAGE_NAMES.get(lang, lang)
    first = ", ".join(t.key for t in gaps[:4]) + (", …" if len(gaps) > 4 else "")
    return (f"no {name} ({lang}) text for {len(gaps)} of {total} texts ({first}); start a "
            f"translation with: bluestone-forms translate export {spec_name} --lang {lang} "
            f"-o {spec_name.rsplit('/', 1)[-1].removesuffix('.yaml')}-{lang}.xlsx")
