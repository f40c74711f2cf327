"""Fees and charges paid for dossiers: amounts from the catalogue, the national payment
platform (adapter and stand-in), callbacks, counter payments, refunds and reconciliation."""
