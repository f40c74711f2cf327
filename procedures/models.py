"""Procedure catalogue (TTHC): built in the catalogue issue."""
