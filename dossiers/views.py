"""Citizens' pages: submit a dossier online, follow one's dossiers, withdraw, download.

Thin adapters (STYLE.md rule 5): each page reads what it shows, parses the input and calls one
service of ``dossiers.submission`` or ``dossiers.services``. A citizen only ever sees their own
dossiers and drafts; anyone else's answer 404, as if they did not exist.
"""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dossiers import lifecycle
from dossiers.errors import DossierError, SubmissionInvalid
from dossiers.forms import (
    AUTOSAVED_FIELDS,
    TYPED_FIELDS,
    RatingForm,
    SubmissionForm,
    TrackingForm,
    WithdrawForm,
)
from dossiers.models import Dossier, ResultDelivery, Status
from dossiers.models_documents import DocumentKind, DossierDocument, DossierDraft, DossierRating
from dossiers.receipts import receipt_pdf
from dossiers.selectors import (
    citizen_file_name,
    dossiers_of_applicant,
    issued_results,
    public_timeline,
)
from dossiers.services import RATEABLE, dossier_rate
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
from dossiers.tracking import (
    client_address,
    dossier_track,
    tracked,
    tracking_attempt_allowed,
    tracking_path,
)
from dossiers.uploads import download_name
from procedures.models import OnlineLevel, Procedure
from procedures.selectors import procedure_detail
from units.models import AgencyKind, Unit, UnitLevel, UnitType
from units.selectors import agency_list, unit_list
from units.text import fold

# Citizens sign in with the e-ID, not with the staff password page.
citizen_required = login_required(login_url="portal:eid-login")

PAGE_SIZE = 20
# Statuses after which an appointment no longer matters: settled, refused, withdrawn, stopped.
NOT_OVERDUE = (
    Status.RESULT_READY,
    Status.RETURNED,
    Status.REFUSED,
    Status.WITHDRAWN,
    Status.STOPPED,
)
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


# --- The citizen's dossiers ---------------------------------------------------------------------


def _own_dossier(request, code: str) -> Dossier:
    return get_object_or_404(
        dossiers_of_applicant(request.user).select_related("version", "applicant_commune", "case"),
        code=code,
    )


def _is_overdue(dossier: Dossier, now) -> bool:
    return bool(
        dossier.appointment_at
        and dossier.appointment_at < now
        and dossier.status not in NOT_OVERDUE
    )


@citizen_required
def my_dossiers(request):
    """The citizen's submitted dossiers, newest first, and the drafts still being written."""
    dossiers = dossiers_of_applicant(request.user).select_related("version")
    page = Paginator(dossiers, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for dossier in page.object_list:
        dossier.overdue = _is_overdue(dossier, now)
    drafts = DossierDraft.objects.filter(applicant=request.user).select_related(
        "procedure", "version"
    )
    return render(
        request,
        "dossiers/mine.html",
        {"page": page, "dossiers": page.object_list, "drafts": drafts},
    )


def _detail_context(
    request, dossier: Dossier, withdraw_form=None, rating_form=None, supplement_errors=()
) -> dict:
    rating = DossierRating.objects.filter(dossier=dossier).first()
    documents = list(dossier.documents.select_related("component"))
    open_request = None
    if dossier.status == Status.SUPPLEMENT_REQUESTED:
        open_request = dossier.supplement_requests.filter(supplied_at__isnull=True).first()
    return {
        "open_request": open_request,
        "supplement_errors": supplement_errors,
        "results": issued_results(dossier),
        "rating": rating,
        "can_rate": rating is None and dossier.status in RATEABLE,
        "rating_form": rating_form or RatingForm(),
        "dossier": dossier,
        "overdue": _is_overdue(dossier, timezone.now()),
        "events": public_timeline(dossier, with_notes=True),
        "documents": [d for d in documents if d.kind != DocumentKind.RESULT],
        "can_withdraw": dossier.status in lifecycle.RULES[lifecycle.Action.WITHDRAW].sources,
        "withdraw_form": withdraw_form or WithdrawForm(),
    }


@citizen_required
def dossier_detail(request, code: str):
    dossier = _own_dossier(request, code)
    return render(request, "dossiers/detail.html", _detail_context(request, dossier))


@citizen_required
@require_POST
def dossier_withdraw_view(request, code: str):
    dossier = _own_dossier(request, code)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, dossier, withdraw_form=form)
        return render(request, "dossiers/detail.html", context, status=400)
    try:
        lifecycle.withdraw(dossier=dossier, actor=request.user, reason=form.cleaned_data["reason"])
    except DossierError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your dossier is withdrawn."))
    return redirect("dossiers:detail", code=dossier.code)


