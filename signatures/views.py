"""Public pages of signatures: the stand-in CA's root and CRLs, and verification for anyone.

The root certificate and the CRLs are public URLs, as a real CA publishes them. Verification
takes any PDF (a page and ``POST /api/v1/signatures/verify``) or opens a stored result from the
QR code on it; the verdict is in Vietnamese and never a 500.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from signatures import ca, pdf
from signatures.models import SignedResult

MAX_VERIFY_BYTES = 20 * 1024 * 1024


def root_certificate(request):
    root, _issuing = ca.stand_in()
    response = HttpResponse(root.certificate_pem, content_type="application/x-x509-ca-cert")
    response["Content-Disposition"] = 'attachment; filename="root.crt"'
    return response


def issuing_certificate(request):
    _root, issuing = ca.stand_in()
    response = HttpResponse(issuing.certificate_pem, content_type="application/x-x509-ca-cert")
    response["Content-Disposition"] = 'attachment; filename="issuing.crt"'
    return response


def crl(request):
    """The issuing CA's CRL (DER): every revoked official's certificate."""
    _root, issuing = ca.stand_in()
    response = HttpResponse(ca.crl(issuing), content_type="application/pkix-crl")
    response["Cache-Control"] = "public, max-age=300"
    return response


def root_crl(request):
    root, _issuing = ca.stand_in()
    response = HttpResponse(ca.crl(root), content_type="application/pkix-crl")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _read_upload(upload) -> tuple[bytes | None, str]:
    if upload is None:
        return None, _("Choose a PDF file.")
    if upload.size > MAX_VERIFY_BYTES:
        return None, _("The file is larger than 20 MB.")
    return upload.read(), ""


@require_http_methods(["GET", "POST"])
def verify_page(request):
    """Anyone checks a signed PDF: who signed, when, intact, trusted, certificate status."""
    context = {}
    status = 200
    if request.method == "POST":
        content, error = _read_upload(request.FILES.get("file"))
        if error:
            context["error"] = error
            status = 400
        else:
            context["verdict"] = pdf.verify(content)
    return render(request, "signatures/verify.html", context, status=status)


def result_page(request, token: str):
    """The verification page a result's QR code opens: the stored file, checked now."""
    result = get_object_or_404(
        SignedResult.objects.select_related("document", "dossier__procedure", "certificate"),
        token=token,
    )
    document = result.document
    if not document.file:
        raise Http404
    with document.file.open("rb") as handle:
        verdict = pdf.verify(handle.read())
    return render(
        request,
        "signatures/verify.html",
        {"verdict": verdict, "result": result, "stored": True},
    )


class VerifySerializer(serializers.Serializer):
    file = serializers.FileField(help_text=gettext_lazy("the signed PDF"))


class SignatureReportSerializer(serializers.Serializer):
    signer = serializers.CharField(allow_blank=True)
    position = serializers.CharField(allow_blank=True)
    agency = serializers.CharField(allow_blank=True)
    agency_identifier = serializers.CharField(allow_blank=True)
    serial = serializers.CharField(allow_blank=True)
    signed_at = serializers.CharField(allow_blank=True)
    intact = serializers.BooleanField()
    trusted = serializers.BooleanField()
    covers_whole_file = serializers.BooleanField()
    status_at_signing = serializers.CharField()
    status_now = serializers.CharField()
    revoked_at = serializers.CharField(allow_blank=True)
    problems = serializers.ListField(child=serializers.CharField())


VERDICT = inline_serializer(
    "Verdict",
    {
        "valid": serializers.BooleanField(),
        "reason": serializers.CharField(allow_blank=True),
        "signatures": SignatureReportSerializer(many=True),
    },
)


class VerifyView(APIView):
    """Verify a signed PDF: the verdict and, per signature, signer, position, agency, time,
    integrity, trust and certificate status at signing and now."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    parser_classes = [MultiPartParser]
    # Up to 20 MB of PDF and its cryptography per call: a tight limit per address.
    throttle_scope = "verification"

    @extend_schema(request={"multipart/form-data": VerifySerializer}, responses={200: VERDICT})
    def post(self, request):
        data = VerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        content, error = _read_upload(data.validated_data["file"])
        if error:
            return Response({"file": [error]}, status=400)
        return Response(pdf.verify(content).as_dict())
