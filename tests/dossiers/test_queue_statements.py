"""A queue page's SQL is compiled once per shape and its values bound per request
(``dossiers.office.statements``): bound or built by the ORM, every page is the same.

Every queue, for officers of each role and of two agencies, without and with each kind of
search, on page 1 and after a cursor (and after a keyless row, in "Mine"): the SQL and the
parameters the statement binds equal what the ORM compiles for the same request, and the rows
are the same; and the search of all queues likewise. Then what keeps a mistake from showing one
agency's dossiers to another: two officers of two agencies share a shape but never rows; a
shape whose value would be written into the SQL stays with the ORM; a statement that disagrees
with the ORM on its first use is dropped.
"""

import base64
import json
import logging

import pytest
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dossiers import lifecycle
from dossiers.models import Dossier, Status, Step
from dossiers.office import queues, search, statements
from dossiers.office.queues import (
    QUEUES,
    due_soon_limit_kept,
    encode_cursor,
    page_request,
    queue_page,
    search_terms,
    visible_queues,
    working_agencies,
    working_roles,
)
from tests.dossiers.office_helpers import (
    _no_second_factor,  # noqa: F401 (autouse)
    to_step,
)
from tests.factories.dossiers import as_user, new_dossier, staff_of
from units.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

NAMES = ("Nguyễn Thị Mai", "Trần Văn Hùng", "Lê Thị Mai Anh", "Phạm 100%_Mai", "Phạm 1000 Mai")


@pytest.fixture
def world(home, elsewhere):
    """Dossiers in every queue at both agencies: submitted, received, at each step, waiting for
    a supplement, assigned to the receiver, with a result ready."""
    made = {}
    for agency in (home, elsewhere):
        receiver = staff_of(agency, Role.RECEIVER)
        for number, name in enumerate(NAMES):
            new_dossier(agency, name=name, cccd=f"0682000001{number:02d}")
        received = new_dossier(agency, name="Võ Văn Mai", cccd="068200000200")
        lifecycle.receive(dossier=received, actor=receiver)
        for step in (Step.SPECIALIST, Step.LEADER):
            to_step(new_dossier(agency, name=f"Đỗ Mai {step}", cccd="068200000300"), step)
        approved = to_step(new_dossier(agency, name="Hồ Văn Mai", cccd="068200000301"), Step.LEADER)
        lifecycle.approve(dossier=approved, actor=staff_of(agency, Role.LEADER))
        held = new_dossier(agency, name="Bùi Thị Mai", cccd="068200000400")
        lifecycle.receive(dossier=held, actor=receiver)
        lifecycle.claim(dossier=held, actor=receiver)
        made[agency.pk] = receiver
    return made


def _officers(home, elsewhere):
    """``(officer, agency)`` for each role working dossiers at home and two elsewhere."""
    return [
        (staff_of(home, role), home) for role in (Role.RECEIVER, Role.SPECIALIST, Role.LEADER)
    ] + [(staff_of(elsewhere, role), elsewhere) for role in (Role.RECEIVER, Role.SPECIALIST)]


def _searches(agency):
    code = Dossier.objects.filter(agency=agency).order_by("id").values_list("code", flat=True)[0]
    # No search, a name, a name with LIKE's wildcards (found as written), a code's start, a
    # code, a 12-digit and a 9-digit identity number.
    return ["", "mai", "100%_m", code[:8].lower(), code, "068200000101", "068200000"]


def _orm(shape, values):
    queryset = queues.page_queryset(shape, values)
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    return sql, list(params), list(queryset)


def _both_ways(user, name, **ask):
    """The statement's SQL, parameters and rows, and the ORM's, for one request."""
    shape, values = page_request(user, name, **ask)
    statement = statements.prepare(queues.page_queryset, shape, values)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.bind(values))
        rows = cursor.fetchall()
    return (statement.sql, statement.bind(values), rows), _orm(shape, values)


