"""The reports API (/api/v1/reports/…): indicators, the index, rankings, the dossiers behind a
number, and the public statistics. Every view answers JSON, ``?format=csv`` and
``?format=xlsx``; who sees what is ``selectors.report_scope``."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from reports import selectors
from reports.rollups import COUNTERS
from reports.selectors import GROUP_BY, Period

EXPORT_LIMIT = 100_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _table(data) -> list[dict]:
    rows = data.get("results", []) if isinstance(data, dict) else data
    return [r for r in rows if isinstance(r, dict)]


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows = _table(data)
        out = io.StringIO()
        out.write("\ufeff")  # Excel opens UTF-8 Vietnamese only with a BOM
        if rows:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows({k: _plain(v) for k, v in row.items()} for row in rows)
        elif isinstance(data, dict) and "detail" in data:
            out.write(str(data["detail"]))
        return out.getvalue().encode()


class XLSXRenderer(BaseRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        from openpyxl import Workbook

        rows = _table(data)
        book = Workbook(write_only=True)
        sheet = book.create_sheet("report")
        if rows:
            sheet.append(list(rows[0]))
            for row in rows:
                sheet.append([_plain(v) for v in row.values()])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


class PeriodInput(serializers.Serializer):
    province = serializers.RegexField(r"^\d{2}$", required=False)
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    quarter = serializers.IntegerField(required=False, min_value=1, max_value=4)
    month = serializers.IntegerField(required=False, min_value=1, max_value=12)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    group_by = serializers.ChoiceField(choices=list(GROUP_BY), required=False)
    level = serializers.ChoiceField(choices=["commune", "agency"], required=False)

    def to_internal_value(self, data):
        data = data.copy()
        for name in ("from", "to"):
            if name in data:
                data[f"date_{name}"] = data[name]
        return super().to_internal_value(data)

    def validate(self, attrs):
        first, last = attrs.get("date_from"), attrs.get("date_to")
        if first or last:
            if not (first and last):
                raise serializers.ValidationError({"to": _("Give both ends of the period.")})
            if last < first:
                raise serializers.ValidationError({"to": _("The period ends before it starts.")})
            for name, day in (("from", first), ("to", last)):
                # As ``year``: figures exist from 2000 on (and the national portal's time
                # format has four-digit years).
                if not 2000 <= day.year <= 2100:
                    raise serializers.ValidationError(
                        {name: _("Choose a date between the years 2000 and 2100.")}
                    )
            attrs["period"] = Period(first, last)
            return attrs
        year = attrs.get("year") or dt.date.today().year
        if attrs.get("month"):
            attrs["period"] = Period.month(year, attrs["month"])
        elif attrs.get("quarter"):
            attrs["period"] = Period.quarter(year, attrs["quarter"])
        else:
            attrs["period"] = Period.year(year)
        return attrs


def _query(name: str, schema: dict, description: str = "", **kwargs) -> OpenApiParameter:
    return OpenApiParameter(name, schema, OpenApiParameter.QUERY, description=description, **kwargs)


# The query of every report, as ``PeriodInput`` validates it (``from``/``to`` win over the
# year, quarter and month; the month over the quarter).
PERIOD_PARAMETERS = [
    _query("province", {"type": "string", "pattern": r"^\d{2}$"}, "2-digit province code"),
    _query("year", {"type": "integer", "minimum": 2000, "maximum": 2100}, "default: this year"),
    _query("quarter", {"type": "integer", "minimum": 1, "maximum": 4}),
    _query("month", {"type": "integer", "minimum": 1, "maximum": 12}),
    _query("from", {"type": "string", "format": "date"}, "with `to`: any range of days"),
    _query("to", {"type": "string", "format": "date"}, "with `from`; not before it"),
]
FORMAT = _query(
    "format", {"type": "string", "enum": ["json", "csv", "xlsx"]}, "json (default), csv or xlsx"
)
GROUP_BY = _query("group_by", {"type": "string", "enum": list(GROUP_BY)}, "default: agency")
LEVEL = _query("level", {"type": "string", "enum": ["commune", "agency"]}, "default: commune")

_PERIOD = inline_serializer(
    "ReportPeriod", {"from": serializers.DateField(), "to": serializers.DateField()}
)


def _answers(name: str, fields: dict) -> dict:
    """The report as JSON, or the same table as a CSV or XLSX file."""
    body = inline_serializer(
        name, {"province": serializers.CharField(), "period": _PERIOD, **fields}
    )
    return {
        (200, "application/json"): body,
        (200, "text/csv"): OpenApiTypes.BINARY,
        (200, XLSX): OpenApiTypes.BINARY,
    }


_ROWS = serializers.ListField(child=serializers.DictField())


def flat_row(row: selectors.Row) -> dict:
    out = {"key": row.key, "name": row.label}
    if row.rank is not None:
        out["rank"] = row.rank
    out.update({c: int(row.totals.get(c, 0)) for c in COUNTERS})
    out.update({f"rate_{k}": v for k, v in row.rates.items()})
    out.update(
        {
            "operational_carried_over": row.operational["carried_over"],
            "operational_late_in_progress": row.operational["late_in_progress"],
            "operational_on_time_rate": row.operational["on_time_rate"],
            "index_score": row.index_total,
        }
    )
    return out


class ReportView(APIView):
    renderer_classes = [JSONRenderer, CSVRenderer, XLSXRenderer]

    def perform_content_negotiation(self, request, force=False):
        # An empty ``?format=`` is not a format: 404 like any unknown one, not the default.
        if request.query_params.get("format") == "" and not force:
            raise exceptions.NotFound(_("Not found."))
        return super().perform_content_negotiation(request, force)

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        # A refusal goes out as JSON with its field messages, never as a broken file.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def params(self, request) -> dict:
        # A plain dict: an empty ``?to=`` is a bad date (400), not a field left out as in a form.
        form = PeriodInput(data=request.query_params.dict())
        form.is_valid(raise_exception=True)
        return form.validated_data

    def scope(self, request, params):
        try:
            return selectors.report_scope(request.user, params.get("province"))
        except PermissionDenied as exc:
            raise exceptions.PermissionDenied(
                _("You may not see the reports of this province.")
            ) from exc

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        fmt = getattr(request, "accepted_renderer", None)
        if fmt is not None and fmt.format in ("csv", "xlsx") and response.status_code == 200:
            name = f"{self.export_name}.{fmt.format}"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    export_name = "report"


def _period_json(period: Period) -> dict:
    return {"from": period.first.isoformat(), "to": period.last.isoformat()}


class IndicatorsView(ReportView):
    """Indicators per agency, commune, province, procedure or field over a period."""

    export_name = "indicators"

    @extend_schema(
        parameters=[*PERIOD_PARAMETERS, GROUP_BY, FORMAT],
        responses=_answers("Indicators", {"group_by": serializers.CharField(), "results": _ROWS}),
    )
    def get(self, request):
        params = self.params(request)
        scope = self.scope(request, params)
        rows = selectors.report(scope, params["period"], params.get("group_by") or "agency")
        rows.sort(key=lambda r: r.label)
        return Response(
            {
                "province": scope.province,
                "period": _period_json(params["period"]),
                "group_by": params.get("group_by") or "agency",
                "results": [flat_row(r) for r in rows],
            }
        )


def index_rows(row: selectors.Row) -> list[dict]:
    return [
        {
            "group": group.group,
            "indicator": item.indicator,
            "points": item.points,
            "full_at": item.full_at,
            "numerator": item.numerator,
            "denominator": item.denominator,
            "rate": item.rate,
            "score": item.score,
            "missing_points": item.missing_points,
            "needed_for_full": item.needed,
            "has_data": item.has_data,
        }
        for group in row.index
        for item in group.indicators
    ]


class IndexView(ReportView):
    """The national service index of a province (or of the user's agencies) for a period."""

    export_name = "index"

    @extend_schema(
        parameters=[*PERIOD_PARAMETERS, FORMAT],
        responses=_answers(
            "ServiceIndex",
            {
                "total": serializers.FloatField(),
                "groups": serializers.ListField(child=serializers.DictField()),
                "results": _ROWS,
            },
        ),
    )
    def get(self, request):
        params = self.params(request)
        scope = self.scope(request, params)
        rows = selectors.report(scope, params["period"], None)
        row = rows[0]
        return Response(
            {
                "province": scope.province,
                "period": _period_json(params["period"]),
                "total": row.index_total,
                "groups": [
                    {
                        "group": g.group,
                        "points": g.points,
                        "score": g.score,
                        "scored_points": g.scored_points,
                    }
                    for g in row.index
                ],
                "results": index_rows(row),
            }
        )


class RankingView(ReportView):
    """Communes or agencies of a province ranked by their index score."""

    export_name = "ranking"

    @extend_schema(
        parameters=[*PERIOD_PARAMETERS, LEVEL, FORMAT],
        responses=_answers("Ranking", {"level": serializers.CharField(), "results": _ROWS}),
    )
    def get(self, request):
        params = self.params(request)
        scope = self.scope(request, params)
        rows = selectors.ranking(scope, params["period"], params.get("level") or "commune")
        return Response(
            {
                "province": scope.province,
                "period": _period_json(params["period"]),
                "level": params.get("level") or "commune",
                "results": [flat_row(r) for r in rows],
            }
        )


class DrillInput(PeriodInput):
    indicator = serializers.ChoiceField(choices=list(selectors.DRILL))
    agency = serializers.IntegerField(required=False)
    commune = serializers.RegexField(r"^\d{5}$", required=False)
    procedure = serializers.IntegerField(required=False)
    field = serializers.IntegerField(required=False)


class DossiersView(ReportView):
    """The dossiers behind a number (paginated; exports up to 100,000 rows)."""

    export_name = "dossiers"

    @extend_schema(
        parameters=[
            *PERIOD_PARAMETERS,
            _query("indicator", {"type": "string", "enum": list(selectors.DRILL)}, required=True),
            _query("agency", {"type": "integer"}, "an agency's id"),
            _query("commune", {"type": "string", "pattern": r"^\d{5}$"}, "5-digit commune code"),
            _query("procedure", {"type": "integer"}, "a procedure's id"),
            _query("field", {"type": "integer"}, "a field's id"),
            _query("page", {"type": "integer", "minimum": 1}),
            _query("page_size", {"type": "integer", "minimum": 1, "maximum": 1000}),
            FORMAT,
        ],
        responses={
            (200, "application/json"): inline_serializer(
                "ReportDossiers",
                {
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": _ROWS,
                },
            ),
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XLSX): OpenApiTypes.BINARY,
        },
    )
    def get(self, request):
        form = DrillInput(data=request.query_params.dict())
        form.is_valid(raise_exception=True)
        params = form.validated_data
        scope = self.scope(request, params)
        filters = {
            f"{name}_id" if name != "commune" else "unit_id": params[name]
            for name in ("agency", "commune", "procedure", "field")
            if params.get(name) is not None
        }
        qs = selectors.dossiers_behind(
            request.user, scope, params["period"], params["indicator"], filters
        )
        if request.accepted_renderer.format in ("csv", "xlsx"):
            return Response({"results": [self.item(d) for d in qs[:EXPORT_LIMIT]]})
        from portal.api import PagePagination

        paginator = PagePagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([self.item(d) for d in page])

    @staticmethod
    def item(d) -> dict:
        # No applicant's personal data: the code leads to the dossier for those who may see it.
        return {
            "code": d.code,
            "procedure": d.procedure.code,
            "agency": d.agency.name,
            "status": d.status,
            "channel": d.channel,
            "received_at": d.received_at,
            "appointment_at": d.appointment_at,
            "finished_at": d.finished_at,
        }


