"""REST API of the catalogue and of reassignments (/api/v1/procedures/, /api/v1/reassignments/)."""

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from portal.schema import ERROR
from procedures import selectors, services
from procedures.errors import CatalogueError
from procedures.models import (
    Field,
    Level,
    OnlineLevel,
    Procedure,
    ReassignmentBatch,
)
from procedures.services.reassignment import batch_progress
from units.models import Agency, Unit, UnitLevel
from units.selectors import provinces_administered_by, user_administers_province

PROVINCE_CODE = {"type": "string", "pattern": r"^\d{2}$"}
# A filter left empty is no filter (django-filter's reading).
PROVINCE_FILTER = {"type": "string", "pattern": r"^(\d{2})?$"}


def raise_validation(exc: CatalogueError):
    raise ValidationError({exc.field or "non_field_errors": [str(exc)]}, code=exc.code)


class FeeSerializer(serializers.Serializer):
    name = serializers.CharField()
    amount = serializers.IntegerField()
    note = serializers.CharField()


class ChannelSerializer(serializers.Serializer):
    kind = serializers.CharField()
    processing_time = serializers.DecimalField(max_digits=6, decimal_places=1)
    time_unit = serializers.CharField()
    fees = FeeSerializer(many=True, source="fees.all")


class ComponentSerializer(serializers.Serializer):
    name = serializers.CharField()
    originals = serializers.IntegerField()
    copies = serializers.IntegerField()
    form_name = serializers.CharField()


class CaseSerializer(serializers.Serializer):
    name = serializers.CharField()
    components = ComponentSerializer(many=True, source="components.all")


class WorkflowStepSerializer(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.CharField()
    budget_hours = serializers.DecimalField(max_digits=6, decimal_places=1)


class ProcedureListSerializer(serializers.ModelSerializer):
    field = serializers.CharField(source="field.name")

    class Meta:
        model = Procedure
        fields = ["code", "name", "field", "levels", "online_level", "former_level"]


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    subject_types = serializers.ListField()
    written_result_required = serializers.BooleanField()
    same_day_cutoff = serializers.BooleanField()
    requirements = serializers.CharField()
    results = serializers.CharField()
    legal_basis = serializers.CharField()
    publishing_decision = serializers.CharField()
    competent_agency = serializers.CharField()
    steps = serializers.ListField()
    channels = ChannelSerializer(many=True, source="channels.all")
    cases = CaseSerializer(many=True, source="cases.all")
    workflow = WorkflowStepSerializer(many=True, source="workflow.all")


class ProcedureDetailSerializer(ProcedureListSerializer):
    version = VersionSerializer(source="current_version")
    assignments = serializers.SerializerMethodField()

    class Meta(ProcedureListSerializer.Meta):
        fields = [*ProcedureListSerializer.Meta.fields, "version", "assignments"]

    def get_assignments(self, procedure) -> list[dict]:
        return [
            {
                "level": a.level,
                "scope": a.scope_id,
                "agency": a.agency.identifier if a.agency else None,
                "valid_from": a.valid_from,
                "valid_to": a.valid_to,
            }
            for a in selectors.assignments_on(procedure=procedure, on=timezone.localdate())
        ]


class ProcedureFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="noop", max_length=200)
    field = django_filters.ModelChoiceFilter(queryset=Field.objects.all(), method="noop")
    level = django_filters.ChoiceFilter(choices=Level.choices, method="noop")
    online_level = django_filters.ChoiceFilter(choices=OnlineLevel.choices, method="noop")
    agency = django_filters.CharFilter(method="noop", max_length=13)
    province = django_filters.CharFilter(method="noop", max_length=2)

    def noop(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        agency = None
        if data.get("agency"):
            agency = Agency.objects.select_related("unit").filter(identifier=data["agency"]).first()
            if agency is None:
                raise ValidationError({"agency": [_("No agency has this identifier.")]})
        province = data.get("province") or None
        if province and not Unit.objects.filter(code=province, level=UnitLevel.PROVINCE).exists():
            raise ValidationError({"province": [_("No province has this code.")]})
        return selectors.procedure_search(
            query=data.get("search") or "",
            field=data["field"].pk if data.get("field") else None,
            level=data.get("level") or None,
            online_level=data.get("online_level") or None,
            agency=agency,
            province=province,
        )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("search", {"type": "string", "maxLength": 200}),
            OpenApiParameter(
                "agency",
                {"type": "string", "maxLength": 13, "pattern": r"^[0-9A-Z.]*$"},
                description="an agency's electronic identifier (400 if none has it)",
            ),
            OpenApiParameter(
                "province", PROVINCE_FILTER, description="2-digit province code (400 if unknown)"
            ),
            OpenApiParameter("field", {"type": "integer"}, description="a field's id"),
        ]
    )
)
class ProcedureViewSet(viewsets.ReadOnlyModelViewSet):
    """The public catalogue; ``search`` ranks by relevance, typed with or without accents."""

    queryset = Procedure.objects.none()
    filterset_class = ProcedureFilter
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z.]+"

    def get_queryset(self):
        if self.action == "retrieve":
            return (
                Procedure.objects.filter(current_version__isnull=False)
                .select_related("field", "current_version")
                .prefetch_related(
                    "current_version__channels__fees",
                    "current_version__cases__components",
                    "current_version__workflow",
                )
            )
        return selectors.procedure_search()

    def get_serializer_class(self):
        return ProcedureDetailSerializer if self.action == "retrieve" else ProcedureListSerializer


