"""Every change to a dossier goes through these services (STYLE.md rule 1)."""

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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
    if dossier.applicant_email:
        from dossiers.tasks import send_submission_confirmation

        transaction.on_commit(lambda: send_submission_confirmation.delay(dossier.pk))
    DossierEvent.objects.create(
        dossier=dossier,
        kind=DossierEvent.Kind.SUBMITTED,
        actor=applicant,
        agency=reception_agency,
        new_status=Status.SUBMITTED,
    )
    return dossier


CHANNEL_KIND = {Channel.DIRECT: "direct", Channel.ONLINE: "online", Channel.POSTAL: "postal"}
WITHDRAWABLE = (
    Status.SUBMITTED,
    Status.RECEIVED,
    Status.SUPPLEMENT_REQUESTED,
    Status.FINANCIAL_OBLIGATION,
)


def _transition(
    dossier: Dossier,
    *,
    allowed,
    new_status: int,
    actor,
    note: str = "",
    role: str = "",
    fields: dict | None = None,
) -> Dossier:
    """Lock the dossier, check its status, write the change and its event (one transaction)."""
    from dossiers.errors import TransitionNotAllowed

    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if locked.status not in allowed:
        raise TransitionNotAllowed(
            _("The dossier is %(status)s: this step is not possible now.")
            % {"status": locked.get_status_display()}
        )
    old = locked.status
    locked.status = new_status
    for name, value in (fields or {}).items():
        setattr(locked, name, value)
    locked.save(update_fields=["status", "updated_at", *(fields or {})])
    DossierEvent.objects.create(
        dossier=locked,
        kind=DossierEvent.Kind.TRANSITION,
        actor=actor,
        role=role,
        agency=locked.agency,
        old_status=old,
        new_status=new_status,
        note=note,
    )
    return locked


@transaction.atomic
def dossier_receive(*, dossier: Dossier, actor, received_at: dt.datetime | None = None) -> Dossier:
    """Accept a submitted dossier (status 1 → 2): the appointment is set by the calendar.

    The legal time is the one of the channel the dossier came through, in the version it was
    submitted under; the procedure's 15:00 cut-off applies.
    """
    from dossiers.calendar import appointment, calendar_for

    received_at = received_at or timezone.now()
    version = dossier.version
    channel = (
        version.channels.filter(kind=CHANNEL_KIND[Channel(dossier.channel)]).first()
        or version.channels.order_by("processing_time").first()
    )
    due = appointment(
        received_at,
        channel.processing_time,
        channel.time_unit,
        version.same_day_cutoff,
        calendar_for(timezone.localtime(received_at).date()),
    )
    return _transition(
        dossier,
        allowed=(Status.SUBMITTED,),
        new_status=Status.RECEIVED,
        actor=actor,
        role="receiver",
        fields={"received_at": received_at, "appointment_at": due},
    )


@transaction.atomic
def dossier_withdraw(*, dossier: Dossier, actor, reason: str = "") -> Dossier:
    """The applicant withdraws the dossier (status 7) while it is not being decided on."""
    from dossiers.errors import TransitionNotAllowed

    if dossier.applicant_id != actor.pk:
        raise TransitionNotAllowed(_("Only the applicant can withdraw the dossier."))
    return _transition(
        dossier,
        allowed=WITHDRAWABLE,
        new_status=Status.WITHDRAWN,
        actor=actor,
        note=reason,
        role="applicant",
        fields={"finished_at": timezone.now()},
    )


RATEABLE = (Status.RESULT_READY, Status.RETURNED)


@transaction.atomic
def dossier_rate(*, dossier: Dossier, actor, rating: str, comment: str = ""):
    """The applicant rates the service once the result is ready; one rating per dossier."""
    from dossiers.errors import TransitionNotAllowed
    from dossiers.models_documents import DossierRating, Rating

    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if locked.applicant_id != actor.pk:
        raise TransitionNotAllowed(_("Only the applicant can rate the service."))
    if locked.status not in RATEABLE:
        raise TransitionNotAllowed(_("The service can be rated once the result is ready."))
    if DossierRating.objects.filter(dossier=locked).exists():
        raise TransitionNotAllowed(_("This dossier has already been rated."))
    if rating not in Rating.values:
        raise TransitionNotAllowed(_("Choose one of the ratings."))
    return DossierRating.objects.create(dossier=locked, rating=rating, comment=comment.strip())
