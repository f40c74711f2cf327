"""Every change to a dossier goes through these services (STYLE.md rule 1)."""

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from dossiers.models import Channel, Dossier, DossierEvent, Status
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


@transaction.atomic
def dossier_submit(
    *,
    version,
    agency: Agency,
    reception_agency: Agency,
    level: str,
    channel: int = Channel.ONLINE,
    applicant=None,
    applicant_name: str,
    applicant_id_number: str = "",
    applicant_phone: str = "",
    applicant_email: str = "",
    applicant_address: str = "",
    applicant_commune=None,
    vneid_verified: bool = False,
    case=None,
    result_delivery: str = "counter",
    submitted_at: dt.datetime | None = None,
) -> Dossier:
    """Register a submitted dossier (status 1) with its code and first event."""
    submitted_at = submitted_at or timezone.now()
    day = timezone.localtime(submitted_at).date()
    dossier = Dossier.objects.create(
        code=dossier_code_allocate(agency=reception_agency, day=day),
        procedure_id=version.procedure_id,
        version=version,
        case=case,
        status=Status.SUBMITTED,
        channel=channel,
        reception_agency=reception_agency,
        agency=agency,
        level=level,
        applicant=applicant,
        applicant_name=applicant_name,
        applicant_id_number=applicant_id_number,
        applicant_phone=applicant_phone,
        applicant_email=applicant_email,
        applicant_address=applicant_address,
        applicant_commune=applicant_commune,
        vneid_verified=vneid_verified,
        result_delivery=result_delivery,
        submitted_at=submitted_at,
    )
    DossierEvent.objects.create(
        dossier=dossier,
        kind=DossierEvent.Kind.SUBMITTED,
        actor=applicant,
        agency=reception_agency,
        new_status=Status.SUBMITTED,
    )
    return dossier