# --- Reassignment --------------------------------------------------------------------------------


class IsProvinceAdministrator(permissions.BasePermission):
    message = _("Only a province administrator may do this.")

    def has_permission(self, request, view):
        return provinces_administered_by(request.user).exists()


class ReassignmentInputSerializer(serializers.Serializer):
    province = serializers.SlugRelatedField(
        slug_field="code", queryset=Unit.objects.filter(level=UnitLevel.PROVINCE)
    )
    procedures = serializers.SlugRelatedField(
        slug_field="code", queryset=Procedure.objects.all(), many=True, allow_empty=False
    )
    target = serializers.ChoiceField(choices=ReassignmentBatch.Target.choices)
    target_agency = serializers.SlugRelatedField(
        slug_field="identifier", queryset=Agency.objects.all(), required=False, allow_null=True
    )
    target_communes = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Unit.objects.filter(level=UnitLevel.COMMUNE),
        many=True,
        required=False,
    )
    effective_on = serializers.DateField()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class RevertSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class BatchSerializer(serializers.ModelSerializer):
    province = serializers.CharField(source="province_id")
    procedures = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    progress = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username")

    class Meta:
        model = ReassignmentBatch
        fields = [
            "id",
            "province",
            "procedures",
            "target",
            "effective_on",
            "reason",
            "status",
            "created_by",
            "created_at",
            "applied_at",
            "reverted_at",
            "progress",
            "summary",
            "error",
        ]

    def get_progress(self, batch) -> dict:
        done, total = batch_progress(batch)
        return {"done": done, "total": total}


def preview_payload(preview) -> dict:
    return {
        "province": preview.province.code,
        "effective_on": preview.effective_on,
        "procedures": [{"code": p.code, "name": p.name} for p in preview.procedures],
        "target": preview.target,
        "target_agencies": [a.identifier for a in preview.target_agencies],
        "commune_count": preview.commune_count,
        "assignments_to_close": preview.assignments_to_close,
        "assignments_to_create": preview.assignments_to_create,
        "dossiers_by_commune": preview.dossiers_by_commune,
        "dossier_count": preview.dossier_count,
    }


class ReassignmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Move former district-level procedures to communes or the province (administrators)."""

    serializer_class = BatchSerializer
    permission_classes = [permissions.IsAuthenticated, IsProvinceAdministrator]

    def get_queryset(self):
        return (
            ReassignmentBatch.objects.filter(
                province__in=provinces_administered_by(self.request.user)
            )
            .select_related("created_by")
            .prefetch_related("procedures")
        )

    def _input(self, request):
        data = ReassignmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if not user_administers_province(request.user, values["province"].code):
            raise PermissionDenied(_("You do not administer this province."))
        return values

    @staticmethod
    def _arguments(values) -> dict:
        return {
            "province": values["province"],
            "procedure_ids": [p.pk for p in values["procedures"]],
            "target": values["target"],
            "target_agency": values.get("target_agency"),
            "target_communes": values.get("target_communes") or [],
            "effective_on": values["effective_on"],
        }

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("province", PROVINCE_CODE, required=True)],
        responses={
            200: inline_serializer(
                "FormerDistrictReport",
                {
                    "province": serializers.CharField(),
                    "on": serializers.DateField(),
                    "remaining": serializers.IntegerField(),
                    "total": serializers.IntegerField(),
                    "procedures": serializers.ListField(child=serializers.DictField()),
                },
            ),
            404: OpenApiResponse(ERROR, description="No province has this code."),
        },
    )
    @action(detail=False, methods=["get"])
    def report(self, request):
        """N of M procedures of a province are still assigned to the former district level."""
        code = request.query_params.get("province", "")
        province = get_object_or_404(Unit, code=code, level=UnitLevel.PROVINCE)
        if not user_administers_province(request.user, code):
            raise PermissionDenied(_("You do not administer this province."))
        report = selectors.former_district_report(province=province, on=timezone.localdate())
        return Response(
            {
                "province": province.code,
                "on": report.on,
                "remaining": len(report.remaining),
                "total": report.total,
                "procedures": [{"code": p.code, "name": p.name} for p in report.remaining],
            }
        )

    @extend_schema(request=ReassignmentInputSerializer, responses={200: dict})
    @action(detail=False, methods=["post"])
    def preview(self, request):
        values = self._input(request)
        try:
            preview = services.reassignment_preview(**self._arguments(values))
        except CatalogueError as exc:
            raise_validation(exc)
        return Response(preview_payload(preview))

    @extend_schema(request=ReassignmentInputSerializer, responses={201: BatchSerializer})
    def create(self, request):
        values = self._input(request)
        try:
            batch = services.reassignment_commit(
                **self._arguments(values), reason=values.get("reason", ""), actor=request.user
            )
        except CatalogueError as exc:
            raise_validation(exc)
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RevertSerializer, responses={200: BatchSerializer})
    @action(detail=True, methods=["post"])
    def revert(self, request, pk=None):
        batch = self.get_object()
        data = RevertSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            batch = services.reassignment_revert(
                batch=batch, actor=request.user, reason=data.validated_data["reason"]
            )
        except CatalogueError as exc:
            raise_validation(exc)
        return Response(BatchSerializer(batch).data)
