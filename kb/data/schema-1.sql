-- Schema version 1: run once on a store at version 0 (PRAGMA user_version records it).
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    format TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    language TEXT NOT NULL,
    published TEXT,
    publisher TEXT,
    content_hash TEXT NOT NULL,
    text TEXT NOT NULL,
    page_starts TEXT NOT NULL,
    meta TEXT NOT NULL
);
CREATE TABLE cases (
    case_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    title TEXT NOT NULL,
    heading_path TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    page INTEGER,
    fields TEXT NOT NULL
);
CREATE INDEX cases_doc ON cases(doc_id);
CREATE TABLE chunks (
    chunk_id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    page INTEGER,
    text TEXT NOT NULL
);
CREATE INDEX chunks_case ON chunks(case_id);
CREATE INDEX chunks_doc ON chunks(doc_id);
CREATE TABLE skipped (source TEXT PRIMARY KEY, reason TEXT NOT NULL);

