"""REST API for citizens' dossiers: submission, their own dossiers, and public tracking.

``POST /api/v1/dossiers/`` takes the form's fields and, as multipart, one file per required
document component (field ``component_<id>``): the same services as the pages, so the same
checks and the same field-level errors (400), never a half-made dossier. The owner then
withdraws, supplements and rates under ``/api/v1/dossiers/{code}/…``; anyone holding the
receipt looks a dossier up with ``POST /api/v1/track/``.
"""

import uuid

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, Throttled, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from dossiers import lifecycle
from dossiers.api.common import service_error
from dossiers.api.office import DossierSerializer, OfficeActionsMixin
from dossiers.errors import DossierError
from dossiers.models import Dossier, DossierEvent, ResultDelivery
from dossiers.models_documents import DossierRating, Rating
from dossiers.selectors import (
    citizen_documents,
    dossier_visible_to,
    dossiers_of_applicant,
    public_timeline,
)
from dossiers.services import dossier_rate
from dossiers.submission import dossier_submit_online, procedure_in_force
from dossiers.tracking import client_address, dossier_track, tracked, tracking_attempt_allowed
from portal.schema import CONFLICT, ERROR
from procedures.models import DocumentComponent, Procedure


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


SUBMISSION_FIELDS = tuple(
    name for name in SubmissionSerializer._declared_fields if name != "procedure"
)


def _submission_input(data) -> tuple[Procedure, dict[str, str]]:
    """The procedure and the typed values of a submission; 400 naming the field if malformed."""
    errors: dict[str, list] = {}
    code = data.get("procedure")
    procedure = None
    if not isinstance(code, str) or not code.strip():
        errors["procedure"] = [_("Choose the procedure.")]
    elif "\x00" in code or len(code) > 30:
        # PostgreSQL refuses NUL in text: a clear 400, never a failed query.
        errors["procedure"] = [_("No procedure in force has this code.")]
    else:
        procedure = procedure_in_force(code.strip())
        if procedure is None:
            errors["procedure"] = [_("No procedure in force has this code.")]
    values = {}
    for name in SUBMISSION_FIELDS:
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, str | int) or isinstance(value, bool):
            errors[name] = [_("Send text.")]
            continue
        if isinstance(value, str) and "\x00" in value:
            errors[name] = [_("Null characters are not allowed.")]
            continue
        values[name] = str(value)
    if values.get("case") and not values["case"].isdigit():
        errors["case"] = [_("Choose one of the procedure's cases.")]
    if errors:
        raise ValidationError(errors)
    return procedure, values


def dossier_summary(dossier: Dossier) -> dict:
    """DossierSerializer's answer, built directly for the submission's 201."""
    return {
        "code": dossier.code,
        "procedure": dossier.procedure.code,
        "status": dossier.status,
        "status_name": str(dossier.get_status_display()),
        "channel": dossier.channel,
        "agency": dossier.agency.identifier,
        "reception_agency": dossier.reception_agency.identifier,
        "applicant_name": dossier.applicant_name,
        "submitted_at": _iso(dossier.submitted_at),
        "received_at": _iso(dossier.received_at),
        "appointment_at": _iso(dossier.appointment_at),
        "finished_at": _iso(dossier.finished_at),
        "returned_at": _iso(dossier.returned_at),
    }


def _iso(moment) -> str | None:
    return serializers.DateTimeField().to_representation(moment) if moment else None


class EventSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.name", default="")
    new_status_name = serializers.CharField(source="get_new_status_display", default="")

    class Meta:
        model = DossierEvent
        fields = ["at", "kind", "old_status", "new_status", "new_status_name", "agency", "note"]


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    component = serializers.IntegerField(source="component_id", allow_null=True)
    url = serializers.SerializerMethodField()

    def get_url(self, document) -> str:
        """The applicant downloads from their own pages; staff from the office's."""
        request = self.context.get("request")
        dossier = document.dossier
        if request is not None and dossier.applicant_id != request.user.pk:
            return reverse("office:document", args=[dossier.code, document.pk])
        return reverse("dossiers:document", args=[dossier.code, document.pk])


class SupplementRequestSerializer(serializers.Serializer):
    reason = serializers.CharField()
    items = serializers.ListField(child=serializers.CharField())
    requested_at = serializers.DateTimeField()
    supplied_at = serializers.DateTimeField(allow_null=True)
    old_appointment = serializers.DateTimeField(allow_null=True)
    new_appointment = serializers.DateTimeField(allow_null=True)


