"""The README's generated parts, so they cannot drift: the CLI reference (from `--help`) and
the code map (from the package tree and each package's docstring).

`python -m bluestone_forms._docs` rewrites the blocks between the markers in README.md; a test
fails when the README and the code disagree.
"""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

import click
from click.testing import CliRunner

START = "<!-- cli-reference:start -->"
END = "<!-- cli-reference:end -->"
MAP_START = "<!-- code-map:start -->"
MAP_END = "<!-- code-map:end -->"


def cli_reference() -> str:
    from .cli import main

    runner = CliRunner()
    parts = []
    names: list[list[str]] = [[]]
    assert isinstance(main, click.Group)
    for name, command in main.commands.items():
        names.append([name])
        if isinstance(command, click.Group):  # `store init`, `store grant` …
            names += [[name, sub] for sub in command.commands]
    for args in names:
        result = runner.invoke(main, [*args, "--help"], prog_name="bluestone-forms",
                               terminal_width=100)
        cmd = " ".join(["bluestone-forms", *args, "--help"])
        parts.append(f"$ {cmd}\n{result.output.rstrip()}\n")
    return "```text\n" + "\n".join(parts) + "```"


def _first_sentence(doc: str | None) -> str:
    text = " ".join((doc or "").split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def code_map() -> str:
    """The package's map: each package with the first sentence of its docstring, then its
    modules."""
    root = Path(__file__).resolve().parent
    lines = ["```text"]
    dirs = [root, *sorted(p.parent for p in root.rglob("__init__.py") if p.parent != root)]
    for d in dirs:
        rel = (d.relative_to(root) if d != root else d.relative_to(root.parent)).as_posix() + "/"
        init = d / "__init__.py"
        doc = _first_sentence(ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))))
        mods = sorted(p.stem for p in d.glob("*.py") if p.name != "__init__.py")
        head = f"{rel:<18}{doc}" if len(rel) < 18 else f"{rel}\n{'':<18}{doc}"
        lines += textwrap.wrap(head, 100, subsequent_indent=" " * 18)
        if mods:
            lines += textwrap.wrap(" · ".join(mods), 100, initial_indent=" " * 20,
                                   subsequent_indent=" " * 20, break_on_hyphens=False)
    lines.append("```")
    return "\n".join(line.rstrip() for line in lines)


def _replace(text: str, start: str, end: str, body: str) -> str:
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{body}\n{end}{tail}"


def rewrite(readme: Path) -> bool:
    text = readme.read_text(encoding="utf-8")
    new = _replace(text, START, END, cli_reference())
    new = _replace(new, MAP_START, MAP_END, code_map())
    if new != text:
        readme.write_text(new, encoding="utf-8")
        return True
    return False


if __name__ == "__main__":
    changed = rewrite(Path(sys.argv[1] if len(sys.argv) > 1 else "README.md"))
    print("README.md updated" if changed else "README.md already up to date")
