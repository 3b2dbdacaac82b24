"""The metadata rules (kb/data/metadata.toml) as validated, compiled data with stable ids."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kb.doctypes import type_ids
from kb.errors import ConfigError
from kb.language import CJK
from kb.ruledata import compile_pattern, read_toml, shipped


@dataclass(frozen=True)
class Rule:
    """A pattern with a stable id."""

    id: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Template:
    """A title written from named parts of a pattern's match."""

    id: str
    pattern: re.Pattern[str]
    template: str


@dataclass(frozen=True)
class Publisher:
    """A known publisher: its name (and local names by language), aliases, web domains and folder tokens."""

    id: str
    name: str
    local: tuple[tuple[str, str], ...]
    aliases: tuple[str, ...]
    domains: tuple[str, ...]
    path_tokens: tuple[tuple[str, ...], ...]

    def name_in(self, language: str) -> str:
        """The name documents in a language use for this publisher."""
        return dict(self.local).get(language, self.name)


@dataclass(frozen=True)
class TypeRule:
    """A document-type rule: the type it gives when its conditions hold (all given conditions must)."""

    id: str
    type: str
    title: re.Pattern[str] | None = None
    head: re.Pattern[str] | None = None
    meta: re.Pattern[str] | None = None
    web: bool = False


@dataclass(frozen=True)
class MetadataRules:
    """Every metadata rule, compiled."""

    not_title: tuple[Rule, ...]
    templates: tuple[Template, ...]
    publishers: tuple[Publisher, ...]
    alias_pattern: re.Pattern[str]
    date_label: re.Pattern[str]
    copyright: re.Pattern[str]
    citation: re.Pattern[str]
    preprint_file: re.Pattern[str]
    file_date: re.Pattern[str]
    head_chars: int
    doc_types: tuple[TypeRule, ...]

    def is_not_title(self, line: str) -> str | None:
        """The id of the rule that says a line is no title, or None."""
        return next((r.id for r in self.not_title if r.pattern.search(line)), None)

    def publisher_named(self, text: str) -> Publisher | None:
        """The known publisher an alias names, when text is (or holds) one of its aliases."""
        match = self.alias_pattern.search(text)
        if not match:
            return None
        found = match.group(0).lower()
        return next(p for p in self.publishers if any(a.lower() == found for a in p.aliases))


_compile = compile_pattern


def parse_rules(text: str, source: str) -> MetadataRules:
    """Metadata rules from TOML text; a bad pattern, an unknown type or a repeated id is an error naming it."""
    data = read_toml(text, source)
    seen: set[tuple[str, str]] = set()

    def ids(kind: str) -> list[dict[str, Any]]:
        entries = data.get(kind, [])
        for n, entry in enumerate(entries, start=1):
            rule_id = entry.get("id")
            if not isinstance(rule_id, str) or not rule_id:
                raise ConfigError(f"{source}: {kind} #{n} has no id")
            if (kind, rule_id) in seen:
                raise ConfigError(f"{source}: {kind} {rule_id!r} is defined twice")
            seen.add((kind, rule_id))
        return entries

    publishers = tuple(Publisher(
        e["id"], e["name"], tuple(sorted((e.get("local") or {}).items())), tuple(e.get("aliases", ())),
        tuple(e.get("domains", ())), tuple(tuple(t.split("-")) for t in e.get("path_tokens", ())))
        for e in ids("publisher"))
    aliases = sorted({a for p in publishers for a in p.aliases}, key=len, reverse=True)
    # Acronyms match in capitals only ("BID" is a bank, "bid" a word); names in any case.
    acronyms = [a for a in aliases if a.isupper() and len(a) <= 6]
    cjk = [a for a in aliases if CJK.search(a)]  # Chinese is not written with spaces: no word boundaries
    names = [a for a in aliases if a not in acronyms and a not in cjk]
    known_types = set(type_ids())
    types = []
    for e in ids("doc_type"):
        if e.get("type") not in known_types:
            raise ConfigError(f"{source}: doc_type {e['id']!r}: unknown type {e.get('type')!r} "
                              f"(known: {', '.join(sorted(known_types))})")
        title, head, meta = (_compile(source, e["id"], e[key]) if key in e else None
                             for key in ("title", "head", "meta"))
        types.append(TypeRule(e["id"], e["type"], title, head, meta, web=bool(e.get("web"))))
    dates = data.get("dates", {})
    return MetadataRules(
        not_title=tuple(Rule(e["id"], _compile(source, e["id"], e.get("pattern"))) for e in ids("not_title")),
        templates=tuple(Template(e["id"], _compile(source, e["id"], e.get("pattern")), e.get("template", ""))
                        for e in ids("title_template")),
        publishers=publishers,
        alias_pattern=re.compile(r"(?<![\w-])(?:(?i:" + "|".join(re.escape(a) for a in names) + ")|"
                                 + "|".join(re.escape(a) for a in acronyms) + r")(?![\w-])|"
                                 + "|".join(re.escape(a) for a in cjk)),
        date_label=_compile(source, "dates.label", dates.get("label")),
        copyright=_compile(source, "dates.copyright", dates.get("copyright")),
        citation=_compile(source, "dates.citation", dates.get("citation"), re.M),
        preprint_file=_compile(source, "dates.preprint_file", dates.get("preprint_file")),
        file_date=_compile(source, "dates.file_date", dates.get("file_date")),
        head_chars=int(dates.get("head_chars", 1500)),
        doc_types=tuple(types),
    )


@lru_cache(maxsize=1)
def metadata_rules() -> MetadataRules:
    """The shipped metadata rules."""
    return parse_rules(*shipped("metadata.toml"))
