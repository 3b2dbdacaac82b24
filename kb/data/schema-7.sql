-- Schema version 7: each passage's section when its case title does not say where it stands (kb/sections.py):
-- a case merged from several sections, or a long section's subsection.
ALTER TABLE chunks ADD COLUMN section TEXT NOT NULL DEFAULT '';
