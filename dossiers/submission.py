"""Online submission: drafts saved as the citizen goes, documents, then the dossier.

Every state change here is a service (keyword-only, one transaction); views and the API only
parse input and call them.
"""

import time
import uuid
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.documents import NewDocument, document_add, documents_add
from dossiers.errors import NoCompetentAgency, SubmissionInvalid
from dossiers.lifecycle import dossier_create
from dossiers.models import Channel, Dossier, ResultDelivery
from dossiers.models_documents import DossierDocument, DossierDraft
from dossiers.uploads import check_upload
from portal.models import IdempotencyKey
from procedures.models import Case, DocumentComponent, Level, Procedure
from units.models import Agency, AgencyKind, Unit, UnitLevel

APPLICANT_FIELDS = (
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "applicant_email",
    "applicant_address",
)
LIMITS = {
    "applicant_name": 200,
    "applicant_id_number": 20,
    "applicant_phone": 20,
    "applicant_email": 254,
    "applicant_address": 300,
}
COMMUNE_KINDS = (AgencyKind.COMMUNE_SERVICE_CENTRE, AgencyKind.COMMUNE_COMMITTEE)


def profile_defaults(applicant) -> dict[str, str]:
    """The applicant's fields as the e-ID vouched for them: a form's starting values."""
    profile = getattr(applicant, "citizen_profile", None)
    if profile is None:
        return {}
    return {
        "applicant_name": profile.full_name,
        "applicant_id_number": profile.cccd,
        "applicant_phone": profile.phone,
        "applicant_email": profile.email,
        "applicant_address": profile.address,
    }


def draft_of(*, applicant, procedure: Procedure) -> DossierDraft | None:
    """The citizen's draft for this procedure, if they have begun one (from any device)."""
    return DossierDraft.objects.filter(applicant=applicant, procedure=procedure).first()


@transaction.atomic
def draft_start(*, applicant, procedure: Procedure) -> DossierDraft:
    """The citizen's draft for this procedure, resumed if one exists (from any device).

    Called when the citizen first saves, types (autosave) or uploads: opening the form alone
    creates nothing."""
    draft = draft_of(applicant=applicant, procedure=procedure)
    if draft is not None:
        return draft
    data = profile_defaults(applicant)
    return DossierDraft.objects.create(
        applicant=applicant, procedure=procedure, version=procedure.current_version, data=data
    )


@transaction.atomic
def draft_save(*, draft: DossierDraft, data: dict) -> DossierDraft:
    """Keep what was typed (as typed, even if not yet valid): nothing is ever lost."""
    draft.data = {**draft.data, **{k: v for k, v in data.items() if isinstance(v, str)}}
    draft.save(update_fields=["data", "updated_at"])
    return draft


@transaction.atomic
def draft_attach(
    *, draft: DossierDraft, component: DocumentComponent | None, upload, user
) -> DossierDocument:
    """Check and store one file for a component; it replaces the component's previous file."""
    if component is not None and component.case.version_id != draft.version_id:
        raise SubmissionInvalid(_("This document is not part of the procedure."), field="file")
    stored = draft.documents.exclude(component=component).aggregate(n=Sum("size"))["n"] or 0
    try:
        checked = check_upload(upload, already_stored=stored)
    except ValidationError as exc:
        raise SubmissionInvalid(exc.messages[0], field="file") from exc
    if component is not None:
        draft.documents.filter(component=component).delete()
    document = document_add(
        NewDocument(draft=draft, component=component, upload=upload, info=checked),
        uploaded_by=user,
    )
    draft.save(update_fields=["updated_at"])
    return document


def required_components(version, case) -> list[DocumentComponent]:
    """Components the applicant submits (at least one original or copy)."""
    if case is None:
        return []
    return [c for c in case.components.all() if c.originals or c.copies]


def procedure_in_force(code: str) -> Procedure | None:
    """The procedure with ``code`` and a version in force, with that version.

    One narrow read (the procedure's id and its current version's), then the rows read once per
    process for that pair: a version never changes, and publishing a new one makes a new pair.
    """
    # The code is unique: no ORDER BY to compile or run (``first()`` would add one).
    found = list(
        Procedure.objects.filter(code=code, current_version__isnull=False).values_list(
            "pk", "current_version_id"
        )[:1]
    )
    return _procedure_with_version(*found[0]) if found else None


@lru_cache(maxsize=1024)
def _procedure_with_version(pk: int, version_id: int) -> Procedure:
    return Procedure.objects.select_related("current_version").get(pk=pk)


@lru_cache(maxsize=1024)
def version_cases(version_id: int) -> tuple[Case, ...]:
    """The cases of a catalogue version with their components, read once per process.

    A published version never changes (a change to a procedure is a new version), so what was
    read stays true; submissions then spend no query on the catalogue's structure.
    """
    return tuple(
        Case.objects.filter(version_id=version_id)
        .prefetch_related("components")
        .order_by("position", "id")
    )


