"""The report pages: the dashboard's charts and their tables, the dossiers behind a number
(scope, refusals, pages, CSV), the static files the charts need, and the menu links.

Hand-built histories at the demo committee of Phường Mũi Né (Lâm Đồng, province 68), driven
through ``dossiers.lifecycle`` and refreshed into the rollups; pages read in English (the
language cookie) since the translations are merged later.
"""

import csv
import datetime as dt
import io
import json
import re
from html import unescape

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import timezone

from dossiers import lifecycle
from dossiers.lifecycle import dossier_submit
from dossiers.models import Channel, Dossier
from portal.models import CitizenProfile
from procedures.models import Procedure
from reports import rollups, views_drill
from tests.factories import AgencyFactory, MembershipFactory
from tests.factories.dossiers import staff_of
from units.models import Agency, AgencyKind, Role, Unit

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.reports.urls")]

HOME = "229.18.01.H68"  # the committee of Phường Mũi Né, Lâm Đồng
BIRTH = "1.001193"  # Hộ tịch
COPY = "2.000815"  # Chứng thực


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.STAFF_OTP_REQUIRED = False  # the second factor has its own tests


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- Hand-built histories (also used by test_form_ii06a) ---------------------------------------


def home() -> Agency:
    return Agency.objects.select_related("unit").get(identifier=HOME)


def citizen():
    return CitizenProfile.objects.get(cccd="068190000123").user


def submit(code: str, channel: int, applicant=None) -> Dossier:
    """A dossier of procedure ``code`` submitted at the home committee (status 1)."""
    agency = home()
    version = Procedure.objects.select_related("current_version").get(code=code).current_version
    return dossier_submit(
        version=version,
        agency=agency,
        reception_agency=agency,
        level="commune",
        channel=channel,
        applicant=applicant,
        applicant_name="Lê Văn Tám",
        applicant_id_number="068200000111",
        applicant_commune=agency.unit,
        case=version.cases.first(),
    )


def histories() -> dict[str, Dossier]:
    """Four dossiers, their classes worked out by hand:

    - ``early``: birth registration online, received now and withdrawn minutes later, days
      before its appointment → early, ended now;
    - ``overdue``: birth registration at the desk, received 30 days ago and forwarded, its
      appointment days behind it → in progress overdue;
    - ``carried``: birth registration online, received 90 days ago, withdrawn now → late,
      received before a 60-day period and ended in it;
    - ``open``: a certified copy at the desk, received now → in progress on time.
    """
    now = timezone.now()
    receiver = staff_of(home(), Role.RECEIVER)
    applicant = citizen()
    early = lifecycle.receive(dossier=submit(BIRTH, Channel.ONLINE, applicant), actor=receiver)
    early = lifecycle.withdraw(dossier=early, actor=applicant)
    overdue = lifecycle.receive(
        dossier=submit(BIRTH, Channel.DIRECT),
        actor=receiver,
        received_at=now - dt.timedelta(days=30),
    )
    overdue = lifecycle.forward(dossier=overdue, actor=receiver)
    carried = lifecycle.receive(
        dossier=submit(BIRTH, Channel.ONLINE, applicant),
        actor=receiver,
        received_at=now - dt.timedelta(days=90),
    )
    carried = lifecycle.withdraw(dossier=carried, actor=applicant)
    opened = lifecycle.receive(dossier=submit(COPY, Channel.DIRECT), actor=receiver)
    rollups.refresh_changed()
    return {"early": early, "overdue": overdue, "carried": carried, "open": opened}


def period_query(days: int = 60) -> str:
    today = timezone.localdate()
    return f"province=68&from={today - dt.timedelta(days=days)}&to={today}"


def admin_of(code: str):
    agency = AgencyFactory(
        unit=Unit.objects.get(code=code),
        kind=AgencyKind.PROVINCE_SERVICE_CENTRE,
        identifier=f"990.{code}.00.X98",
    )
    return MembershipFactory(agency=agency, role=Role.PROVINCE_ADMIN).user


# --- Reading pages ------------------------------------------------------------------------------


def vn_number(text: str) -> float:
    """A number as the pages print it (1.234,56) back to a float."""
    return float(text.strip().replace(".", "").replace(",", "."))


def table(html: str, testid: str) -> list[list[str]]:
    """The body rows of the table ``data-testid=testid``, cell texts without tags."""
    body = re.search(rf'data-testid="{testid}".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [
        [
            unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)
        ]
        for r in rows
    ]


def chart_data(html: str) -> dict:
    found = re.search(
        r'<script id="report-charts" type="application/json">(.*?)</script>', html, re.S
    )
    return json.loads(found.group(1))


