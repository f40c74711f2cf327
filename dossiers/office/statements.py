"""Statements compiled once per shape, their values bound per request.

The queue page is the request officers make most, and building its queryset (cloning, resolving
each condition, compiling the SQL) cost about as much as PostgreSQL's answer on a small queue.
Yet two requests of the same *shape* (the same queue, roles, number of agencies, kind of search,
kind of cursor and page size) compile to the same SQL: only the values differ (the officer,
their agencies, the moment, the search, the cursor).

So the queryset is built by one function, ``build(shape, values)``, used both ways:

- the first request of a shape builds it with *stand-ins*: values that cannot occur in the data
  (negative ids in the trillions, moments in 1901, a marker text), compiles it, and records for
  each parameter of the SQL which value it is (or that it is a constant of the shape). It does
  so twice, with two different sets of stand-ins, and keeps the statement only if the two give
  the same SQL and the same parameters in the same places: a value written into the SQL text
  itself, or a parameter derived from a value in a way this module does not know, shows up as a
  difference and the shape stays with the ORM;
- the first request that uses a kept statement is built with the ORM as well, and the SQL and
  parameters the statement binds must equal the ORM's exactly, or the shape goes back to the
  ORM for good (and an error is logged);
- afterwards each request of that shape only binds its values.

A test runs every queue, search and cursor both ways and compares the SQL, the parameters and the
rows (``tests/dossiers/test_queue_statements.py``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

log = logging.getLogger(__name__)

# Stand-ins: ids, moments and a text no record has (ids are positive, nothing dates from 1901).
_INT_BASE = -7_300_000_000_000
_MOMENT_BASE = dt.datetime(1901, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
_TEXT_MARK = "QZSTANDIN"
# Shapes kept per process: a few hundred in practice (page sizes from 1 to 100 times the queues
# and role sets); the cache starts again rather than grow without bound.
MAX_SHAPES = 2048

Build = Callable[[Any, Any], QuerySet]


class Unpreparable(Exception):
    """This shape's SQL cannot be reused with other values."""


def _stand_ins(values, round_: int) -> tuple[Any, dict]:
    """A copy of the dataclass ``values`` where every value is a stand-in, and what each stands
    for: ``{stand-in: (field, index)}`` (index in a list of ids, else None)."""
    marks: dict[Any, tuple[str, int | None]] = {}
    changes = {}
    for number, field in enumerate(dataclasses.fields(values)):
        value = getattr(values, field.name)
        base = _INT_BASE - round_ * 1_000_000 - number * 10_000
        if value is None:
            continue  # not bound: a None is part of the shape
        if isinstance(value, bool):
            raise Unpreparable(f"{field.name}: a boolean is part of the shape, not a value")
        if isinstance(value, int):
            stand_in = base
            marks[stand_in] = (field.name, None)
        elif isinstance(value, list | tuple):
            if not all(isinstance(item, int) and not isinstance(item, bool) for item in value):
                raise Unpreparable(f"{field.name}: only lists of ids are bound")
            stand_in = [base - index for index in range(len(value))]
            marks.update({item: (field.name, index) for index, item in enumerate(stand_in)})
        elif isinstance(value, dt.datetime):
            stand_in = _MOMENT_BASE + dt.timedelta(days=round_, seconds=number)
            marks[stand_in] = (field.name, None)
        elif isinstance(value, str):
            stand_in = f"{_TEXT_MARK}{round_}X{number}Z"
            marks[stand_in] = (field.name, None)
        else:
            raise Unpreparable(f"{field.name}: {type(value).__name__} values are not bound")
        changes[field.name] = stand_in
    return dataclasses.replace(values, **changes), marks


def _slots(params, marks: dict) -> tuple:
    """For each parameter: ``("value", field, index)``, ``("like", field, before, after)`` (a
    LIKE pattern around the text) or ``("const", value)``."""
    texts = {mark: where for mark, where in marks.items() if isinstance(mark, str)}
    slots = []
    for param in params:
        if isinstance(param, int | dt.datetime) and not isinstance(param, bool) and param in marks:
            slots.append(("value", *marks[param]))
            continue
        if isinstance(param, str):
            if param in texts:
                slots.append(("value", *texts[param]))
                continue
            inside = [mark for mark in texts if mark in param]
            if len(inside) == 1 and param.count(inside[0]) == 1:
                before, after = param.split(inside[0])
                slots.append(("like", texts[inside[0]][0], before, after))
                continue
            if _TEXT_MARK in param:
                raise Unpreparable("a text value is used in a way this module does not bind")
        slots.append(("const", param))
    return tuple(slots)


@dataclasses.dataclass
class Statement:
    sql: str
    slots: tuple
    using: str
    checked: bool = False

    def bind(self, values) -> list:
        like = connections[self.using].ops.prep_for_like_query
        params = []
        for slot in self.slots:
            if slot[0] == "const":
                params.append(slot[1])
            elif slot[0] == "value":
                value = getattr(values, slot[1])
                params.append(value if slot[2] is None else value[slot[2]])
            else:
                params.append(slot[2] + like(getattr(values, slot[1])) + slot[3])
        return params


def _compiled(queryset: QuerySet) -> tuple[str, list]:
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    return sql, list(params)


def prepare(build: Build, shape, values) -> Statement:
    """The statement of ``shape``, from two builds with different stand-ins for ``values``."""
    try:
        results = []
        for round_ in (1, 2):
            stand_ins, marks = _stand_ins(values, round_)
            queryset = build(shape, stand_ins)
            compiler = queryset.query.get_compiler(queryset.db)
            sql, params = compiler.as_sql()
            if compiler.get_converters([column for column, _, _ in compiler.select]):
                raise Unpreparable("a column needs converting: the rows would differ")
            results.append((sql, _slots(params, marks), queryset.db))
    except EmptyResultSet as exc:  # e.g. no agency: nothing to bind
        raise Unpreparable("empty") from exc
    (sql, slots, using), (sql_2, slots_2, _) = results
    if sql != sql_2 or slots != slots_2:
        raise Unpreparable("the SQL or its constants changed with the values")
    return Statement(sql=sql, slots=slots, using=using)


class Statements:
    """The statements of one ``build`` function, per shape (``None``: the shape stays with the
    ORM)."""

    def __init__(self, build: Build):
        self.build = build
        self.kept: dict[Any, Statement | None] = {}

    def rows(self, shape, values) -> list[tuple]:
        """The rows of ``build(shape, values)``, as the ORM's ``values_list`` gives them."""
        statement = self.kept.get(shape, False)
        if statement is False:
            try:
                statement = prepare(self.build, shape, values)
            except Unpreparable:
                statement = None
            if len(self.kept) >= MAX_SHAPES:
                self.kept.clear()
            self.kept[shape] = statement
        if statement is None:
            return list(self.build(shape, values))
        params = statement.bind(values)
        if not statement.checked:
            queryset = self.build(shape, values)
            try:
                expected = _compiled(queryset)
            except EmptyResultSet:
                expected = None
            if expected != (statement.sql, params):
                log.error("Statement of %r differs from the ORM's: kept with the ORM", shape)
                self.kept[shape] = None
                return list(queryset)
            statement.checked = True
        with connections[statement.using].cursor() as cursor:
            cursor.execute(statement.sql, params)
            return cursor.fetchall()
