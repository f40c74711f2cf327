from django.http import HttpResponse
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView

from dossiers.models import Dossier

BARE_INSERT: dict = {}


def bare(request):
    return HttpResponse("ok")


class BareInsert(APIView):
    """The baseline of bench/submission.py: parse the same request, insert one row."""

    def post(self, request):
        request.data  # noqa: B018 - parse the multipart body like the real endpoint
        agency, version = BARE_INSERT["agency"], BARE_INSERT["version"]
        dossier = Dossier.objects.create(
            code=f"BARE-{next(BARE_INSERT['counter']):08d}",
            procedure_id=version.procedure_id,
            version=version,
            channel=2,
            reception_agency=agency,
            agency=agency,
            level="commune",
            applicant=request.user,
            applicant_name=request.data.get("applicant_name", "x"),
        )
        return Response({"code": dossier.code}, status=201)


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/bare-insert/", BareInsert.as_view()),
    path("", include("portal.urls")),
]
