"""Citizen dossiers (hồ sơ): built in the dossiers issue."""
