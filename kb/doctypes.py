"""The document-type vocabulary (kb/data/doc_types.toml): ids, labels, and the base type each maps onto."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from kb.errors import ConfigError
from kb.ruledata import read_toml, shipped

# The five types of the JSON contract's first version; every type maps onto one of them.
BASE_TYPES = ("white_paper", "case", "news", "report", "record")


@dataclass(frozen=True)
class DocType:
    """One document type: a stable id, the label users see, and the base type it counts as."""

    id: str
    label: str
    base: str


def parse_doc_types(text: str, source: str) -> tuple[DocType, ...]:
    """Document types from TOML text; an unknown base or a repeated id is an error naming it."""
    data = read_toml(text, source)
    types: list[DocType] = []
    for n, entry in enumerate(data.get("type", []), start=1):
        type_id, label, base = entry.get("id"), entry.get("label"), entry.get("base")
        if not all(isinstance(v, str) and v for v in (type_id, label, base)):
            raise ConfigError(f"{source}: type #{n} needs id, label and base")
        if base not in BASE_TYPES:
            raise ConfigError(f"{source}: type {type_id!r}: base {base!r} is not one of {', '.join(BASE_TYPES)}")
        if any(t.id == type_id for t in types):
            raise ConfigError(f"{source}: type {type_id!r} is defined twice")
        types.append(DocType(type_id, label, base))
    return tuple(types)


@lru_cache(maxsize=1)
def doc_types() -> tuple[DocType, ...]:
    """The shipped document types."""
    return parse_doc_types(*shipped("doc_types.toml"))


def type_ids() -> tuple[str, ...]:
    """Every document type id, in the file's order."""
    return tuple(t.id for t in doc_types())


def base_type(type_id: str) -> str:
    """The base type a document type counts as (an unknown id counts as itself)."""
    return next((t.base for t in doc_types() if t.id == type_id), type_id)


def type_label(type_id: str) -> str:
    """The label users see for a document type."""
    return next((t.label for t in doc_types() if t.id == type_id), type_id.replace("_", " "))
