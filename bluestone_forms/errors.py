"""One base exception for the toolkit, and the Issue every reader and validator reports.

Why: the CLI turns only `BluestoneError` into a clean message and a non-zero exit; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


class BluestoneError(Exception):
    """Base of every error the toolkit raises on purpose."""


@dataclass(frozen=True)
class SpecProblem:
    """One thing wrong in a spec file: where it is and what was expected."""

    file: str
    line: int | None
    path: str
    message: str
    source_line: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        head = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        if self.source_line is not None:
            return f"{head}\n    {self.source_line.rstrip()}"
        return head


class SpecError(BluestoneError):
    """A spec could not be loaded; carries every problem found, not just the first."""

    def __init__(self, problems: list[SpecProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ReturnError(BluestoneError):
    """A returned file cannot be read as a form at all (not a form, corrupt, refused)."""

    def __init__(self, file: str, message: str) -> None:
        self.file = file
        self.message = message
        super().__init__(f"{file}: {message}")


@dataclass(frozen=True)
class Issue:
    """A problem with one value of one return.

    `field` is the spec path of the value (e.g. `actions.2.owner`), `where` the place in the
    file a person can find it (a cell such as `Form!C12`, a Word control's label, a PDF field).
    """

    field: str
    message: str
    value: str | None = None
    where: str | None = None
    file: str | None = None
    row: int | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        loc = self.field
        if self.where:
            loc = f"{self.field} ({self.where})"
        parts.append(loc)
        text = ": ".join(parts) + ": " + self.message
        if self.value is not None:
            text += f" (got {self.value!r})"
        return text
