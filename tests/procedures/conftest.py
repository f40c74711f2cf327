import pytest
from django.utils import translation


@pytest.fixture
def english():
    """For tests that match (English) message texts; Vietnamese is covered by its own tests."""
    with translation.override("en"):
        yield


@pytest.fixture
def demo(registry, db):
    """The demo agencies, staff and 112-procedure catalogue, inside the test's transaction."""
    import io

    from django.core.management import call_command

    call_command(
        "load_units",
        "--former-districts",
        "units/data/former_districts_68.csv",
        stdout=io.StringIO(),
    )
    call_command(
        "load_demo", "--password", "demo-password-1", "--quiet-logins", stdout=io.StringIO()
    )


@pytest.fixture(scope="module")
def demo_readonly(registry, django_db_blocker):
    """The demo data once for a module whose tests only read it; rolled back afterwards."""
    import io

    from django.core.management import call_command
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        call_command(
            "load_units",
            "--former-districts",
            "units/data/former_districts_68.csv",
            stdout=io.StringIO(),
        )
        call_command(
            "load_demo", "--password", "demo-password-1", "--quiet-logins", stdout=io.StringIO()
        )
        yield
        transaction.set_rollback(True)
