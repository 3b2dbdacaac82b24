"""The ingest fingerprint: a hash of everything that shapes stored data; when it changes, an ingest re-processes.

Settings, the index format, the taxonomy, the rule and place files, and the kb code an ingest runs. Code and
TOML rules are hashed by what they do, not how they are written: a comment, a docstring, a measured reason
beside a rule or a reformatting does not make every user re-process a corpus (20 minutes and more for the
shared corpus); any change to a statement or a rule's value does.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import tomllib
from pathlib import Path

import kb
from kb.config import Settings
from kb.indexdir import FORMAT_VERSION
from kb.taxonomy import load_taxonomy

# The modules an ingest's stages start from. The code that shapes stored text, vectors and tags is what they
# import, found by reading their imports (a hand-kept list had missed furniture.py and places.py).
_SHAPING_ROOTS = ("enrich", "facets", "store")
_KB_IMPORT = re.compile(r"^\s*(?:from kb(?:\.(\w+))?(?:\.\w+)* import ([\w, ]+)|import kb\.(\w+))", re.MULTILINE)
# Data files that shape no stored data: editing them needs no re-ingest.
_READ_AT_QUERY_TIME = frozenset({"acronyms.toml", "glossary.toml", "questions.toml", "world.geojson"})


def fingerprint(settings: Settings) -> str:
    """A hash of the settings, rules and code that shape stored data."""
    h = hashlib.sha256(json.dumps(settings.fingerprint_fields(), sort_keys=True).encode())
    h.update(str(FORMAT_VERSION).encode())
    h.update(load_taxonomy(settings.taxonomy or None).digest.encode())
    root = Path(kb.__file__).parent
    data = sorted(f for f in (root / "data").rglob("*") if f.is_file() and "__pycache__" not in f.parts
                  and f.name not in _READ_AT_QUERY_TIME)
    for _, source in sorted(shaping_sources(root).items()):
        h.update(code_digest(source).encode())
    for file in data:
        h.update(data_digest(file).encode())
    return h.hexdigest()[:16]


def code_digest(source: str) -> str:
    """A hash of Python source by its syntax tree without docstrings: comments and layout do not count."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body \
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()


def data_digest(path: Path) -> str:
    """A hash of a data file: a TOML file by its values (comments and layout do not count), others by bytes."""
    if path.suffix == ".toml":
        values = tomllib.loads(path.read_text(encoding="utf-8"))
        return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def shaping_sources(root: Path) -> dict[Path, str]:
    """The kb source files the shaping roots import, directly or through others, with their text (read once)."""
    seen: dict[Path, str] = {}
    todo = [root / f"{name}.py" for name in _SHAPING_ROOTS]
    while todo:
        path = todo.pop()
        if path in seen or not path.exists():
            continue
        seen[path] = path.read_text(encoding="utf-8")
        for match in _KB_IMPORT.finditer(seen[path]):
            module, names, plain = match.groups()
            if module or plain:
                target = root / (module or plain)
                todo += [*target.glob("*.py")] if target.is_dir() else [target.with_suffix(".py")]
            else:  # from kb import x, y: modules of the package
                todo += [root / f"{n.strip()}.py" for n in names.split(",")]
    return seen