def test_every_queue_search_and_cursor_binds_what_the_orm_compiles(world, home, elsewhere):
    compared = 0
    non_empty = 0
    for user, agency in _officers(home, elsewhere):
        for name in QUEUES:
            for q in _searches(agency):
                for size in (1, 25):
                    bound, orm = _both_ways(user, name, q=q, size=size)
                    assert bound == orm, (user.username, name, q, size)
                    compared += 1
                    rows = orm[2]
                    non_empty += bool(rows)
                    if len(rows) > size:  # the next page, after the last row shown
                        last = queue_page(user, name, q=q, size=size).rows[-1]
                        key = getattr(last, QUEUES[name].key)
                        cursor = encode_cursor(key, last.pk)
                        bound, orm = _both_ways(user, name, q=q, size=size, cursor=cursor)
                        assert bound == orm, (user.username, name, q, size, "cursor")
                        compared += 1
    assert compared > 600 and non_empty > 100


def test_like_wildcards_in_a_search_are_matched_as_written(world, home):
    receiver = staff_of(home, Role.RECEIVER)
    queues.page_statements.kept.clear()
    for _ in range(2):  # prepared and checked, then bound
        page = queue_page(receiver, "reception", q="100%_m")
        assert [row.applicant_name for row in page.rows] == ["Phạm 100%_Mai"]


def test_after_a_keyless_row_mine_binds_what_the_orm_compiles(world, home):
    specialist = staff_of(home, Role.SPECIALIST)
    for q in ("", "mai"):
        bound, orm = _both_ways(specialist, "mine", q=q, cursor=encode_cursor(None, 1))
        assert bound == orm
        assert "IS NULL" in bound[0]


def test_pages_read_through_the_statements_equal_the_orm_s_and_take_one_query(world, home):
    receiver = staff_of(home, Role.RECEIVER)
    queues.page_statements.kept.clear()
    for name in ("reception", "mine", "to_take", "overdue"):
        first = queue_page(receiver, name, q="mai", size=2)  # prepared, checked against the ORM
        with CaptureQueriesContext(connection) as captured:
            again = queue_page(receiver, name, q="mai", size=2)  # bound only
        assert again == first
        shape, values = page_request(receiver, name, q="mai", size=2)
        assert [row.pk for row in again.rows] == [row[0] for row in _orm(shape, values)[2][:2]]
        assert queues.page_statements.kept[shape].checked
        assert len(captured) == 1 and "dossiers_dossier" in captured[0]["sql"]


def test_two_agencies_share_a_shape_never_their_rows(world, home, elsewhere):
    ours, theirs = staff_of(home, Role.RECEIVER), staff_of(elsewhere, Role.RECEIVER)
    queues.page_statements.kept.clear()
    our_page = queue_page(ours, "reception")
    their_page = queue_page(theirs, "reception")
    our_again, their_again = queue_page(ours, "reception"), queue_page(theirs, "reception")

    assert page_request(ours, "reception")[0] == page_request(theirs, "reception")[0]
    assert len(queues.page_statements.kept) == 1
    ours_codes = {row.code for row in our_again.rows}
    theirs_codes = {row.code for row in their_again.rows}
    assert len(ours_codes) == len(NAMES) and len(theirs_codes) == len(NAMES)
    assert ours_codes == set(
        Dossier.objects.filter(agency=home, status=Status.SUBMITTED).values_list("code", flat=True)
    )
    assert not ours_codes & theirs_codes
    assert our_again == our_page and their_again == their_page


def test_a_value_written_into_the_sql_keeps_the_shape_with_the_orm(world, home):
    """A build that writes a value into the SQL text (here the officer's id) gives a different
    SQL for each set of stand-ins: the shape is never bound, each request builds its own."""
    receiver = staff_of(home, Role.RECEIVER)

    def inlined(shape, values):
        written = RawSQL(f"assignee_id = {int(values.user_id)}", (), BooleanField())  # noqa: S611
        return Dossier.objects.filter(written).values_list("code")

    kept = statements.Statements(inlined)
    shape, values = page_request(receiver, "mine")
    with pytest.raises(statements.Unpreparable):
        statements.prepare(inlined, shape, values)
    assert kept.rows(shape, values) == list(inlined(shape, values))
    assert kept.rows(shape, values) == [
        (code,) for code in Dossier.objects.filter(assignee=receiver).values_list("code", flat=True)
    ]
    assert kept.kept == {shape: None}


