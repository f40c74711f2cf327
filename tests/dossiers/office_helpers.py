"""Helpers of the office page tests (``test_office_*.py``): posting an action, reading the queues
and forms a page shows, moving a dossier along its workflow.

The second factor, which has its own tests, is switched off by ``_no_second_factor``: an
autouse fixture that each of those modules imports.
"""

import pytest

from dossiers import lifecycle
from dossiers.models import Dossier, DossierEvent, Status
from sync.models import OutboxEntry
from tests.factories.dossiers import staff_of
from units.models import Role

# A Windows executable renamed to look like a PDF: its content says what it is.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 512


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.STAFF_OTP_REQUIRED = False  # the second factor has its own tests


def snapshot(dossier):
    return (
        Dossier.objects.filter(pk=dossier.pk)
        .values_list("status", "step", "revision", "assignee_id", "appointment_at")
        .get(),
        DossierEvent.objects.filter(dossier=dossier).count(),
        OutboxEntry.objects.filter(dossier=dossier).count(),
    )


def codes(response) -> list[str]:
    return [row.code for row in response.context["page"].rows]


def tab_counts(response) -> dict[str, int]:
    """The counts of the queue tabs, as the counts fragment shows them."""
    assert response.status_code == 200
    return {tab["queue"].name: tab["count"] for tab in response.context["tabs"]}


def act(client, dossier, action, **data):
    dossier.refresh_from_db()
    data.setdefault("revision", dossier.revision)
    return client.post(f"/office/dossiers/{dossier.code}/act/{action}/", data)


def checklist(dossier) -> dict:
    """The reception checklist as the form shows it: every component with its counts."""
    case = dossier.version.cases.first()
    data = {}
    for component in case.components.all():
        data[f"originals_{component.pk}"] = str(component.originals)
        data[f"copies_{component.pk}"] = str(component.copies)
    return data


def form_of(response, action: str):
    return next(form for form in response.context["forms"] if form.action == action)


def form_actions(response) -> list[str]:
    return [form.action for form in response.context["forms"]]


def to_step(dossier, step):
    """Move a received dossier along its workflow to ``step`` through the lifecycle."""
    agency = dossier.agency
    if dossier.status == Status.SUBMITTED:
        dossier = lifecycle.receive(dossier=dossier, actor=staff_of(agency, Role.RECEIVER))
    if dossier.status == Status.RECEIVED:
        dossier = lifecycle.forward(dossier=dossier, actor=staff_of(agency, Role.RECEIVER))
    while dossier.step != step:
        dossier = lifecycle.forward(dossier=dossier, actor=staff_of(agency, Role(dossier.step)))
    return dossier
