"""The one search box of the back office: what a search finds in any of an officer's queues."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper, F, Q, Subquery

from dossiers.models import Dossier
from dossiers.office.queues import (
    PAGE_SIZE,
    QUEUES,
    ROW_FIELDS,
    Queue,
    Row,
    listing,
    queue_filter,
    search_filter,
)

HITS = PAGE_SIZE


@dataclass
class Hit:
    """A dossier the search found, with every queue of the officer's that holds it."""

    row: Row
    queues: list[Queue]


@dataclass
class Hits:
    hits: list[Hit]
    # More dossiers match than are shown: the officer should narrow the search.
    more: bool = False


def search_everywhere(
    user,
    q: str,
    *,
    names: list[str],
    agencies: list[int],
    now: dt.datetime,
    size: int | None = None,
) -> Hits:
    """The one search box: the dossiers ``q`` finds in any of the queues ``names``, each once,
    labelled with the queues holding it, the most urgent first.

    One query: the search and the union of the queues' filters in WHERE (so an index of the
    search, the code's or the trigram index of the name, can drive it), and each queue's filter
    again as a boolean column, worked out for the rows returned only.
    """
    found = search_filter(q)
    size = size or HITS
    if not agencies:  # with no agency, only what is assigned to the user by name is theirs
        names = [name for name in names if name == "mine"]
    filters = {name: queue_filter(name, user, agencies, now) for name in names}
    if not found or not filters:
        return Hits(hits=[])
    anywhere = Q()
    for queue in filters.values():
        anywhere |= queue
    flags = {
        f"in_{name}": ExpressionWrapper(queue, BooleanField()) for name, queue in filters.items()
    }
    # The dossiers found first, on the dossiers' table alone; then the names they show, for
    # those rows only (joined before the LIMIT, the planner read every officer's name).
    chosen = (
        Dossier.objects.filter(found)
        .filter(anywhere)
        .order_by(F("appointment_at").asc(nulls_last=True), "id")
        .values("pk")[: size + 1]
    )
    rows = list(
        listing("appointment_at")
        .filter(pk__in=Subquery(chosen))
        .annotate(**flags)
        .values_list(*ROW_FIELDS, *flags)
    )
    width = len(ROW_FIELDS)
    hits = []
    for values in rows[:size]:
        held = zip(filters, values[width:], strict=True)
        hits.append(Hit(row=Row(*values[:width]), queues=[QUEUES[n] for n, yes in held if yes]))
    return Hits(hits=hits, more=len(rows) > size)
