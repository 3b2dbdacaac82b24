"""Taxonomies as data: the approaches and the SDGs, each with ids, labels, definitions and cue phrases per language."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from kb.errors import ConfigError
from kb.language import CUE_LANGUAGES

LANGUAGES = CUE_LANGUAGES  # the languages a cue list may be written in
DEFAULT_TAXONOMY = "taxonomy.toml"
# Tag kind -> (the file's table name, the shipped file). A taxonomy's kind is the kind of the tags it gives.
KINDS = {"approach": ("approach", DEFAULT_TAXONOMY), "sdg": ("goal", "sdg.toml")}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Approach:
    """One tag of a taxonomy (an approach or a goal): a stable id, what a user reads, and the phrases that signal it."""

    id: str
    label: str
    definition: str
    cues: tuple[tuple[str, tuple[str, ...]], ...]
    # Finer statements of the tag (a goal's targets): a passage close in meaning to any of them is close to it.
    targets: tuple[str, ...] = ()
    # Whether closeness in meaning alone, with no cue, supports it (where the rules allow that at all).
    meaning_alone: bool = True

    def cues_for(self, language: str) -> tuple[str, ...]:
        """The cue phrases written for one language."""
        return dict(self.cues).get(language, ())


@dataclass(frozen=True)
class Taxonomy:
    """The tags of one kind, in the file's order, and a digest that changes when the file does."""

    approaches: tuple[Approach, ...]
    digest: str
    source: str
    kind: str = "approach"
    # Per language, phrases that name a thing and whose words cue no tag ("Country Partnership Framework", a
    # lender's strategy document, is no partnership for the goals).
    names: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def names_for(self, language: str) -> tuple[str, ...]:
        """The phrases of a language whose words cue nothing."""
        return dict(self.names).get(language, ())

    @property
    def ids(self) -> tuple[str, ...]:
        """Approach ids in order."""
        return tuple(a.id for a in self.approaches)


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def parse_taxonomy(text: str, source: str, kind: str = "approach") -> Taxonomy:
    """Parse a taxonomy file's text; every error names the file and the entry at fault."""
    table = KINDS[kind][0]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    entries = data.get(table)
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{source}: no [[{table}]] tables")
    approaches: list[Approach] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        approach_id = entry.get("id")
        where = f"{source}: {table} {approach_id or number!r}"
        if not isinstance(approach_id, str) or not _ID.match(approach_id):
            raise ConfigError(f"{where}: id must be lower-case letters, digits and underscores")
        if approach_id in seen:
            raise ConfigError(f"{where}: duplicate id")
        seen.add(approach_id)
        unknown = set(entry) - {"id", "label", "definition", "targets", "meaning_alone", *LANGUAGES}
        if unknown:
            raise ConfigError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        label, definition = entry.get("label"), entry.get("definition")
        if not isinstance(label, str) or not isinstance(definition, str) or not definition.strip():
            raise ConfigError(f"{where}: needs a label and a definition")
        cues = tuple((lang, _strings(entry[lang], f"{where} {lang}")) for lang in LANGUAGES if lang in entry)
        if not cues:
            raise ConfigError(f"{where}: needs cue phrases in at least one of {', '.join(LANGUAGES)}")
        targets = _strings(entry["targets"], f"{where} targets") if "targets" in entry else ()
        alone = entry.get("meaning_alone", True)
        if not isinstance(alone, bool):
            raise ConfigError(f"{where}: meaning_alone must be true or false")
        approaches.append(Approach(approach_id, label.strip(), definition.strip(), cues, targets, alone))
    names = data.get("names", {})
    if not isinstance(names, dict) or set(names) - set(LANGUAGES):
        raise ConfigError(f"{source}: [names] must be a table of phrase lists keyed by {', '.join(LANGUAGES)}")
    phrases = tuple((lang, _strings(names[lang], f"{source}: names {lang}")) for lang in LANGUAGES if lang in names)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return Taxonomy(tuple(approaches), digest, source, kind, phrases)


def load_taxonomy(path: str | Path | None = None, kind: str = "approach") -> Taxonomy:
    """The taxonomy of a kind at path, or the one shipped with kb when path is empty."""
    if not path:
        name = KINDS[kind][1]
        text = resources.files("kb.data").joinpath(name).read_text(encoding="utf-8")
        return parse_taxonomy(text, f"kb/data/{name}", kind)
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read taxonomy: {exc}") from exc
    return parse_taxonomy(text, str(file), kind)


def goal_id(value: str) -> str:
    """A goal as users write it ("SDG 5", "5", "sdg5") as its id (sdg5); anything else unchanged, to be named."""
    match = re.fullmatch(r"(?:sdg|goal)?\s*[-_ ]?\s*0*(1[0-7]|[1-9])", value.strip(), re.IGNORECASE)
    return f"sdg{match.group(1)}" if match else value


def goal_number(goal: str) -> int:
    """A goal id's number, for the goals' own order (sdg2 before sdg10); anything else after them."""
    return int(goal[3:]) if goal.startswith("sdg") and goal[3:].isdigit() else 99


def approach_labels(taxonomy: str | None = None) -> dict[str, str]:
    """Approach id -> the name a reader sees ("finance" -> "Finance and microcredit")."""
    return {a.id: a.label for a in load_taxonomy(taxonomy).approaches}


def goal_labels() -> dict[str, str]:
    """Goal id -> the name a reader sees ("sdg5" -> "SDG 5 Gender equality")."""
    return {g.id: f"SDG {goal_number(g.id)} {g.label}" for g in load_goals().approaches}


def load_goals() -> Taxonomy:
    """The 17 Sustainable Development Goals shipped with kb (kb/data/sdg.toml)."""
    return load_taxonomy(kind="sdg")
