"""Report pages behind the dashboard: the dossiers behind a number (/reports/dossiers/, and
its CSV), and Biểu II.06a as PDF and XLSX (/reports/ii06a.pdf, /reports/ii06a.xlsx).

They take the API's parameters and validation (``DrillInput``, ``PeriodInput``) and the same
scope (``selectors.report_scope``); bad parameters give a 400 page naming the field in the
user's language, another province the 403 page, never a 500.
"""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from rest_framework import serializers

from dossiers.models import Channel, Status
from dossiers.selectors import dossier_visible_to
from reports import form_ii06a, selectors
from reports.api import EXPORT_LIMIT, DrillInput, PeriodInput
from units.selectors import user_is_staff_member

PAGE_SIZE = 50
FIELD_LABELS = {
    "indicator": gettext_lazy("Dossiers listed"),
    "province": gettext_lazy("Province"),
    "year": gettext_lazy("Year"),
    "quarter": gettext_lazy("Quarter"),
    "month": gettext_lazy("Month"),
    "date_from": gettext_lazy("From"),
    "date_to": gettext_lazy("To"),
    "to": gettext_lazy("To"),
    "agency": gettext_lazy("Agency"),
    "commune": gettext_lazy("Commune"),
    "procedure": gettext_lazy("Procedure"),
    "field": gettext_lazy("Field"),
    "page": gettext_lazy("Page"),
    "group_by": gettext_lazy("Grouped by"),
    "level": gettext_lazy("Level"),
}
# Our own words for each field (the framework's messages are not all in Vietnamese); the
# period's own checks ("to") already speak through the project's translations.
FIELD_MESSAGES = {
    "indicator": gettext_lazy(
        "Choose which dossiers to list: open the list from a number on the reports page."
    ),
    "province": gettext_lazy("Choose a province by its two-digit code."),
    "year": gettext_lazy("Enter a year from 2000 to 2100."),
    "quarter": gettext_lazy("Enter a quarter from 1 to 4."),
    "month": gettext_lazy("Enter a month from 1 to 12."),
    "date_from": gettext_lazy("Enter the first day of the period as a date."),
    "date_to": gettext_lazy("Enter the last day of the period as a date."),
    "agency": gettext_lazy("Enter the agency's number."),
    "commune": gettext_lazy("Enter the commune's five-digit code."),
    "procedure": gettext_lazy("Enter the procedure's number."),
    "field": gettext_lazy("Enter the field's number."),
    "page": gettext_lazy("Enter a page number from 1 to the last page."),
    "group_by": gettext_lazy("Choose a grouping from the list."),
    "level": gettext_lazy("Choose communes or agencies."),
}
DRILL_LABELS = {
    "received": gettext_lazy("Received"),
    "early": gettext_lazy("Early"),
    "on_time": gettext_lazy("On time"),
    "late": gettext_lazy("Late"),
    "in_progress": gettext_lazy("In progress, on time"),
    "in_progress_late": gettext_lazy("In progress, overdue"),
    "overdue": gettext_lazy("Overdue: late, or in progress past the appointment"),
    "multi_supplement": gettext_lazy("More than one supplement request"),
    "online": gettext_lazy("Submitted online"),
    "eligible": gettext_lazy("Eligible for full-process online"),
    "full_process": gettext_lazy("Full-process online"),
    "not_full_process": gettext_lazy("Eligible, not full-process online"),
    "store_used": gettext_lazy("National data store used"),
    "with_result": gettext_lazy("With a result"),
    "result_electronic": gettext_lazy("Electronic result issued"),
    "vneid": gettext_lazy("Population data used"),
    "rated": gettext_lazy("Rated"),
    "dissatisfied": gettext_lazy("Rated dissatisfied"),
    "with_fee": gettext_lazy("With a fee"),
    "paid_online": gettext_lazy("Paid online"),
    "not_paid_online": gettext_lazy("With a fee, not paid online"),
    "synced": gettext_lazy("Synced to the national portal"),
    "not_synced": gettext_lazy("Not synced to the national portal"),
}
CSV_HEADER = (
    gettext_lazy("Dossier code"),
    gettext_lazy("Procedure code"),
    gettext_lazy("Procedure"),
    gettext_lazy("Agency"),
    gettext_lazy("Status"),
    gettext_lazy("Channel"),
    gettext_lazy("Received"),
    gettext_lazy("Appointment"),
    gettext_lazy("Finished"),
)


class DrillPageInput(DrillInput):
    page = serializers.IntegerField(required=False, min_value=1)


class _Refused(Exception):
    """A page that answers instead of the report: 400 (bad parameters) or 403."""

    def __init__(self, response: HttpResponse):
        self.response = response


def bad_request(request, errors: dict) -> HttpResponse:
    """The 400 page: each wrong field by name with a message in the user's language."""
    shown = []
    for name, messages in errors.items():
        message = FIELD_MESSAGES.get(name) or (messages[0] if messages else "")
        shown.append({"field": FIELD_LABELS.get(name, name), "message": str(message)})
    return render(request, "reports/bad_request.html", {"errors": shown}, status=400)


