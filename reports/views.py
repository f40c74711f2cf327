"""Report pages: the dashboard of province administrators and leaders (/reports/) and the
public statistics of a province (/statistics/). Thin: parse, one selector, render. The
dossiers behind a number and Biểu II.06a are in ``views_drill``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from reports import selectors
from reports.api import PeriodInput
from units.models import Unit, UnitLevel
from units.selectors import memberships_of

GROUP_LABELS = {
    "transparency": _("Transparency"),
    "progress": _("Processing progress"),
    "online": _("Online services"),
    "digitisation": _("Digitisation"),
    "satisfaction": _("Satisfaction"),
    "payment": _("Online payment"),
}
INDICATOR_LABELS = {
    "published_on_time": _("Procedures published on time"),
    "made_public_on_time": _("Procedures made public on time"),
    "published_complete": _("Procedures published with all required parts"),
    "synced": _("Dossiers synced to the national portal"),
    "progress": _("Dossiers resolved or in progress on time"),
    "full_process": _("Full-process online dossiers"),
    "result_electronic": _("Electronic results issued"),
    "components_digitised": _("Documents digitised"),
    "certified_copies": _("Electronic certified copies"),
    "reused_data": _("Digitised data reused"),
    "data_store": _("National data store used"),
    "population_data_dossiers": _("Population data used (dossiers)"),
    "population_data_procedures": _("Population data used (procedures)"),
    "feedback_on_time": _("Feedback handled on time"),
    "feedback_satisfaction": _("Feedback satisfaction"),
    "dossier_satisfaction": _("Dossier satisfaction"),
    "online_payment": _("Dossiers paid online"),
}
# Received dossiers by class under the national rule (the breakdown chart and its table).
BREAKDOWN = (
    ("early", _("Early")),
    ("on_time", _("On time")),
    ("late", _("Late")),
    ("in_progress", _("In progress, on time")),
    ("in_progress_late", _("In progress, overdue")),
)
# The drill-down behind each indicator: the dossiers that keep it from full points.
DRILL_OF = {
    "progress": "overdue",
    "dossier_satisfaction": "overdue",
    "full_process": "not_full_process",
    "online_payment": "not_paid_online",
    "synced": "not_synced",
}


def number(value) -> str:
    """Vietnamese number: dots for thousands, a comma for decimals (1.234,56)."""
    if value is None:
        return "—"
    text = f"{value:,.2f}" if isinstance(value, Decimal | float) else f"{value:,}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _period(request):
    # An empty field (a select left on "choose") is not given, rather than wrong.
    form = PeriodInput(data={name: value for name, value in request.GET.items() if value != ""})
    if not form.is_valid():
        return selectors.Period.year(dt.date.today().year), form.errors, {}
    return form.validated_data["period"], {}, form.validated_data


def _indicator_rows(row, drill_query: str) -> list[dict]:
    out = []
    for group in row.index:
        for item in group.indicators:
            drill = DRILL_OF.get(item.indicator)
            out.append(
                {
                    "group": GROUP_LABELS.get(group.group, group.group),
                    "name": INDICATOR_LABELS.get(item.indicator, item.indicator),
                    "points": number(item.points),
                    "rate": number(item.rate) if item.has_data else None,
                    "score": number(item.score) if item.has_data else None,
                    "missing": number(item.missing_points),
                    "needed": number(item.needed) if item.needed else "",
                    "satisfaction": item.indicator == "dossier_satisfaction",
                    "full_at": number(item.full_at) if item.full_at else "",
                    "drill": _drill_url(drill_query, indicator=drill)
                    if drill and item.needed
                    else "",
                }
            )
    return out


def _drill_url(query: str, **params) -> str:
    """The page of the dossiers behind a number: the dashboard's period and scope plus
    ``params`` (the indicator, and a commune or agency)."""
    return f"{reverse('reports-drill')}?{query}&{urlencode(params)}"


def _unit_rows(rows, drill_query: str, key_param: str) -> list[dict]:
    out = []
    for r in rows:
        key = {key_param: r.key}
        out.append(
            {
                "rank": r.rank,
                "name": r.label,
                "received": number(r.totals.get("received", 0)),
                "on_time": number(r.rates["on_time"]),
                "operational": number(r.operational["on_time_rate"]),
                "online": number(r.rates["online"]),
                "satisfaction": number(r.rates["satisfaction"]),
                "score": number(r.index_total),
                "drill_received": _drill_url(drill_query, indicator="received", **key),
                "drill_online": _drill_url(drill_query, indicator="online", **key),
                "drill_dissatisfied": _drill_url(drill_query, indicator="dissatisfied", **key),
                "drill": _drill_url(drill_query, indicator="overdue", **key),
            }
        )
    return out


def _breakdown(row, drill_query: str) -> list[dict]:
    """Received dossiers by class under the national rule, each with its dossiers."""
    return [
        {
            "key": klass,
            "name": label,
            "value": int(row.totals.get(klass, 0)),
            "shown": number(int(row.totals.get(klass, 0))),
            "drill": _drill_url(drill_query, indicator=klass),
        }
        for klass, label in BREAKDOWN
    ]


def _trend(scope, period) -> list[dict]:
    return [
        {
            "month": m["month"].strftime("%m/%Y"),
            "received": m["received"],
            "shown_received": number(m["received"]),
            "rate": m["on_time_rate"],
            "shown_rate": number(m["on_time_rate"]),
        }
        for m in selectors.monthly(scope, period)
    ]


def _charts(whole, breakdown: list[dict], trend: list[dict]) -> dict:
    """The figures the charts draw (reports.js), the same as the tables beside them."""
    return {
        "groups": {
            "labels": [str(GROUP_LABELS.get(g.group, g.group)) for g in whole.index],
            "score": [float(g.score) for g in whole.index],
            "points": [float(g.points) for g in whole.index],
            "score_label": str(_("Score")),
            "points_label": str(_("Points")),
        },
        "breakdown": {
            "labels": [str(b["name"]) for b in breakdown],
            "values": [b["value"] for b in breakdown],
            "label": str(_("Dossiers")),
        },
        "trend": {
            "labels": [t["month"] for t in trend],
            "received": [t["received"] for t in trend],
            "on_time_rate": [None if t["rate"] is None else float(t["rate"]) for t in trend],
            "received_label": str(_("Received")),
            "rate_label": str(_("On time (%)")),
        },
    }


@login_required
def dashboard(request):
    """Province administrators and leaders: the index, and communes and agencies ranked."""
    period, errors, params = _period(request)
    try:
        scope = selectors.report_scope(request.user, params.get("province"))
    except PermissionDenied:
        return render(request, "reports/forbidden.html", status=403)
    whole = selectors.report(scope, period, None)[0]
    query = urlencode(
        {
            "province": scope.province,
            "from": period.first.isoformat(),
            "to": period.last.isoformat(),
        }
    )
    breakdown = _breakdown(whole, query)
    trend = _trend(scope, period)
    operational_drill = {
        name: _drill_url(query, indicator=indicator)
        for name, indicator in (
            ("received", "received"),
            ("late_resolved", "late"),
            ("late_in_progress", "in_progress_late"),
        )
    }
    context = {
        "errors": errors,
        "breakdown": breakdown,
        "received": number(int(whole.totals.get("received", 0))),
        "received_drill": _drill_url(query, indicator="received"),
        "trend": trend,
        "charts": _charts(whole, breakdown, trend),
        "operational_drill": operational_drill,
        "scope": scope,
        "province": Unit.objects.filter(code=scope.province).first(),
        "first": period.first.strftime("%d/%m/%Y"),
        "last": period.last.strftime("%d/%m/%Y"),
        # The form shows the period the page reports on, whatever chose it (year, quarter…).
        "date_from": period.first.isoformat(),
        "date_to": period.last.isoformat(),
        "total": number(whole.index_total),
        "groups": [
            {
                "name": GROUP_LABELS.get(g.group, g.group),
                "points": number(g.points),
                "score": number(g.score),
                "scored_points": number(g.scored_points),
            }
            for g in whole.index
        ],
        "indicators": _indicator_rows(whole, query),
        "operational": {k: number(v) for k, v in whole.operational.items()},
        "communes": _unit_rows(selectors.ranking(scope, period, "commune"), query, "commune"),
        "agencies": _unit_rows(selectors.ranking(scope, period, "agency"), query, "agency"),
        "query": query,
    }
    return render(request, "reports/dashboard.html", context)


# The province last shown on /statistics/, so the next visit opens on it.
STATISTICS_COOKIE = "statistics_province"


def _own_province(user) -> str | None:
    """The province a signed-in staff member works in (the first by code if several)."""
    if not user.is_authenticated:
        return None
    codes = {
        m.agency.unit.code if m.agency.unit.level == UnitLevel.PROVINCE else m.agency.unit.parent_id
        for m in memberships_of(user=user)
    }
    return min((c for c in codes if c), default=None)


def _statistics_province(request, params: dict, known: set[str]) -> str | None:
    """The asked province; else the staff member's own; else the one chosen last; else none
    (the page asks to choose one, never shows an arbitrary province)."""
    for code in (
        params.get("province"),
        _own_province(request.user),
        request.COOKIES.get(STATISTICS_COOKIE),
    ):
        if code in known:
            return code
    return None


def statistics(request):
    """Published statistics of a province: aggregates only, no dossier, no person."""
    period, errors, params = _period(request)
    provinces = list(
        Unit.objects.filter(level=UnitLevel.PROVINCE).order_by("name").values_list("code", "name")
    )
    code = _statistics_province(request, params, {c for c, _name in provinces})
    row = None
    if code:
        scope = selectors.public_scope(code)
        row = selectors.report(scope, period, None)[0]
    response = render(
        request,
        "reports/statistics.html",
        {
            "errors": errors,
            "provinces": provinces,
            "code": code,
            "year": params.get("year") or period.first.year,
            "first": period.first.strftime("%d/%m/%Y"),
            "last": period.last.strftime("%d/%m/%Y"),
            "figures": None
            if row is None
            else {
                "received": number(row.totals.get("received", 0)),
                "on_time": number(row.rates["on_time"]),
                "operational": number(row.operational["on_time_rate"]),
                "online": number(row.rates["online"]),
                "full_process": number(row.rates["full_process"]),
                "digitised": number(row.rates["digitised"]),
                "satisfaction": number(row.rates["satisfaction"]),
                "paid_online": number(row.rates["paid_online"]),
                "score": number(row.index_total),
            },
        },
    )
    if params.get("province") == code and code:
        response.set_cookie(
            STATISTICS_COOKIE,
            code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure(),
        )
    return response