def link_of(html: str, testid_row_key: str) -> str:
    """The drill link of the breakdown row ``data-key``."""
    found = re.search(rf'<tr data-key="{testid_row_key}">.*?<a href="([^"]+)"', html, re.S)
    return unescape(found.group(1))


def codes_listed(html: str) -> list[str]:
    body = re.search(r'data-testid="drill".*?<tbody>(.*?)</tbody>', html, re.S)
    if body is None:
        return []
    return re.findall(r'<td class="dossier-code">(?:<a href="[^"]+">)?([^<]+)', body.group(1))


# --- The dashboard ------------------------------------------------------------------------------


def test_the_dashboard_charts_carry_the_tables_numbers(english, demo):
    made = histories()
    english.force_login(admin_of("68"))

    page = english.get(f"/reports/?{period_query()}")

    assert page.status_code == 200
    html = page.content.decode()
    data = chart_data(html)
    groups = table(html, "groups")
    assert data["groups"]["labels"] == [row[0] for row in groups]
    assert data["groups"]["points"] == [vn_number(row[1]) for row in groups]
    assert data["groups"]["score"] == [vn_number(row[3]) for row in groups]
    # Received in the 60 days: early 1, overdue (in progress) 1, open (in progress) 1; the
    # carried dossier was received before the period.
    breakdown = table(html, "breakdown")
    assert data["breakdown"]["values"] == [1, 0, 0, 1, 1]
    assert [vn_number(row[1]) for row in breakdown] == [1, 0, 0, 1, 1, 3]
    # Month by month (whole months): received and on time (early or in progress on time).
    months = {}
    for key, on_time in (("early", 1), ("overdue", 0), ("open", 1)):
        month = timezone.localtime(made[key].received_at).strftime("%m/%Y")
        received, good = months.get(month, (0, 0))
        months[month] = (received + 1, good + on_time)
    trend = {row[0]: (vn_number(row[1]), row[2]) for row in table(html, "trend")}
    assert data["trend"]["labels"] == list(trend)
    for month, received, rate in zip(
        data["trend"]["labels"],
        data["trend"]["received"],
        data["trend"]["on_time_rate"],
        strict=True,
    ):
        expected = months.get(month, (0, 0))
        assert received == trend[month][0] == expected[0]
        assert rate == (round(100 * expected[1] / expected[0], 2) if expected[0] else None)
        assert trend[month][1] == ("—" if rate is None else f"{rate:.2f}".replace(".", ","))
    # No inline script: the data is JSON, the drawing is a static file (strict CSP).
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all("src=" in s or 'type="application/json"' in s for s in scripts)
    assert "portal/reports.js" in html and "portal/vendor/chart.umd.min.js" in html
    assert 'data-testid="ii06a-pdf"' in html and 'data-testid="ii06a-xlsx"' in html


def test_the_chart_files_are_served_by_the_static_finder():
    chart = finders.find("portal/vendor/chart.umd.min.js")
    script = finders.find("portal/reports.js")

    assert chart and script
    with open(chart, encoding="utf-8") as f:
        assert f.read(200).startswith("/*!\n * Chart.js v4.")
    assert finders.find("portal/vendor/chart.js.LICENSE.md")
    with open(script, encoding="utf-8") as f:
        assert "report-charts" in f.read()


# --- The dossiers behind a number ---------------------------------------------------------------


def test_every_number_leads_to_exactly_the_dossiers_behind_it(english, demo):
    made = histories()
    english.force_login(admin_of("68"))
    html = english.get(f"/reports/?{period_query()}").content.decode()

    expected = {
        "early": [made["early"].code],
        "on_time": [],
        "late": [],
        "in_progress": [made["open"].code],
        "in_progress_late": [made["overdue"].code],
        # Oldest received first.
        "received": [made["overdue"].code, made["early"].code, made["open"].code],
    }
    for key, codes in expected.items():
        url = link_of(html, key)
        assert url.startswith("/reports/dossiers/?")
        page = english.get(url)
        assert page.status_code == 200
        assert codes_listed(page.content.decode()) == codes, key
    # The commune's received count in the ranking leads to the same three.
    ranking = re.search(r'id="communes-heading".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    url = unescape(re.search(r'<td><a href="([^"]+)">3</a></td>', ranking).group(1))
    assert "commune=" in url
    assert codes_listed(english.get(url).content.decode()) == expected["received"]


