"""Dossier codes (mã hồ sơ): ``<agency identifier>-<YYMMDD>-<NNNN>`` (DOMAIN.md)."""

import datetime as dt

from django.db import connection

from units.models import Agency

NEXT_SEQUENCE = (
    "INSERT INTO dossiers_codesequence (agency_id, day, last) VALUES (%s, %s, 1) "
    "ON CONFLICT (agency_id, day) DO UPDATE SET last = dossiers_codesequence.last + 1 "
    "RETURNING last"
)


def dossier_code_allocate(*, agency: Agency, day: dt.date) -> str:
    """The next code of ``agency`` on ``day``: ``<identifier>-<YYMMDD>-<NNNN>``.

    One upsert that increments and returns the counter in the same statement: concurrent
    submissions serialise on the counter row and can never share a number. It runs in the
    caller's transaction, so a rolled-back submission gives its number back.
    """
    with connection.cursor() as cursor:
        cursor.execute(NEXT_SEQUENCE, [agency.pk, day])
        (sequence,) = cursor.fetchone()
    return f"{agency.identifier}-{day:%y%m%d}-{sequence:04d}"
