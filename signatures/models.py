"""Positions, certificates and signed results: built in the signatures issue."""
