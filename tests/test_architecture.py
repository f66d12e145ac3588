"""The house rules of the package layout, checked on the source itself: no private module is
imported from another package, no import cycle between modules, no module much over 400
lines, raw Office XML in one layer, and the README's map is the tree."""

from __future__ import annotations

import ast
from pathlib import Path

import bluestone_forms

ROOT = Path(bluestone_forms.__file__).resolve().parent
REPO = ROOT.parent
MAX_LINES = 420  # "no module over ~400 lines"


def _modules() -> dict[str, Path]:
    mods = {}
    for f in sorted(ROOT.rglob("*.py")):
        rel = f.relative_to(ROOT).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        mods[".".join(("bluestone_forms", *parts))] = f
    return mods


MODULES = _modules()


def _package(mod: str, path: Path) -> str:
    return mod if path.name == "__init__.py" else mod.rpartition(".")[0]


def _imports(mod: str, path: Path) -> set[str]:
    """Every module of the package that `mod` imports, at any depth of its code."""
    found: set[str] = set()
    pkg = _package(mod, path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                src = ".".join([*base, *([node.module] if node.module else [])])
            else:
                src = node.module or ""
            names = [src, *(f"{src}.{a.name}" for a in node.names)]
        else:
            continue
        found.update(n for n in names if n in MODULES and n != mod)
    return found


GRAPH = {mod: _imports(mod, path) for mod, path in MODULES.items()}


def _is_private(mod: str) -> bool:
    return mod.rpartition(".")[2].startswith("_") and not mod.endswith("__init__")


def test_no_private_module_is_imported_from_another_package() -> None:
    bad = []
    for mod, deps in GRAPH.items():
        here = _package(mod, MODULES[mod])
        for dep in deps:
            if _is_private(dep) and dep.rpartition(".")[0] != here:
                bad.append(f"{mod} imports {dep}")
    assert bad == []


def test_no_import_cycles() -> None:
    """Module-level imports only: a function-local import is how a deliberate late binding
    is written, and it does not make a cycle at import time."""
    top: dict[str, set[str]] = {}
    for mod, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        body = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        pkg = _package(mod, path)
        deps: set[str] = set()
        for node in body:
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name in MODULES)
            else:
                if node.level:
                    base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                    src = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    src = node.module or ""
                deps.update(n for n in [src, *(f"{src}.{a.name}" for a in node.names)]
                            if n in MODULES and n != mod)
        top[mod] = deps
    cycles = []
    state: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for d in sorted(top[m]):
            # a package's __init__ importing its own submodules is not a cycle
            if d.startswith(m + "."):
                continue
            if state.get(d) == 1 and not m.startswith(d + "."):
                cycles.append(" -> ".join([*stack[stack.index(d):], d]) if d in stack
                              else f"{m} -> {d}")
            elif d not in state:
                visit(d, [*stack, d])
        state[m] = 2

    for m in sorted(top):
        if m not in state:
            visit(m, [m])
    assert cycles == []


def test_no_module_is_much_over_400_lines() -> None:
    long = {m: n for m, p in MODULES.items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_the_readme_map_is_the_tree() -> None:
    from bluestone_forms._docs import MAP_END, MAP_START, code_map

    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split(MAP_START)[1].split(MAP_END)[0].strip()
    assert block == code_map(), "README's code map is stale: run `python -m bluestone_forms._docs`"


def test_raw_office_xml_lives_in_one_layer() -> None:
    """Only formats/ooxml parses or builds Office package XML by hand (lxml over a zip)."""
    outside = []
    for mod, path in MODULES.items():
        if ".formats.ooxml" in mod:
            continue
        text = path.read_text(encoding="utf-8")
        if "schemas.openxmlformats.org" in text and ("etree" in text or "zipfile" in text):
            outside.append(mod)
    assert outside == []
