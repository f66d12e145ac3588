"""The CLI reference in the README, generated from `--help` so it cannot drift.

`python -m bluestone_forms._docs` rewrites the block between the markers in README.md; a test
fails when the README and `--help` disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

START = "<!-- cli-reference:start -->"
END = "<!-- cli-reference:end -->"


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


def rewrite(readme: Path) -> bool:
    text = readme.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{cli_reference()}\n{END}{tail}"
    if new != text:
        readme.write_text(new, encoding="utf-8")
        return True
    return False


if __name__ == "__main__":
    changed = rewrite(Path(sys.argv[1] if len(sys.argv) > 1 else "README.md"))
    print("README.md updated" if changed else "README.md already up to date")
