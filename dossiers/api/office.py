"""The back office in the API: lifecycle actions on a dossier, and the officers' queues.

``POST /api/v1/dossiers/{code}/<action>/`` takes one lifecycle action (receive, forward,
approve, …) with its parameters and the ``revision`` the caller saw; ``GET …/actions/`` lists
what the caller may do now. Answers: 200 with the dossier; 400 naming a bad field; 403 when
the caller's roles do not allow it; 404 when the dossier is not theirs to see; 409 when the
dossier's state does not allow it or someone acted first (with what changed). Queues:
``GET /api/v1/queues/`` (counts) and ``GET /api/v1/queues/{name}/`` (keyset pages).
"""

import re
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from dossiers import actions, lifecycle
from dossiers.api.common import service_error
from dossiers.errors import DossierError
from dossiers.lifecycle import Action
from dossiers.models_work import PaymentMethod
from dossiers.office import queues
from dossiers.office.queues import QUEUES
from portal.schema import CONFLICT
from units.models import Agency


class DossierSerializer(serializers.Serializer):
    # A plain serializer: a ModelSerializer rebuilds its fields from the model on every call.
    code = serializers.CharField()
    procedure = serializers.CharField(source="procedure.code")
    status = serializers.IntegerField()
    status_name = serializers.CharField(source="get_status_display")
    channel = serializers.IntegerField()
    agency = serializers.CharField(source="agency.identifier")
    reception_agency = serializers.CharField(source="reception_agency.identifier")
    applicant_name = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField(allow_null=True)
    appointment_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    returned_at = serializers.DateTimeField(allow_null=True)


class ActedSerializer(DossierSerializer):
    """The dossier after a lifecycle action, with the revision and step to send next."""

    revision = serializers.IntegerField()
    step = serializers.CharField()


class SignedSerializer(DossierSerializer):
    revision = serializers.IntegerField()
    verification_url = serializers.URLField(help_text="the page the result's QR code opens")


class ActionSerializer(serializers.Serializer):
    """Parameters of a lifecycle action; each action reads the ones it needs."""

    revision = serializers.IntegerField(
        required=False, min_value=0, help_text="The revision your page showed (stale check)."
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    items = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, max_length=30
    )
    to_user = serializers.IntegerField(required=False, help_text="assign: the specialist's id")
    to_agency = serializers.CharField(
        required=False, max_length=13, help_text="hand_over: the agency's identifier"
    )
    amount = serializers.IntegerField(required=False, min_value=1, help_text="VND")
    method = serializers.ChoiceField(choices=lifecycle.RETURN_METHODS, required=False)
    new_appointment = serializers.DateTimeField(required=False)


class AssignSerializer(ActionSerializer):
    to_user = serializers.IntegerField(help_text="the specialist's id")


class HandOverSerializer(ActionSerializer):
    to_agency = serializers.CharField(max_length=13, help_text="the agency's identifier")


class RequestPaymentSerializer(ActionSerializer):
    amount = serializers.IntegerField(min_value=1, help_text="VND")


class ExtendSerializer(ActionSerializer):
    new_appointment = serializers.DateTimeField(help_text="later than the appointment now")


class AttachResultSerializer(ActionSerializer):
    file = serializers.FileField(help_text="the result, a PDF")


class ConfirmPaymentSerializer(serializers.Serializer):
    """confirm_payment: how the obligation was paid is required (the online-payment indicator
    counts only "online"); the officer chooses, there is no default."""

    revision = serializers.IntegerField(
        required=False, min_value=0, help_text="The revision your page showed (stale check)."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    method = serializers.ChoiceField(
        choices=PaymentMethod.choices,
        help_text="online: national payment platform or online banking; counter: cash at the "
        "counter; transfer: bank transfer",
    )


# Actions whose parameters differ from the shared ``ActionSerializer``: what they require.
SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    Action.CONFIRM_PAYMENT: ConfirmPaymentSerializer,
    Action.ASSIGN: AssignSerializer,
    Action.HAND_OVER: HandOverSerializer,
    Action.REQUEST_PAYMENT: RequestPaymentSerializer,
    Action.EXTEND: ExtendSerializer,
    Action.ATTACH_RESULT: AttachResultSerializer,
}
# A file goes only as multipart; the other actions also take JSON.
MULTIPART_ONLY = {Action.ATTACH_RESULT}


def _user(value):
    found = get_user_model().objects.filter(pk=value, is_active=True).first()
    if found is None:
        raise ValidationError({"to_user": [_("No such staff member.")]})
    return found


def _agency(value) -> Agency:
    found = Agency.objects.filter(identifier=value).first()
    if found is None:
        raise ValidationError({"to_agency": [_("No agency has this identifier.")]})
    return found


