"""Who sees which sync records (STYLE.md rule 4): the one visibility filter of the outbox.

An administrator of the sync sees and acts on the outbox entries (backlog, dead letters) and
the reconciliation differences of the dossiers whose competent agency lies in a province they
administer (``units.selectors.agencies_administered_by``: the province's own agencies and those
of its communes). Superusers, the operators, see everything. Nobody else sees the sync pages;
a dossier's own history follows the dossier's visibility filter instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from dossiers.models import Dossier
from sync.models import OutboxEntry, ReconciliationRun
from units.selectors import agencies_administered_by, provinces_administered_by


def sync_administrator(user) -> bool:
    """True for the superusers and the province administrators."""
    return provinces_administered_by(user).exists()


def outbox_visible_to(user) -> QuerySet[OutboxEntry]:
    """The outbox entries ``user`` may see and send again: those of their provinces' dossiers
    (superusers: all; anyone else: none)."""
    if not user.is_authenticated:
        return OutboxEntry.objects.none()
    if user.is_superuser:
        return OutboxEntry.objects.all()
    return OutboxEntry.objects.filter(dossier__agency__in=agencies_administered_by(user))


@dataclass
class RunRow:
    """A reconciliation run as one viewer may read it."""

    started_at: object
    checked: int | None  # every province's dossiers: shown to the operators only
    codes: list[str]  # the differing dossiers the viewer may see (at most 10 listed)
    differences: int
    resent: int


def reconciliations_visible_to(user, *, limit: int = 10) -> list[RunRow]:
    """The last reconciliation runs, each reduced to the differences of the dossiers of the
    viewer's provinces (a run covers every province: its totals are the operators')."""
    runs = list(ReconciliationRun.objects.order_by("-started_at", "-id")[:limit])
    found = {
        run.pk: [d.get("MaHoSo", "") for d in run.report.get("differences", [])] for run in runs
    }
    if user.is_authenticated and user.is_superuser:
        return [
            RunRow(run.started_at, run.checked, found[run.pk][:10], run.differences, run.resent)
            for run in runs
        ]
    every = {code for codes in found.values() for code in codes}
    mine = set(
        Dossier.objects.filter(
            code__in=every, agency__in=agencies_administered_by(user)
        ).values_list("code", flat=True)
    )
    rows = []
    for run in runs:
        codes = [code for code in found[run.pk] if code in mine]
        rows.append(RunRow(run.started_at, None, codes[:10], len(codes), len(codes)))
    return rows
