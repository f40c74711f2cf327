"""The site header for each kind of visitor, and the small defects a newcomer met: the staff
page's links, the internal note on a procedure page, the draft made by merely opening the
submission form, the statistics' default province, the report form's dates, a CSV export's 400.

Pages read in Vietnamese (the default language), as a newcomer sees them.
"""

import re
from html import unescape
from urllib.parse import quote

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from dossiers.models_documents import DossierDraft
from portal.models import CitizenProfile
from tests.factories import AgencyFactory, MembershipFactory
from tests.factories.dossiers import as_user, staff_of
from units.models import Agency, AgencyKind, Role, Unit

pytestmark = [pytest.mark.django_db]

BIRTH = "1.001193"
HOME = "229.18.01.H68"  # the demo committee of Phường Mũi Né, Lâm Đồng (68)


@pytest.fixture
def demo(demo_readonly, db):
    """The demo data, loaded once for the module; each test's changes are rolled back."""


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.STAFF_OTP_REQUIRED = False  # the second factor has its own tests


def nav_of(html: str) -> str:
    return re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)


def main_of(html: str) -> str:
    return re.search(r"<main.*?</main>", html, re.S).group(0)


def an():
    return CitizenProfile.objects.get(cccd="068190000123").user


def home_agency() -> Agency:
    return Agency.objects.select_related("unit").get(identifier=HOME)


def province_admin_of(code: str):
    agency = AgencyFactory(
        unit=Unit.objects.get(code=code),
        kind=AgencyKind.PROVINCE_SERVICE_CENTRE,
        identifier=f"990.{code}.00.X97",
    )
    return MembershipFactory(agency=agency, role=Role.PROVINCE_ADMIN).user


# --- The header ---------------------------------------------------------------------------------


def test_a_signed_out_visitor_is_offered_the_citizen_and_the_staff_sign_in(client, demo):
    html = client.get(f"/procedures/{BIRTH}/").content.decode()
    nav = nav_of(html)

    citizen = re.search(r'<a [^>]*data-testid="citizen-sign-in"[^>]*>(.*?)</a>', nav, re.S)
    assert citizen is not None
    assert f'href="/eid/login/?next={quote(f"/procedures/{BIRTH}/")}"' in citizen.group(0)
    assert re.sub(r"<[^>]+>|\s+", " ", citizen.group(1)).split() == ["Đăng", "nhập", "VNeID"]
    staff = re.search(r'<a href="/accounts/login/"[^>]*>(.*?)</a>', nav, re.S)
    assert staff.group(1) == "Cán bộ đăng nhập"
    assert "Hồ sơ của tôi" not in nav and "Đăng xuất" not in nav
    # The menu button, for phones, and the link that stands in for it without JavaScript.
    assert 'aria-controls="site-menu"' in nav and 'aria-expanded="false"' in nav
    assert 'href="#site-menu"' in nav and 'id="site-menu"' in nav

    # The citizen sign-in takes them through the (mock) e-ID and back to the page.
    followed = client.get(f"/eid/login/?next=/procedures/{BIRTH}/")
    assert followed.status_code == 302
    assert followed["Location"] == f"/eid/mock/?next=%2Fprocedures%2F{BIRTH}%2F"


def test_a_signed_in_citizen_sees_their_dossiers_and_a_sign_out_form(client, demo):
    client.force_login(an())

    nav = nav_of(client.get("/procedures/").content.decode())

    mine = r'<a class="site-account__link" href="/my/dossiers/"[^>]*>Hồ sơ của tôi</a>'
    assert re.search(mine, nav)
    form = re.search(r'<form action="/accounts/logout/" method="post">(.*?)</form>', nav, re.S)
    assert form is not None
    assert 'name="csrfmiddlewaretoken"' in form.group(1) and "Đăng xuất" in form.group(1)
    assert "/eid/login/" not in nav and "/accounts/login/" not in nav
    assert 'href="/office/' not in nav and 'href="/staff/"' not in nav


