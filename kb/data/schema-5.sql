-- Schema version 5: cases published in more than one document (kb/duplicates.py), one row per grouped case.
-- Rebuilt by every ingest that changes the index: a group can span documents added at different times.
CREATE TABLE case_groups (
    case_id TEXT PRIMARY KEY REFERENCES cases(case_id) ON DELETE CASCADE,
    group_id TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX case_groups_group ON case_groups(group_id);