# One statement: the first assignment in force for the commune or its province, in level
# order, that names an agency, or a commune-level one whose commune has an active committee or
# service centre (the service centre first).
COMPETENT_AGENCY = """
SELECT g.*, r.level AS assignment_level FROM (
    SELECT a.level, CASE
        WHEN a.agency_id IS NOT NULL THEN a.agency_id
        WHEN a.level = %(commune_level)s THEN (
            SELECT c.id FROM units_agency c
            WHERE c.unit_id = %(commune)s AND c.is_active AND c.kind IN (%(kind0)s, %(kind1)s)
            ORDER BY c.kind DESC LIMIT 1)
    END AS resolved
    FROM procedures_assignment a
    WHERE a.procedure_id = %(procedure)s
      AND a.valid_from <= %(on)s AND (a.valid_to IS NULL OR a.valid_to > %(on)s)
      AND a.scope_id IN (%(commune)s, %(province)s)
) r JOIN units_agency g ON g.id = r.resolved
ORDER BY r.level, g.id
LIMIT 1
"""


def competent_agency(*, procedure: Procedure, commune: Unit, on=None) -> tuple[Agency, str]:
    """Who settles this procedure for an applicant living in ``commune`` (and at what level)."""
    on = on or timezone.localdate()
    found = list(
        Agency.objects.raw(
            COMPETENT_AGENCY,
            {
                "commune_level": Level.COMMUNE.value,
                "commune": commune.pk,
                "province": commune.parent_id,
                # Two named values rather than a tuple: SQLite (embedded mode) cannot expand one.
                "kind0": str(COMMUNE_KINDS[0]),
                "kind1": str(COMMUNE_KINDS[1]),
                "procedure": procedure.pk,
                "on": on,
            },
        )
    )
    if found:
        return found[0], found[0].assignment_level
    raise NoCompetentAgency(
        _("No agency settles this procedure for %(commune)s yet.") % {"commune": commune.name},
        field="applicant_commune",
    )


_communes: dict[str, tuple[float, Unit]] = {}
COMMUNE_CACHE_SECONDS = 300


def commune_by_code(code: str) -> Unit | None:
    """The commune with ``code``, remembered a few minutes (the registry changes by decree)."""
    now = time.monotonic()
    hit = _communes.get(code)
    if hit is not None and hit[0] > now:
        return hit[1]
    commune = Unit.objects.filter(code=code, level=UnitLevel.COMMUNE).first()
    if commune is not None:
        if len(_communes) > 10_000:
            _communes.clear()
        _communes[code] = (now + COMMUNE_CACHE_SECONDS, commune)
    return commune


