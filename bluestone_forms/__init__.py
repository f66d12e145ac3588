"""bluestone-forms: the forms of the Operation Soteria Bluestone model, from spec to collation."""

from .answers.records import ReadResult as ReadResult
from .answers.records import Record as Record
from .answers.validate import validate as validate
from .errors import BluestoneError as BluestoneError
from .errors import Issue as Issue
from .errors import ReturnError as ReturnError
from .errors import SpecError as SpecError
from .errors import SpecProblem as SpecProblem
from .spec.catalog import Catalog as Catalog
from .spec.loader import load_spec as load_spec
from .spec.loader import load_spec_text as load_spec_text
from .spec.model import FormSpec as FormSpec

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
