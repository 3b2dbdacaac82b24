"""Imports point down the layers, and nothing in kb/ but the `kb` command prints."""

from __future__ import annotations

import ast
from pathlib import Path

KB = Path(__file__).resolve().parent.parent / "kb"
# Lower numbers are lower layers; a module may import only from strictly lower layers.
LAYERS = {
    "kb": 0, "kb.data": 0, "kb.dates": 0, "kb.errors": 0, "kb.explain": 0, "kb.gazetteer": 0, "kb.language": 0,
    "kb.lexicon": 0, "kb.models": 0, "kb.collections": 1, "kb.config": 1, "kb.embed": 1, "kb.glossary": 1,
    "kb.index": 1, "kb.ingest.docx": 1, "kb.ingest.html": 1, "kb.ingest.pdf": 1, "kb.ingest.text": 1, "kb.kinds": 1,
    "kb.layout": 1, "kb.repair": 1, "kb.ruledata": 1, "kb.storequery": 1, "kb.taxonomy": 1, "kb.tokens": 1,
    "kb.clean": 2, "kb.doctypes": 2, "kb.ingest.records": 2, "kb.store": 2, "kb.tag": 2, "kb.compare": 3,
    "kb.export": 3, "kb.ingest": 3, "kb.metarules": 3, "kb.segment": 3, "kb.corpus": 4, "kb.metadata": 4,
    "kb.prepare": 5, "kb.enrich": 6, "kb.pipeline": 7, "kb.check": 8, "kb.search": 8, "kb.uploads": 8,
    "kb.commands": 9, "kb.cli": 10,
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