def test_codes_link_to_the_work_page_only_for_those_who_may_open_it(english, demo):
    made = histories()
    url = f"/reports/dossiers/?{period_query()}&indicator=early"
    code = made["early"].code

    # The province administrator sees figures, not files: the plain code.
    english.force_login(admin_of("68"))
    html = english.get(url).content.decode()
    assert codes_listed(html) == [code] and f"/office/dossiers/{code}/" not in html

    # The committee's receiver works the dossier: its code leads to the work page.
    english.force_login(staff_of(home(), Role.RECEIVER))
    html = english.get(url).content.decode()
    assert codes_listed(html) == [code] and f'href="/office/dossiers/{code}/"' in html


def test_another_province_gets_403_and_nothing_of_ours(english, demo):
    made = histories()
    english.force_login(admin_of("01"))

    for url in (
        f"/reports/dossiers/?{period_query()}&indicator=received",
        f"/reports/dossiers.csv?{period_query()}&indicator=received",
        f"/reports/ii06a.pdf?{period_query()}",
        f"/reports/ii06a.xlsx?{period_query()}",
    ):
        page = english.get(url)
        assert page.status_code == 403, url
        body = page.content.decode("utf-8", "replace")
        assert all(d.code not in body for d in made.values())
        assert "Reports are for province administrators" in body


BAD = [
    ("&indicator=nonsense", "Dossiers listed", "Choose which dossiers to list"),
    ("", "Dossiers listed", "Choose which dossiers to list"),
    ("&indicator=received&page=0", "Page", "Enter a page number"),
    ("&indicator=received&page=abc", "Page", "Enter a page number"),
    ("&indicator=received&page=9", "Page", "Enter a page number"),  # no such page
    ("&indicator=received&commune=abc", "Commune", "Enter the commune"),
    ("&indicator=received&agency=x", "Agency", "Enter the agency"),
]


def test_bad_parameters_get_400_naming_the_field(english, demo):
    english.force_login(admin_of("68"))

    for query, field, message in BAD:
        page = english.get(f"/reports/dossiers/?{period_query()}{query}")

        assert page.status_code == 400, query
        assert f"<strong>{field}</strong>: {message}" in page.content.decode(), query


def test_a_period_that_ends_before_it_starts_gets_400(english, demo):
    english.force_login(admin_of("68"))

    for url in (
        "/reports/dossiers/?province=68&from=2025-03-01&to=2025-02-01&indicator=received",
        "/reports/dossiers/?province=68&from=2025-13-01&to=2025-02-01&indicator=received",
        "/reports/ii06a.pdf?province=68&from=2025-03-01&to=2025-02-01",
        "/reports/ii06a.xlsx?province=68&year=1999",
    ):
        page = english.get(url)
        assert page.status_code == 400, url
        assert 'data-testid="errors"' in page.content.decode()
    html = english.get(
        "/reports/dossiers/?province=68&from=2025-03-01&to=2025-02-01&indicator=received"
    ).content.decode()
    assert "<strong>To</strong>: The period ends before it starts." in html


def test_the_list_comes_in_pages_and_as_csv(english, demo, monkeypatch):
    made = histories()
    monkeypatch.setattr(views_drill, "PAGE_SIZE", 2)  # three dossiers: two pages
    english.force_login(admin_of("68"))
    url = f"/reports/dossiers/?{period_query()}&indicator=received"

    first = english.get(url).content.decode()
    second = english.get(url + "&page=2").content.decode()

    assert codes_listed(first) == [made["overdue"].code, made["early"].code]
    assert codes_listed(second) == [made["open"].code]
    assert 'rel="next"' in first and "page=2" in first and 'rel="prev"' in second
    assert "3 dossiers" in first

    got = english.get(url.replace("/reports/dossiers/", "/reports/dossiers.csv"))
    assert got.status_code == 200 and got["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Dossier code", "Procedure code", "Procedure"]
    assert [r[0] for r in rows[1:]] == [made["overdue"].code, made["early"].code, made["open"].code]
    assert [r[1] for r in rows[1:]] == [BIRTH, BIRTH, COPY]


# --- The menu -----------------------------------------------------------------------------------


def test_statistics_for_everyone_and_reports_for_staff(english, demo):
    html = english.get("/statistics/?province=68").content.decode()
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)
    footer = re.search(r'<footer class="site-footer".*?</footer>', html, re.S).group(0)
    assert 'href="/statistics/"' in nav and 'href="/statistics/"' in footer
    assert 'href="/reports/"' not in html

    english.force_login(staff_of(home(), Role.RECEIVER))
    html = english.get("/statistics/?province=68").content.decode()
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)
    assert 'href="/reports/"' in nav

    english.force_login(citizen())
    assert 'href="/reports/"' not in english.get("/statistics/?province=68").content.decode()
