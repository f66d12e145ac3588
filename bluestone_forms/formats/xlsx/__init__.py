"""The Excel format: a protected, self-identifying workbook to fill in, read back near the
cost of parsing its XML.

    write(spec, path, *, values=None, instance_id=None, layout="form", password=None,
          rows=200) -> Path
    read(path, catalog=None) -> ReadResult
    fill(template, values, out, *, spec=None, catalog=None) -> Path

Layouts. `layout="form"` (the default) is one sheet that reads like the paper form: locked
labels, help and notes, one unlocked input cell per slot with the data validation of its field
(drop-down lists for choices, ratings and select-many ticks, dates, whole or decimal numbers
with their limits, text length), an input message with the hint and an error alert saying what
is expected; required inputs are marked * and shaded. `layout="register"` is one row per return
and one column per slot, with the same validations on each of `rows` rows, for a force keying
many reviews into one sheet; `values` (and `fill`'s values) may then be a list of value dicts,
one per row (a single dict fills the first row). The form layout takes one dict.

Identity. A veryHidden sheet `bluestone` holds the form id, version, instance id, layout, the
input sheet's name and the map from slot key to cell; the same identity is in the document's
custom properties, which the reader looks at first (one small part), so a return whose
metadata sheet was deleted is still recognised (with an Issue), and one whose properties were
stripped is recognised by the sheet. Every input has a defined name `bs_<slot key>` (see
`_xlsx_layout`). Each register row has its own return id in column A: a UUID derived from
the workbook's instance id and the row's ordinal (`_xlsx_layout.row_id`), written when the
workbook is made so it moves with its row; a row with answers but no id (inserted by a user)
gets one derived from its sheet row number and an Issue. Register records carry their sheet
row number in `Record.row` and every issue of a row in `Issue.row`.

After LibreOffice. A re-save in LibreOffice Calc keeps the metadata sheet (veryHidden becomes
merely hidden, which the reader does not mind), defined names, custom properties, list and
other data validations with their texts, sheet protection, unlocked cells, hidden tag rows and
columns, and values (dates come back in a new date number format, which the reader recognises
by format, not by id). It drops the workbook's structure lock and the frozen panes; neither is
needed to read a return.

Reading. The parts are parsed with lxml through `_package` (see `_xlsx_parts`): the input
sheet as far as the end of its cells and without its empty cells (a sheet over 2 MB in
slices, keeping only the rows that hold something: see `_xlsx_sheet`), shared strings,
workbook.xml, styles.xml (to tell date cells from numbers by their number format) and the
document's custom properties (or, without them, the first rows of the metadata sheet); what
every return of one form shares (workbook.xml, styles, content types) is worked out once;
`bench/bench_xlsx.py` times a read against parsing the sheet alone. Numbers are read to the 15
significant digits Excel keeps (Excel may store a typed 71.82 as 71.819999999999993), dates
from their serial numbers (1900 or 1904 system), a formula or error value in an input is an
Issue naming the cell (`Form!C12`, or `Register!D7` with `Issue.row`), never evaluated.

Limits of Excel itself: numbers keep 15 significant digits (integer inputs are validated to
±999,999,999,999,999), and dates before 1 March 1900 are not date cells (they are typed as
text and read through the codec).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ...answers import records
from ...answers.records import ReadResult
from ...spec.catalog import Catalog
from ...spec.model import FormSpec
from ..common import Identity
from . import _fill as _xlsx_fill
from . import _read as _xlsx_read
from ._form import build_form
from ._layout import LAYOUTS
from ._register import DEFAULT_ROWS, build_register

Values = Mapping[str, Any] | Sequence[Mapping[str, Any]]


def write(
    spec: FormSpec,
    path: str | Path,
    *,
    values: Values | None = None,
    instance_id: str | None = None,
    layout: str = "form",
    password: str | None = None,
    rows: int = DEFAULT_ROWS,
) -> Path:
    """Make the fillable workbook (prefilled with `values` when given); returns its path.

    `password` protects the sheets with a password (none by default: protection is there to
    keep a form's shape, not to keep secrets). `rows` is the number of register rows.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    identity = Identity(spec.id, spec.version, instance_id or records.new_instance_id())
    if layout == "register":
        returns: Sequence[Mapping[str, Any]]
        if values is None:
            returns = []
        elif isinstance(values, Mapping):
            returns = [values]
        else:
            returns = values
        wb = build_register(spec, identity, returns, password, rows)
    else:
        if values is not None and not isinstance(values, Mapping):
            raise ValueError("the form layout holds one return; give one dict of values")
        wb = build_form(spec, identity, values, password)
    target = Path(path)
    wb.save(target)
    return target


def read(path: str | Path, catalog: Catalog | None = None, *,
         data: bytes | None = None) -> ReadResult:
    """Read a returned workbook: one record (form layout) or one per filled row (register);
    `data`: the file's bytes when the caller has read them already."""
    return _xlsx_read.read(path, catalog, data)


def fill(
    template: str | Path,
    values: Values,
    out: str | Path,
    *,
    spec: FormSpec | None = None,
    catalog: Catalog | None = None,
    instance_id: str | None = None,
) -> Path:
    """Fill a generated workbook as Excel stores typed answers, keeping its identity.

    The spec is found from the template's form id and version in `catalog` (default: the
    shipped forms) unless given. A register takes a list of value dicts, one per row.
    With `instance_id` the filled copy gets that id instead of the template's (mail merge).
    """
    return _xlsx_fill.fill(template, values, out, spec=spec, catalog=catalog,
                           instance_id=instance_id)
