-- Schema version 4: passage kinds, and where each document's metadata came from.
-- prose, references, toc, table, list or furniture (kb/kinds.py): only prose competes in search.
ALTER TABLE chunks ADD COLUMN kind TEXT NOT NULL DEFAULT 'prose';
-- JSON object: field -> the rule or source that gave it ({"title": "cover_block", "published": "sidecar"}).
ALTER TABLE documents ADD COLUMN provenance TEXT NOT NULL DEFAULT '{}';
