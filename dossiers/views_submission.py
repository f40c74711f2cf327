"""Citizens' online submission: the one form (who, where, how to get the result, the files), its
communes fragment and its autosave.

Thin adapters (STYLE.md rule 5): each page reads what it shows, parses the input and calls one
service of ``dossiers.submission``. A citizen only ever sees their own drafts.
"""

import uuid

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dossiers.errors import DossierError, SubmissionInvalid
from dossiers.forms import AUTOSAVED_FIELDS, TYPED_FIELDS, SubmissionForm
from dossiers.models import ResultDelivery
from dossiers.models_documents import DossierDraft
from dossiers.submission import (
    COMMUNE_KINDS,
    draft_attach,
    draft_of,
    draft_save,
    draft_start,
    draft_submit,
    profile_defaults,
    required_components,
    submitted_with_key,
)
from dossiers.views import citizen_required
from procedures.models import OnlineLevel, Procedure
from procedures.selectors import procedure_detail
from units.models import AgencyKind, Unit, UnitLevel, UnitType
from units.selectors import agency_list, unit_list
from units.text import fold

RECEPTION_KINDS = (AgencyKind.PROVINCE_SERVICE_CENTRE, *COMMUNE_KINDS)
COMMUNE_TYPE_ORDER = (UnitType.WARD, UnitType.COMMUNE, UnitType.SPECIAL_ZONE)


# --- Online submission --------------------------------------------------------------------------


def _submittable_procedure(code: str) -> Procedure:
    try:
        return procedure_detail(code=code)
    except Procedure.DoesNotExist as exc:
        raise Http404 from exc


def _province_of(data: dict) -> str:
    """The province chosen on the form, or else the one of the chosen commune."""
    province = data.get("applicant_province") or ""
    if province:
        return province
    commune = Unit.objects.filter(
        code=data.get("applicant_commune") or "", level=UnitLevel.COMMUNE
    ).first()
    return commune.parent_id if commune else ""


def _commune_choices(province: str) -> list:
    """The communes of a province, grouped by type (wards, communes, special zones)."""
    if not province:
        return []
    communes = sorted(
        unit_list(level=UnitLevel.COMMUNE, parent=province), key=lambda unit: fold(unit.name)
    )
    groups = []
    for unit_type in COMMUNE_TYPE_ORDER:
        members = [(unit.code, unit.name) for unit in communes if unit.type == unit_type]
        if members:
            groups.append((str(unit_type.label).capitalize(), members))
    return groups


def _agency_choices(province: str) -> list:
    """Service centres and commune People's Committees of a province, where one may submit."""
    if not province:
        return []
    agencies = list(agency_list(province=province).filter(kind__in=RECEPTION_KINDS))
    centres = [a for a in agencies if a.kind == AgencyKind.PROVINCE_SERVICE_CENTRE]
    communes = sorted(
        (a for a in agencies if a.kind != AgencyKind.PROVINCE_SERVICE_CENTRE),
        key=lambda agency: fold(agency.name),
    )
    groups = []
    if centres:
        groups.append((_("Province level"), [(a.identifier, a.name) for a in centres]))
    if communes:
        groups.append((_("Commune level"), [(a.identifier, a.name) for a in communes]))
    return groups


def _submission_form(version, data: dict, *, bound: bool) -> SubmissionForm:
    province = _province_of(data)
    case = _chosen_case(version, data)
    values = {
        **data,
        "applicant_province": province,
        # What the service would take when nothing is chosen is shown as chosen.
        "case": str(case.pk) if case else "",
        "result_delivery": data.get("result_delivery") or ResultDelivery.COUNTER,
    }
    options = {
        "cases": version.cases.all(),
        "provinces": unit_list(level=UnitLevel.PROVINCE),
        "communes": _commune_choices(province),
        "agencies": _agency_choices(province),
    }
    if bound:
        return SubmissionForm(values, **options)
    return SubmissionForm(initial=values, **options)


def _chosen_case(version, data: dict):
    cases = list(version.cases.all())
    chosen = str(data.get("case") or "")
    return next((case for case in cases if str(case.pk) == chosen), cases[0] if cases else None)


def _document_rows(draft: DossierDraft | None, version, errors: dict) -> list[dict]:
    """Each case's components to attach, with the file already attached and any error."""
    attached = {doc.component_id: doc for doc in draft.documents.all()} if draft else {}
    return [
        {
            "case": case,
            "components": [
                {
                    "component": component,
                    "document": attached.get(component.pk),
                    "errors": errors.get(component.pk, []),
                }
                for component in required_components(version, case)
            ],
        }
        for case in version.cases.all()
    ]


def _attach_uploads(request, draft: DossierDraft, version) -> dict[int, list[str]]:
    """Store each uploaded file; a refused one is named, and the others are still kept."""
    errors = {}
    for case in version.cases.all():
        for component in required_components(version, case):
            upload = request.FILES.get(f"file-{component.pk}")
            if upload is None:
                continue
            try:
                draft_attach(draft=draft, component=component, upload=upload, user=request.user)
            except DossierError as exc:
                errors[component.pk] = exc.errors.get("file") or [str(exc)]
    return errors