def test_staff_signed_in_keep_their_own_menu(client, demo):
    client.force_login(staff_of(home_agency(), Role.RECEIVER))

    nav = nav_of(client.get("/").content.decode())

    for href in ('href="/office/', 'href="/staff/"', 'href="/reports/"'):
        assert href in nav
    assert "Đăng xuất" in nav
    assert "/eid/login/" not in nav and "Hồ sơ của tôi" not in nav


# --- /staff/ links only to what the user may open ---------------------------------------------


def links_in_main(html: str) -> list[str]:
    return sorted({unescape(h) for h in re.findall(r'<a [^>]*href="([^"#]+)"', main_of(html))})


def test_the_staff_page_of_a_commune_leader_links_only_to_pages_they_may_open(demo):
    leader = as_user(staff_of(home_agency(), Role.LEADER))

    links = links_in_main(leader.get("/staff/").content.decode())

    assert reverse("procedures:reassign") not in links
    assert reverse("procedures:history") not in links
    assert links  # their agency, its commune, the catalogue
    answers = {link: leader.get(link).status_code for link in links}
    assert answers == dict.fromkeys(links, 200)


def test_the_staff_page_of_a_province_admin_offers_the_catalogue_tools(demo):
    admin = as_user(province_admin_of("68"))

    links = links_in_main(admin.get("/staff/").content.decode())

    assert {reverse("procedures:reassign"), reverse("procedures:history")} <= set(links)
    answers = {link: admin.get(link).status_code for link in links}
    assert answers == dict.fromkeys(links, 200)


# --- The procedure page -------------------------------------------------------------------------


def test_the_procedure_page_never_shows_the_importers_notes(client, demo):
    from procedures.models import Procedure

    version = Procedure.objects.get(code=BIRTH).current_version
    assert "time_unit_assumed" in version.note  # the note is kept, for the catalogue team

    html = client.get(f"/procedures/{BIRTH}/").content.decode()

    assert "time_unit_assumed" not in html
    assert "Thời gian xử lý trên Cổng DVCQG không ghi đơn vị" not in html


def test_birth_registration_asks_for_the_declaration_and_the_birth_certificate(client, demo):
    from procedures.models import Procedure

    case = Procedure.objects.get(code=BIRTH).current_version.cases.get()
    submitted = [(c.name, c.originals) for c in case.components.all() if c.originals or c.copies]

    assert submitted == [("Tờ khai đăng ký khai sinh theo mẫu", 1), ("Giấy chứng sinh", 1)]


# --- Drafts begin with the first thing kept -----------------------------------------------------


def test_opening_the_submission_form_creates_no_draft_and_the_first_autosave_does(client, demo):
    citizen = an()
    client.force_login(citizen)

    page = client.get(f"/procedures/{BIRTH}/submit/")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="Nguyễn Văn An"' in html and 'value="068190000123"' in html  # from the e-ID
    assert not DossierDraft.objects.filter(applicant=citizen).exists()
    # Reading the page again (another tab, a reload) still leaves nothing behind.
    client.get(f"/procedures/{BIRTH}/submit/")
    assert not DossierDraft.objects.filter(applicant=citizen).exists()

    saved = client.post(
        f"/procedures/{BIRTH}/submit/autosave/",
        {"applicant_phone": "0912 345 678", "applicant_address": "15 Nguyễn Đình Chiểu"},
        HTTP_HX_REQUEST="true",
    )

    assert saved.status_code == 200
    draft = DossierDraft.objects.get(applicant=citizen)
    assert draft.procedure.code == BIRTH
    assert draft.data["applicant_phone"] == "0912 345 678"
    assert draft.data["applicant_address"] == "15 Nguyễn Đình Chiểu"
    assert draft.data["applicant_name"] == "Nguyễn Văn An"  # the e-ID's values kept too
    # The next visit resumes it, as typed.
    again = client.get(f"/procedures/{BIRTH}/submit/").content.decode()
    assert 'value="15 Nguyễn Đình Chiểu"' in again
    assert DossierDraft.objects.filter(applicant=citizen).count() == 1


