"""The OpenAPI schema is the API's contract: schemathesis, with every check it has (the
``--checks all`` of its command line), finds no difference between what ``/api/schema/``
declares and what the live server answers — as an officer, a citizen and an anonymous caller.

Each actor runs over every operation, unsafe ones included (what they create stays in the test
database), with a fixed seed and few examples per operation, so a run is reproducible and takes
a few minutes at most. Throttles are lifted for the run; the schema still declares their 429.
"""

import ast
import os
import secrets
import threading

import pytest
import schemathesis
from django.conf import settings
from django.core.management import call_command
from django.middleware.csrf import CSRF_SESSION_KEY
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from schemathesis.engine import events
from schemathesis.engine import from_schema as engine_for

from dossiers.submission import dossier_submit_online
from portal.models import CitizenProfile
from portal.throttles import CountedRateThrottle
from procedures.models import Procedure
from tests.dossiers.conftest import HOME, pdf
from tests.factories.dossiers import new_dossier, staff_of
from tests.sync import conftest as sync_fixtures
from units.models import Agency, Role

pytestmark = pytest.mark.django_db(transaction=True)

# The self-check report reads the national portal: the stand-in, in its own process.
standin_server = sync_fixtures.standin_server
standin = sync_fixtures.standin

SEED = 20251204
MAX_EXAMPLES = 10
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
)


@pytest.fixture(autouse=True)
def _one_ast_at_a_time(monkeypatch):
    """CPython 3.11 counts the ast module's recursion per interpreter, not per thread
    (gh-106905): two threads building syntax trees at once fail with "SystemError: AST
    constructor recursion depth mismatch". During the run schemathesis parses source while the
    live server's thread formats tracebacks (Python 3.11 parses the failing line to place its
    carets); one lock around ``ast.parse`` keeps them apart. Seen in the parallel suite."""
    lock = threading.Lock()
    parse = ast.parse

    def parse_alone(*args, **kwargs):
        with lock:
            return parse(*args, **kwargs)

    monkeypatch.setattr(ast, "parse", parse_alone)


@pytest.fixture
def portal(live_server, monkeypatch):
    """The live server with the real units and the demo catalogue, agencies and staff, plus a
    few dossiers at the demo committee and one the demo citizen submitted online."""
    with open(os.devnull, "w") as devnull:
        call_command(
            "load_units",
            "--former-districts",
            "units/data/former_districts_68.csv",
            verbosity=0,
            stdout=devnull,
        )
        call_command(
            "load_demo",
            "--password",
            "demo-password-1",
            "--quiet-logins",
            "--without-dossiers",
            stdout=devnull,
        )
    # Thousands of requests in a few minutes: no throttle may answer 429 during the run.
    monkeypatch.setattr(CountedRateThrottle, "allow_request", lambda self, request, view: True)
    monkeypatch.setattr("dossiers.api.citizen.tracking_attempt_allowed", lambda address: True)
    return live_server


def _officer():
    home = Agency.objects.get(identifier=HOME)
    for name in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"):
        new_dossier(home, name=name)
    return staff_of(home, Role.RECEIVER)


def _citizen():
    citizen = CitizenProfile.objects.get(cccd="068190000123").user
    procedure = Procedure.objects.get(code="1.001193")
    case = procedure.current_version.cases.first()
    dossier_submit_online(
        applicant=citizen,
        procedure=procedure,
        files={c.pk: pdf() for c in case.components.all() if c.originals or c.copies},
        data={"applicant_commune": "22918", "applicant_phone": "0912345678"},
    )
    return citizen


def _session(user, csrf: str, *, second_factor: bool) -> str:
    """The session cookie of ``user`` signed in (and past the second factor, for staff)."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[CSRF_SESSION_KEY] = csrf
    if second_factor:
        device = TOTPDevice.objects.create(user=user, name="contract test", confirmed=True)
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def csrf(settings):
    """The CSRF secret every unsafe request of a signed-in actor sends in X-CSRFToken.

    Django keeps it in the session here instead of a second cookie: schemathesis sends the one
    cookie the schema declares (the session, ``cookieAuth``) and takes it away to probe the
    authentication; the check the API makes (header against secret) is the same.
    """
    settings.CSRF_USE_SESSIONS = True
    return secrets.token_hex(16)  # 32 characters: the unmasked secret


# Operations whose schema-valid input may still be refused with 400 and field errors, because
# its validity depends on stored records or on another field, which a schema cannot say: the
# period's two ends (``to`` not before ``from``), codes and ids that must exist (procedure,
# agency, province, staff member, commune), a cursor the API issued, a date after the current
# appointment, the leader's one-time code, a genuine PDF.
DATA_DEPENDENT = [
    ("GET", r"^/api/v1/reports/"),
    ("GET", r"^/api/v1/procedures/$"),
    ("GET", r"^/api/v1/queues/\{name\}/$"),
    ("POST", r"^/api/v1/dossiers/$"),
    (
        "POST",
        r"^/api/v1/dossiers/\{code\}/(assign|hand-over|extend|attach-result|sign|sign-external)/$",
    ),
    ("POST", r"^/api/v1/reassignments/"),
]
POSITIVE = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]


def _run(base_url: str, session: str | None, csrf: str) -> list[str]:
    operations = [
        {
            "include-method": method,
            "include-path-regex": path,
            "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE, "400"]}},
        }
        for method, path in DATA_DEPENDENT
    ]
    # The coverage phase (every boundary of every parameter) runs on the reads, where the query
    # parameters' bounds, patterns and enums are; writes are fuzzed, valid and invalid bodies
    # alike. Exhaustive boundaries of all 30 bodies would take ten minutes a run.
    operations.append({"include-method": "POST", "phases": {"coverage": {"enabled": False}}})
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "workers": 2,
            "cache": {"enabled": False},
            "headers": {"X-CSRFToken": csrf},
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
            "checks": {name: {"enabled": True} for name in CHECKS},
            "phases": {"stateful": {"enabled": False}},
            "operations": operations,
            **({"auth": {"openapi": {"cookieAuth": {"api_key": session}}}} if session else {}),
        }
    )
    schema = schemathesis.openapi.from_url(f"{base_url}/api/schema/", config=config)
    schema.config.update(base_url=base_url)
    found = []
    for event in engine_for(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        found.append(
                            f"{event.recorder.label} [{check.name}] {failure.title}: "
                            f"{failure.message[:300]}\n    {check.failure_info.code_sample}"
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            found.append(f"error: {event}")
    return sorted(set(found))


@pytest.mark.parametrize("actor", ["officer", "citizen", "anonymous"])
def test_the_api_answers_as_its_schema_declares(portal, standin, csrf, actor):
    if actor == "officer":
        session = _session(_officer(), csrf, second_factor=True)
    elif actor == "citizen":
        session = _session(_citizen(), csrf, second_factor=False)
    else:
        session = None

    failures = _run(portal.url, session, csrf)

    assert failures == [], f"{len(failures)} mismatches:\n" + "\n".join(failures)
