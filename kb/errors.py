"""Errors of the knowledge base; every message names the file, id or value at fault."""

from __future__ import annotations


class KBError(Exception):
    """Base class for every error the knowledge base raises on purpose."""


class ConfigError(KBError):
    """A setting is unknown or has a value of the wrong kind."""


class IngestError(KBError):
    """A file could not be read into a document; the reason names the file."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class IndexMissingError(KBError):
    """The index folder does not exist or holds no store."""


class IndexVersionError(KBError):
    """The index folder was built by another format version or settings."""


class IndexBusyError(KBError):
    """Another ingest holds the index folder's lock."""


class NotFoundError(KBError):
    """A document or case id does not exist in the index."""
