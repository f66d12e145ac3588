"""bluestone-forms: the forms of the Operation Soteria Bluestone model, from spec to collation."""

from .catalog import Catalog as Catalog
from .errors import BluestoneError as BluestoneError
from .errors import Issue as Issue
from .errors import ReturnError as ReturnError
from .errors import SpecError as SpecError
from .errors import SpecProblem as SpecProblem
from .loader import load_spec as load_spec
from .loader import load_spec_text as load_spec_text
from .records import ReadResult as ReadResult
from .records import Record as Record
from .spec import FormSpec as FormSpec
from .validate import validate as validate

__all__ = [
    "BluestoneError",
    "Catalog",
    "FormSpec",
    "Issue",
    "ReadResult",
    "Record",
    "ReturnError",
    "SpecError",
    "SpecProblem",
    "load_spec",
    "load_spec_text",
    "validate",
]
