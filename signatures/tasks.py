"""Celery tasks of signatures: the task bodies live with their services, registered here."""

from signatures.reissue import apply_reissue  # noqa: F401