def test_saving_from_the_form_creates_the_draft_with_what_was_typed(client, demo):
    citizen = an()
    client.force_login(citizen)

    response = client.post(
        f"/procedures/{BIRTH}/submit/",
        {"applicant_name": "Nguyễn Văn An", "applicant_phone": "0912345678", "action": "save"},
    )

    assert response.status_code == 302
    assert DossierDraft.objects.get(applicant=citizen).data["applicant_phone"] == "0912345678"


# --- Statistics and reports ---------------------------------------------------------------------


def selected_province(html: str) -> str | None:
    select = re.search(r'<select id="stat-province".*?</select>', html, re.S).group(0)
    chosen = re.search(r'<option value="(\d*)" selected>', select)
    return chosen.group(1) if chosen else None


def test_statistics_open_on_the_province_of_the_staff_member(demo):
    officer = as_user(staff_of(home_agency(), Role.RECEIVER))

    html = officer.get("/statistics/").content.decode()

    assert selected_province(html) == "68"
    assert 'data-testid="statistics"' in html


def test_statistics_for_a_visitor_ask_for_a_province_then_remember_the_choice(client, demo):
    first = client.get("/statistics/").content.decode()

    assert selected_province(first) == ""
    assert 'data-testid="choose-province"' in first and 'data-testid="statistics"' not in first

    chosen = client.get("/statistics/?province=68")
    assert selected_province(chosen.content.decode()) == "68"
    assert chosen.cookies["statistics_province"].value == "68"

    later = client.get("/statistics/").content.decode()
    assert selected_province(later) == "68" and 'data-testid="statistics"' in later


def test_the_report_form_shows_the_period_it_reports_on(demo):
    admin = as_user(province_admin_of("68"))
    year = timezone.localdate().year

    html = admin.get(f"/reports/?province=68&year={year}&quarter=2").content.decode()

    assert f'<input id="report-from" type="date" name="from" value="{year}-04-01">' in html
    assert f'<input id="report-to" type="date" name="to" value="{year}-06-30">' in html
    assert f"01/04/{year}" in html and f"30/06/{year}" in html

    plain = admin.get("/reports/").content.decode()
    assert f'name="from" value="{year}-01-01"' in plain
    assert f'name="to" value="{year}-12-31"' in plain


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/reports/dossiers.csv?province=68&year=2025&indicator=nonsense", "Choose which dossiers"),
        (
            "/reports/dossiers.csv?province=68&from=2025-03-01&to=2025-02-01&indicator=received",
            "The period ends before it starts.",
        ),
        ("/api/v1/reports/indicators/?province=68&year=1999&format=csv", "2000"),
        ("/api/v1/reports/dossiers/?province=68&year=2025&indicator=x&format=csv", "indicator"),
        ("/api/v1/reports/public/?province=6&format=csv", "province"),
    ],
)
def test_a_csv_export_with_a_bad_parameter_answers_400_with_the_message(demo, url, message):
    admin = as_user(province_admin_of("68"))
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the messages as the code has them

    response = admin.get(url)

    assert response.status_code == 400
    assert not response["Content-Type"].startswith("text/csv")
    assert "attachment" not in response.get("Content-Disposition", "")
    body = response.content.decode()
    assert message in body, body


# --- The catalogue's filters --------------------------------------------------------------------


def test_the_catalogue_filters_are_one_folded_panel_that_counts_the_chosen_ones(client, demo):
    plain = main_of(client.get("/procedures/").content.decode())
    chosen = main_of(client.get("/procedures/?level=commune&online_level=full").content.decode())

    assert '<details class="filters-panel" data-open-wide>' in plain  # folded until opened
    assert 'class="count"' not in plain
    assert '<span class="count" aria-hidden="true">2</span>' in chosen
    assert 'id="id_level"' in chosen and 'id="id_online_level"' in chosen