def test_a_statement_that_disagrees_with_the_orm_is_dropped_on_first_use(
    world, home, elsewhere, monkeypatch, caplog
):
    """Were a statement to bind a value in the wrong place (here: another agency's id instead of
    the officer's), its first use is checked against the ORM: the page comes from the ORM, the
    shape stays with it, and the error is logged."""
    ours = staff_of(home, Role.RECEIVER)
    prepare = statements.prepare

    def wrong(build, shape, values):
        statement = prepare(build, shape, values)
        statement.slots = tuple(
            ("const", elsewhere.pk) if slot[:2] == ("value", "agencies") else slot
            for slot in statement.slots
        )
        return statement

    monkeypatch.setattr(statements, "prepare", wrong)
    queues.page_statements.kept.clear()
    with caplog.at_level(logging.ERROR, logger="dossiers.office.statements"):
        page = queue_page(ours, "reception")
    shape, _values = page_request(ours, "reception")

    assert {row.code for row in page.rows} == set(
        Dossier.objects.filter(agency=home, status=Status.SUBMITTED).values_list("code", flat=True)
    )
    assert queues.page_statements.kept[shape] is None
    assert "differs from the ORM" in caplog.text
    assert queue_page(ours, "reception") == page


def test_the_search_of_all_queues_binds_what_the_orm_compiles(world, home, elsewhere):
    """The search panel's one statement (``search.search_queryset``), both ways, for officers of
    each role and every kind of search; then read through its statements, kept and checked."""
    now = timezone.now()
    search.search_statements.kept.clear()
    for user, agency in _officers(home, elsewhere):
        names = visible_queues(working_roles(user))
        agencies = working_agencies(user)
        for q in _searches(agency)[1:]:
            shape = search.SearchShape(
                names=tuple(names),
                roles=tuple(sorted(working_roles(user))),
                agencies=len(agencies),
                search=search_terms(q)[0],
                size=search.HITS,
            )
            values = search.SearchValues(
                user_id=user.pk,
                agencies=agencies,
                now=now,
                due=due_soon_limit_kept(now),
                search=search_terms(q)[1],
            )
            statement = statements.prepare(search.search_queryset, shape, values)
            orm = search.search_queryset(shape, values)
            sql, params = orm.query.get_compiler(orm.db).as_sql()
            assert (statement.sql, statement.bind(values)) == (sql, list(params)), (user, q)

            found = search.search_everywhere(user, q, names=names, agencies=agencies, now=now)
            again = search.search_everywhere(user, q, names=names, agencies=agencies, now=now)
            assert again == found
            assert [hit.row.pk for hit in found.hits] == [row[0] for row in orm]
    kept = search.search_statements.kept
    assert kept and all(statement is not None and statement.checked for statement in kept.values())


def test_a_cursor_whose_moment_has_no_offset_is_refused(world, home):
    """The portal's cursors carry their moment's offset; one without (made by hand) would compare
    in another time zone than the ORM's: the API refuses it, the page starts again."""
    receiver = staff_of(home, Role.RECEIVER)
    naive = base64.urlsafe_b64encode(json.dumps(["2026-01-02T03:04:05", 1]).encode()).decode()
    queues.page_statements.kept.clear()

    with pytest.raises(ValueError):
        queue_page(receiver, "mine", cursor=naive.rstrip("="))
    answer = as_user(receiver).get("/api/v1/queues/mine/", {"cursor": naive.rstrip("=")})

    assert answer.status_code == 400 and "cursor" in answer.json()
    assert queues.page_statements.kept == {}
