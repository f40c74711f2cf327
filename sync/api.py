"""The API the national portal calls: a dossier submitted there arrives here."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from sync.inbound import FromNationalPortal, InboundDossier, dossier_accept_from_national


class InboundAnswer(serializers.Serializer):
    MaHoSo = serializers.CharField()
    TrangThaiHoSo = serializers.IntegerField()
    created = serializers.BooleanField()


class NationalDossierView(APIView):
    """The national portal pushes a dossier submitted there (DongBoHoSoMC, status 1).

    Authenticated by the bearer token agreed with the province; idempotent by ``MaHoSo``:
    201 when made, 200 when it already exists (nothing changes). Invalid input answers 400
    with field errors and writes nothing.
    """

    authentication_classes = []
    permission_classes = [FromNationalPortal]

    def get_authenticate_header(self, request) -> str:
        return 'Bearer realm="national-portal"'

    def permission_denied(self, request, message=None, code=None):
        # No or an unknown token is a missing authentication: 401 with WWW-Authenticate.
        raise NotAuthenticated(detail=message, code=code)

    throttle_scope = "national_inbound"

    @extend_schema(
        request=InboundDossier,
        responses={200: InboundAnswer, 201: InboundAnswer},
        auth=[{"nationalPortalToken": []}],
    )
    def post(self, request):
        data = InboundDossier(data=request.data)
        data.is_valid(raise_exception=True)
        dossier, created = dossier_accept_from_national(data=data.validated_data)
        return Response(
            {"MaHoSo": dossier.code, "TrangThaiHoSo": dossier.status, "created": created},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
