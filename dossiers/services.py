"""Every change to a dossier goes through these services (STYLE.md rule 1)."""

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.models import Channel, Dossier, DossierEvent, Status
from portal.dispatch import after_commit
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
) -> Dossier:
    """The body of :func:`dossier_submit`, for callers that already hold a transaction."""
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

        after_commit(send_submission_confirmation, dossier.pk)
    event = DossierEvent.objects.create(
        dossier=dossier,
        kind=DossierEvent.Kind.SUBMITTED,
        actor=applicant,
        agency=reception_agency,
        new_status=Status.SUBMITTED,
    )
    from dossiers.lifecycle import outbox_write

    outbox_write(dossier, event)
    return dossier


CHANNEL_KIND = {Channel.DIRECT: "direct", Channel.ONLINE: "online", Channel.POSTAL: "postal"}
WITHDRAWABLE = (
    Status.SUBMITTED,
    Status.RECEIVED,
    Status.SUPPLEMENT_REQUESTED,
    Status.FINANCIAL_OBLIGATION,
)


def legal_channel(dossier: Dossier):
    """The catalogue channel whose legal time applies: the one the dossier came through."""
    version = dossier.version
    return (
        version.channels.filter(kind=CHANNEL_KIND[Channel(dossier.channel)]).first()
        or version.channels.order_by("processing_time").first()
    )


# The citizen-facing names of lifecycle services (kept for callers that use them).
def dossier_receive(*, dossier: Dossier, actor, received_at: dt.datetime | None = None) -> Dossier:
    """Accept a submitted dossier (status 1 → 2): see :func:`dossiers.lifecycle.receive`."""
    from dossiers import lifecycle

    return lifecycle.receive(dossier=dossier, actor=actor, received_at=received_at)


def dossier_request_supplement(**kwargs):
    """See :func:`dossiers.lifecycle.request_supplement`."""
    from dossiers import lifecycle

    kwargs.pop("role", None)
    return lifecycle.request_supplement(**kwargs)


def dossier_supplement(**kwargs) -> Dossier:
    """See :func:`dossiers.lifecycle.supplement`."""
    from dossiers import lifecycle

    return lifecycle.supplement(**kwargs)


def dossier_withdraw(*, dossier: Dossier, actor, reason: str = "") -> Dossier:
    """See :func:`dossiers.lifecycle.withdraw`."""
    from dossiers import lifecycle

    return lifecycle.withdraw(dossier=dossier, actor=actor, reason=reason)


RATEABLE = (Status.RESULT_READY, Status.RETURNED)


def dossier_rate(*, dossier: Dossier, actor, rating: str, comment: str = ""):
    """The applicant rates the service once the result is ready; one rating per dossier.

    Anyone else is refused (403) and the attempt logged, like every lifecycle action.
    """
    from dossiers.errors import NotPermitted
    from dossiers.lifecycle import _log_denial

    try:
        return _rate(dossier=dossier, actor=actor, rating=rating, comment=comment)
    except NotPermitted as exc:
        _log_denial(actor, "rating", dossier, str(exc.message))
        raise


@transaction.atomic
def _rate(*, dossier: Dossier, actor, rating: str, comment: str):
    from dossiers.errors import NotPermitted, TransitionNotAllowed
    from dossiers.models_documents import DossierRating, Rating

    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if locked.applicant_id != getattr(actor, "pk", None):
        raise NotPermitted(_("Only the applicant can rate the service."))
    if locked.status not in RATEABLE:
        raise TransitionNotAllowed(_("The service can be rated once the result is ready."))
    if DossierRating.objects.filter(dossier=locked).exists():
        raise TransitionNotAllowed(_("This dossier has already been rated."))
    if rating not in Rating.values:
        raise TransitionNotAllowed(_("Choose one of the ratings."))
    from dossiers.reports.tasks import follow_changes

    follow_changes()  # embedded mode (no beat): the satisfaction figures count it at once
    return DossierRating.objects.create(dossier=locked, rating=rating, comment=comment.strip())
