-- Schema version 2: run once on a store at version 1 (PRAGMA user_version records it).
ALTER TABLE chunks ADD COLUMN text_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX chunks_hash ON chunks(text_hash);
-- Vectors keyed by the passage text's hash: an unchanged passage is never embedded twice.
CREATE TABLE embeddings (text_hash TEXT PRIMARY KEY, vector BLOB NOT NULL);
CREATE TABLE tags (
    tag_id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    case_id TEXT REFERENCES cases(case_id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    role TEXT,
    confidence REAL NOT NULL,
    source TEXT NOT NULL,
    evidence TEXT NOT NULL
);
CREATE INDEX tags_doc ON tags(doc_id);
CREATE INDEX tags_case ON tags(case_id);
-- What filters and facet counts read: one row per case and value (approach, country, region, year ...).
CREATE TABLE case_facets (
    case_id TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
    facet TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (case_id, facet, value)
) WITHOUT ROWID;
CREATE INDEX case_facets_value ON case_facets(facet, value);
-- heading: the passage's document and case titles, weighted below the passage text in BM25.
CREATE VIRTUAL TABLE chunks_fts USING fts5(heading, body, tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
    DELETE FROM chunks_fts WHERE rowid = old.chunk_id;
END;

