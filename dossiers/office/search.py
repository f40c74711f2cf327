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
    due_soon_limit_kept,
    listing,
    queue_condition,
    search_condition,
    search_terms,
    working_roles,
)
from dossiers.office.statements import Statements

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


@dataclass(frozen=True)
class SearchShape:
    """What makes two searches compile to the same SQL."""

    names: tuple[str, ...]
    roles: tuple[str, ...]
    agencies: int  # how many
    search: str  # the kind of search (``search_terms``)
    size: int


@dataclass
class SearchValues:
    """What a search binds to its shape's SQL (``statements``)."""

    user_id: int
    agencies: list[int]
    now: dt.datetime
    due: dt.datetime | None
    search: str


def search_queryset(shape: SearchShape, values: SearchValues):
    """The search and the union of the queues' filters in WHERE (so an index of the search, the
    code's or the trigram index of the name, can drive it), and each queue's filter again as a
    boolean column, worked out for the rows returned only."""
    filters = {
        name: queue_condition(
            name, values.user_id, set(shape.roles), values.agencies, values.now, values.due
        )
        for name in shape.names
    }
    anywhere = Q()
    for queue in filters.values():
        anywhere |= queue
    flags = {
        f"in_{name}": ExpressionWrapper(queue, BooleanField()) for name, queue in filters.items()
    }
    # The dossiers found first, on the dossiers' table alone; then the names they show, for
    # those rows only (joined before the LIMIT, the planner read every officer's name).
    chosen = (
        Dossier.objects.filter(search_condition(shape.search, values.search))
        .filter(anywhere)
        .order_by(F("appointment_at").asc(nulls_last=True), "id")
        .values("pk")[: shape.size + 1]
    )
    return (
        listing("appointment_at")
        .filter(pk__in=Subquery(chosen))
        .annotate(**flags)
        .values_list(*ROW_FIELDS, *flags)
    )


# Each shape's SQL compiled once per process (``statements``).
search_statements = Statements(search_queryset)


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
    labelled with the queues holding it, the most urgent first; one query
    (``search_queryset``)."""
    kind, text = search_terms(q)
    size = size or HITS
    if not agencies:  # with no agency, only what is assigned to the user by name is theirs
        names = [name for name in names if name == "mine"]
    if not kind or not names:
        return Hits(hits=[])
    shape = SearchShape(
        names=tuple(names),
        roles=tuple(sorted(working_roles(user))),
        agencies=len(agencies),
        search=kind,
        size=size,
    )
    values = SearchValues(
        user_id=user.pk,
        agencies=list(agencies),
        now=now,
        due=due_soon_limit_kept(now) if "due_soon" in names else None,
        search=text,
    )
    rows = search_statements.rows(shape, values)
    width = len(ROW_FIELDS)
    hits = []
    for row in rows[:size]:
        held = zip(names, row[width:], strict=True)
        hits.append(Hit(row=Row(*row[:width]), queues=[QUEUES[n] for n, yes in held if yes]))
    return Hits(hits=hits, more=len(rows) > size)
