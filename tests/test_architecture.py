"""The shape of the code: imports point down the tiers, use cases stand apart, nothing below the edges prints.

Tiers, top to bottom: entry points (the `kb` command, the app and its views, the scripts), use cases (what
a user asks for: ingest, search, compare, export, counts ...), components (what the use cases are made of),
leaves (data shapes, settings, errors, small pure helpers). A module imports from its own tier or lower; a
use case imports another only where declared below; components import each other without cycles.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "kb"
LEAVES = {
    "kb", "kb.data", "kb.models", "kb.errors", "kb.config", "kb.language", "kb.dates", "kb.lexicon", "kb.tokens",
    "kb.ruledata", "kb.rank", "kb.kinds", "kb.latex", "kb.spaces", "kb.unitvec", "kb.contents", "kb.idsets",
    "kb.bm25", "kb.loadonce", "kb.sidebyside",
}
USE_CASES = {
    "kb.pipeline", "kb.enrich", "kb.search", "kb.compare", "kb.export", "kb.analysis", "kb.check", "kb.uploads",
    "kb.collections", "kb.library", "kb.watch", "kb.api", "kb.contract", "kb.distributed", "kb.readahead",
}
EDGES = {"kb.cli", "kb.commands", "kb.progress"}
# Use cases that build on another, on purpose: uploads ingest what a user adds; the Ray engine runs enrich's
# stages (the pipeline takes it as a parameter and never imports it), and the pipeline's reader process runs its
# read stage; export cites what collections keep; the views' read layer and saved searches search.
DECLARED = {
    ("kb.uploads", "kb.pipeline"), ("kb.pipeline", "kb.enrich"), ("kb.distributed", "kb.enrich"),
    ("kb.pipeline", "kb.readahead"), ("kb.readahead", "kb.enrich"),
    ("kb.export", "kb.collections"), ("kb.library", "kb.search"),
    ("kb.library", "kb.collections"), ("kb.library", "kb.compare"), ("kb.library", "kb.analysis"),
    ("kb.library", "kb.export"), ("kb.watch", "kb.search"),
    ("kb.api", "kb.library"), ("kb.library", "kb.watch"),
    # The JSON contract reads what the use cases return; the API answers in it.
    ("kb.contract", "kb.analysis"), ("kb.contract", "kb.collections"), ("kb.contract", "kb.compare"),
    ("kb.contract", "kb.library"), ("kb.contract", "kb.search"), ("kb.contract", "kb.watch"), ("kb.api", "kb.contract"),
    ("kb.contract", "kb.pipeline"), ("kb.contract", "kb.check"),
    ("kb.api", "kb.analysis"), ("kb.api", "kb.collections"), ("kb.api", "kb.export"),
}
MAX_LINES = 400


def tier(module: str) -> int:
    """0 leaves, 1 components, 2 use cases, 3 entry points."""
    if module in LEAVES:
        return 0
    if module in USE_CASES:
        return 2
    if module in EDGES or not module.startswith("kb"):
        return 3
    return 1


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("kb", "views", "scripts"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] in ("kb", "views", "scripts"))
    return found


def _sources() -> list[Path]:
    return [*sorted(KB.rglob("*.py")), *sorted((ROOT / "views").glob("*.py")), ROOT / "app.py",
            *sorted((ROOT / "scripts").glob("*.py"))]


def test_imports_point_down_the_tiers_and_use_cases_stand_apart():
    for path in _sources():
        name = _module_name(path)
        for imported in _imports(path):
            if imported.startswith(("views", "scripts")):
                # Entry points may share their own helpers: the app its views, the scripts their common module.
                assert name.split(".")[0] in ("app", imported.split(".")[0]), f"{name} imports {imported}"
                continue
            assert tier(imported) <= tier(name), f"{name} ({tier(name)}) imports {imported} ({tier(imported)})"
            if tier(name) == tier(imported) == 2:
                assert (name, imported) in DECLARED, f"use case {name} imports use case {imported} undeclared"
            if tier(name) == tier(imported) == 0 and imported != "kb":
                assert imported in ("kb.errors", "kb.models", "kb.language", "kb.ruledata", "kb.tokens", "kb.rank",
                                    "kb.spaces", "kb.latex", "kb.contents"), \
                    f"leaf {name} imports {imported}"


def test_every_declared_use_case_import_is_made():
    made = {(_module_name(p), i) for p in KB.rglob("*.py") for i in _imports(p)}
    assert DECLARED <= made, f"declared but not made (remove them): {sorted(DECLARED - made)}"


def test_the_app_reads_the_index_through_the_read_layer():
    # The views and the app see the library as kb.library gives it; the store and the index folder are its.
    for path in [*sorted((ROOT / "views").glob("*.py")), ROOT / "app.py"]:
        reached = _imports(path) & {"kb.store", "kb.storequery", "kb.storekeywords", "kb.indexdir", "kb.index"}
        assert not reached, f"{path.name} imports {sorted(reached)}"


def test_components_import_each_other_without_cycles():
    graph = {_module_name(p): {i for i in _imports(p) if tier(i) == 1} for p in KB.rglob("*.py")
             if tier(_module_name(p)) == 1}
    done: set[str] = set()

    def visit(node: str, stack: tuple[str, ...]) -> None:
        assert node not in stack, "import cycle: " + " -> ".join((*stack, node))
        if node in done:
            return
        for nxt in graph.get(node, ()):
            if not (nxt == "kb.ingest.text" and node.startswith("kb.ingest.")):
                visit(nxt, (*stack, node))
        done.add(node)

    for module in graph:
        visit(module, ())


def test_nothing_below_the_edges_prints_and_modules_stay_small():
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "print"]
        if path.parent == KB and path.name not in ("cli.py", "commands.py"):
            assert not calls, f"{path.name} prints"
        assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES, f"{path} is over {MAX_LINES} lines"
