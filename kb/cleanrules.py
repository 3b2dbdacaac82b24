"""The cleaning rules (kb/data/cleaning.toml) as validated, compiled data with stable ids."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kb.ruledata import compile_pattern, read_toml, rule_entries, shipped


@dataclass(frozen=True)
class LineRule:
    """A line that is furniture, not content, when it matches; `web` rules mark a scraped page."""

    id: str
    pattern: re.Pattern[str]
    web: bool = False


@dataclass(frozen=True)
class InlineRule:
    """Spam or furniture inside a sentence, cut where it stands."""

    id: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class CleaningRules:
    """Every cleaning rule, compiled from kb/data/cleaning.toml."""

    spam_ids: tuple[str, ...]
    lines: tuple[LineRule, ...]
    # Spam first, one rule whose removals say "spam" (each of its patterns has its id in spam_ids).
    inline: tuple[InlineRule, ...]
    breadcrumb_start: re.Pattern[str]
    byline_cue: re.Pattern[str]
    byline_words: int
    head_lines: int
    glued_credit: re.Pattern[str]
    last_updated: re.Pattern[str]
    masthead_exceptions: re.Pattern[str]

    def line(self, rule_id: str) -> re.Pattern[str]:
        """One line rule's pattern by id."""
        return next(r.pattern for r in self.lines if r.id == rule_id)


def parse_rules(text: str, source: str) -> CleaningRules:
    """Cleaning rules from TOML text; a bad pattern or a repeated id is an error naming it."""
    data = read_toml(text, source)
    seen: set[str] = set()

    def compile_(rule_id: str, pattern: object, flags: int = re.I) -> re.Pattern[str]:
        return compile_pattern(source, rule_id, pattern, flags)

    def entries(kind: str) -> list[dict]:
        return rule_entries(data, kind, source, {"pattern", "web", "case_sensitive"}, seen)

    spam = entries("spam")
    lines = tuple(LineRule(e["id"], compile_(e["id"], e.get("pattern"), 0 if e.get("case_sensitive") else re.I),
                           bool(e.get("web"))) for e in entries("line"))
    head = data.get("head", {})
    return CleaningRules(
        spam_ids=tuple(e["id"] for e in spam), lines=lines,
        inline=(InlineRule("spam", compile_("spam", "|".join(f"(?:{e['pattern']})" for e in spam) or "(?!)")),
                *(InlineRule(e["id"], compile_(e["id"], e.get("pattern"))) for e in entries("inline"))),
        breadcrumb_start=compile_("head.breadcrumb_start", head.get("breadcrumb_start")),
        byline_cue=compile_("head.byline_cue", head.get("byline_cue"), 0),
        byline_words=int(head.get("byline_words", 15)),
        head_lines=int(head.get("lines", 15)),
        glued_credit=compile_("glued_credit", data.get("glued_credit", {}).get("pattern")),
        last_updated=compile_("last_updated", data.get("last_updated", {}).get("pattern")),
        masthead_exceptions=compile_("masthead.section_words", data.get("masthead", {}).get("section_words")),
    )


@lru_cache(maxsize=1)
def rules() -> CleaningRules:
    """The shipped cleaning rules."""
    return parse_rules(*shipped("cleaning.toml"))
