"""Read paths of dossiers and the one visibility filter (STYLE.md rule 4)."""

from django.db.models import Q, QuerySet

from dossiers.models import Dossier, Status
from units.models import Membership


def dossier_visible_to(user) -> QuerySet[Dossier]:
    """Every dossier ``user`` may see: their own as applicant; as staff, those received,
    settled or held (handed over) by the agencies where they work dossiers. A province
    administrator sees statistics, not files, unless they also hold a working role. Pages, the
    API, exports and file downloads all start from this."""
    if not user.is_authenticated:
        return Dossier.objects.none()
    from dossiers.office.queues import WORKING_ROLES

    agencies = Membership.objects.filter(user=user, is_active=True, role__in=WORKING_ROLES).values(
        "agency_id"
    )
    return Dossier.objects.filter(
        Q(applicant=user)
        | Q(agency_id__in=agencies)
        | Q(reception_agency_id__in=agencies)
        | Q(holder_agency_id__in=agencies)
    )


def dossiers_of_applicant(user) -> QuerySet[Dossier]:
    """A citizen's own dossiers (My dossiers), newest first."""
    return (
        dossier_visible_to(user)
        .filter(applicant=user)
        .select_related("procedure", "agency", "reception_agency")
        .order_by("-submitted_at", "-id")
    )


def result_visible(dossier: Dossier) -> bool:
    """The applicant sees result documents once the result is ready (status 9 or 10)."""
    return dossier.status in (Status.RESULT_READY, Status.RETURNED)


def issued_results(dossier: Dossier) -> list:
    """The result the citizen is handed (page, API, e-mail): once the result is ready, the
    latest signed result document; for a procedure whose result is not signed, the latest
    result document. Drafts and superseded files stay internal."""
    if not result_visible(dossier):
        return []
    from dossiers.models_documents import DocumentKind

    results = dossier.documents.filter(kind=DocumentKind.RESULT).order_by("-uploaded_at", "-id")
    signed = results.filter(signature__isnull=False).first()
    if signed is not None:
        return [signed]
    latest = results.first()
    return [latest] if latest is not None else []


def citizen_documents(dossier: Dossier) -> list:
    """What the applicant sees of a dossier's files: what they sent, and the issued result."""
    from dossiers.models_documents import DocumentKind

    sent = list(dossier.documents.exclude(kind=DocumentKind.RESULT).select_related("component"))
    return sent + issued_results(dossier)


def citizen_file_name(dossier: Dossier, document) -> str:
    """The name the applicant downloads a result as: ``Kết quả - <code>.pdf``."""
    extension = document.extension or "pdf"
    return f"Kết quả - {dossier.code}.{extension}"


# Events whose note was written for the applicant (a reason they must read); other notes are
# officers' and stay internal.
_PUBLIC_NOTE_STATUSES = (
    Status.REFUSED,
    Status.SUPPLEMENT_REQUESTED,
    Status.FINANCIAL_OBLIGATION,
    Status.STOPPED,
    Status.WITHDRAWN,
)


def public_timeline(dossier: Dossier, *, with_notes: bool) -> list:
    """The dossier's record as the applicant and public tracking see it: submission, each
    change of status (once: moves between officers inside "in processing" are not changes),
    apologies with their new appointment. ``with_notes`` keeps the reasons written for the
    applicant (refusal, supplement, stop); officers' notes and file names never show."""
    from dossiers.models import DossierEvent

    kinds = (DossierEvent.Kind.SUBMITTED, DossierEvent.Kind.TRANSITION, DossierEvent.Kind.EXTENDED)
    shown, last_status = [], None
    for event in dossier.events.filter(kind__in=kinds).select_related("agency"):
        if event.kind == DossierEvent.Kind.TRANSITION:
            if event.new_status is None or event.new_status == last_status:
                continue
            last_status = event.new_status
        elif event.kind == DossierEvent.Kind.SUBMITTED:
            last_status = event.new_status or Status.SUBMITTED
        public_note = event.kind == DossierEvent.Kind.EXTENDED or (
            event.new_status in _PUBLIC_NOTE_STATUSES
        )
        if not (with_notes and public_note):
            event.note = ""
        shown.append(event)
    return shown