# Where the API's names differ from the lifecycle's parameters (``dossiers.actions.INPUTS``):
# per action, the API field, the parameter it fills and how its value is found.
API_FIELDS: dict[str, dict[str, tuple[str, Callable | None]]] = {
    Action.ASSIGN: {"to_user": ("to", _user)},
    Action.HAND_OVER: {"to_agency": ("to", _agency)},
    Action.ATTACH_RESULT: {"file": ("upload", None)},
    Action.ISSUE_RESULT: {"file": ("upload", None)},
}


def _values(name: str, data: dict) -> dict:
    """The lifecycle's parameters of action ``name`` from a serializer's validated data; the
    shared serializer's fields that this action does not take are left out."""
    params = actions.INPUTS[name].params
    renamed = API_FIELDS.get(name, {})
    values = {"revision": data.get("revision")}
    for key, value in data.items():
        param, find = renamed.get(key, (key, None))
        if key != "revision" and param in params and (key in renamed or key == param):
            values[param] = find(value) if find else value
    return values


def _office_action(name: str):
    """A POST endpoint taking lifecycle action ``name`` on the dossier in the URL."""
    serializer = SERIALIZERS.get(name, ActionSerializer)

    def handler(self, request, code=None):
        dossier = self.get_object()
        data = serializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            actions.take(
                name, dossier=dossier, actor=request.user, values=_values(name, data.validated_data)
            )
        except DossierError as exc:
            return service_error(exc)
        dossier.refresh_from_db()
        body = DossierSerializer(dossier).data
        body["revision"] = dossier.revision
        body["step"] = dossier.step
        return Response(body)

    handler.__name__ = name
    handler.__doc__ = f"Take the lifecycle action “{Action(name).label}” (see dossiers.lifecycle)."
    handler = action(detail=True, methods=["post"], url_path=name.replace("_", "-"))(handler)
    # After ``action``, which replaces the function's ``kwargs`` where the schema is kept.
    media_types = ["multipart/form-data"]
    if name not in MULTIPART_ONLY:
        media_types.insert(0, "application/json")
    return extend_schema(
        request={media_type: serializer for media_type in media_types},
        responses={200: ActedSerializer, 409: CONFLICT},
    )(handler)


class SignSerializer(serializers.Serializer):
    otp_token = serializers.CharField(max_length=10, help_text="the leader's one-time code")
    revision = serializers.IntegerField(required=False, min_value=0)


class ExternalSignatureSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="the result PDF signed with the leader's token")
    revision = serializers.IntegerField(required=False, min_value=0)


def _signed_answer(self, request, serializer_class):
    """Issue the result by signing it (``otp_token``) or by accepting one signed elsewhere
    (``file``): the issue action's variants (``dossiers.actions``)."""
    dossier = self.get_object()
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    values = _values(Action.ISSUE_RESULT, data.validated_data)
    try:
        result = actions.take(
            Action.ISSUE_RESULT, dossier=dossier, actor=request.user, values=values
        )
    except DossierError as exc:
        return service_error(exc)
    dossier.refresh_from_db()
    body = DossierSerializer(dossier).data
    body["revision"] = dossier.revision
    body["verification_url"] = request.build_absolute_uri(
        reverse("signatures:result", args=[result.token])
    )
    return Response(body)


@extend_schema(request=SignSerializer, responses={200: SignedSerializer, 409: CONFLICT})
@action(detail=True, methods=["post"], url_path="sign")
def sign(self, request, code=None):
    """The leader signs the result with their certificate (second factor required) and
    issues it (status 9)."""
    return _signed_answer(self, request, SignSerializer)


@extend_schema(
    request={"multipart/form-data": ExternalSignatureSerializer},
    responses={200: SignedSerializer, 409: CONFLICT},
)
@action(detail=True, methods=["post"], url_path="sign-external")
def sign_external(self, request, code=None):
    """The leader uploads the result signed elsewhere (USB token): checked, then issued."""
    return _signed_answer(self, request, ExternalSignatureSerializer)


class OfficeActionsMixin:
    """The lifecycle actions of the back office, mixed into the dossiers' viewset."""

    @extend_schema(
        responses={
            200: inline_serializer(
                "AllowedActions",
                {
                    "revision": serializers.IntegerField(),
                    "status": serializers.IntegerField(),
                    "step": serializers.CharField(),
                    "actions": serializers.ListField(child=serializers.CharField()),
                },
            )
        }
    )
    @action(detail=True, methods=["get"])
    def actions(self, request, code=None):
        """What the caller may do on this dossier now, with its revision."""
        dossier = self.get_object()
        return Response(
            {
                "revision": dossier.revision,
                "status": dossier.status,
                "step": dossier.step,
                "actions": lifecycle.allowed_actions(dossier, request.user),
            }
        )

    # One endpoint per lifecycle action (POST /dossiers/{code}/<action>/), from the table of
    # dossiers.actions.
    receive = _office_action(Action.RECEIVE)
    refuse = _office_action(Action.REFUSE)
    request_supplement = _office_action(Action.REQUEST_SUPPLEMENT)
    claim = _office_action(Action.CLAIM)
    assign = _office_action(Action.ASSIGN)
    forward = _office_action(Action.FORWARD)
    send_back = _office_action(Action.SEND_BACK)
    hand_over = _office_action(Action.HAND_OVER)
    hand_back = _office_action(Action.HAND_BACK)
    request_payment = _office_action(Action.REQUEST_PAYMENT)
    confirm_payment = _office_action(Action.CONFIRM_PAYMENT)
    stop = _office_action(Action.STOP)
    approve = _office_action(Action.APPROVE)
    attach_result = _office_action(Action.ATTACH_RESULT)
    issue_result = _office_action(Action.ISSUE_RESULT)
    return_result = _office_action(Action.RETURN_RESULT)
    extend = _office_action(Action.EXTEND)
    sign = sign
    sign_external = sign_external


