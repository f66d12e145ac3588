"""What every format reader and writer shares: identity metadata and turning raw slots into a
validated record."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..answers.records import Record, assemble
from ..answers.slots import slots
from ..answers.validate import validate
from ..errors import Issue, ReturnError
from ..spec.catalog import Catalog
from ..spec.compiled import CompiledSpec, slot_fingerprint
from ..spec.model import FormSpec
from ..spec.wording import identity_line

# Keys under which a generated file stores who it is (document properties, a hidden sheet,
# PDF metadata). Readers recognise a return by these, never by its file name.
FORM_ID = "bluestone:form-id"
VERSION = "bluestone:version"
INSTANCE_ID = "bluestone:instance-id"
SLOTS = "bluestone:slots"  # the fingerprint of the form's answer slots (`fingerprint`)
MAX_ID_CHARS = 200  # an instance id this toolkit writes is a UUID of 36 characters


@dataclass(frozen=True)
class Identity:
    form_id: str | None
    version: str | None
    instance_id: str | None
    slots: str | None = None  # the fingerprint written at generation; None in older files

    def footer(self) -> str:
        """The small identity line printed on every page / in every footer."""
        return identity_line(self.form_id, self.version, self.instance_id)


def fingerprint(form: FormSpec | CompiledSpec) -> str:
    """A short fingerprint of a form version's answer slots (`compiled.slot_fingerprint`),
    written into every generated file beside its identity."""
    if isinstance(form, CompiledSpec):
        return form.fingerprint
    return slot_fingerprint(form, slots(form))


def _owner(fp: str | None, names: Iterable[str], catalog: Catalog | None
           ) -> CompiledSpec | None:
    """The known form version with this fingerprint, else the one whose answer slots are
    exactly the names found (None when there is none)."""
    found = set(names)
    known = list((catalog or Catalog.shipped()).forms())
    for form in sorted(known, key=lambda f: (f.id, f.version)):
        if fp is not None and form.fingerprint == fp:
            return form
        if fp is None and found and found == form.slot_map.keys():
            return form
    return None


def check_identity(form: CompiledSpec, identity: Identity, file: str,
                   catalog: Catalog | None = None) -> None:
    """Refuse a return whose fingerprint is not its claimed form's (it was relabelled)."""
    if identity.slots is None or identity.slots == form.fingerprint:
        return
    spec = form.spec
    owner = _owner(identity.slots, (), catalog)
    boxes = (f"form {owner.id} v{owner.version}" if owner is not None
             else "another form or version (none known here)")
    raise ReturnError(file, f"the file says it is form {spec.id} v{spec.version}, but its "
                      f"answer boxes are those of {boxes}; its identity was changed. Send the "
                      "form as it was sent out, filled in")


def check_slots(form: CompiledSpec, names: Iterable[str], file: str,
                catalog: Catalog | None = None) -> None:
    """For a file without a fingerprint (made before there was one), from the answer boxes
    it has: refuse it when they are exactly those of another known form version (rp1's boxes
    are all in rp2, so a subset proves nothing), or when none of them belong to the form it
    claims."""
    found = set(names)
    mine = form.slot_map.keys()
    if not found or found == mine:
        return
    spec = form.spec
    owner = _owner(None, found, catalog)
    if owner is not None and (owner.id, owner.version) != (spec.id, spec.version):
        boxes = f"those of form {owner.id} v{owner.version}"
    elif not found & mine:
        boxes = "of no form known here"
    else:
        return
    raise ReturnError(file, f"the file says it is form {spec.id} v{spec.version}, but its "
                      f"answer boxes are {boxes}; its identity was changed. Send the form as it "
                      "was sent out, filled in")


def finish(
    form: CompiledSpec,
    identity: Identity,
    raw: Mapping[str, Any],
    where: Mapping[str, str],
    file: str,
    row: int | None = None,
    modified: str | None = None,
    catalog: Catalog | None = None,
) -> tuple[Record, list[Issue]]:
    """Raw content per slot -> a validated Record and every issue, each naming the file.

    A return relabelled as another form or version (`check_identity`) is a ReturnError. An
    instance id longer than MAX_ID_CHARS is a ReturnError: it is the key a return is stored
    and replaced by, and no client makes one that long."""
    check_identity(form, identity, file, catalog)
    if identity.instance_id and len(identity.instance_id) > MAX_ID_CHARS:
        raise ReturnError(file, f"the instance id is {len(identity.instance_id):,} characters "
                          f"long; an instance id is at most {MAX_ID_CHARS} (the toolkit writes "
                          "36)")
    vals, issues = assemble(form, raw, where, file=file, row=row)
    record = Record(
        form_id=form.id,
        version=form.version,
        instance_id=identity.instance_id or "",
        values=vals,
        file=file,
        row=row,
        meta={"modified": modified} if modified else {},
    )
    if not identity.instance_id:
        issues.append(Issue(field="(form)", message="the form has no instance id", file=file))
    failed = {i.field for i in issues}
    for issue in validate(record, form):
        # a value the codec could not read is already reported; do not report it twice
        if issue.field not in failed and not any(f.startswith(issue.field + ".") for f in failed):
            issues.append(Issue(issue.field, issue.message, issue.value, where.get(issue.field),
                                file, row))
    return record, issues