@citizen_required
@require_POST
def dossier_supplement_view(request, code: str):
    """The citizen answers a supplement request with files and a note."""
    dossier = _own_dossier(request, code)
    try:
        lifecycle.supplement(
            dossier=dossier,
            actor=request.user,
            files=[(None, upload) for upload in request.FILES.getlist("file")],
            note=request.POST.get("note", "")[:2000],
        )
    except SubmissionInvalid as exc:
        context = _detail_context(request, dossier, supplement_errors=[str(exc.message)])
        context["supplement_note"] = request.POST.get("note", "")[:2000]
        return render(request, "dossiers/detail.html", context, status=400)
    except DossierError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your documents were sent: the agency resumes processing."))
    return redirect("dossiers:detail", code=dossier.code)


@citizen_required
@require_POST
def dossier_rate_view(request, code: str):
    dossier = _own_dossier(request, code)
    form = RatingForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, dossier, rating_form=form)
        return render(request, "dossiers/detail.html", context, status=400)
    try:
        dossier_rate(
            dossier=dossier,
            actor=request.user,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
    except DossierError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect("dossiers:detail", code=dossier.code)


@citizen_required
def dossier_receipt(request, code: str):
    """Form 01, the receipt and appointment slip, once the dossier has been received."""
    dossier = _own_dossier(request, code)
    if dossier.received_at is None:
        raise Http404
    tracking_url = request.build_absolute_uri(tracking_path(dossier))
    response = HttpResponse(
        receipt_pdf(dossier=dossier, tracking_url=tracking_url), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="giay-tiep-nhan-{dossier.code}.pdf"'
    return response


@citizen_required
def dossier_document(request, code: str, pk: int):
    """One file of the citizen's dossier, from private storage."""
    dossier = _own_dossier(request, code)
    document = get_object_or_404(DossierDocument, pk=pk, dossier=dossier)
    if document.kind == DocumentKind.RESULT and document not in issued_results(dossier):
        raise Http404  # drafts and superseded results stay internal
    if not document.file:
        # Held by link only (a dossier from the national portal): send the citizen there.
        return redirect(document.remote_url) if document.remote_url else HttpResponse(status=404)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=(
            citizen_file_name(dossier, document)
            if document.kind == DocumentKind.RESULT
            else download_name(document)
        ),
        content_type=document.mime,
    )


# --- Public tracking ----------------------------------------------------------------------------


@require_GET
def track(request):
    """Anyone with the receipt looks a dossier up by code and secret (no sign-in)."""
    context: dict = {"form": TrackingForm()}
    status = 200
    if "code" in request.GET or "secret" in request.GET:
        form = TrackingForm(request.GET)
        context["form"] = form
        if form.is_valid():
            if not tracking_attempt_allowed(client_address(request)):
                context["limited"] = True
                status = 429
            else:
                dossier = dossier_track(
                    code=form.cleaned_data["code"], secret=form.cleaned_data["secret"]
                )
                if dossier is None:
                    context["not_found"] = True
                    status = 404
                else:
                    context["tracked"] = tracked(dossier)
        else:
            status = 400
    response = render(request, "dossiers/track.html", context, status=status)
    if status == 429:
        response["Retry-After"] = str(settings.TRACKING_RATE_LIMIT[1])
    # The secret is in the address: keep it out of caches and other sites' logs.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