def _validated(request, form_class) -> dict:
    form = form_class(data=request.GET)
    if not form.is_valid():
        raise _Refused(bad_request(request, form.errors))
    return form.validated_data


def _scope(request, params: dict) -> selectors.Scope:
    try:
        return selectors.report_scope(request.user, params.get("province"))
    except PermissionDenied as exc:
        raise _Refused(render(request, "reports/forbidden.html", status=403)) from exc


def refusing(view):
    """Turns a ``_Refused`` into its page (keeps each view to its happy path)."""

    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _Refused as refused:
            return refused.response

    wrapped.__name__, wrapped.__doc__ = view.__name__, view.__doc__
    return wrapped


def _behind(request, params: dict):
    scope = _scope(request, params)
    filters = {
        f"{name}_id" if name != "commune" else "unit_id": params[name]
        for name in ("agency", "commune", "procedure", "field")
        if params.get(name) is not None
    }
    qs = selectors.dossiers_behind(
        request.user, scope, params["period"], params["indicator"], filters
    )
    return scope, qs


def _moment(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def _openable(user, dossiers) -> set[int]:
    """Which of ``dossiers`` the user may open on the office work page (one query)."""
    if not dossiers or not user_is_staff_member(user):
        return set()
    ids = [d.pk for d in dossiers]
    return set(dossier_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def _with(request, **changes) -> str:
    query = request.GET.copy()
    for name, value in changes.items():
        query[name] = value
    return query.urlencode()


@login_required
@require_GET
@refusing
def drill(request):
    """The dossiers behind a number of the dashboard, 50 a page, oldest received first."""
    params = _validated(request, DrillPageInput)
    scope, qs = _behind(request, params)
    paginator = Paginator(qs, PAGE_SIZE)
    try:
        page = paginator.page(params.get("page") or 1)
    except EmptyPage as exc:
        raise _Refused(bad_request(request, {"page": []})) from exc
    dossiers = list(page.object_list)
    openable = _openable(request.user, dossiers)
    period = params["period"]
    back = urlencode(
        {
            "province": scope.province,
            "from": period.first.isoformat(),
            "to": period.last.isoformat(),
        }
    )
    rows = [
        {
            "code": d.code,
            "url": reverse("office:dossier", args=[d.code]) if d.pk in openable else "",
            "procedure": d.procedure,
            "agency": d.agency.name,
            "status": d.get_status_display(),
            "channel": d.get_channel_display(),
            "received": _moment(d.received_at),
            "appointment": _moment(d.appointment_at),
            "finished": _moment(d.finished_at),
        }
        for d in dossiers
    ]
    return render(
        request,
        "reports/drill.html",
        {
            "rows": rows,
            "page": page,
            "count": paginator.count,
            "indicator": params["indicator"],
            "label": DRILL_LABELS.get(params["indicator"], params["indicator"]),
            "first": period.first.strftime("%d/%m/%Y"),
            "last": period.last.strftime("%d/%m/%Y"),
            "previous": _with(request, page=page.previous_page_number())
            if page.has_previous()
            else "",
            "next": _with(request, page=page.next_page_number()) if page.has_next() else "",
            "csv": _with(request),
            "back": back,
        },
    )


@login_required
@require_GET
@refusing
def drill_csv(request):
    """The same list as CSV (up to 100,000 rows), with a BOM so Excel reads Vietnamese."""
    params = _validated(request, DrillInput)
    qs = _behind(request, params)[1]
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([str(h) for h in CSV_HEADER])
    statuses, channels = dict(Status.choices), dict(Channel.choices)
    for d in qs[:EXPORT_LIMIT].iterator(chunk_size=2000):
        writer.writerow(
            [
                d.code,
                d.procedure.code,
                d.procedure.name,
                d.agency.name,
                str(statuses.get(d.status, d.status)),
                str(channels.get(d.channel, d.channel)),
                _moment(d.received_at),
                _moment(d.appointment_at),
                _moment(d.finished_at),
            ]
        )
    response = HttpResponse(out.getvalue().encode(), content_type="text/csv; charset=utf-8")
    name = f"dossiers-{params['indicator']}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


II06A_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def ii06a_response(form: form_ii06a.Form, extension: str) -> HttpResponse:
    body = form_ii06a.pdf(form) if extension == "pdf" else form_ii06a.xlsx(form)
    response = HttpResponse(body, content_type=II06A_TYPES[extension])
    response["Content-Disposition"] = f'attachment; filename="{form.filename(extension)}"'
    return response


@login_required
@require_GET
@refusing
def ii06a(request, extension: str):
    """Biểu II.06a of the dashboard's period and scope, as a PDF or a workbook."""
    params = _validated(request, PeriodInput)
    scope = _scope(request, params)
    return ii06a_response(form_ii06a.build(scope, params["period"]), extension)


def ii06a_pdf(request):
    return ii06a(request, "pdf")


def ii06a_xlsx(request):
    return ii06a(request, "xlsx")
