"""Officers' work queues: what waits for whom, in deadline order, one page at a time.

Each queue is a filter over the dossiers of the officer's agencies (the visibility filter of
``dossiers.selectors``), ordered by a key the partial indexes of ``Dossier.Meta`` serve, and
paged by keyset (the last row's key), so page 200 costs what page 1 does. A page is one query
for its rows whatever the queue's size, read as plain values (``Row``); the nine counts are one
query, which the page asks for separately (its tabs load them with htmx right after the list).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F, Func, Q, QuerySet, Value
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.db.models.functions import Coalesce
from django.db.models.lookups import In
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.models import STATUS_CSS, Dossier, Status, Step
from dossiers.office.statements import Statements
from units.models import Role
from units.selectors import active_memberships as memberships

PAGE_SIZE = 25
# The roles that work dossiers (a province administrator sees statistics, not files).
WORKING_ROLES = (
    Role.RECEIVER,
    Role.SPECIALIST,
    Role.DEPARTMENT_HEAD,
    Role.LEADER,
    Role.AUDITOR,
)
IN_HAND = (Status.RECEIVED, Status.IN_PROCESSING, Status.FINANCIAL_OBLIGATION)
OPEN_AT_AGENCY = (*IN_HAND, Status.SUPPLEMENT_REQUESTED)


@dataclass(frozen=True)
class Queue:
    name: str
    label: str
    # Ordering key: ("appointment_at", "id"), ("submitted_at", "id") or ("finished_at", "id").
    key: str
    # Whether rows without a key can be in the queue (they come last): only "mine" holds
    # dossiers not yet received, which have no appointment.
    nulls: bool = False


QUEUES = {
    "reception": Queue("reception", _("Awaiting reception"), "submitted_at"),
    "mine": Queue("mine", _("Mine"), "appointment_at", nulls=True),
    "to_take": Queue("to_take", _("Waiting for someone to take"), "appointment_at"),
    "supplement": Queue("supplement", _("Awaiting supplement"), "appointment_at"),
    "due_soon": Queue("due_soon", _("Due within 2 working days"), "appointment_at"),
    "overdue": Queue("overdue", _("Overdue"), "appointment_at"),
    "leader": Queue("leader", _("Awaiting the leader"), "appointment_at"),
    "signature": Queue("signature", _("Awaiting signature"), "appointment_at"),
    "return": Queue("return", _("Ready to return"), "finished_at"),
}


def working_agencies(user) -> list[int]:
    """The agencies where ``user`` works dossiers."""
    return sorted({agency for agency, role in memberships(user) if role in WORKING_ROLES})


def due_soon_limit(now: dt.datetime) -> dt.datetime:
    """The end of the second working day from now (read from the calendar)."""
    from dossiers.calendar import OFFICE_CLOSES, calendar_for

    today = timezone.localtime(now).date()
    calendar = calendar_for(today, today + dt.timedelta(days=30))
    day = calendar.add_working_days(today, 2)
    return dt.datetime.combine(day, OFFICE_CLOSES, tzinfo=timezone.get_default_timezone())


# The due-soon limit of each day, kept for a minute in each process: every request of the
# due-soon queue and of the tabs' counts needs it, and it changes only with the day or when the
# calendar is edited (which clears it here at once; other processes follow within the minute).
DUE_SOON_KEPT_SECONDS = 60.0
_due_soon: dict[dt.date, tuple[float, dt.datetime]] = {}


def due_soon_limit_kept(now: dt.datetime) -> dt.datetime:
    """``due_soon_limit(now)``, read from the calendar at most once a minute per process."""
    today = timezone.localtime(now).date()
    kept = _due_soon.get(today)
    clock = time.monotonic()
    if kept is None or kept[0] < clock:
        kept = (clock + DUE_SOON_KEPT_SECONDS, due_soon_limit(now))
        _due_soon.clear()
        _due_soon[today] = kept
    return kept[1]


def forget_due_soon(**_signal) -> None:
    """Drop the kept limits (the calendar changed)."""
    _due_soon.clear()


def holder():
    """The agency processing a dossier now: the one it was handed to, else its own.

    One expression, so that the partial indexes of ``Dossier.Meta`` built on it serve every
    queue of dossiers in hand with one range scan in deadline order.
    """
    return Coalesce("holder_agency", "agency")


def _held_by(agencies) -> Q:
    """Dossiers the agencies process: their own unless handed over, and those handed to them."""
    return Q(In(holder(), list(agencies)))


def queue_filter(name: str, user, agencies: list[int], now: dt.datetime) -> Q:
    """The dossiers in queue ``name`` of ``user`` working for ``agencies`` at ``now``."""
    due = due_soon_limit_kept(now) if name == "due_soon" else None
    return queue_condition(name, user.pk, working_roles(user), agencies, now, due)


def queue_condition(
    name: str,
    user_id: int,
    roles: set[str],
    agencies: list[int],
    now: dt.datetime,
    due: dt.datetime | None,
) -> Q:
    if name == "reception":
        return Q(status=Status.SUBMITTED, reception_agency_id__in=agencies)
    if name == "mine":
        # What the officer holds, and what was just forwarded to a step of theirs that nobody
        # has taken yet (it is theirs to take: the specialist finds it under "Mine").
        held = Q(
            status__in=(*OPEN_AT_AGENCY, Status.SUBMITTED, Status.RESULT_READY),
            assignee_id=user_id,
        )
        steps = set(roles) - {Role.RECEIVER, Role.LEADER}
        if steps and agencies:
            held |= Q(
                status=Status.IN_PROCESSING, step__in=sorted(steps), assignee__isnull=True
            ) & _held_by(agencies)
        return held
    if name == "to_take":
        # At the step of one of the user's roles, and nobody holds it yet.
        waiting = Q(
            status=Status.IN_PROCESSING, step__in=sorted(roles), assignee__isnull=True
        ) & _held_by(agencies)
        if Role.RECEIVER in roles:
            waiting |= Q(
                status=Status.RECEIVED, assignee__isnull=True, reception_agency_id__in=agencies
            )
        return waiting
    if name == "supplement":
        return Q(status=Status.SUPPLEMENT_REQUESTED) & _held_by(agencies)
    if name == "due_soon":
        return (
            Q(status__in=IN_HAND, appointment_at__gte=now)
            & Q(appointment_at__lte=due)
            & _held_by(agencies)
        )
    if name == "overdue":
        return Q(status__in=IN_HAND, appointment_at__lt=now) & _held_by(agencies)
    if name == "leader":
        return Q(status=Status.IN_PROCESSING, step=Step.LEADER) & _held_by(agencies)
    if name == "signature":
        return Q(status=Status.IN_PROCESSING, step=Step.SIGNATURE) & _held_by(agencies)
    if name == "return":
        return Q(status=Status.RESULT_READY, reception_agency_id__in=agencies)
    raise KeyError(name)


def working_roles(user) -> set[str]:
    """The roles ``user`` works dossiers in (at any of their agencies)."""
    return {role for _agency, role in memberships(user) if role in WORKING_ROLES}


def search_terms(text: str) -> tuple[str | None, str | None]:
    """What the search box asks for: ``("id_number", …)`` for a 9- or 12-digit identity number,
    ``("code", …)`` for a code or its start (upper case), ``("name", …)`` for part of the
    applicant's name, ``(None, None)`` for nothing."""
    text = " ".join((text or "").split())[:100]
    if not text:
        return None, None
    if text.isdigit() and len(text) in (9, 12):
        return "id_number", text
    if "-" in text or "." in text:
        # Codes are upper case: a case-sensitive prefix uses the unique index on the code.
        return "code", text.upper()
    return "name", text


