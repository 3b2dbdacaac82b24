"""The approach taxonomy as data: ids, labels, definitions and cue phrases per language."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from kb.errors import ConfigError

LANGUAGES = ("en", "zh", "es", "pt", "fr")
DEFAULT_TAXONOMY = "taxonomy.toml"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Approach:
    """One approach tag: a stable id, what a user reads, and the phrases that signal it."""

    id: str
    label: str
    definition: str
    cues: tuple[tuple[str, tuple[str, ...]], ...]

    def cues_for(self, language: str) -> tuple[str, ...]:
        """The cue phrases written for one language."""
        return dict(self.cues).get(language, ())


@dataclass(frozen=True)
class Taxonomy:
    """The approaches, in the file's order, and a digest that changes when the file does."""

    approaches: tuple[Approach, ...]
    digest: str
    source: str

    @property
    def ids(self) -> tuple[str, ...]:
        """Approach ids in order."""
        return tuple(a.id for a in self.approaches)


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def parse_taxonomy(text: str, source: str) -> Taxonomy:
    """Parse a taxonomy file's text; every error names the file and the approach at fault."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    entries = data.get("approach")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{source}: no [[approach]] tables")
    approaches: list[Approach] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        approach_id = entry.get("id")
        where = f"{source}: approach {approach_id or number!r}"
        if not isinstance(approach_id, str) or not _ID.match(approach_id):
            raise ConfigError(f"{where}: id must be lower-case letters, digits and underscores")
        if approach_id in seen:
            raise ConfigError(f"{where}: duplicate id")
        seen.add(approach_id)
        unknown = set(entry) - {"id", "label", "definition", *LANGUAGES}
        if unknown:
            raise ConfigError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        label, definition = entry.get("label"), entry.get("definition")
        if not isinstance(label, str) or not isinstance(definition, str) or not definition.strip():
            raise ConfigError(f"{where}: needs a label and a definition")
        cues = tuple((lang, _strings(entry[lang], f"{where} {lang}")) for lang in LANGUAGES if lang in entry)
        if not cues:
            raise ConfigError(f"{where}: needs cue phrases in at least one of {', '.join(LANGUAGES)}")
        approaches.append(Approach(approach_id, label.strip(), definition.strip(), cues))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return Taxonomy(tuple(approaches), digest, source)


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """The taxonomy at path, or the one shipped with kb when path is empty."""
    if not path:
        text = resources.files("kb.data").joinpath(DEFAULT_TAXONOMY).read_text(encoding="utf-8")
        return parse_taxonomy(text, f"kb/data/{DEFAULT_TAXONOMY}")
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read taxonomy: {exc}") from exc
    return parse_taxonomy(text, str(file))
