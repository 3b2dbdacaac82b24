"""Rules kept as data: reading a TOML rule file and compiling its patterns, with errors that name the rule."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from typing import Any

from kb.errors import ConfigError


def read_toml(text: str, source: str) -> dict[str, Any]:
    """A TOML document, or a ConfigError naming the file."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc


def shipped(name: str) -> tuple[str, str]:
    """The text of a data file shipped in kb/data, and the name errors use for it."""
    return resources.files("kb.data").joinpath(name).read_text(encoding="utf-8"), f"kb/data/{name}"


def compile_pattern(source: str, rule_id: str, pattern: Any, flags: int = re.I) -> re.Pattern[str]:
    """A rule's regular expression, or a ConfigError naming the file and the rule."""
    if not isinstance(pattern, str) or not pattern:
        raise ConfigError(f"{source}: rule {rule_id!r} needs a pattern")
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise ConfigError(f"{source}: rule {rule_id!r}: bad pattern: {exc}") from exc


def rule_entries(data: dict[str, Any], kind: str, source: str, keys: set[str],
                 seen: set[str] | None = None) -> list[dict[str, Any]]:
    """A rule file's entries of one kind, each with an id no other entry has (`seen` shares ids across kinds) and no
    key but "id" and `keys`; an entry without an id, a repeated id or an unknown key is an error naming it."""
    seen = set() if seen is None else seen
    out = []
    for n, entry in enumerate(data.get(kind, []), start=1):
        rule_id = entry.get("id")
        if not isinstance(rule_id, str) or not rule_id:
            raise ConfigError(f"{source}: {kind} rule #{n} has no id")
        if rule_id in seen:
            raise ConfigError(f"{source}: rule id {rule_id!r} is used twice")
        unknown = set(entry) - keys - {"id"}
        if unknown:
            raise ConfigError(f"{source}: rule {rule_id!r}: unknown key(s) {', '.join(sorted(unknown))}")
        seen.add(rule_id)
        out.append(entry)
    return out