class PublicStatisticsView(ReportView):
    """Published statistics: a province's aggregates, for anyone (no dossier, no person)."""

    permission_classes = [AllowAny]
    export_name = "statistics"

    @extend_schema(
        parameters=[
            _query("province", {"type": "string", "pattern": r"^\d{2}$"}, required=True),
            *PERIOD_PARAMETERS[1:],
            FORMAT,
        ],
        responses=_answers("PublicStatistics", {"results": _ROWS}),
    )
    def get(self, request):
        params = self.params(request)
        if not params.get("province"):
            raise exceptions.ValidationError({"province": [_("Choose a province.")]})
        scope = selectors.public_scope(params["province"])
        rows = selectors.report(scope, params["period"], None)
        row = flat_row(rows[0])
        row.pop("key")
        row["name"] = scope.province
        return Response(
            {"province": scope.province, "period": _period_json(params["period"]), "results": [row]}
        )


class _FileRenderer(BaseRenderer):
    """Passes a finished file through (the view renders it)."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class PDFFileRenderer(_FileRenderer):
    media_type = "application/pdf"
    format = "pdf"


class XLSXFileRenderer(_FileRenderer):
    media_type = XLSXRenderer.media_type
    format = "xlsx"


class FormII06aView(ReportView):
    """Biểu II.06a/VPCP/KSTT (Circular 01/2020/TT-VPCP) of a province or of the user's
    agencies over a period: ``?format=pdf`` or ``?format=xlsx``. Errors answer JSON."""

    renderer_classes = [PDFFileRenderer, XLSXFileRenderer]
    filename = ""

    @extend_schema(
        parameters=[
            *PERIOD_PARAMETERS,
            _query("format", {"type": "string", "enum": ["pdf", "xlsx"]}, "pdf (default) or xlsx"),
        ],
        responses={
            (200, PDFFileRenderer.media_type): OpenApiTypes.BINARY,
            (200, XLSXFileRenderer.media_type): OpenApiTypes.BINARY,
        },
    )
    def get(self, request):
        from reports import form_ii06a

        params = self.params(request)
        scope = self.scope(request, params)
        form = form_ii06a.build(scope, params["period"])
        fmt = request.accepted_renderer.format
        self.filename = form.filename(fmt)
        return Response(form_ii06a.pdf(form) if fmt == "pdf" else form_ii06a.xlsx(form))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200 and self.filename:
            response["Content-Disposition"] = f'attachment; filename="{self.filename}"'
        return response
