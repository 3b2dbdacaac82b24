-- Schema version 3: passage languages, and vectors of embedding spaces beyond the index's main model.
ALTER TABLE chunks ADD COLUMN language TEXT NOT NULL DEFAULT '';
-- One row per space and passage text: the multilingual space holds only the passages not in English.
CREATE TABLE space_vectors (
    space TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (space, text_hash)
) WITHOUT ROWID;
