"""Ký số hàng loạt over the API: sign several results with one second factor."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from dossiers.api.office import IsOfficer
from dossiers.errors import DossierError
from dossiers.office.views_signing import BATCH_MAX, sign_batch_run


class SignBatchInput(serializers.Serializer):
    codes = serializers.ListField(
        child=serializers.CharField(max_length=30), min_length=1, max_length=BATCH_MAX
    )
    otp_token = serializers.CharField(max_length=10)


class SignedItem(serializers.Serializer):
    code = serializers.CharField()
    document = serializers.IntegerField()
    verification_url = serializers.CharField()


class FailedItem(serializers.Serializer):
    code = serializers.CharField()
    reason = serializers.CharField()


class SignBatchOutput(serializers.Serializer):
    signed = SignedItem(many=True)
    failed = FailedItem(many=True)


class SignBatchView(APIView):
    """Sign and issue several results awaiting the caller's signature, confirmed once with the
    code of their authenticator app. Each result is signed on its own: ``failed`` names each
    one that was not, with its reason; the others stay done. A wrong code signs nothing (400
    at ``otp_token``)."""

    permission_classes = [IsOfficer]

    @extend_schema(request=SignBatchInput, responses={200: SignBatchOutput})
    def post(self, request):
        from signatures.services import verification_path

        data = SignBatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        codes = list(dict.fromkeys(data.validated_data["codes"]))
        try:
            outcome = sign_batch_run(
                user=request.user, codes=codes, otp_token=data.validated_data["otp_token"]
            )
        except DossierError as exc:
            raise serializers.ValidationError({"otp_token": [str(exc.message)]}) from exc
        site = settings.SITE_URL.rstrip("/")
        return Response(
            {
                "signed": [
                    {
                        "code": r.dossier.code,
                        "document": r.document_id,
                        "verification_url": site + verification_path(r.token),
                    }
                    for r in outcome.signed
                ],
                "failed": [{"code": c, "reason": reason} for c, reason in outcome.failed],
            }
        )
