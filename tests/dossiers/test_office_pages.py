"""The officers' pages of the back office: queues, the work page and its action forms, files,
counter intake, the leader's dashboard and notices.

Django's test client against the demo (real units, catalogue, agencies and staff), in
Vietnamese as the portal answers by default. The dossiers are the demo citizen's birth
registrations (1.001193) at the committee of Phường Mũi Né (229.18.01.H68), and the same at the
other demo commune of Lâm Đồng, whose staff must never see ours.
"""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dossiers import lifecycle
from dossiers.dashboard import month_start
from dossiers.models import Channel, Dossier, DossierEvent, Status, Step
from dossiers.models_documents import DocumentKind, DossierDocument, SupplementRequest
from dossiers.models_work import DeniedAction, Extension, Notice, SavedFilter
from dossiers.queues import PAGE_SIZE, visible_queues
from procedures.models import Procedure
from sync.models import OutboxEntry
from tests.dossiers.conftest import HOME, PDF, pdf
from tests.factories.dossiers import BIRTH, as_user, new_dossier, staff_of
from tests.factories.units import MembershipFactory
from units.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

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


@pytest.fixture
def signer_code(submitted):
    """The agency's leader holds a signing position, its certificate and an authenticator;
    calling the fixture's value gives the code the authenticator shows now."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from signatures import ca
    from signatures.models import Position

    leader = staff_of(submitted.agency, Role.LEADER)
    device = TOTPDevice.objects.create(user=leader, name="app", confirmed=True)
    position = Position.objects.create(
        agency=submitted.agency, code="CT-UBND", title="Chủ tịch UBND", holder=leader
    )
    ca.issue(holder=leader, position=position)

    def code() -> str:
        # A wrong code throttles the device for a second or more; the wait is simulated.
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
        value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        return f"{value:0{device.digits}d}"

    return code


# --- Who may open the pages ------------------------------------------------------------------


def test_the_office_asks_for_a_sign_in_and_refuses_citizens(client, submitted, applicant):
    anonymous = client.get("/office/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/?next=/office/")

    assert client.get("/office/queues/counts/").status_code == 302

    citizen = as_user(applicant)
    refused = citizen.get("/office/")
    assert refused.status_code == 403 and refused.context["reason"]
    counts = citizen.get("/office/queues/counts/")
    assert counts.status_code == 403 and "tabs" not in counts.context
    # Even their own dossier: the applicant has their own pages, the office is not one.
    assert citizen.get(f"/office/dossiers/{submitted.code}/").status_code == 404
    assert citizen.get(f"/office/dossiers/{submitted.code}/receipt.pdf").status_code == 404
    assert list(DeniedAction.objects.filter(user=applicant).values_list("action", "reason")) == [
        ("page:receipt", "not a staff member"),
        ("page:dossier", "not a staff member"),
    ]


def test_a_dossier_of_another_agency_is_not_found_and_the_attempt_is_kept(home, elsewhere):
    ours = new_dossier(home)
    stranger = staff_of(elsewhere, Role.RECEIVER)
    before = snapshot(ours)

    page = as_user(stranger).get(f"/office/dossiers/{ours.code}/")
    posted = act(as_user(stranger), ours, "receive")

    assert page.status_code == 404 and posted.status_code == 404
    assert snapshot(ours) == before
    denied = DeniedAction.objects.filter(user=stranger, dossier_code=ours.code)
    assert sorted(denied.values_list("action", flat=True)) == ["page:act", "page:dossier"]
    assert set(denied.values_list("reason", flat=True)) == {"not visible to the user"}


# --- Queues ----------------------------------------------------------------------------------


def test_a_receiver_lands_on_the_reception_queue_of_their_agency_only(home, elsewhere):
    ours = new_dossier(home, name="Nguyễn Thị Mai")
    theirs = new_dossier(elsewhere, name="Trần Văn Hùng")

    response = as_user(staff_of(home, Role.RECEIVER)).get("/office/")

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["queue"].name == "reception"
    assert codes(response) == [ours.code]
    assert "Nguyễn Thị Mai" in html and theirs.code not in html and "Trần Văn Hùng" not in html
    assert f'href="/office/dossiers/{ours.code}/"' in html
    # Live refresh: the table reloads every 30 seconds; the tabs load their counts at once, then
    # every 30 seconds, and what comes back goes on refreshing (without loading again at once).
    assert 'id="queue-live"' in html and 'hx-trigger="every 30s"' in html
    assert 'hx-get="/office/queues/counts/"' in html and 'hx-trigger="load, every 30s"' in html
    assert 'data-testid="count-reception"' not in html
    tabs = as_user(staff_of(home, Role.RECEIVER)).get("/office/queues/counts/")
    assert tab_counts(tabs)["reception"] == 1 and tab_counts(tabs)["overdue"] == 0
    fragment = tabs.content.decode()
    assert fragment.lstrip().startswith('<nav id="queue-tabs"') and "<html" not in fragment
    assert 'hx-trigger="every 30s"' in fragment and "load," not in fragment
    assert 'data-testid="count-reception">1</span>' in fragment
    unknown = as_user(staff_of(home, Role.RECEIVER)).get("/office/queues/counts/?queue=all")
    assert unknown.status_code == 404


def test_each_queue_lists_what_waits_in_it_and_nothing_of_other_agencies(home, elsewhere):
    made = {}
    for agency in (home, elsewhere):
        specialist = staff_of(agency, Role.SPECIALIST)
        leader = staff_of(agency, Role.LEADER)
        receiver = staff_of(agency, Role.RECEIVER)
        waiting = new_dossier(agency)
        mine = to_step(new_dossier(agency), Step.SPECIALIST)
        mine = lifecycle.claim(dossier=mine, actor=specialist)
        supplement = lifecycle.receive(dossier=new_dossier(agency), actor=receiver)
        lifecycle.request_supplement(dossier=supplement, actor=receiver, reason="Thiếu tờ khai")
        late = lifecycle.receive(dossier=new_dossier(agency), actor=receiver)
        Dossier.objects.filter(pk=late.pk).update(
            appointment_at=timezone.now() - dt.timedelta(days=2)
        )
        at_leader = to_step(new_dossier(agency), Step.LEADER)
        signing = lifecycle.approve(dossier=to_step(new_dossier(agency), Step.LEADER), actor=leader)
        # Issuing a written result needs the leader's certificate (tested with the work page).
        ready = lifecycle.receive(dossier=new_dossier(agency), actor=receiver)
        Dossier.objects.filter(pk=ready.pk).update(
            status=Status.RESULT_READY, finished_at=timezone.now()
        )
        made[agency.pk] = {
            "reception": [waiting.code],
            "mine": [mine.code],
            "supplement": [supplement.code],
            "overdue": [late.code],
            "leader": [at_leader.code],
            "signature": [signing.code],
            "return": [ready.code],
        }
    expected = made[home.pk]
    viewers = {
        "reception": Role.RECEIVER,
        "mine": Role.SPECIALIST,
        "supplement": Role.RECEIVER,
        "overdue": Role.LEADER,
        "leader": Role.LEADER,
        "signature": Role.LEADER,
        "return": Role.RECEIVER,
    }

    for queue, role in viewers.items():
        response = as_user(staff_of(home, role)).get("/office/", {"queue": queue})
        assert response.status_code == 200
        assert codes(response) == expected[queue], queue
    overdue = as_user(staff_of(home, Role.LEADER)).get("/office/", {"queue": "overdue"})
    assert [row["overdue"] for row in overdue.context["rows"]] == [True]
    assert "Quá hạn" in overdue.content.decode()
    # A leader's default queue is the one awaiting the leader; a specialist's their own.
    assert as_user(staff_of(home, Role.LEADER)).get("/office/").context["queue"].name == "leader"
    assert as_user(staff_of(home, Role.SPECIALIST)).get("/office/").context["queue"].name == "mine"


def test_a_handed_over_dossier_waits_where_it_is_held_and_every_count_matches_its_rows(
    home, elsewhere
):
    past = timezone.now() - dt.timedelta(days=1)
    ours_late = lifecycle.receive(dossier=new_dossier(home), actor=staff_of(home, Role.RECEIVER))
    Dossier.objects.filter(pk=ours_late.pk).update(appointment_at=past - dt.timedelta(hours=1))
    theirs_here, ours_there = new_dossier(elsewhere), new_dossier(home)
    Dossier.objects.filter(pk=theirs_here.pk).update(
        status=Status.IN_PROCESSING, step=Step.LEADER, holder_agency=home, appointment_at=past
    )
    Dossier.objects.filter(pk=ours_there.pk).update(
        status=Status.IN_PROCESSING, step=Step.LEADER, holder_agency=elsewhere, appointment_at=past
    )

    for agency, overdue, at_leader in (
        (home, [ours_late.code, theirs_here.code], [theirs_here.code]),
        (elsewhere, [ours_there.code], [ours_there.code]),
    ):
        client = as_user(staff_of(agency, Role.LEADER))
        assert codes(client.get("/office/", {"queue": "overdue"})) == overdue
        assert codes(client.get("/office/", {"queue": "leader"})) == at_leader
        counts = tab_counts(client.get("/office/queues/counts/"))
        assert set(counts) == set(visible_queues({Role.LEADER}))  # the leader's tabs
        for queue, count in counts.items():  # every queue is shorter than a page here
            assert count == len(codes(client.get("/office/", {"queue": queue}))), queue


def test_search_finds_a_dossier_by_code_cccd_or_name(home):
    mai = new_dossier(home, name="Nguyễn Thị Mai", cccd="068195000321")
    new_dossier(home, name="Phạm Văn Long", cccd="068188000654")
    client = as_user(staff_of(home, Role.RECEIVER))

    for query in (mai.code, f"  {mai.code.lower()} ", "068195000321", "thị mai"):
        response = client.get("/office/", {"queue": "reception", "q": query})
        assert codes(response) == [mai.code], query
    nothing = client.get("/office/", {"queue": "reception", "q": "Không Có Ai"})
    assert codes(nothing) == [] and nothing.status_code == 200
    both = client.get("/office/", {"queue": "reception", "q": mai.code[:-4]})
    assert len(codes(both)) == 2  # the start of a code: that agency's dossiers of that day


def test_keyset_pages_follow_the_next_link_without_gaps_or_repeats(home):
    made = [new_dossier(home).code for _ in range(PAGE_SIZE + 5)]
    client = as_user(staff_of(home, Role.RECEIVER))

    first = client.get("/office/", {"queue": "reception"})
    link = re.search(r'href="/office/\?([^"]+)" rel="next"', first.content.decode()).group(1)
    second = client.get(f"/office/?{link.replace('&amp;', '&')}")

    assert len(codes(first)) == PAGE_SIZE and len(codes(second)) == 5
    assert codes(first) + codes(second) == made  # oldest submission first
    assert second.context["next_query"] == "" and "Trang sau" in first.content.decode()
    mangled = client.get("/office/", {"queue": "reception", "cursor": "not-a-cursor"})
    assert mangled.status_code == 400 and codes(mangled) == codes(first)


def test_the_next_page_of_my_queue_keeps_the_dossiers_without_an_appointment(home):
    receiver = staff_of(home, Role.RECEIVER)
    soon = timezone.now() + dt.timedelta(days=3)
    dated = [new_dossier(home).pk for _ in range(PAGE_SIZE + 1)]
    Dossier.objects.filter(pk__in=dated).update(
        status=Status.RECEIVED, assignee=receiver, appointment_at=soon
    )
    claimed = [lifecycle.claim(dossier=new_dossier(home), actor=receiver).code for _ in range(2)]
    client = as_user(receiver)

    first = client.get("/office/", {"queue": "mine"})
    second = client.get(f"/office/?{first.context['next_query']}")

    assert codes(second)[-2:] == claimed


def test_htmx_gets_only_the_table(home):
    ours = new_dossier(home)

    response = as_user(staff_of(home, Role.RECEIVER)).get(
        "/office/", {"queue": "reception"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<div id="queue-live"')
    assert ours.code in html and "HX-Request" in response["Vary"]


def test_the_queue_page_makes_the_same_queries_for_3_and_for_40_dossiers(home):
    specialist = staff_of(home, Role.SPECIALIST)
    client = as_user(specialist)
    soon = timezone.now() + dt.timedelta(days=3)

    def hand_over(count):
        made = [new_dossier(home).pk for _ in range(count)]
        Dossier.objects.filter(pk__in=made).update(
            status=Status.IN_PROCESSING,
            step=Step.SPECIALIST,
            assignee=specialist,
            appointment_at=soon,
        )

    def measured():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/office/", {"queue": "mine"})
        rows = [
            q["sql"]
            for q in queries
            if 'FROM "dossiers_dossier"' in q["sql"] and "LIMIT" in q["sql"]
        ]
        return response, len(queries), rows

    hand_over(3)
    client.get("/office/", {"queue": "mine"})  # sessions and caches warmed up
    few, few_queries, few_rows = measured()
    hand_over(37)
    many, many_queries, many_rows = measured()

    assert len(few.context["page"].rows) == 3 and len(many.context["page"].rows) == PAGE_SIZE
    assert few_queries == many_queries
    assert len(few_rows) == len(many_rows) == 1  # one query for the rows, whatever the size
    assert specialist.get_full_name() in many.content.decode()


def test_saved_filters_keep_the_queue_and_search_and_the_same_name_replaces(home):
    receiver = staff_of(home, Role.RECEIVER)
    client = as_user(receiver)

    saved = client.post("/office/filters/", {"name": "Khai sinh", "queue": "reception", "q": "Mai"})
    again = client.post("/office/filters/", {"name": "Khai sinh", "queue": "supplement", "q": ""})
    page = client.get("/office/")
    tabs = client.get("/office/queues/counts/")
    blank = client.post("/office/filters/", {"name": " ", "queue": "reception", "q": ""})

    assert saved.status_code == 302 and saved["Location"] == "/office/?queue=reception&q=Mai"
    assert again.status_code == 302
    assert list(SavedFilter.objects.filter(user=receiver).values_list("name", "query")) == [
        ("Khai sinh", "queue=supplement&q=")
    ]
    # Under the tabs, which come with their counts right after the page.
    assert 'href="/office/?queue=supplement&amp;q="' in tabs.content.decode()
    assert 'data-testid="saved-filters"' not in page.content.decode()
    assert blank.status_code == 400 and blank.context["filter_form"].errors["name"]
    assert 'href="/office/?queue=supplement' in blank.content.decode()  # tabs still lead home


# --- The work page and its actions -------------------------------------------------------------


def test_the_work_page_shows_the_facts_and_only_the_actions_the_officer_may_take(submitted):
    receiver = staff_of(submitted.reception_agency, Role.RECEIVER)
    auditor = staff_of(submitted.reception_agency, Role.AUDITOR)

    response = as_user(receiver).get(f"/office/dossiers/{submitted.code}/")
    read_only = as_user(auditor).get(f"/office/dossiers/{submitted.code}/")

    html = response.content.decode()
    assert response.status_code == 200
    # The step forward first, what ends the dossier last.
    assert form_actions(response) == ["receive", "claim", "request_supplement", "refuse"]
    assert f'name="revision" value="{submitted.revision}"' in html
    assert "Nguyễn Văn An" in html and "068190000123" in html
    assert "Mới đăng ký" in html  # status 1, in Vietnamese
    document = submitted.documents.order_by("pk").first()
    assert f"/office/dossiers/{submitted.code}/documents/{document.pk}/" in html
    assert 'data-testid="receipt-link"' not in html  # not received yet
    assert read_only.status_code == 200 and form_actions(read_only) == []


def test_receiving_with_the_checklist_records_what_was_taken_in(submitted):
    receiver = staff_of(submitted.reception_agency, Role.RECEIVER)
    client = as_user(receiver)
    form = client.get(f"/office/dossiers/{submitted.code}/").context["forms"][0]
    declaration, certificate, identity = form.components

    response = act(
        client,
        submitted,
        "receive",
        **{
            f"doc_{declaration.pk}": "on",
            f"originals_{declaration.pk}": "1",
            f"copies_{declaration.pk}": "2",
            f"originals_{certificate.pk}": "0",
            f"copies_{certificate.pk}": "0",
            f"originals_{identity.pk}": "0",
            f"copies_{identity.pk}": "0",
        },
    )

    submitted.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/office/dossiers/{submitted.code}/"
    assert submitted.status == Status.RECEIVED and submitted.appointment_at is not None
    event = submitted.events.get(new_status=Status.RECEIVED)
    assert event.actor == receiver and event.data["documents"] == [[declaration.name, 1, 2]]
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Được tiếp nhận" in html and 'data-testid="receipt-link"' in html
    assert [str(m) for m in page.context["messages"]]
    receipt = client.get(f"/office/dossiers/{submitted.code}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")
    assert receipt["Content-Disposition"] == (
        f'attachment; filename="giay-tiep-nhan-{submitted.code}.pdf"'
    )


def test_refusal_needs_a_reason_then_gives_form_03(submitted):
    client = as_user(staff_of(submitted.reception_agency, Role.RECEIVER))
    before = snapshot(submitted)

    blank = act(client, submitted, "refuse", reason="  ")
    assert blank.status_code == 400 and snapshot(submitted) == before
    assert "Nêu lý do." in blank.content.decode()
    assert form_of(blank, "refuse").errors["reason"] == ["Nêu lý do."]

    done = act(client, submitted, "refuse", reason="Không thuộc thẩm quyền của xã")
    submitted.refresh_from_db()
    assert done.status_code == 302 and submitted.status == Status.REFUSED
    assert submitted.events.last().note == "Không thuộc thẩm quyền của xã"
    form_03 = client.get(f"/office/dossiers/{submitted.code}/forms/03.pdf")
    assert form_03.status_code == 200 and form_03.content.startswith(b"%PDF")
    assert client.get(f"/office/dossiers/{submitted.code}/forms/05.pdf").status_code == 404
    assert client.get(f"/office/dossiers/{submitted.code}/forms/99.pdf").status_code == 404


def test_bad_input_is_named_at_its_field_in_english_too(submitted, english):
    client = as_user(staff_of(submitted.reception_agency, Role.RECEIVER))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = act(client, submitted, "refuse", reason="")

    html = response.content.decode()
    assert response.status_code == 400
    assert "Give the reason." in html
    assert 'aria-invalid="true"' in html and 'id="id_refuse_reason"' in html
    assert client.post(f"/office/dossiers/{submitted.code}/act/withdraw/").status_code == 404


def test_request_a_supplement_with_items_one_per_line(submitted):
    client = as_user(staff_of(submitted.reception_agency, Role.RECEIVER))

    response = act(
        client,
        submitted,
        "request_supplement",
        reason="Tờ khai chưa ký",
        items="Tờ khai có chữ ký\n\n  Bản sao CCCD  \n",
    )

    submitted.refresh_from_db()
    assert response.status_code == 302 and submitted.status == Status.SUPPLEMENT_REQUESTED
    request = SupplementRequest.objects.get(dossier=submitted)
    assert (request.reason, request.items) == (
        "Tờ khai chưa ký",
        ["Tờ khai có chữ ký", "Bản sao CCCD"],
    )
    page = client.get(f"/office/dossiers/{submitted.code}/").content.decode()
    assert 'data-testid="notice-02"' in page and "Bản sao CCCD" in page
    assert client.get(f"/office/dossiers/{submitted.code}/forms/02.pdf").status_code == 200


def test_every_processing_action_through_the_pages(submitted, signer_code):
    agency = submitted.agency
    receiver, specialist, leader = (
        staff_of(agency, r) for r in (Role.RECEIVER, Role.SPECIALIST, Role.LEADER)
    )
    at_desk, processing, deciding = as_user(receiver), as_user(specialist), as_user(leader)
    lifecycle.receive(dossier=submitted, actor=receiver)

    def state():
        submitted.refresh_from_db()
        return submitted.status, submitted.step

    assert act(at_desk, submitted, "forward", note="Đủ hồ sơ").status_code == 302
    assert state() == (Status.IN_PROCESSING, Step.SPECIALIST)
    page = processing.get(f"/office/dossiers/{submitted.code}/")
    assert "claim" in form_actions(page) and "forward" in form_actions(page)
    assert act(processing, submitted, "claim").status_code == 302
    submitted.refresh_from_db()
    assert submitted.assignee == specialist

    assert (
        act(
            processing, submitted, "request_payment", amount="1.500.000 đ", note="Lệ phí"
        ).status_code
        == 302
    )
    assert state() == (Status.FINANCIAL_OBLIGATION, Step.SPECIALIST)
    assert submitted.events.last().data["amount"] == 1_500_000
    assert "1.500.000 đ" in processing.get(f"/office/dossiers/{submitted.code}/").content.decode()
    paid = act(processing, submitted, "confirm_payment", method="counter", note="Đã nộp")
    assert paid.status_code == 302
    assert state() == (Status.IN_PROCESSING, Step.SPECIALIST)

    assert act(processing, submitted, "forward", note="Đề nghị phê duyệt").status_code == 302
    assert state() == (Status.IN_PROCESSING, Step.LEADER)
    later = timezone.localtime(submitted.appointment_at) + dt.timedelta(days=3)
    extended = act(
        deciding,
        submitted,
        "extend",
        new_date=later.strftime("%Y-%m-%d"),
        new_time="10:30",
        reason="Cần xác minh thêm",
    )
    assert extended.status_code == 302
    extension = Extension.objects.get(dossier=submitted)
    assert timezone.localtime(extension.new_appointment).strftime("%H:%M %d/%m/%Y") == (
        f"10:30 {later:%d/%m/%Y}"
    )
    assert deciding.get(f"/office/dossiers/{submitted.code}/forms/04.pdf").status_code == 200

    assert act(deciding, submitted, "send_back", note="Bổ sung ý kiến").status_code == 302
    assert state() == (Status.IN_PROCESSING, Step.SPECIALIST)
    assert act(processing, submitted, "forward").status_code == 302
    assert act(deciding, submitted, "approve", note="Đồng ý").status_code == 302
    assert state() == (Status.IN_PROCESSING, Step.SIGNATURE)

    no_file = act(deciding, submitted, "attach_result")
    assert no_file.status_code == 400 and form_of(no_file, "attach_result").errors["file"]
    uploaded = act(deciding, submitted, "attach_result", file=pdf("giay-khai-sinh.pdf"))
    assert uploaded.status_code == 302
    assert submitted.documents.get(kind=DocumentKind.RESULT).original_name == "giay-khai-sinh.pdf"
    assert act(deciding, submitted, "attach_result", generate="1").status_code == 302
    assert submitted.documents.filter(kind=DocumentKind.RESULT).count() == 2

    # A written result is signed with the leader's certificate, which asks for their code.
    unsigned = act(deciding, submitted, "issue_result", signed_file=pdf("ket-qua.pdf"))
    assert unsigned.status_code == 409 and form_of(unsigned, "issue_result").errors["signed_file"]
    wrong = act(deciding, submitted, "issue_result", otp_token="000000")
    assert wrong.status_code == 409 and state() == (Status.IN_PROCESSING, Step.SIGNATURE)
    assert form_of(wrong, "issue_result").errors["otp_token"]
    signed = act(deciding, submitted, "issue_result", otp_token=signer_code())
    assert signed.status_code == 302, form_of(signed, "issue_result").errors
    assert state() == (Status.RESULT_READY, Step.NONE)
    signed = submitted.documents.filter(kind=DocumentKind.RESULT).latest("id")
    assert signed.original_name.endswith("-da-ky.pdf")

    assert act(at_desk, submitted, "return_result", method="post").status_code == 302
    assert state() == (Status.RETURNED, Step.NONE)
    assert submitted.events.last().data["method"] == "post"
    timeline = at_desk.get(f"/office/dossiers/{submitted.code}/")
    assert len(timeline.context["events"]) == submitted.events.count()
    assert "Đã trả kết quả" in timeline.content.decode()


def test_assign_hand_over_and_hand_back(submitted, elsewhere):
    agency = submitted.agency
    dossier = to_step(submitted, Step.SPECIALIST)
    specialist = staff_of(agency, Role.SPECIALIST)
    head = as_user(staff_of(agency, Role.LEADER))

    page = head.get(f"/office/dossiers/{dossier.code}/")
    assign = form_of(page, "assign")
    assert str(specialist.pk) in dict(assign.fields["to"].choices)
    assert act(head, dossier, "assign", to="999999").status_code == 400
    assert act(head, dossier, "assign", to=str(specialist.pk)).status_code == 302
    dossier.refresh_from_db()
    assert dossier.assignee == specialist

    handed = act(
        as_user(specialist), dossier, "hand_over", to=elsewhere.identifier, note="Xác minh"
    )
    dossier.refresh_from_db()
    assert handed.status_code == 302 and dossier.holder_agency == elsewhere
    other = as_user(staff_of(elsewhere, Role.SPECIALIST))
    assert "hand_back" in form_actions(other.get(f"/office/dossiers/{dossier.code}/"))
    assert act(other, dossier, "hand_back", note="Đã xác minh").status_code == 302
    dossier.refresh_from_db()
    assert dossier.holder_agency is None and dossier.status == Status.IN_PROCESSING


def test_the_leader_stops_processing_with_form_05(submitted):
    leader = as_user(staff_of(submitted.agency, Role.LEADER))
    dossier = to_step(submitted, Step.SPECIALIST)

    assert act(leader, dossier, "stop", reason="Người yêu cầu đã mất").status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.STOPPED
    assert leader.get(f"/office/dossiers/{dossier.code}/forms/05.pdf").status_code == 200


def test_a_stale_page_answers_409_with_what_changed_and_keeps_the_note(submitted):
    receiver = staff_of(submitted.reception_agency, Role.RECEIVER)
    seen = lifecycle.receive(dossier=submitted, actor=receiver).revision
    colleague = MembershipFactory(agency=submitted.reception_agency, role=Role.RECEIVER).user
    lifecycle.claim(dossier=submitted, actor=colleague)
    before = snapshot(submitted)

    response = act(as_user(receiver), submitted, "forward", revision=seen, note="Ghi chú tôi đã gõ")

    html = response.content.decode()
    assert response.status_code == 409 and snapshot(submitted) == before
    assert 'data-testid="stale"' in html
    assert [e.data["action"] for e in response.context["stale_events"]] == ["claim"]
    assert colleague.get_full_name() in html
    forward = form_of(response, "forward")
    assert forward["note"].value() == "Ghi chú tôi đã gõ"
    assert forward["revision"].value() == submitted.revision
    assert "Ghi chú tôi đã gõ</textarea>" in html


def test_a_refusal_typed_on_a_page_overtaken_by_a_reception_is_kept_for_the_officer(submitted):
    receiver = staff_of(submitted.reception_agency, Role.RECEIVER)
    seen = submitted.revision
    lifecycle.receive(dossier=submitted, actor=receiver)

    response = act(
        as_user(receiver), submitted, "refuse", revision=seen, reason="Thiếu chữ ký người khai"
    )

    assert response.status_code == 409
    assert "refuse" not in form_actions(response)  # a received dossier cannot be refused
    assert [value for _label, value in response.context["kept"]] == ["Thiếu chữ ký người khai"]
    assert "Thiếu chữ ký người khai" in response.content.decode()


def test_a_second_officer_taking_it_in_hand_gets_a_conflict_at_the_form(submitted):
    first = staff_of(submitted.reception_agency, Role.RECEIVER)
    second = MembershipFactory(agency=submitted.reception_agency, role=Role.RECEIVER).user
    lifecycle.claim(dossier=submitted, actor=first)
    before = snapshot(submitted)

    response = act(as_user(second), submitted, "claim")

    assert response.status_code == 409 and snapshot(submitted) == before
    claim = form_of(response, "claim")
    assert first.get_full_name() in claim.non_field_errors()[0]


def test_a_role_that_may_not_act_gets_403_and_nothing_changes(submitted):
    specialist = staff_of(submitted.reception_agency, Role.SPECIALIST)
    before = snapshot(submitted)

    response = act(as_user(specialist), submitted, "receive", **checklist(submitted))

    assert response.status_code == 403 and snapshot(submitted) == before
    assert response.context["reason"]
    assert DeniedAction.objects.filter(
        user=specialist, action="receive", dossier_code=submitted.code
    ).exists()


def test_an_extension_earlier_than_the_appointment_is_refused_at_the_date(submitted):
    leader = as_user(staff_of(submitted.agency, Role.LEADER))
    dossier = lifecycle.receive(dossier=submitted, actor=staff_of(submitted.agency, Role.RECEIVER))
    before = snapshot(dossier)
    earlier = timezone.localtime(dossier.appointment_at) - dt.timedelta(days=1)

    wrong = act(leader, dossier, "extend", new_date="31/02/2026", new_time="10:00", reason="x")
    refused = act(
        leader,
        dossier,
        "extend",
        new_date=earlier.strftime("%Y-%m-%d"),
        new_time="08:00",
        reason="Cần xác minh",
    )

    assert wrong.status_code == 400
    assert refused.status_code == 409 and snapshot(dossier) == before
    extend = form_of(refused, "extend")
    assert extend.errors["new_date"] == ["Ngày hẹn mới phải sau ngày hẹn hiện tại."]
    assert extend["reason"].value() == "Cần xác minh"


def test_an_amount_that_is_not_a_number_is_refused_at_its_field(submitted):
    specialist = staff_of(submitted.agency, Role.SPECIALIST)
    dossier = to_step(submitted, Step.SPECIALIST)
    before = snapshot(dossier)

    response = act(as_user(specialist), dossier, "request_payment", amount="mười nghìn")

    assert response.status_code == 400 and snapshot(dossier) == before
    payment = form_of(response, "request_payment")
    assert list(payment.errors) == ["amount"]


def test_a_result_that_is_not_a_pdf_is_refused(submitted):
    leader = staff_of(submitted.agency, Role.LEADER)
    dossier = lifecycle.approve(dossier=to_step(submitted, Step.LEADER), actor=leader)

    response = act(
        as_user(leader),
        dossier,
        "attach_result",
        file=SimpleUploadedFile("ket-qua.pdf", EXE, "application/pdf"),
    )

    assert response.status_code == 400
    assert not dossier.documents.filter(kind=DocumentKind.RESULT).exists()
    attach = form_of(response, "attach_result")
    assert attach.errors["file"]


# --- Files -------------------------------------------------------------------------------------


def test_files_only_for_those_who_may_see_the_dossier(submitted, elsewhere):
    document = submitted.documents.order_by("pk").first()
    url = f"/office/dossiers/{submitted.code}/documents/{document.pk}/"
    receiver = as_user(staff_of(submitted.reception_agency, Role.RECEIVER))
    stranger_user = staff_of(elsewhere, Role.RECEIVER)
    stranger = as_user(stranger_user)

    mine = receiver.get(url)
    assert mine.status_code == 200 and b"".join(mine.streaming_content) == PDF
    assert stranger.get(url).status_code == 404
    assert stranger.get(f"/office/dossiers/{submitted.code}/receipt.pdf").status_code == 404
    assert stranger.get(f"/office/dossiers/{submitted.code}/forms/02.pdf").status_code == 404
    assert receiver.get(f"/office/dossiers/{submitted.code}/receipt.pdf").status_code == 404
    assert receiver.get(f"/office/dossiers/{submitted.code}/documents/999999/").status_code == 404
    assert set(
        DeniedAction.objects.filter(user=stranger_user).values_list("action", flat=True)
    ) == {"page:document", "page:receipt", "page:notice"}


def test_a_document_held_by_link_only_sends_the_officer_there(submitted):
    remote = DossierDocument.objects.create(
        dossier=submitted,
        original_name="to-khai.pdf",
        remote_url="https://dichvucong.gov.vn/files/to-khai.pdf",
    )
    receiver = as_user(staff_of(submitted.reception_agency, Role.RECEIVER))

    response = receiver.get(f"/office/dossiers/{submitted.code}/documents/{remote.pk}/")

    assert response.status_code == 302
    assert response["Location"] == "https://dichvucong.gov.vn/files/to-khai.pdf"


# --- Counter intake ----------------------------------------------------------------------------


def intake_data(**extra) -> dict:
    version = Procedure.objects.get(code=BIRTH).current_version
    case = version.cases.first()
    files = {
        f"file-{c.pk}": pdf("to-khai-quet.pdf")
        for c in case.components.all()
        if c.originals or c.copies
    }
    return {
        "procedure": BIRTH,
        "reception_agency": HOME,
        "case": str(case.pk),
        "applicant_name": "Nguyễn Văn An",
        "applicant_id_number": "068190000123",
        "applicant_phone": "0912345678",
        "applicant_email": "",
        "applicant_address": "15 Nguyễn Đình Chiểu",
        "applicant_commune": "22918",
        "result_delivery": "counter",
        **files,
        **extra,
    }


def test_counter_intake_registers_and_receives_a_walk_in_dossier(home, applicant):
    receiver = staff_of(home, Role.RECEIVER)
    client = as_user(receiver)

    search = client.get("/office/intake/", {"q": "khai sinh"}, HTTP_HX_REQUEST="true")
    assert BIRTH in [p.code for p in search.context["results"]]
    assert "<html" not in search.content.decode()
    blank = client.get("/office/intake/", {"procedure": BIRTH})
    assert blank.status_code == 200
    assert blank.context["form"]["applicant_commune"].value() == "22918"

    response = client.post("/office/intake/", intake_data())

    dossier = Dossier.objects.get(channel=Channel.DIRECT, applicant_id_number="068190000123")
    assert response.status_code == 302
    assert response["Location"] == f"/office/dossiers/{dossier.code}/"
    assert (dossier.status, dossier.applicant, dossier.reception_agency) == (
        Status.RECEIVED,
        applicant,
        home,
    )
    assert dossier.code.startswith(f"{HOME}-")
    assert dossier.documents.count() == 2  # the declaration and the birth certificate
    document = dossier.documents.order_by("pk").first()
    assert (document.kind, document.is_digitised, document.uploaded_by) == (
        DocumentKind.SUBMITTED,
        True,
        receiver,
    )
    received = dossier.events.get(new_status=Status.RECEIVED)
    assert received.actor == receiver and received.data["documents"][0][1:] == [1, 0]
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="receipt-link"' in page
    # The citizen finds it among their dossiers.
    assert as_user(applicant).get(f"/my/dossiers/{dossier.code}/").status_code == 200


def test_counter_intake_refuses_a_renamed_executable_and_keeps_what_was_typed(home):
    client = as_user(staff_of(home, Role.RECEIVER))
    data = intake_data()
    field = next(name for name in data if name.startswith("file-"))
    data[field] = SimpleUploadedFile("to-khai.pdf", EXE, content_type="application/pdf")
    before = Dossier.objects.count()

    response = client.post("/office/intake/", data)

    html = response.content.decode()
    assert response.status_code == 400 and Dossier.objects.count() == before
    assert "Chỉ nhận tệp PDF, JPEG, PNG và DOCX" in html
    assert f'id="{field}_error"' in html and 'aria-invalid="true"' in html
    assert 'value="Nguyễn Văn An"' in html and 'value="15 Nguyễn Đình Chiểu"' in html
    assert 'value="0912345678"' in html


def test_an_officer_receiving_for_two_agencies_chooses_where(home, elsewhere):
    receiver = staff_of(home, Role.RECEIVER)
    MembershipFactory(user=receiver, agency=elsewhere, role=Role.RECEIVER)
    client = as_user(receiver)

    page = client.get("/office/intake/", {"procedure": BIRTH})
    done = client.post("/office/intake/", intake_data(reception_agency=elsewhere.identifier))

    choices = dict(page.context["form"].fields["reception_agency"].choices)
    assert set(choices) == {HOME, elsewhere.identifier}
    assert '<select name="reception_agency"' in page.content.decode()
    dossier = Dossier.objects.get(channel=Channel.DIRECT)
    assert done.status_code == 302 and dossier.reception_agency == elsewhere
    assert dossier.code.startswith(f"{elsewhere.identifier}-")
    assert dossier.agency == home  # the applicant lives in Mũi Né: Mũi Né settles it


def test_counter_intake_checks_the_cccd_and_is_for_receivers_only(home):
    client = as_user(staff_of(home, Role.RECEIVER))

    wrong = client.post("/office/intake/", intake_data(applicant_id_number="12345"))

    assert wrong.status_code == 400
    assert wrong.context["form"].errors["applicant_id_number"] == [
        "Số căn cước công dân (CCCD) gồm đúng 12 chữ số."
    ]
    assert as_user(staff_of(home, Role.SPECIALIST)).get("/office/intake/").status_code == 403


# --- Dashboard ---------------------------------------------------------------------------------


@pytest.fixture
def month_of_three(home):
    """Three dossiers received this month: one resolved late, one late in progress, one on time."""
    now = timezone.now()
    start = month_start(now)
    span = now - start
    received, due, finished = (start + span * k for k in (0.25, 0.5, 0.75))
    resolved, late, on_time = (new_dossier(home) for _ in range(3))
    Dossier.objects.filter(pk=resolved.pk).update(
        status=Status.RESULT_READY, received_at=received, appointment_at=due, finished_at=finished
    )
    Dossier.objects.filter(pk=late.pk).update(
        status=Status.IN_PROCESSING, step=Step.SPECIALIST, received_at=received, appointment_at=due
    )
    Dossier.objects.filter(pk=on_time.pk).update(
        status=Status.IN_PROCESSING,
        step=Step.SPECIALIST,
        received_at=received,
        appointment_at=now + dt.timedelta(days=3),
    )
    return {"resolved": resolved, "late": late, "on_time": on_time}


def test_the_dashboard_counts_the_month_and_its_on_time_rate(home, month_of_three):
    response = as_user(staff_of(home, Role.LEADER)).get("/office/dashboard/")

    board = response.context["board"]
    html = response.content.decode()
    assert response.status_code == 200
    assert (board.received, board.carried_over, board.late_resolved, board.late_in_progress) == (
        3,
        0,
        1,
        1,
    )
    assert board.on_time_rate == 33.33 and "33,33 %" in html
    assert dict(response.context["by_status"])[Status.IN_PROCESSING.label] == 2
    late = month_of_three["late"]
    assert [d.code for d in board.overdue] == [late.code]
    assert f'href="/office/dossiers/{late.code}/"' in html  # the leader may open it


def test_a_province_admin_sees_the_figures_but_no_work_page_links(home, month_of_three):
    from django.contrib.auth import get_user_model

    admin = as_user(get_user_model().objects.get(username="province_admin.p68"))
    late = month_of_three["late"]

    province = admin.get("/office/dashboard/")
    narrowed = admin.get("/office/dashboard/", {"agency": HOME})
    unknown = admin.get("/office/dashboard/", {"agency": "000.00.01.H01"})

    assert province.status_code == 200 and len(province.context["chosen"]) > 2
    assert province.context["board"].on_time_rate == 33.33
    # Statistics, not files: the overdue dossier is counted for its agency, not listed.
    assert late.code not in province.content.decode()
    assert late.applicant_name not in province.content.decode()
    assert [(r.agency, r.count) for r in province.context["board"].overdue_elsewhere] == [
        (home.name, 1)
    ]
    assert [a.identifier for a in narrowed.context["chosen"]] == [HOME]
    assert unknown.status_code == 400 and unknown.context["form"].errors["agency"]
    assert as_user(staff_of(home, Role.RECEIVER)).get("/office/dashboard/").status_code == 403


def test_an_empty_month_shows_a_dash_for_the_rate(home):
    response = as_user(staff_of(home, Role.LEADER)).get("/office/dashboard/")

    assert response.context["board"].on_time_rate is None
    assert 'data-testid="on-time-rate">—</p>' in response.content.decode()


def test_the_dashboard_shows_the_workload_per_officer(home, month_of_three):
    specialist = staff_of(home, Role.SPECIALIST)
    Dossier.objects.filter(pk=month_of_three["late"].pk).update(assignee=specialist)

    response = as_user(staff_of(home, Role.LEADER)).get("/office/dashboard/")

    workload = response.context["board"].workload
    assert [(w.user_id, w.open, w.overdue) for w in workload] == [(specialist.pk, 1, 1)]
    assert specialist.get_full_name() in response.content.decode()


# --- Notices -----------------------------------------------------------------------------------


def test_notices_newest_first_with_the_unread_count_and_mark_all_read(home):
    receiver = staff_of(home, Role.RECEIVER)
    other = staff_of(home, Role.LEADER)
    old = Notice.objects.create(user=receiver, kind="due_soon:1", text="Một hồ sơ sắp đến hạn.")
    Notice.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    Notice.objects.create(
        user=receiver, kind="overdue:2", text="Hai hồ sơ quá hạn.", url="/office/?queue=overdue"
    )
    Notice.objects.create(user=other, kind="overdue:2", text="Của người khác.")
    client = as_user(receiver)

    page = client.get("/office/notices/")
    html = page.content.decode()
    assert [n.text for n in page.context["notices"]] == [
        "Hai hồ sơ quá hạn.",
        "Một hồ sơ sắp đến hạn.",
    ]
    assert "Của người khác." not in html
    assert page.context["office"]["unread"] == 2 and 'data-testid="unread-count">2' in html
    assert 'href="/office/?queue=overdue"' in html

    marked = client.post("/office/notices/")
    assert marked.status_code == 302
    assert not Notice.objects.filter(user=receiver, read_at__isnull=True).exists()
    assert Notice.objects.get(user=other).read_at is None
    assert client.get("/office/").context["office"]["unread"] == 0


def test_odd_addresses_never_answer_500(home, submitted):
    client = as_user(staff_of(home, Role.RECEIVER))

    assert client.get("/office/", {"queue": "khong-co"}).status_code == 404
    assert client.get("/office/", {"q": "x" * 5000}).status_code == 200
    assert client.get("/office/notices/", {"page": "abc"}).status_code == 200
    unknown = client.get("/office/intake/", {"procedure": "9.999999"})
    assert unknown.status_code == 200 and unknown.context["unknown"] == "9.999999"
    assert client.get("/office/intake/").status_code == 200
    assert client.get(f"/office/dossiers/{submitted.code}/forms/x.pdf").status_code == 404
    assert client.post(f"/office/dossiers/{submitted.code}/act/claim/", {}).status_code == 400
    assert client.get(f"/office/dossiers/{submitted.code}/act/claim/").status_code == 405


def test_the_menu_links_staff_to_their_work(home):
    html = as_user(staff_of(home, Role.RECEIVER)).get("/staff/").content.decode()

    assert 'href="/office/"' in html and "portal/office.css" in html