def search_condition(kind: str | None, value: str | None) -> Q:
    if kind == "id_number":
        return Q(applicant_id_number=value)
    if kind == "code":
        return Q(code__startswith=value)
    if kind == "name":
        # UPPER(name) LIKE '%TEXT%': served by the trigram index of migration 0011.
        return Q(applicant_name__icontains=value)
    return Q()


def search_filter(text: str) -> Q:
    """A code (or its start), a 12-digit identity number, or part of the applicant's name."""
    return search_condition(*search_terms(text))


def encode_cursor(value, pk: int) -> str:
    raw = json.dumps([value.isoformat() if value else None, pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str):
    """``(moment, id)`` from a cursor; ValueError if it was tampered with."""
    padded = cursor + "=" * (-len(cursor) % 4)
    value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
    moment = dt.datetime.fromisoformat(value) if value else None
    if moment is not None and timezone.is_naive(moment):
        raise ValueError("the portal's cursors carry moments with their offset")
    return moment, int(pk)


@dataclass(slots=True)
class Row:
    """One dossier as a queue lists it: its own fields and the names it shows, read as plain
    values (a page builds 25 of these, not 100 model instances with their relations)."""

    pk: int
    code: str
    status: int
    step: str
    channel: int
    applicant_name: str
    submitted_at: dt.datetime | None
    appointment_at: dt.datetime | None
    finished_at: dt.datetime | None
    step_due_at: dt.datetime | None
    procedure_code: str
    procedure_name: str
    agency_name: str
    assignee_username: str | None
    assignee_full_name: str | None

    @property
    def status_css(self) -> str:
        return STATUS_CSS.get(self.status, "status--running")

    def is_overdue(self, now: dt.datetime) -> bool:
        return is_overdue(self.appointment_at, self.status, now)


def is_overdue(appointment_at: dt.datetime | None, status: int, now: dt.datetime) -> bool:
    """Past its appointment while the agency still holds it (derived, never stored): the rule
    of the "overdue" queue, for a row or a dossier on screen."""
    return bool(appointment_at and appointment_at < now and status in IN_HAND)


ROW_FIELDS = (
    "pk",
    "code",
    "status",
    "step",
    "channel",
    "applicant_name",
    "submitted_at",
    "appointment_at",
    "finished_at",
    "step_due_at",
    "procedure__code",
    "procedure__name",
    "agency__name",
    "assignee__username",
    "assignee__full_name",
)


@dataclass
class Page:
    rows: list[Row]
    next_cursor: str | None


@dataclass(frozen=True)
class PageShape:
    """What makes two page requests compile to the same SQL."""

    name: str
    roles: tuple[str, ...]
    agencies: int  # how many
    search: str | None  # the kind of search (``search_terms``)
    cursor: str | None  # None (page 1), "after" a row with a key, or "null" (keyless rows)
    size: int


@dataclass
class PageValues:
    """What a page request binds to its shape's SQL (every field a value: ``statements``)."""

    user_id: int
    agencies: list[int]
    now: dt.datetime
    due: dt.datetime | None
    search: str | None
    cursor_at: dt.datetime | None
    cursor_pk: int | None


def page_queryset(shape: PageShape, values: PageValues) -> QuerySet:
    """The rows of one keyset page (``ROW_FIELDS`` ordered by ``(key, id)``, one more than the
    page to tell whether there is a next).

    The next page starts after the last row: ``(key, id) > (value, pk)`` as one row comparison,
    which PostgreSQL turns into the start of an index range. Where rows may have no key
    (``nulls``), they come last, ordered by id.
    """
    queue = QUEUES[shape.name]
    key = queue.key
    condition = queue_condition(
        shape.name, values.user_id, set(shape.roles), values.agencies, values.now, values.due
    ) & search_condition(shape.search, values.search)
    if shape.cursor == "null":
        condition &= Q(**{f"{key}__isnull": True, "id__gt": values.cursor_pk})
    elif shape.cursor == "after":
        after = Q(TupleGreaterThan(Tuple(F(key), F("id")), (values.cursor_at, values.cursor_pk)))
        if queue.nulls:
            after |= Q(**{f"{key}__isnull": True})
        condition &= after
    # One filter() (each call clones the query and resolves its conditions again).
    return listing(key).filter(condition)[: shape.size + 1]


# Each shape's SQL compiled once per process, each request binding its values (``statements``).
page_statements = Statements(page_queryset)


def page_request(
    user,
    name: str,
    *,
    q: str = "",
    cursor: str | None = None,
    size: int = PAGE_SIZE,
    agencies: list[int] | None = None,
    now: dt.datetime | None = None,
) -> tuple[PageShape, PageValues]:
    """The shape and values of a page request (ValueError if ``cursor`` was tampered with)."""
    agencies = working_agencies(user) if agencies is None else agencies
    now = now or timezone.now()
    kind, text = search_terms(q)
    cursor_at = cursor_pk = None
    if cursor:
        cursor_at, cursor_pk = decode_cursor(cursor)
    shape = PageShape(
        name=name,
        roles=tuple(sorted(working_roles(user))),
        agencies=len(agencies),
        search=kind,
        cursor=None if not cursor else ("after" if cursor_at else "null"),
        size=size,
    )
    values = PageValues(
        user_id=user.pk,
        agencies=list(agencies),
        now=now,
        due=due_soon_limit_kept(now) if name == "due_soon" else None,
        search=text,
        cursor_at=cursor_at,
        cursor_pk=cursor_pk,
    )
    return shape, values


def queue_page(
    user,
    name: str,
    *,
    q: str = "",
    cursor: str | None = None,
    size: int = PAGE_SIZE,
    agencies: list[int] | None = None,
    now: dt.datetime | None = None,
) -> Page:
    """A page of queue ``name`` for ``user``: one query, with what the list shows.

    ValueError if ``cursor`` was tampered with."""
    shape, values = page_request(
        user, name, q=q, cursor=cursor, size=size, agencies=agencies, now=now
    )
    key = QUEUES[name].key
    rows = [Row(*row) for row in page_statements.rows(shape, values)]
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = encode_cursor(getattr(rows[-1], key), rows[-1].pk) if more else None
    return Page(rows=rows, next_cursor=next_cursor)


_listings: dict[str, QuerySet] = {}


def listing(key: str) -> QuerySet:
    """The dossiers as a queue lists them, in ``(key, id)`` order: the columns and joins are set
    up once per process, each page only adds its filters."""
    listing = _listings.get(key)
    if listing is None:
        listing = Dossier.objects.order_by(F(key).asc(nulls_last=True), "id").values_list(
            *ROW_FIELDS
        )
        _listings[key] = listing
    return listing


def queue_counts(
    user, *, agencies: list[int] | None = None, now=None, q: str = ""
) -> dict[str, int]:
    """How many dossiers wait in each queue, in one query: ``SELECT (SELECT count(*) …), …``,
    each count over the partial index of its own queue (index-only where the table is
    vacuumed), so the counts cost what the queues hold, not what the agency ever received.
    With a search ``q``, each count is of the dossiers the search finds in that queue."""
    agencies = working_agencies(user) if agencies is None else agencies
    now = now or timezone.now()
    parts, params = [], []
    for name in QUEUES:
        queryset = (
            Dossier.objects.filter(queue_filter(name, user, agencies, now))
            .filter(search_filter(q))
            .order_by()
            .annotate(n=Func(Value(1), function="COUNT"))
            .values("n")
        )
        try:
            sql, more = queryset.query.sql_with_params()
        except EmptyResultSet:  # no agency: the queue is empty without asking
            sql, more = "0", ()
        parts.append(f"({sql})")
        params.extend(more)
    with connections[Dossier.objects.db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        totals = cursor.fetchone()
    return dict(zip(QUEUES, totals, strict=True))


# The tabs each role works from (the union for several roles), in the order of QUEUES; the
# first queue of the first role held is the default tab.
ROLE_QUEUES = {
    Role.RECEIVER: ("reception", "mine", "to_take", "supplement", "due_soon", "overdue", "return"),
    Role.SPECIALIST: ("mine", "to_take", "supplement", "due_soon", "overdue"),
    Role.DEPARTMENT_HEAD: ("mine", "to_take", "due_soon", "overdue", "supplement"),
    Role.LEADER: ("leader", "signature", "mine", "due_soon", "overdue"),
    Role.AUDITOR: ("overdue", "due_soon", "supplement", "return"),
}
ROLE_ORDER = (Role.RECEIVER, Role.LEADER, Role.DEPARTMENT_HEAD, Role.SPECIALIST, Role.AUDITOR)


def visible_queues(roles) -> list[str]:
    """The queues shown as tabs to an officer holding ``roles``."""
    wanted = {name for role in roles for name in ROLE_QUEUES.get(role, ())}
    return [name for name in QUEUES if name in wanted] or ["mine"]


def default_queue(roles) -> str:
    for role in ROLE_ORDER:
        if role in roles:
            return ROLE_QUEUES[role][0]
    return "mine"
