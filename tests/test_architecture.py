"""Imports point down the layers, and nothing in kb/ but the `kb` command prints."""

from __future__ import annotations

import ast
from pathlib import Path

KB = Path(__file__).resolve().parent.parent / "kb"
# Lower numbers are lower layers; a module may import only from strictly lower layers.
LAYERS = {
    "kb": 0, "kb.errors": 0, "kb.models": 0, "kb.data": 0, "kb.config": 1, "kb.tokens": 1,
    "kb.clean": 2, "kb.metadata": 2, "kb.store": 2, "kb.storequery": 1, "kb.explain": 1, "kb.taxonomy": 2, "kb.gazetteer": 2, "kb.embed": 2,
    "kb.index": 2, "kb.ingest": 3, "kb.tag": 3,
    "kb.ingest.text": 2, "kb.ingest.html": 2, "kb.ingest.pdf": 2, "kb.ingest.docx": 2, "kb.ingest.records": 2,
    "kb.segment": 3, "kb.prepare": 4, "kb.corpus": 4, "kb.enrich": 5, "kb.pipeline": 6, "kb.search": 7,
    "kb.cli": 9, "kb.commands": 8, "kb.check": 7, "kb.collections": 2, "kb.export": 4, "kb.compare": 4,
    "kb.uploads": 7, "kb.glossary": 2,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(KB.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _kb_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kb"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("kb"))
    return found


def test_every_module_has_a_layer_and_imports_point_down():
    modules = sorted(KB.rglob("*.py"))
    assert {_module_name(p) for p in modules} == set(LAYERS)
    for path in modules:
        name = _module_name(path)
        for imported in _kb_imports(path):
            # The ingest readers share the text decoder: same layer, one helper module.
            if imported == "kb.ingest.text" and name.startswith("kb.ingest."):
                continue
            assert LAYERS[imported] < LAYERS[name] or imported == "kb", f"{name} imports {imported}"


def test_nothing_below_the_cli_prints_and_modules_stay_small():
    for path in KB.rglob("*.py"):
        tree = ast.parse(path.read_text())
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "print"]
        if path.name not in ("cli.py", "commands.py"):  # the two halves of the `kb` command
            assert not calls, f"{path.name} prints"
        assert len(path.read_text().splitlines()) <= 420, f"{path.name} is over 400 lines"
