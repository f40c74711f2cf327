"""Citizens' pages: follow one's dossiers, withdraw, supplement, rate, download; public tracking.
Online submission is in ``views_submission``.

Thin adapters (STYLE.md rule 5): each page reads what it shows, parses the input and calls one
service of ``dossiers.submission`` or ``dossiers.services``. A citizen only ever sees their own
dossiers and drafts; anyone else's answer 404, as if they did not exist.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dossiers import lifecycle
from dossiers.errors import DossierError, SubmissionInvalid
from dossiers.forms import RatingForm, TrackingForm, WithdrawForm
from dossiers.models import Dossier, Status
from dossiers.models_documents import DocumentKind, DossierDocument, DossierDraft, DossierRating
from dossiers.receipts import receipt_pdf
from dossiers.selectors import (
    citizen_file_name,
    dossiers_of_applicant,
    issued_results,
    public_timeline,
)
from dossiers.services import RATEABLE, dossier_rate
from dossiers.tracking import (
    client_address,
    dossier_track,
    tracked,
    tracking_attempt_allowed,
    tracking_path,
)
from dossiers.uploads import download_name

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