@citizen_required
def submission(request, code: str):
    """The one form of an online submission: who, where, how to get the result, the files.

    Every POST first keeps what was typed and the files that pass the checks, whatever button
    was pressed; only then is the draft submitted, if that was asked.
    """
    procedure = _submittable_procedure(code)
    if procedure.current_version.online_level == OnlineLevel.NONE:
        messages.error(request, _("This procedure cannot be submitted online."))
        return redirect("procedures:detail", code=procedure.code)
    if request.method != "POST":
        # Opening the form creates nothing: the draft begins with the first save or autosave.
        draft = draft_of(applicant=request.user, procedure=procedure)
        data = draft.data if draft else profile_defaults(request.user)
        form = _submission_form(_draft_version(procedure, draft), data, bound=False)
        return _render_submission(request, procedure, draft, form)

    token = _submission_token(request)
    if request.POST.get("action") == "submit":
        # Pressed twice, or retried after an error page: the form's one-time token already made
        # a dossier, so show that one instead of starting a second.
        earlier = submitted_with_key(applicant=request.user, key=token)
        if earlier is not None:
            messages.info(
                request,
                _("This dossier was already submitted. Its code is %(code)s.")
                % {"code": earlier.code},
            )
            return redirect("dossiers:detail", code=earlier.code)
    draft = draft_start(applicant=request.user, procedure=procedure)
    # A draft begun before the catalogue changed stays on the version it was begun under.
    version = _draft_version(procedure, draft)
    typed = {name: request.POST.get(name, "").strip() for name in TYPED_FIELDS}
    draft = draft_save(draft=draft, data=typed)
    file_errors = _attach_uploads(request, draft, version)
    form = _submission_form(version, draft.data, bound=True)
    action = request.POST.get("action")
    documents_errors: list[str] = []
    if file_errors:
        form.add_error(None, _("A file was not accepted: see the documents below."))
    elif action == "save":
        messages.success(request, _("Your draft is saved. You can come back to it at any time."))
        return redirect("dossiers:submit", code=procedure.code)
    elif action != "submit":
        # Without JavaScript, "Show the communes" reloads the page for the chosen province.
        return redirect(reverse("dossiers:submit", args=[procedure.code]) + "#commune-field")
    elif form.is_valid():
        try:
            dossier = draft_submit(draft=draft, idempotency_key=token)
        except DossierError as exc:
            documents_errors = _add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Your dossier is submitted. Its code is %(code)s.") % {"code": dossier.code},
            )
            return redirect("dossiers:detail", code=dossier.code)
    return _render_submission(request, procedure, draft, form, file_errors, documents_errors)


def _add_service_errors(form: SubmissionForm, exc: DossierError) -> list[str]:
    """Put each of the service's errors next to its field; the documents' ones are returned."""
    documents = []
    for field, field_errors in exc.errors.items():
        if field == "documents":
            documents.extend(field_errors)
        else:
            for message in field_errors:
                form.add_error(field if field in form.fields else None, message)
    form.add_error(None, str(SubmissionInvalid.default_message))
    return documents


def _draft_version(procedure: Procedure, draft: DossierDraft | None):
    if draft is None or draft.version_id == procedure.current_version_id:
        return procedure.current_version  # with its cases and components prefetched
    return draft.version


def _render_submission(request, procedure, draft, form, file_errors=None, documents_errors=()):
    version = _draft_version(procedure, draft)
    return render(
        request,
        "dossiers/submit.html",
        {
            "procedure": procedure,
            "version": version,
            "draft": draft,
            "form": form,
            "several_cases": len(version.cases.all()) > 1,
            "chosen_case": _chosen_case(version, draft.data if draft else {}),
            "document_cases": _document_rows(draft, version, file_errors or {}),
            "documents_errors": documents_errors,
            "submission_token": _submission_token(request),
        },
    )


def _submission_token(request) -> uuid.UUID:
    """The submit form's one-time token: the one posted (kept across an error page, so a retry
    is recognised), else a new one."""
    try:
        return uuid.UUID(request.POST.get("submission_token", ""))
    except ValueError:
        return uuid.uuid4()


@citizen_required
@require_GET
def submission_communes(request, code: str):
    """htmx: the commune list (and, out of band, the reception agencies) of a province."""
    procedure = _submittable_procedure(code)
    province = request.GET.get("applicant_province", "")[:2]
    form = _submission_form(
        procedure.current_version, {"applicant_province": province}, bound=False
    )
    return render(request, "dossiers/_commune_fields.html", {"form": form})


@citizen_required
@require_POST
def submission_autosave(request, code: str):
    """htmx: keep what the citizen is typing, every few seconds; the first time, the draft
    begins here (opening the form alone creates none). A page that already names its draft
    saves into that one only."""
    procedure = _submittable_procedure(code)
    named = request.POST.get("draft", "")
    if named:
        draft = DossierDraft.objects.filter(
            pk=int(named) if named.isdigit() and len(named) < 19 else None,
            applicant=request.user,
            procedure=procedure,
        ).first()
        if draft is None:
            # Submitted meanwhile: there is nothing left to save.
            return HttpResponse(status=204)
    else:
        draft = draft_start(applicant=request.user, procedure=procedure)
    draft_save(
        draft=draft,
        data={
            name: request.POST[name].strip() for name in AUTOSAVED_FIELDS if name in request.POST
        },
    )
    return render(request, "dossiers/_autosaved.html", {"saved_at": timezone.now(), "draft": draft})
