"""REST API of the unit registry: /api/v1/units/ and /api/v1/agencies/."""

import django_filters
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from units import selectors
from units.models import Agency, AgencyKind, Unit, UnitLevel, UnitType


class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["code", "name", "type"]


class UnitSerializer(serializers.ModelSerializer):
    parent = UnitRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Unit
        fields = ["code", "name", "type", "level", "parent", "valid_from", "valid_to"]


class AgencyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["identifier", "name", "kind", "address", "phone", "email"]


class UnitDetailSerializer(UnitSerializer):
    agencies = serializers.SerializerMethodField()
    successors = UnitRefSerializer(many=True, read_only=True)
    predecessors = UnitRefSerializer(many=True, read_only=True)

    class Meta(UnitSerializer.Meta):
        fields = [*UnitSerializer.Meta.fields, "agencies", "successors", "predecessors"]

    def get_agencies(self, unit) -> list[dict]:
        return AgencyRefSerializer(selectors.unit_agencies(unit=unit), many=True).data


class AgencySerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer(read_only=True)

    class Meta:
        model = Agency
        fields = ["identifier", "name", "kind", "unit", "address", "phone", "email"]


def province_code_filter() -> django_filters.CharFilter:
    return django_filters.CharFilter(
        method="noop",
        validators=[RegexValidator(r"^\d{2}$", _("A province code has 2 digits, e.g. 68."))],
    )


class UnitFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=UnitLevel.choices, method="noop")
    parent = province_code_filter()
    type = django_filters.ChoiceFilter(choices=UnitType.choices, method="noop")
    search = django_filters.CharFilter(method="noop", max_length=100)

    def noop(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        return selectors.unit_list(
            level=data.get("level") or None,
            parent=data.get("parent") or None,
            type=data.get("type") or None,
            search=data.get("search") or None,
        )


class AgencyFilter(django_filters.FilterSet):
    unit = django_filters.CharFilter(
        method="noop",
        validators=[RegexValidator(r"^(\d{2}|\d{5})$", _("A unit code has 2 or 5 digits."))],
    )
    province = province_code_filter()
    kind = django_filters.ChoiceFilter(choices=AgencyKind.choices, method="noop")
    search = django_filters.CharFilter(method="noop", max_length=100)

    def noop(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        return selectors.agency_list(
            unit=data.get("unit") or None,
            province=data.get("province") or None,
            kind=data.get("kind") or None,
            search=data.get("search") or None,
        )


# Empty is accepted, as no filter (django-filter's reading).
PROVINCE_CODE = {"type": "string", "pattern": r"^(\d{2})?$"}
SEARCH = OpenApiParameter("search", {"type": "string", "maxLength": 100})


@extend_schema_view(
    list=extend_schema(
        summary="Provinces and communes (and former districts with level=former_district)",
        parameters=[
            OpenApiParameter("parent", PROVINCE_CODE, description="2-digit province code"),
            SEARCH,
        ],
    ),
    retrieve=extend_schema(summary="One unit by its official code, with its agencies"),
)
class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Unit.objects.none()
    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    lookup_field = "code"
    lookup_value_regex = r"\d{2,5}"

    def get_queryset(self):
        if self.action == "retrieve":
            return Unit.objects.select_related("parent").prefetch_related(
                "successors", "predecessors"
            )
        return selectors.unit_list()

    def get_serializer_class(self):
        return UnitDetailSerializer if self.action == "retrieve" else UnitSerializer


@extend_schema_view(
    list=extend_schema(
        summary="Agencies (departments, service centres, commune committees)",
        parameters=[
            OpenApiParameter(
                "unit",
                {"type": "string", "pattern": r"^(\d{2}|\d{5})?$"},
                description="2-digit province or 5-digit commune code",
            ),
            OpenApiParameter("province", PROVINCE_CODE, description="2-digit province code"),
            SEARCH,
        ],
    ),
    retrieve=extend_schema(summary="One agency by its electronic identifier"),
)
class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Agency.objects.none()
    serializer_class = AgencySerializer
    filterset_class = AgencyFilter
    lookup_field = "identifier"
    lookup_value_regex = r"[0-9A-Z.]+"

    def get_queryset(self):
        if self.action == "retrieve":
            return Agency.objects.select_related("unit")
        return selectors.agency_list()
