"""Counter intake: a one-stop receiver registers a walk-in applicant's dossier (channel 1) with
its scans, and receives it at once.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dossiers import lifecycle
from dossiers.documents import NewDocument, documents_add
from dossiers.errors import NoCompetentAgency, NotPermitted
from dossiers.lifecycle import dossier_create
from dossiers.models import Channel, Dossier
from dossiers.office.forms_pages import IntakeForm
from dossiers.office.views import _forbidden, _render, staff_only
from dossiers.submission import competent_agency
from portal.models import CitizenProfile
from procedures.models import Procedure
from procedures.selectors import procedure_search
from units.models import Agency, Membership, Role, UnitLevel

INTAKE_RESULTS = 15

# --- Counter intake ------------------------------------------------------------------------------


def _receiver_agencies(user) -> list[Agency]:
    return [
        m.agency
        for m in Membership.objects.filter(user=user, role=Role.RECEIVER, is_active=True)
        .select_related("agency__unit")
        .order_by("agency__name")
        if m.agency.is_active
    ]


def intake_register(*, officer, form: IntakeForm) -> Dossier:
    """Register a walk-in applicant's dossier (channel 1) and receive it at once, in one
    transaction: the dossier, its scanned documents, then the reception (1 → 2)."""
    data = form.cleaned_data
    commune = data["applicant_commune"]
    agency, level = competent_agency(procedure=form.version.procedure, commune=commune)
    profile = (
        CitizenProfile.objects.filter(cccd=data["applicant_id_number"])
        .select_related("user")
        .first()
    )
    with transaction.atomic():
        dossier = dossier_create(
            version=form.version,
            agency=agency,
            reception_agency=form.agencies[data["reception_agency"]],
            level=level,
            channel=Channel.DIRECT,
            applicant=profile.user if profile else None,
            applicant_name=data["applicant_name"].strip(),
            applicant_id_number=data["applicant_id_number"],
            applicant_phone=data["applicant_phone"].strip(),
            applicant_email=data["applicant_email"].strip(),
            applicant_address=data["applicant_address"].strip(),
            applicant_commune=commune,
            case=form.chosen_case(),
            result_delivery=data["result_delivery"],
        )
        documents_add(
            (
                NewDocument(
                    dossier=dossier,
                    component=component,
                    upload=upload,
                    info=info,
                    is_digitised=True,
                )
                for component, upload, info in form.uploads
            ),
            uploaded_by=officer,
        )
        taken_in = [(c.name, c.originals, c.copies) for c, _upload, _info in form.uploads]
        return lifecycle.receive(dossier=dossier, actor=officer, documents=taken_in or None)


def _intake_search(request, agencies) -> HttpResponse:
    q = request.GET.get("q", "")[:200]
    results = list(procedure_search(query=q)[:INTAKE_RESULTS]) if q.strip() else []
    context = {"q": q, "results": results, "unknown": request.GET.get("procedure", "")[:30]}
    if request.htmx:
        return render(request, "office/_intake_procedures.html", context)
    return _render(request, "office/intake_search.html", context)


@staff_only
@require_http_methods(["GET", "POST"])
def intake(request):
    """Counter intake: a receiver registers a walk-in applicant's dossier with its scans.

    First the procedure (searched as the officer types), then one form; a refused file is named
    at its document and everything typed stays.
    """
    agencies = _receiver_agencies(request.user)
    if not agencies:
        return _forbidden(request, _("Only one-stop receivers register dossiers at the counter."))
    code = (request.POST.get("procedure") or request.GET.get("procedure") or "").strip()[:30]
    procedure = (
        Procedure.objects.filter(code=code, is_active=True, current_version__isnull=False)
        .select_related("current_version__procedure")
        .first()
        if code
        else None
    )
    if procedure is None:
        return _intake_search(request, agencies)
    version = procedure.current_version
    if request.method != "POST":
        home = agencies[0].unit
        form = IntakeForm(
            initial={
                "procedure": procedure.code,
                "reception_agency": agencies[0].identifier,
                "applicant_commune": home.code if home.level == UnitLevel.COMMUNE else "",
            },
            version=version,
            agencies=agencies,
        )
        return _render(request, "office/intake.html", {"form": form, "procedure": procedure})
    form = IntakeForm(request.POST, version=version, agencies=agencies)
    valid = form.is_valid()
    form.check_files(request.FILES)
    if valid and not form.file_errors:
        try:
            dossier = intake_register(officer=request.user, form=form)
        except NoCompetentAgency as exc:
            form.add_error("applicant_commune", str(exc.message))
        except NotPermitted as exc:
            return _forbidden(request, exc.message)
        else:
            done = _("Dossier %(code)s is registered and received: print the applicant's receipt.")
            messages.success(request, done % {"code": dossier.code})
            return redirect("office:dossier", code=dossier.code)
    context = {"form": form, "procedure": procedure}
    return _render(request, "office/intake.html", context, status=400)
