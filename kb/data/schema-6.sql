-- Schema version 6: one table of passage vectors for every embedding space, keyed by the model that made them
-- (kb/spaces.py); the main space's had a table of their own, named by the meta's "embedder".
ALTER TABLE space_vectors RENAME TO vectors;
ALTER TABLE vectors RENAME COLUMN space TO model;
INSERT OR IGNORE INTO vectors
    SELECT m.value, e.text_hash, e.vector FROM embeddings e JOIN meta m ON m.key = 'embedder' AND m.value != '';
DROP TABLE embeddings;
