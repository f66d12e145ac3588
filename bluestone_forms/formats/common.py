"""What every format reader and writer shares: identity metadata and turning raw slots into a
validated record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import Issue, ReturnError
from ..records import Record, assemble
from ..spec import FormSpec
from ..validate import validate

# Keys under which a generated file stores who it is (document properties, a hidden sheet,
# PDF metadata). Readers recognise a return by these, never by its file name.
FORM_ID = "bluestone:form-id"
VERSION = "bluestone:version"
INSTANCE_ID = "bluestone:instance-id"
MAX_ID_CHARS = 200  # an instance id this toolkit writes is a UUID of 36 characters


@dataclass(frozen=True)
class Identity:
    form_id: str | None
    version: str | None
    instance_id: str | None

    def footer(self) -> str:
        """The small identity line printed on every page / in every footer."""
        return f"Form {self.form_id} v{self.version} · instance {self.instance_id}"


def finish(
    spec: FormSpec,
    identity: Identity,
    raw: Mapping[str, Any],
    where: Mapping[str, str],
    file: str,
    row: int | None = None,
    modified: str | None = None,
) -> tuple[Record, list[Issue]]:
    """Raw content per slot -> a validated Record and every issue, each naming the file.

    An instance id longer than MAX_ID_CHARS is a ReturnError: it is the key a return is stored
    and replaced by, and no client makes one that long."""
    if identity.instance_id and len(identity.instance_id) > MAX_ID_CHARS:
        raise ReturnError(file, f"the instance id is {len(identity.instance_id):,} characters "
                          f"long; an instance id is at most {MAX_ID_CHARS} (the toolkit writes "
                          "36)")
    vals, issues = assemble(spec, raw, where, file=file, row=row)
    record = Record(
        form_id=spec.id,
        version=spec.version,
        instance_id=identity.instance_id or "",
        values=vals,
        file=file,
        row=row,
        meta={"modified": modified} if modified else {},
    )
    if not identity.instance_id:
        issues.append(Issue(field="(form)", message="the form has no instance id", file=file))
    failed = {i.field for i in issues}
    for issue in validate(record, spec):
        # a value the codec could not read is already reported; do not report it twice
        if issue.field not in failed and not any(f.startswith(issue.field + ".") for f in failed):
            issues.append(Issue(issue.field, issue.message, issue.value, where.get(issue.field),
                                file, row))
    return record, issues
