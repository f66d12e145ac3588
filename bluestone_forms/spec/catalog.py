"""The forms a reader can recognise: every known (form id, version) and its spec.

A return names its form and version inside the file; the catalog finds the spec or says
plainly that the form or version is unknown, so such a return is reported, never skipped.
The catalog holds each spec compiled (`compiled.CompiledSpec`), built once when it is added.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import ReturnError, SpecError
from ..resources import shipped_spec_files
from .compiled import CompiledSpec, compiled
from .loader import load_spec
from .model import FormSpec


class Catalog:
    def __init__(self, specs: Iterable[FormSpec | CompiledSpec] = ()) -> None:
        self._specs: dict[tuple[str, str], FormSpec] = {}
        self._forms: dict[tuple[str, str], CompiledSpec] = {}
        self._versions: dict[str, list[str]] = {}  # form id -> its versions, for messages
        for s in specs:
            self.add(s)

    def add(self, spec: FormSpec | CompiledSpec) -> None:
        """Add a form version (compiled now unless it already is), replacing one of the same
        id and version."""
        form = compiled(spec)
        self._specs[(form.id, form.version)] = form.spec
        self._forms[(form.id, form.version)] = form
        versions = self._versions.setdefault(form.id, [])
        if form.version not in versions:
            versions.append(form.version)

    def __iter__(self) -> Iterator[FormSpec]:
        return iter(self._specs.values())

    def forms(self) -> Iterator[CompiledSpec]:
        """Every form version, compiled (`Catalog(other.forms())` copies without compiling)."""
        return iter(self._forms.values())

    def __len__(self) -> int:
        return len(self._specs)

    @classmethod
    def from_paths(cls, paths: Iterable[str | Path]) -> Catalog:
        """Specs from files and folders (a folder: every *.yaml in it); all errors at once."""
        specs: list[FormSpec] = []
        problems = []
        for p in paths:
            path = Path(p)
            files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
            for f in files:
                try:
                    specs.append(load_spec(f))
                except SpecError as exc:
                    problems.extend(exc.problems)
        if problems:
            raise SpecError(problems)
        return cls(specs)

    @classmethod
    def shipped(cls) -> Catalog:
        """The forms shipped with the toolkit (loaded once per process)."""
        global _SHIPPED
        if _SHIPPED is None:
            _SHIPPED = cls.from_paths(shipped_spec_files())
        return _SHIPPED

    def get(self, form_id: str) -> FormSpec:
        """The newest version of a form by id."""
        versions = [self._specs[(form_id, v)] for v in self._versions.get(form_id, ())]
        if not versions:
            raise KeyError(form_id)
        return max(versions, key=lambda s: tuple(int(p) for p in s.version.split(".")))

    def resolve(self, form_id: str | None, version: str | None, file: str) -> FormSpec:
        """The spec a return names, or a ReturnError saying what is unknown."""
        return self.form(form_id, version, file).spec

    def form(self, form_id: str | None, version: str | None, file: str) -> CompiledSpec:
        """The compiled form a return names, or a ReturnError saying what is unknown.

        One dictionary lookup when the form is known (every return of a collation asks);
        the lists of what is known are made only for the message."""
        form = self._forms.get((form_id, version or "")) if form_id else None
        if form is not None:
            return form
        if not form_id:
            raise ReturnError(file, "not a bluestone form: no form id found in the file")
        if form_id not in self._versions:
            known_ids = sorted(self._versions)
            raise ReturnError(
                file, f"unknown form '{form_id}'; known forms: {', '.join(known_ids) or 'none'}"
            )
        known = sorted(self._versions[form_id])
        raise ReturnError(
            file, f"form '{form_id}' has no version '{version}'; known versions: {', '.join(known)}"
        )

    def compiled(self, spec: FormSpec) -> CompiledSpec:
        """`spec` compiled: the catalog's own when it holds this very spec, else compiled now."""
        form = self._forms.get((spec.id, spec.version))
        return form if form is not None and form.spec is spec else compiled(spec)


_SHIPPED: Catalog | None = None
