"""The explicit registry through which a dossier's changes reach the apps above it.

``sync`` and ``reports`` sit above ``dossiers`` (docs/architecture.md), so ``dossiers`` imports
neither. They register their handlers here in their ``AppConfig.ready()``; the lifecycle calls
them, in the style of ``procedures.hooks``:

- **changed** — inside the change's own transaction, once the dossier's new revision and its
  event are written: what a handler writes (the sync's outbox row) commits or rolls back with
  the change. A handler that needs the commit (a worker's kick, the embedded rollups) schedules
  it with ``portal.dispatch.after_commit``, which never fails the request.
- **changed_many** — the same for a set-based change of many dossiers (re-routing): one call
  with every (dossier, event) pair, so a handler writes its rows in one statement.
- **changed_set** — the same, set-based all the way (re-routing 10,000 dossiers): one call with
  the ids of the new events (one per dossier, at its new revision), so a handler reads and
  writes with one statement and no dossier is loaded into Python.
- **rated** — a citizen's rating was stored (the satisfaction figures count it).

Claim and assign are hand-offs inside the agency, not changes of the dossier: they are not
announced (the national portal and the figures do not see them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dossiers.models import Dossier, DossierEvent

ChangeHandler = Callable[["Dossier", "DossierEvent | None"], None]
ManyHandler = Callable[[Sequence[tuple["Dossier", "DossierEvent"]]], None]
SetHandler = Callable[[Sequence[int]], None]
RatingHandler = Callable[["Dossier"], None]

_changed: list[ChangeHandler] = []
_changed_many: list[ManyHandler] = []
_changed_set: list[SetHandler] = []
_rated: list[RatingHandler] = []


def _add(registry: list, handler) -> None:
    if handler not in registry:
        registry.append(handler)


def on_changed(handler: ChangeHandler) -> None:
    _add(_changed, handler)


def on_changed_many(handler: ManyHandler) -> None:
    _add(_changed_many, handler)


def on_changed_set(handler: SetHandler) -> None:
    _add(_changed_set, handler)


def on_rated(handler: RatingHandler) -> None:
    _add(_rated, handler)


def changed(dossier: Dossier, event: DossierEvent | None) -> None:
    """Announce one dossier's new revision, inside its transaction."""
    for handler in tuple(_changed):
        handler(dossier, event)


def changed_many(pairs: Sequence[tuple[Dossier, DossierEvent]]) -> None:
    """Announce a set-based change of many dossiers, inside its transaction."""
    if pairs:
        for handler in tuple(_changed_many):
            handler(pairs)


def changed_set(event_ids: Sequence[int]) -> None:
    """Announce many dossiers' new revisions by their new events' ids, inside the transaction."""
    if event_ids:
        for handler in tuple(_changed_set):
            handler(event_ids)


def rated(dossier: Dossier) -> None:
    for handler in tuple(_rated):
        handler(dossier)
