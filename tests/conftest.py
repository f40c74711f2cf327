"""Personas and shared fixtures. The suite runs against real PostgreSQL and Redis."""

import io
import os
import socket
import subprocess
import sys
import time
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.utils import translation

from tests.factories import (
    AgencyFactory,
    CitizenProfileFactory,
    MembershipFactory,
    UnitFactory,
    UserFactory,
)
from units.models import AgencyKind, Role, UnitType


def _require_service(url: str, name: str) -> None:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as exc:
        pytest.exit(
            f"{name} is not reachable at {host}:{port} ({exc}). The suite needs it: start it "
            "(make services) or point the environment at it. Tests never skip a missing service.",
            returncode=3,
        )


# Whole-system tests (real processes, minutes each): `make test` and CI run them, the developer
# loop (`make test-fast`) leaves them out with the browser journeys.
SYSTEM_TESTS = (
    "tests/system/test_production_shape.py",
    "tests/portal/test_make_run.py",
    "tests/portal/test_api_contract.py",
)


def _commits(item) -> bool:
    marker = item.get_closest_marker("django_db")
    committing = bool(marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)))
    return committing or bool({"transactional_db", "live_server"} & set(item.fixturenames))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """The browser journeys and whole-system tests carry their markers before ``-m`` selects
    (``make test-fast`` leaves them out)."""
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if path.startswith("tests/e2e/"):
            item.add_marker(pytest.mark.e2e)
        if path in SYSTEM_TESTS or path.startswith("tests/system/"):
            item.add_marker(pytest.mark.system)


# The longest tests (about a minute to two and a half each, mostly waiting on processes they
# started), longest first. Each starts as early as its group allows (the tests that commit come
# after the others) and on a worker of its own, so that the parallel workers finish together
# instead of one of them running the long tests one after another at the end. With
# ``--maxschedchunk 1`` (``make test``) xdist hands each worker the next test when it needs one.
LONGEST = (
    "tests/system/test_production_shape.py",
    "tests/portal/test_api_contract.py",
    "tests/portal/test_make_run.py",
    "tests/sync/test_worker_survives_redis.py",
    "tests/portal/test_load_demo.py",
    "tests/portal/test_suite_isolation.py",
    "tests/reports/test_live_figures.py",
)


def _spread_longest_first(items: list) -> list:
    """The longest tests first, each followed by another test: xdist's first hand-out gives
    each worker two tests, never two long ones."""
    rank = {path: n for n, path in enumerate(LONGEST)}
    longest = sorted(
        (item for item in items if item.nodeid.split("::", 1)[0] in rank),
        key=lambda item: rank[item.nodeid.split("::", 1)[0]],
    )
    others = [item for item in items if item.nodeid.split("::", 1)[0] not in rank]
    spread = []
    for item in longest:
        spread.append(item)
        if others:
            spread.append(others.pop(0))
    return spread + others


class _DemoOrder:
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items):
        """After pytest-django's order (tests in a transaction, then tests that commit): within the
        tests in a transaction, those on the demo data (loaded once and committed) come last, so the
        others never see it; the tests that commit start from the registry alone again. Within
        each of these groups the longest tests come first (``LONGEST``)."""
        groups: dict[tuple, list] = {}
        for item in items:
            commits = _commits(item)
            key = (commits, not commits and "demo" in item.fixturenames)
            groups.setdefault(key, []).append(item)
        items[:] = [item for key in sorted(groups) for item in _spread_longest_first(groups[key])]


def pytest_configure(config):
    config.pluginmanager.register(_DemoOrder(), "portal-demo-order")
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.exit("The suite runs on PostgreSQL: set DATABASE_URL to a postgres:// URL.", 3)
    _require_service(f"postgres://{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}", "PostgreSQL")
    _require_service(os.environ["REDIS_URL"], "Redis")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploaded and generated files go to a folder of the test's own, never var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with an empty cache (throttles, locks), as Redis keeps it between runs,
    and without the due-soon limit a queue kept from another test's calendar."""
    from dossiers.office.queues import forget_due_soon

    cache.clear()
    forget_due_soon()
    yield