class DossierDetailSerializer(DossierSerializer):
    tracking_secret = serializers.CharField()
    events = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    supplement_requests = SupplementRequestSerializer(many=True)
    rating = serializers.CharField(source="rating.rating", default=None, allow_null=True)

    def _staff(self, dossier) -> bool:
        """Officers (not the applicant) get the whole record and every file."""
        request = self.context.get("request")
        return request is not None and request.user.pk != dossier.applicant_id

    @extend_schema_field(DocumentSerializer(many=True))
    def get_documents(self, dossier):
        """The applicant's files and the one issued result (drafts stay internal)."""
        documents = dossier.documents.all() if self._staff(dossier) else citizen_documents(dossier)
        return DocumentSerializer(documents, many=True, context=self.context).data

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, dossier):
        """The applicant's record: changes of status and the reasons written for them."""
        if self._staff(dossier):
            events = dossier.events.select_related("agency")
        else:
            events = public_timeline(dossier, with_notes=True)
        return EventSerializer(events, many=True).data


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class RatingSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


@extend_schema_serializer(component_name="SupplementAnswer")
class SupplementSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    file = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text="Files not tied to a component; or send component_<id> fields.",
    )


class DossierViewSet(
    OfficeActionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Dossiers: a citizen's own (list, submission, withdrawal, supplement, rating) and, for
    staff, the lifecycle actions on the dossiers of their agencies."""

    queryset = Dossier.objects.none()  # for the schema; requests use get_queryset()
    serializer_class = DossierSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z.\-]+"

    @property
    def throttle_scope(self) -> str | None:
        """Submissions have their own limit per citizen (ScopedThrottle reads this)."""
        return "submission" if getattr(self, "action", None) == "create" else None

    def get_permissions(self):
        if self.action in ("create", "list"):
            return [IsCitizen()]
        return super().get_permissions()

    def get_object(self):
        """The dossier in the URL if the caller may see it; a denied look is logged (404)."""
        try:
            return super().get_object()
        except Http404:
            code = self.kwargs.get("code", "")
            if Dossier.objects.filter(code=code).exists():
                from dossiers.models_work import DeniedAction

                DeniedAction.objects.create(
                    user=self.request.user,
                    action=f"api:{self.action}",
                    dossier_code=code[:30],
                    reason="not visible to the user",
                )
            raise

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Dossier.objects.none()
        if self.action == "list":
            return dossiers_of_applicant(self.request.user)
        queryset = dossier_visible_to(self.request.user).select_related(
            "procedure", "agency", "reception_agency", "holder_agency"
        )
        if self.action == "retrieve":
            queryset = queryset.select_related("version", "rating").prefetch_related(
                "events__agency", "documents", "supplement_requests"
            )
        return queryset

    def get_serializer_class(self):
        return DossierDetailSerializer if self.action == "retrieve" else DossierSerializer

    @extend_schema(request=SubmissionSerializer, responses={201: DossierSerializer})
    def create(self, request):
        # SubmissionSerializer documents the input; the service checks every field itself (the
        # same checks as the pages), so the request is read directly: submissions are the
        # busiest write of the portal and a serializer's field copies cost a third of a bare
        # insert.
        procedure, values = _submission_input(request.data)
        files = {}
        for key, upload in request.FILES.items():
            component_id = key.removeprefix("component_")
            if key == component_id or not component_id.isdigit():
                raise ValidationError({key: [_("Name files component_<id>.")]})
            files[int(component_id)] = upload
        # A retry with the same Idempotency-Key answers the first dossier (200), never a second.
        key = request.headers.get("Idempotency-Key", "").strip()
        try:
            key = uuid.UUID(key) if key else None
        except ValueError:
            raise ValidationError(
                {"Idempotency-Key": [_("Send a UUID as Idempotency-Key.")]}
            ) from None
        try:
            dossier = dossier_submit_online(
                applicant=request.user,
                procedure=procedure,
                data=values,
                files=files,
                idempotency_key=key,
            )
        except DossierError as exc:
            raise ValidationError(
                exc.errors or {"non_field_errors": [str(exc.message)]}, code=exc.code
            ) from exc
        answer = status.HTTP_200_OK if dossier.replayed else status.HTTP_201_CREATED
        return Response(dossier_summary(dossier), status=answer)

    @extend_schema(request=WithdrawSerializer, responses={200: DossierSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, code=None):
        """Withdraw the dossier (status 7) while the agency has not decided on it (409 if not)."""
        dossier = self.get_object()
        data = WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            dossier = lifecycle.withdraw(
                dossier=dossier, actor=request.user, reason=data.validated_data.get("reason", "")
            )
        except DossierError as exc:
            return service_error(exc)
        return Response(DossierSerializer(dossier).data)

    @extend_schema(request=RatingSerializer, responses={201: RatingSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def rating(self, request, code=None):
        """Rate the service once the result is ready; once per dossier (409 otherwise)."""
        dossier = self.get_object()
        data = RatingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            rating: DossierRating = dossier_rate(
                dossier=dossier,
                actor=request.user,
                rating=data.validated_data["rating"],
                comment=data.validated_data.get("comment", ""),
            )
        except DossierError as exc:
            return service_error(exc)
        return Response(
            {"rating": rating.rating, "comment": rating.comment}, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request={"multipart/form-data": SupplementSerializer},
        responses={200: DossierDetailSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def supplement(self, request, code=None):
        """Answer the open supplement request with files (``file``, or ``component_<id>``)."""
        dossier = self.get_object()
        data = SupplementSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        files = []
        components = {
            c.pk: c for c in DocumentComponent.objects.filter(case__version=dossier.version_id)
        }
        for key in request.FILES:
            if key == "file":
                files.extend((None, upload) for upload in request.FILES.getlist(key))
                continue
            component_id = key.removeprefix("component_")
            if not component_id.isdigit() or int(component_id) not in components:
                raise ValidationError({key: [_("This document is not part of the procedure.")]})
            files.extend(
                (components[int(component_id)], upload) for upload in request.FILES.getlist(key)
            )
        try:
            dossier = lifecycle.supplement(
                dossier=dossier,
                actor=request.user,
                files=files,
                note=data.validated_data.get("note", ""),
            )
        except DossierError as exc:
            return service_error(exc)
        fresh = self.get_queryset().get(pk=dossier.pk)
        return Response(DossierDetailSerializer(fresh, context={"request": request}).data)


# --- Public tracking ----------------------------------------------------------------------------


class TrackingRequestSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    secret = serializers.CharField(max_length=20)


class TrackedStepSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    status = serializers.IntegerField(allow_null=True)
    status_name = serializers.CharField()
    agency = serializers.CharField()


class TrackedSerializer(serializers.Serializer):
    code = serializers.CharField(source="dossier.code")
    procedure = serializers.CharField(source="dossier.procedure.code")
    procedure_name = serializers.CharField(source="dossier.version.name")
    status = serializers.IntegerField(source="dossier.status")
    status_name = serializers.CharField(source="dossier.get_status_display")
    applicant = serializers.CharField()
    reception_agency = serializers.CharField(source="dossier.reception_agency.name")
    agency = serializers.CharField(source="dossier.agency.name")
    submitted_at = serializers.DateTimeField(source="dossier.submitted_at")
    received_at = serializers.DateTimeField(source="dossier.received_at")
    appointment_at = serializers.DateTimeField(source="dossier.appointment_at")
    finished_at = serializers.DateTimeField(source="dossier.finished_at")
    returned_at = serializers.DateTimeField(source="dossier.returned_at")
    overdue = serializers.BooleanField()
    steps = TrackedStepSerializer(many=True)


class TrackView(APIView):
    """Look a dossier up with its code and the secret on its receipt (no sign-in).

    An unknown code and a wrong secret both answer 404 with the same body; lookups are limited
    per client address (429 past the limit).
    """

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_scope = "tracking"

    @extend_schema(
        request=TrackingRequestSerializer,
        responses={
            200: TrackedSerializer,
            404: OpenApiResponse(ERROR, description="No dossier has this code and secret."),
        },
    )
    def post(self, request):
        data = TrackingRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not tracking_attempt_allowed(client_address(request)):
            refusal = Throttled(
                detail=str(_("Too many lookups from your connection. Try again later."))
            )
            refusal.wait = settings.TRACKING_RATE_LIMIT[1]  # Retry-After, without DRF's text
            raise refusal
        dossier = dossier_track(**data.validated_data)
        if dossier is None:
            raise NotFound(_("No dossier matches this code and tracking secret."))
        return Response(TrackedSerializer(tracked(dossier)).data)
