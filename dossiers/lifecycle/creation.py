"""A dossier comes into being (status 1): submitted online, registered at the counter, or
pushed by the national portal. One function makes it, with its code and first event."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dossiers import hooks
from dossiers.codes import dossier_code_allocate
from dossiers.models import Channel, Dossier, DossierEvent, Source, Status
from dossiers.tasks import send_submission_confirmation
from portal.dispatch import after_commit
from units.models import Agency


@transaction.atomic
def dossier_submit(**kwargs) -> Dossier:
    """Register a submitted dossier (status 1) with its code and first event."""
    return dossier_create(**kwargs)


def dossier_create(
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
    code: str = "",
    source: str = Source.PORTAL,
    applicant_type: str | None = None,
) -> Dossier:
    """The body of :func:`dossier_submit`, in the caller's transaction.

    Made here, a dossier gets the next code of its reception agency and is announced
    (``dossiers.hooks``: the sync sends it) and confirmed to the applicant by e-mail. One the
    national portal pushed (``source`` national) keeps the portal's ``code``: it is neither
    announced back nor confirmed (the portal did both).
    """
    submitted_at = submitted_at or timezone.now()
    national = source == Source.NATIONAL
    extra = {"applicant_type": applicant_type} if applicant_type else {}
    dossier = Dossier.objects.create(
        code=code
        or dossier_code_allocate(
            agency=reception_agency, day=timezone.localtime(submitted_at).date()
        ),
        procedure_id=version.procedure_id,
        version=version,
        case=case,
        status=Status.SUBMITTED,
        channel=channel,
        source=source,
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
        **extra,
    )
    event = DossierEvent.objects.create(
        dossier=dossier,
        kind=DossierEvent.Kind.SUBMITTED,
        actor=applicant,
        agency=reception_agency,
        new_status=Status.SUBMITTED,
        data={"source": Source.NATIONAL} if national else {},
    )
    if not national:
        if dossier.applicant_email:
            after_commit(send_submission_confirmation, dossier.pk)
        hooks.changed(dossier, event)
    return dossier