@pytest.fixture(scope="session", autouse=True)
def _test_database_dropped_at_the_end(django_db_setup, django_db_blocker):
    """At the end of the run no other session holds the test database, so pytest-django can drop
    it: a live server's request threads and the processes the tests started (all reaped by then)
    may leave connections PostgreSQL has not yet closed."""
    yield
    from django.db import connection

    if not connection.settings_dict["NAME"].startswith("test_"):
        return  # no test of this run asked for the database: none was made
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(scope="session")
def registry(django_db_setup, django_db_blocker):
    """The real 34 provinces and 3,321 communes, loaded once for the session."""
    with django_db_blocker.unblock():
        call_command("load_units", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


# --- Personas -----------------------------------------------------------------------------------


@pytest.fixture
def province(db):
    return UnitFactory(code="68", name="Lâm Đồng", type=UnitType.PROVINCE, parent=None)


@pytest.fixture
def commune_a(province):
    return UnitFactory(
        code="24781", name="Phường Xuân Hương - Đà Lạt", type=UnitType.WARD, parent=province
    )


@pytest.fixture
def commune_b(province):
    return UnitFactory(
        code="24787", name="Phường Cam Ly - Đà Lạt", type=UnitType.WARD, parent=province
    )


@pytest.fixture
def citizen(db):
    return CitizenProfileFactory().user


@pytest.fixture
def officer_a(commune_a):
    agency = AgencyFactory(unit=commune_a, kind=AgencyKind.COMMUNE_COMMITTEE)
    return MembershipFactory(agency=agency, role=Role.RECEIVER).user


@pytest.fixture
def officer_b(commune_b):
    agency = AgencyFactory(unit=commune_b, kind=AgencyKind.COMMUNE_COMMITTEE)
    return MembershipFactory(agency=agency, role=Role.RECEIVER).user


@pytest.fixture
def leader(commune_a):
    agency = AgencyFactory(unit=commune_a, kind=AgencyKind.COMMUNE_COMMITTEE)
    return MembershipFactory(agency=agency, role=Role.LEADER).user


@pytest.fixture
def province_admin(province):
    agency = AgencyFactory(unit=province, kind=AgencyKind.PROVINCE_SERVICE_CENTRE)
    return MembershipFactory(agency=agency, role=Role.PROVINCE_ADMIN).user


@pytest.fixture
def outsider(db):
    return UserFactory()


@pytest.fixture
def celery_worker_process():
    """A real Celery worker on both queues and the test broker, on the test database.

    Tasks it runs see only committed data: use it with ``transactional_db``.
    """
    from django.db import connection

    from portal.celery import app

    db = connection.settings_dict
    test_db_url = (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "DATABASE_URL": test_db_url,
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-Q",
            "default,sync",
            "--pool",
            "threads",
            "--concurrency",
            "2",
            "-n",
            f"test-{os.getpid()}@%h",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "WARNING",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False  # tasks go to the broker, for the real worker
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            app.conf.task_always_eager = eager
            pytest.fail("the Celery worker exited: " + proc.stdout.read().decode()[-2000:])
        if app.control.ping(timeout=0.5):
            break
    else:
        proc.kill()
        app.conf.task_always_eager = eager
        pytest.fail("the Celery worker did not answer a ping within 60 s")
    yield proc
    app.conf.task_always_eager = eager
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def english():
    """For tests that match (English) message texts; Vietnamese is covered by its own tests."""
    with translation.override("en"):
        yield


def _load_demo() -> None:
    quiet = io.StringIO()
    call_command(
        "load_units", "--former-districts", "units/data/former_districts_68.csv", stdout=quiet
    )
    # The dossiers in every status are for people trying the portal; tests build their own.
    call_command(
        "load_demo",
        "--password",
        "demo-password-1",
        "--quiet-logins",
        "--without-dossiers",
        stdout=quiet,
    )


_demo_committed = {"loaded": False, "flushed": False}


@pytest.fixture(scope="session")
def demo_committed(registry, django_db_blocker):
    """The demo agencies, staff and catalogue, loaded once per run and committed: every test
    that asks for ``demo`` rolls back on top of them. These tests run after the other tests in a
    transaction (pytest_collection_modifyitems), and the tests that commit run after them all
    and start from the registry alone (``_registry_alone_for_committing_tests``)."""
    with django_db_blocker.unblock():
        _load_demo()
    _demo_committed["loaded"] = True


@pytest.fixture(autouse=True)
def _registry_alone_for_committing_tests(request, django_db_blocker):
    """The first test that commits finds the database as it was before the demo was committed:
    the registry alone (those tests load what else they need, and empty the tables after)."""
    if not _demo_committed["flushed"] and _commits(request.node):
        # Once per run, also when a reused test database kept another run's committed demo.
        with django_db_blocker.unblock():
            # Sequences go on (a flush resets them by default): an id is never given twice in
            # a run, so what a process cached by id (a version's cases, an agency's identifier)
            # cannot be read for another row.
            call_command("flush", "--no-input", verbosity=0, reset_sequences=False)
            call_command("load_units", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        _demo_committed.update(loaded=False, flushed=True)


@pytest.fixture
def demo(request, demo_committed, registry, db):
    """The demo agencies, staff and catalogue: loaded once per run (session fixtures are set up
    before the test's transaction begins) for tests in a transaction; a test that commits (and
    so empties the tables after it) loads its own."""
    if _commits(request.node):
        _load_demo()


@pytest.fixture(scope="module")
def demo_readonly(registry, django_db_blocker):
    """The demo data once for a module whose tests only read it; rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        _load_demo()
        yield
        transaction.set_rollback(True)