# --- Queues --------------------------------------------------------------------------------------


class IsOfficer(permissions.BasePermission):
    message = _("Only staff who work dossiers have queues.")

    def has_permission(self, request, view) -> bool:
        return bool(queues.working_agencies(request.user))


class QueueRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    procedure = serializers.CharField(source="procedure_code")
    procedure_name = serializers.CharField()
    status = serializers.IntegerField()
    step = serializers.CharField()
    applicant_name = serializers.CharField()
    agency = serializers.CharField(source="agency_name")
    assignee = serializers.CharField(source="assignee_username", allow_null=True)
    submitted_at = serializers.DateTimeField()
    appointment_at = serializers.DateTimeField(allow_null=True)
    step_due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.SerializerMethodField()

    def get_overdue(self, row) -> bool:
        return row.is_overdue(self.context["now"])

    def to_representation(self, row) -> dict:
        """What the declared fields give (a test holds the two equal), written out: a queue page
        is the request officers make most, and field-by-field serialisation was a third of it."""
        moment = _iso_moment
        return {
            "code": row.code,
            "procedure": row.procedure_code,
            "procedure_name": row.procedure_name,
            "status": row.status,
            "step": row.step,
            "applicant_name": row.applicant_name,
            "agency": row.agency_name,
            "assignee": row.assignee_username,
            "submitted_at": moment(row.submitted_at),
            "appointment_at": moment(row.appointment_at),
            "step_due_at": moment(row.step_due_at),
            "overdue": row.is_overdue(self.context["now"]),
        }


def _iso_moment(value):
    """A moment as DRF's DateTimeField writes it: ISO 8601 in the portal's time zone."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class QueueCountSerializer(serializers.Serializer):
    queue = serializers.ChoiceField(choices=list(QUEUES))
    label = serializers.CharField()
    count = serializers.IntegerField(min_value=0)


class QueuePageSerializer(serializers.Serializer):
    results = QueueRowSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="the next page's cursor, if any")


# What ``queues.encode_cursor`` writes: URL-safe base64 without padding.
CURSOR_PATTERN = r"^[A-Za-z0-9_-]*$"
MAX_QUEUE_PAGE = 100


class QueueCountsView(APIView):
    """How many dossiers wait in each of the caller's queues (one entry per queue)."""

    permission_classes = [IsOfficer]

    @extend_schema(responses={200: QueueCountSerializer(many=True)})
    def get(self, request):
        counts = queues.queue_counts(request.user)
        return Response(
            [
                {"queue": name, "label": str(q.label), "count": counts[name]}
                for name, q in QUEUES.items()
            ]
        )


class QueueView(APIView):
    """One page of a queue, in deadline order; ``next`` is the next page's cursor."""

    permission_classes = [IsOfficer]

    @extend_schema(
        parameters=[
            OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(QUEUES)),
            OpenApiParameter("q", str, description="code, identity number or applicant name"),
            OpenApiParameter(
                "cursor",
                {"type": "string", "pattern": CURSOR_PATTERN},
                description="the `next` of the previous page",
            ),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": MAX_QUEUE_PAGE},
                description="1 to 100 (default 25)",
            ),
        ],
        responses={200: QueuePageSerializer},
    )
    def get(self, request, name: str):
        if name not in QUEUES:
            raise NotFound(_("No such queue."))
        size = request.query_params.get("page_size", str(queues.PAGE_SIZE))
        if not size.isascii() or not size.isdigit() or not 1 <= int(size) <= MAX_QUEUE_PAGE:
            raise ValidationError({"page_size": [_("A number from 1 to 100.")]})
        size = int(size)
        cursor = request.query_params.get("cursor", "")
        if not re.fullmatch(CURSOR_PATTERN, cursor):
            raise ValidationError({"cursor": [_("This cursor is not valid.")]})
        now = timezone.now()
        try:
            page = queues.queue_page(
                request.user,
                name,
                q=request.query_params.get("q", ""),
                cursor=cursor or None,
                size=size,
                now=now,
            )
        except (ValueError, TypeError) as exc:
            raise ValidationError({"cursor": [_("This cursor is not valid.")]}) from exc
        rows = QueueRowSerializer(page.rows, many=True, context={"now": now}).data
        return Response({"results": rows, "next": page.next_cursor})
