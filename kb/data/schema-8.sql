-- Schema version 8: each grouped case's unit, where it was published on its own (kb.duplicates.CaseText.unit: its
-- document, or for a record table's row the row), stored by the grouping so that no query derives it again. Rows
-- grouped before this version get it here, once, by the same rule.
ALTER TABLE case_groups ADD COLUMN unit TEXT NOT NULL DEFAULT '';
UPDATE case_groups SET unit = (
    SELECT CASE WHEN json_array_length(c.fields) > 0 THEN c.doc_id || '#' || c.case_id ELSE c.doc_id END
    FROM cases c WHERE c.case_id = case_groups.case_id);
