"""Once a change has committed, nothing scheduled after the commit can fail the request.

With no broker (embedded mode) the e-mail tasks run in-process right after the commit: an SMTP
server that refuses used to turn a completed reception into a 500 while the dossier was already
received.
"""

import pytest

from dossiers.models import Dossier, Status
from portal import dispatch
from tests.dossiers.test_office_pages import act, checklist
from tests.factories.dossiers import as_user, staff_of
from units.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_no_second_factor")]


@pytest.fixture
def _no_second_factor(settings):
    settings.STAFF_OTP_REQUIRED = False


@pytest.fixture
def refusing_smtp(settings):
    """A real SMTP backend aimed at a port where nothing listens."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2


def test_a_reception_completes_when_the_mail_server_refuses(
    submitted, refusing_smtp, django_capture_on_commit_callbacks
):
    Dossier.objects.filter(pk=submitted.pk).update(applicant_email="nguoi.dan@example.vn")
    receiver = staff_of(submitted.reception_agency, Role.RECEIVER)
    failures = dispatch.failures

    # The callbacks run as the commit would run them; one that raised would fail the test here.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = act(as_user(receiver), submitted, "receive", **checklist(submitted))

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.RECEIVED
    assert callbacks  # the notice was scheduled after the commit
    assert dispatch.failures == failures + 1  # its failure was logged and counted


def test_a_submission_completes_when_the_mail_server_refuses(
    applicant, refusing_smtp, django_capture_on_commit_callbacks
):
    from procedures.models import Procedure
    from tests.dossiers.conftest import pdf

    procedure = Procedure.objects.get(code="1.001193")
    case = procedure.current_version.cases.first()
    data = {
        "case": case.pk,
        "applicant_commune": "22918",
        "applicant_phone": "0912345678",
        "applicant_email": "nguoi.dan@example.vn",
        "result_delivery": "counter",
    }
    for component in case.components.all():
        if component.originals or component.copies:
            data[f"component_{component.pk}"] = pdf()
    before = Dossier.objects.count()

    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(applicant)
    failures = dispatch.failures

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/dossiers/", {"procedure": "1.001193", **data}, format="multipart"
        )

    assert response.status_code == 201, response.content
    assert Dossier.objects.count() == before + 1
    assert dispatch.failures == failures + 1
