"""Poverty-reduction case knowledge base: ingest, clean, segment, store and search cases."""

__version__ = "0.1.0"
