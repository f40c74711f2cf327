"""``GET /api/v1/reports/self-check/``: the processing-progress score recomputed from what the
national portal holds, beside ours, and the dossiers that differ (``reports.selfcheck``).

Same scope rules as every report (``selectors.report_scope``: 403 outside it, 404 for an
unknown province); 503 with a ``detail`` when the portal cannot be read, never a 500.
"""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from reports import selfcheck
from reports.api import PERIOD_PARAMETERS, PeriodInput, ReportView

PERIOD_NAMES = ("year", "quarter", "month", "from", "to", "date_from", "date_to")


def period_data(query) -> dict:
    """The query with the current month as the period when none is given: a self-check lists
    dossiers one by one, so it starts from a month, not from the dashboard's year."""
    data = query.copy()
    if not any(data.get(name) for name in PERIOD_NAMES):
        today = dt.date.today()
        data["year"], data["month"] = str(today.year), str(today.month)
    return data


class FiguresSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    early = serializers.IntegerField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    in_progress_late = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="early/on time, % of received")
    score = serializers.FloatField(allow_null=True, help_text="points of processing progress")


class ReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=[
            "missing",
            "not_counted_here",
            "status",
            "received_at",
            "end_at",
            "deadline",
            "supplements",
            "counted",
        ]
    )
    ours = serializers.JSONField(allow_null=True)
    portal = serializers.JSONField(allow_null=True)
    message = serializers.CharField()


class DifferenceSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="the dossier's code")
    ours_class = serializers.CharField(allow_null=True)
    portal_class = serializers.CharField(allow_null=True)
    reasons = ReasonSerializer(many=True)


class SelfCheckSerializer(serializers.Serializer):
    province = serializers.CharField()
    period = inline_serializer("SelfCheckPeriod", {"from": serializers.DateField(),
                                                   "to": serializers.DateField()})  # fmt: skip
    checked_at = serializers.DateTimeField()
    points = serializers.FloatField()
    ours = FiguresSerializer()
    portal = FiguresSerializer()
    score_difference = serializers.FloatField(
        allow_null=True, help_text="our score minus the portal's"
    )
    differences = DifferenceSerializer(many=True)


def as_json(check: selfcheck.SelfCheck) -> dict:
    def side(figures: selfcheck.Figures) -> dict:
        return {**figures.counts, "rate": figures.rate, "score": figures.score}

    return {
        "province": check.scope.province,
        "period": {"from": check.period.first, "to": check.period.last},
        "checked_at": check.checked_at,
        "points": check.points,
        "ours": side(check.ours),
        "portal": side(check.portal),
        "score_difference": check.score_difference,
        "differences": [
            {
                "code": d.code,
                "ours_class": d.ours_class,
                "portal_class": d.portal_class,
                "reasons": [r.__dict__ for r in d.reasons],
            }
            for d in check.differences
        ],
    }


ERROR = inline_serializer("SelfCheckError", {"detail": serializers.CharField()})
UNAVAILABLE = inline_serializer(
    "SelfCheckUnavailable",
    {"detail": serializers.CharField(), "error": serializers.CharField(help_text="technical")},
)


class SelfCheckView(ReportView):
    """Processing progress recomputed from the national portal's records and compared with
    ours, for a province (or the caller's agencies) and a period (default: this month)."""

    renderer_classes = [JSONRenderer]

    @extend_schema(
        parameters=PERIOD_PARAMETERS,
        responses={200: SelfCheckSerializer, 403: ERROR, 404: ERROR, 503: UNAVAILABLE},
    )
    def get(self, request):
        form = PeriodInput(data=period_data(request.query_params).dict())
        form.is_valid(raise_exception=True)
        params = form.validated_data
        scope = self.scope(request, params)
        try:
            check = selfcheck.run(scope, params["period"])
        except selfcheck.TooManyDossiers as exc:
            raise exceptions.ValidationError({"to": [exc.message]}) from exc
        except selfcheck.PortalUnavailable as exc:
            return Response(
                {"detail": exc.message, "error": exc.error},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response(SelfCheckSerializer(as_json(check)).data)
