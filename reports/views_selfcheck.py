"""The self-check page (/reports/self-check/): our processing-progress score beside the one
recomputed from what the national portal holds, and the dossiers that make them differ.

Thin like the dashboard: parse the period, ``selectors.report_scope`` (same rules: 403 with
nothing shown outside it), ``selfcheck.run``, render. A portal that cannot be read gives a
message (503), never a 500.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports import selectors, selfcheck
from reports.api import PeriodInput
from reports.api_selfcheck import period_data
from reports.views import number
from units.models import Unit

LABELS = {
    "received": _("Received and processed"),
    "early": _("Early"),
    "on_time": _("On time"),
    "late": _("Late"),
    "in_progress": _("In progress, on time"),
    "in_progress_late": _("In progress, overdue"),
    "rate": _("Early or on time (%)"),
    "score": _("Processing progress score"),
}


def _row(key: str, ours, theirs) -> dict:
    gap = None if ours is None or theirs is None else ours - theirs
    return {
        "key": key,
        "label": LABELS[key],
        "ours": number(ours),
        "portal": number(theirs),
        "gap": number(gap),
        "differs": ours != theirs,
    }


def _rows(check: selfcheck.SelfCheck) -> list[dict]:
    """One row per figure: ours, the portal's and the gap (ours - portal)."""
    rows = [
        _row(key, check.ours.counts[key], check.portal.counts[key])
        for key in selfcheck.PROGRESS_KEYS
    ]
    rows += [
        _row(key, getattr(check.ours, key), getattr(check.portal, key)) for key in ("rate", "score")
    ]
    return rows


@login_required
def self_check(request):
    """Province administrators and agency staff with reports: the self-check of a period."""
    form = PeriodInput(data=period_data(request.GET))
    valid = form.is_valid()
    # A period not understood: the user's own scope, to say so on the page (nothing is read).
    province = form.validated_data.get("province") if valid else None
    try:
        scope = selectors.report_scope(request.user, province)
    except PermissionDenied:
        return render(request, "reports/forbidden.html", status=403)
    context = {"scope": scope, "province": Unit.objects.filter(code=scope.province).first()}
    if not valid:
        context["error"] = "period"
        return render(request, "reports/self_check.html", context, status=400)
    period = form.validated_data["period"]
    context.update(
        first=period.first.strftime("%d/%m/%Y"),
        last=period.last.strftime("%d/%m/%Y"),
    )
    try:
        check = selfcheck.run(scope, period)
    except selfcheck.SelfCheckError as exc:
        unavailable = isinstance(exc, selfcheck.PortalUnavailable)
        context.update(error="portal" if unavailable else "too_many", message=exc.message)
        return render(
            request, "reports/self_check.html", context, status=503 if unavailable else 400
        )
    context.update(
        check=check,
        rows=_rows(check),
        gap=number(check.score_difference),
        checked_at=timezone.localtime(check.checked_at).strftime("%H:%M %d/%m/%Y"),
        differences=check.differences,
    )
    return render(request, "reports/self_check.html", context)
