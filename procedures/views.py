"""Pages of the catalogue (public) and of the reassignment tool (province administrators)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from procedures import selectors, services
from procedures.errors import CatalogueError
from procedures.exporting import catalogue_csv, catalogue_xlsx
from procedures.forms import CatalogueSearchForm, ReassignmentForm, RevertForm
from procedures.models import CatalogueEvent, DocumentComponent, Procedure, ReassignmentBatch
from procedures.services.reassignment import batch_progress
from units.selectors import provinces_administered_by

PAGE_SIZE = 20
# Above this many rows to write, a reassignment runs in the background with a progress bar.
BACKGROUND_THRESHOLD = 500


@vary_on_headers("HX-Request")
def catalogue(request):
    form = CatalogueSearchForm(request.GET or None)
    results, query = [], ""
    if form.is_valid():
        data = form.cleaned_data
        query = data["q"]
        results = selectors.procedure_search(
            query=query,
            field=data["field"].pk if data["field"] else None,
            level=data["level"] or None,
            online_level=data["online_level"] or None,
            province=data["province"].code if data["province"] else None,
            agency=data["agency"],
        )
    elif not request.GET:
        results = selectors.procedure_search()
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = [name for name in form.fields if name != "q"]
    context = {
        "form": form,
        "page": page,
        "procedures": page.object_list,
        "query": query,
        "active_filters": sum(1 for name in filters if request.GET.get(name)),
        "filter_errors": any(name in form.errors for name in filters),
    }
    template = "procedures/_results.html" if request.htmx else "procedures/catalogue.html"
    return render(request, template, context)


def procedure_detail(request, code: str):
    try:
        procedure = selectors.procedure_detail(code=code)
    except Procedure.DoesNotExist as exc:
        raise Http404 from exc
    version = procedure.current_version
    today = timezone.localdate()
    return render(
        request,
        "procedures/detail.html",
        {
            "procedure": procedure,
            "version": version,
            "channels": version.channels.all(),
            "cases": version.cases.all(),
            "workflow": version.workflow.all(),
            "assignments": selectors.assignments_on(procedure=procedure, on=today),
        },
    )


def form_download(request, code: str, component_id: int):
    """A procedure's published form (mẫu đơn, tờ khai): public, like the catalogue."""
    component = get_object_or_404(
        DocumentComponent.objects.select_related("case__version__procedure"),
        pk=component_id,
        case__version__procedure__code=code,
    )
    if not component.form_file:
        raise Http404
    return FileResponse(
        component.form_file.open("rb"),
        as_attachment=True,
        filename=component.form_file.name.rsplit("/", 1)[-1],
    )


def export_csv(request):
    response = HttpResponse(catalogue_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tthc.csv"'
    return response


def export_xlsx(request):
    response = HttpResponse(
        catalogue_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="tthc.xlsx"'
    return response


# --- Reassignment (province administrators) ------------------------------------------------------


def _province_for(request, code: str | None):
    provinces = provinces_administered_by(request.user)
    if not provinces.exists():
        raise PermissionDenied
    if code:
        return get_object_or_404(provinces, code=code)
    return provinces.order_by("code").first()


@login_required
def reassign(request):
    """Report of what is still at the former district level, and the reassignment form."""
    province = _province_for(request, request.GET.get("province") or request.POST.get("province"))
    report = selectors.former_district_report(province=province, on=timezone.localdate())
    form = ReassignmentForm(request.POST or None, province=province, procedures=report.remaining)
    context = {
        "province": province,
        "provinces": provinces_administered_by(request.user).order_by("name"),
        "report": report,
        "form": form,
        "batches": ReassignmentBatch.objects.filter(province=province).select_related("created_by")[
            :20
        ],
    }
    if request.method == "POST" and form.is_valid():
        arguments = _arguments(province, form.cleaned_data)
        try:
            preview = services.reassignment_preview(**arguments)
        except CatalogueError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            if request.POST.get("confirm") == "1":
                return _commit(request, preview, arguments, form.cleaned_data["reason"])
            context["preview"] = preview
    return render(request, "procedures/reassign.html", context)


def _arguments(province, data) -> dict:
    codes = data["procedures"]
    return {
        "province": province,
        "procedure_ids": list(
            Procedure.objects.filter(code__in=codes).values_list("pk", flat=True)
        ),
        "target": data["target"],
        "target_agency": data.get("target_agency"),
        "target_communes": list(data.get("target_communes") or []),
        "effective_on": data["effective_on"],
    }


def _commit(request, preview, arguments, reason):
    size = preview.assignments_to_create + preview.assignments_to_close + preview.dossier_count
    service = (
        services.reassignment_schedule
        if size > BACKGROUND_THRESHOLD
        else services.reassignment_commit
    )
    try:
        batch = service(**arguments, reason=reason, actor=request.user)
    except CatalogueError as exc:
        messages.error(request, str(exc))
        return redirect(f"{request.path}?province={preview.province.code}")
    if batch.status == ReassignmentBatch.Status.APPLIED:
        messages.success(request, _("The reassignment is applied."))
    return redirect("procedures:batch", pk=batch.pk)


def _batch_for(request, pk: int) -> ReassignmentBatch:
    return get_object_or_404(
        ReassignmentBatch.objects.select_related("province", "created_by", "target_agency"),
        pk=pk,
        province__in=provinces_administered_by(request.user),
    )


@login_required
@vary_on_headers("HX-Request")
def batch_detail(request, pk: int):
    batch = _batch_for(request, pk)
    done, total = batch_progress(batch)
    context = {
        "batch": batch,
        "done": done,
        "total": total,
        "percent": int(done * 100 / total) if total else (100 if batch.status != "running" else 0),
        "procedures": batch.procedures.order_by("code"),
        "revert_form": RevertForm(),
        "events": batch.events.select_related("actor"),
    }
    if request.htmx:
        return render(request, "procedures/_batch_progress.html", context)
    return render(request, "procedures/batch.html", context)


@login_required
@require_POST
def batch_revert(request, pk: int):
    batch = _batch_for(request, pk)
    form = RevertForm(request.POST)
    if form.is_valid():
        try:
            services.reassignment_revert(
                batch=batch, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except CatalogueError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The reassignment is reverted."))
            return redirect("procedures:batch", pk=batch.pk)
    done, total = batch_progress(batch)
    return render(
        request,
        "procedures/batch.html",
        {
            "batch": batch,
            "done": done,
            "total": total,
            "percent": 100,
            "procedures": batch.procedures.order_by("code"),
            "revert_form": form,
            "events": batch.events.select_related("actor"),
        },
        status=400 if not form.is_valid() else 200,
    )


@login_required
def history(request):
    """Every change to the catalogue and its assignments, newest first (administrators)."""
    provinces = provinces_administered_by(request.user)
    if not provinces.exists():
        raise PermissionDenied
    # The catalogue is national; reassignments belong to the province that made them.
    events = CatalogueEvent.objects.filter(
        Q(batch__isnull=True) | Q(batch__province__in=provinces)
    ).select_related("procedure", "batch", "actor")
    code = request.GET.get("procedure", "").strip()
    if code:
        events = events.filter(procedure__code=code)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request, "procedures/history.html", {"page": page, "events": page.object_list, "code": code}
    )
