"""Two officers taking the same dossier in hand at the same moment: exactly one wins."""

import threading

import pytest
from django.db import connections

from dossiers import lifecycle
from dossiers.errors import Conflict, StaleDossier
from dossiers.lifecycle import dossier_create
from dossiers.models import Dossier, DossierEvent
from tests.factories import AgencyFactory
from tests.factories.procedures import make_procedure
from tests.factories.units import MembershipFactory
from units.models import Role


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("officers", [2, 8])
@pytest.mark.parametrize("from_a_page", [True, False], ids=["with-revision", "without"])
def test_concurrent_claims_have_exactly_one_winner(officers, from_a_page):
    agency = AgencyFactory()
    procedure = make_procedure()
    dossier = dossier_create(
        version=procedure.current_version,
        agency=agency,
        reception_agency=agency,
        level="commune",
        applicant_name="Lê Văn Cường",
        applicant_phone="0912345678",
    )
    users = [MembershipFactory(agency=agency, role=Role.RECEIVER).user for _ in range(officers)]
    start = threading.Barrier(officers)
    won, lost, errors = [], [], []
    lock = threading.Lock()

    def take(user):
        try:
            start.wait()
            try:
                revision = dossier.revision if from_a_page else None
                lifecycle.claim(dossier=dossier, actor=user, revision=revision)
            except (Conflict, StaleDossier) as exc:
                with lock:
                    lost.append((user, exc))
            else:
                with lock:
                    won.append(user)
        except BaseException as exc:  # a failure in a thread must fail the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(won) == 1 and len(lost) == officers - 1
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.assignee == won[0] and dossier.revision == 1
    assert DossierEvent.objects.filter(dossier=dossier, kind="claimed").count() == 1
    # The losers are told who has it (or that the page is stale), never silently overwritten.
    for _user, exc in lost:
        assert isinstance(exc, StaleDossier if from_a_page else Conflict)