def _checked(data: dict, version, attached: set[int]):
    """Every problem of a submission, by field; or what the dossier needs to be made."""
    errors: dict[str, list[str]] = {}
    if not data.get("applicant_name", "").strip():
        errors["applicant_name"] = [_("Enter the applicant's full name.")]
    for name, limit in LIMITS.items():
        if len(data.get(name, "").strip()) > limit:
            errors.setdefault(name, []).append(
                _("At most %(limit)s characters.") % {"limit": limit}
            )
    email = data.get("applicant_email", "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.setdefault("applicant_email", []).append(_("Enter a valid e-mail address."))
    if not (data.get("applicant_phone", "").strip() or email):
        errors["applicant_phone"] = [_("Give a phone number or an e-mail to be reached at.")]
    code = str(data.get("applicant_commune", ""))
    commune = commune_by_code(code) if code.isdigit() and len(code) == 5 else None
    if commune is None:
        errors["applicant_commune"] = [_("Choose the commune where you live.")]
    cases = version_cases(version.pk)
    wanted = str(data.get("case") or "")
    case = next((c for c in cases if str(c.pk) == wanted), cases[0] if cases else None)
    missing = [c.name for c in required_components(version, case) if c.pk not in attached]
    if missing:
        errors["documents"] = [_("Attach: %(names)s") % {"names": "; ".join(missing)}]
    delivery = data.get("result_delivery") or ResultDelivery.COUNTER
    if delivery not in ResultDelivery.values:
        errors["result_delivery"] = [_("Choose how to receive the result.")]
    if errors:
        raise SubmissionInvalid(errors=errors)
    return commune, case, delivery


def _make_dossier(*, applicant, procedure, version, data, commune, case, delivery) -> Dossier:
    agency, level = competent_agency(procedure=procedure, commune=commune)
    reception = agency
    if data.get("reception_agency"):
        reception = (
            Agency.objects.filter(identifier=data["reception_agency"], is_active=True)
            .filter(Q(unit_id=commune.parent_id) | Q(unit__parent_id=commune.parent_id))
            .first()
            or agency
        )
    profile = getattr(applicant, "citizen_profile", None)
    id_number = data.get("applicant_id_number", "").strip()
    # VNeID vouches for the account holder's CCCD only: a dossier in another person's name (an
    # ID typed that is not the profile's) is not "verified by VNeID".
    verified = bool(getattr(profile, "vneid_verified", False)) and id_number == profile.cccd
    # The callers hold the transaction: no savepoint of its own.
    return dossier_create(
        version=version,
        agency=agency,
        reception_agency=reception,
        level=level,
        channel=Channel.ONLINE,
        applicant=applicant,
        applicant_name=data["applicant_name"].strip(),
        applicant_id_number=id_number,
        applicant_phone=data.get("applicant_phone", "").strip(),
        applicant_email=data.get("applicant_email", "").strip(),
        applicant_address=data.get("applicant_address", "").strip(),
        applicant_commune=commune,
        vneid_verified=verified,
        case=case,
        result_delivery=delivery,
    )


def submitted_with_key(*, applicant, key: uuid.UUID) -> Dossier | None:
    """The dossier that ``applicant``'s submission with ``key`` created, once committed."""
    record = IdempotencyKey.objects.filter(
        owner=applicant, scope=IdempotencyKey.Scope.DOSSIER_SUBMISSION, key=key
    ).first()
    if record is None or record.result_id is None:
        return None
    return Dossier.objects.select_related("procedure", "agency", "reception_agency").get(
        pk=record.result_id
    )


def _claim_key(*, applicant, key: uuid.UUID | None) -> tuple[IdempotencyKey | None, Dossier | None]:
    """Inside the submission's transaction: claim ``key``, or find the dossier it already made.

    A duplicate sent at the same moment waits here on the unique constraint until the first
    request's transaction ends: committed, it gets the first dossier; rolled back (the
    submission was refused), it claims the key and submits itself."""
    if key is None:
        return None, None
    try:
        with transaction.atomic():
            claim = IdempotencyKey.objects.create(
                owner=applicant, scope=IdempotencyKey.Scope.DOSSIER_SUBMISSION, key=key
            )
    except IntegrityError:
        earlier = submitted_with_key(applicant=applicant, key=key)
        earlier.replayed = True
        return None, earlier
    return claim, None


def _record_key(claim: IdempotencyKey | None, dossier: Dossier) -> Dossier:
    dossier.replayed = False
    if claim is not None:
        claim.result_id = dossier.pk
        claim.save(update_fields=["result_id"])
    return dossier


@transaction.atomic
def draft_submit(*, draft: DossierDraft, idempotency_key: uuid.UUID | None = None) -> Dossier:
    """Turn a complete draft into a dossier (status 1, code, event); every problem is named.

    With ``idempotency_key`` (the form's one-time token), a second submission with the same key
    returns the first dossier (``replayed`` set) instead of making another."""
    claim, earlier = _claim_key(applicant=draft.applicant, key=idempotency_key)
    if earlier is not None:
        return earlier
    draft = (
        DossierDraft.objects.select_for_update()
        .select_related("procedure", "version")
        .get(pk=draft.pk)
    )
    attached = set(draft.documents.values_list("component_id", flat=True))
    commune, case, delivery = _checked(draft.data, draft.version, attached)
    dossier = _make_dossier(
        applicant=draft.applicant,
        procedure=draft.procedure,
        version=draft.version,
        data=draft.data,
        commune=commune,
        case=case,
        delivery=delivery,
    )
    draft.documents.update(dossier=dossier, draft=None)
    draft.delete()
    return _record_key(claim, dossier)


@transaction.atomic
def dossier_submit_online(
    *,
    applicant,
    procedure: Procedure,
    data: dict,
    files: dict,
    idempotency_key: uuid.UUID | None = None,
) -> Dossier:
    """Submit in one go, without a draft (the API): ``files`` maps component ids to uploads.

    The same checks as a draft's submission; files are checked before anything is written.
    With ``idempotency_key`` (the ``Idempotency-Key`` header), a retry with the same key returns
    the first dossier (``replayed`` set) instead of making another, even when both arrive at once.
    """
    claim, earlier = _claim_key(applicant=applicant, key=idempotency_key)
    if earlier is not None:
        return earlier
    data = {**profile_defaults(applicant), **{k: v for k, v in data.items() if v != ""}}
    version = procedure.current_version
    components = {c.pk: c for case in version_cases(version.pk) for c in case.components.all()}
    unknown = [key for key in files if key not in components]
    if unknown:
        raise SubmissionInvalid(_("This document is not part of the procedure."), field="file")
    checked, total = {}, 0
    for key, upload in files.items():
        try:
            checked[key] = check_upload(upload, already_stored=total)
        except ValidationError as exc:
            raise SubmissionInvalid(exc.messages[0], field="file") from exc
        total += checked[key].size
    commune, case, delivery = _checked(data, version, set(files))
    dossier = _make_dossier(
        applicant=applicant,
        procedure=procedure,
        version=version,
        data=data,
        commune=commune,
        case=case,
        delivery=delivery,
    )
    documents_add(
        (
            NewDocument(
                dossier=dossier, component=components[key], upload=upload, info=checked[key]
            )
            for key, upload in files.items()
        ),
        uploaded_by=applicant,
    )
    dossier.procedure = procedure
    return _record_key(claim, dossier)
