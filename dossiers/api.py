"""REST API for citizens' dossiers: one-shot submission and their own dossiers.

``POST /api/v1/dossiers/`` takes the form's fields and, as multipart, one file per required
document component (field ``component_<id>``): the same services as the pages, so the same
checks and the same field-level errors (400), never a half-made dossier.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from dossiers.errors import DossierError
from dossiers.models import Dossier, ResultDelivery
from dossiers.selectors import dossiers_of_applicant
from dossiers.submission import dossier_submit_online
from procedures.models import Procedure


class IsCitizen(permissions.BasePermission):
    message = _("Sign in with your electronic identity first.")

    def has_permission(self, request, view):
        return request.user.is_authenticated and hasattr(request.user, "citizen_profile")


class SubmissionSerializer(serializers.Serializer):
    procedure = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Procedure.objects.filter(current_version__isnull=False).select_related(
            "current_version"
        ),
    )
    case = serializers.IntegerField(required=False)
    applicant_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    applicant_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    applicant_email = serializers.EmailField(required=False, allow_blank=True)
    applicant_address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    applicant_commune = serializers.RegexField(r"^\d{5}$", max_length=5)
    reception_agency = serializers.CharField(max_length=13, required=False, allow_blank=True)
    result_delivery = serializers.ChoiceField(choices=ResultDelivery.choices, required=False)


class DossierSerializer(serializers.ModelSerializer):
    procedure = serializers.CharField(source="procedure.code")
    agency = serializers.CharField(source="agency.identifier")
    reception_agency = serializers.CharField(source="reception_agency.identifier")
    status_name = serializers.CharField(source="get_status_display")

    class Meta:
        model = Dossier
        fields = [
            "code",
            "procedure",
            "status",
            "status_name",
            "channel",
            "agency",
            "reception_agency",
            "applicant_name",
            "submitted_at",
            "received_at",
            "appointment_at",
            "finished_at",
            "returned_at",
        ]


class DossierViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A citizen's own dossiers, and online submission."""

    queryset = Dossier.objects.none()  # for the schema; requests use get_queryset()
    serializer_class = DossierSerializer
    permission_classes = [IsCitizen]
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Z.]+-\d{6}-\d{4,}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Dossier.objects.none()
        return dossiers_of_applicant(self.request.user)

    @extend_schema(request=SubmissionSerializer, responses={201: DossierSerializer})
    def create(self, request):
        data = SubmissionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: str(v) for k, v in data.validated_data.items() if k != "procedure"}
        procedure = data.validated_data["procedure"]
        files = {}
        for key, upload in request.FILES.items():
            component_id = key.removeprefix("component_")
            if key == component_id or not component_id.isdigit():
                raise ValidationError({key: [_("Name files component_<id>.")]})
            files[int(component_id)] = upload
        try:
            dossier = dossier_submit_online(
                applicant=request.user, procedure=procedure, data=values, files=files
            )
        except DossierError as exc:
            raise ValidationError(
                exc.errors or {"non_field_errors": [str(exc.message)]}, code=exc.code
            ) from exc
        return Response(DossierSerializer(dossier).data, status=status.HTTP_201_CREATED)
