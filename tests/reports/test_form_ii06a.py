"""Biểu II.06a (Circular 01/2020/TT-VPCP) from hand-built histories: the workbook's numbers
per field and in total, the PDF's text, the pages and the API that serve them.

The histories (``tests.reports.test_pages.histories``) over a 60-day period ending today:
Hộ tịch (birth registrations): ``early`` online, received and withdrawn now (early);
``overdue`` at the desk, received 30 days ago, in progress past its appointment; ``carried``
online, received 90 days ago (before the period), withdrawn now (late). Chứng thực: ``open``
at the desk, received now, in progress on time.
"""

import datetime as dt
import io
import subprocess

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.reports.test_pages import admin_of, histories, period_query

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.reports.urls")]

# Columns (3)-(13): received total, online, desk or post, carried over; resolved total,
# early, on time, late; in progress total, on time, overdue. Worked out from the histories:
HO_TICH = [
    3,  # 2 received in the period + 1 carried over
    1,  # early (online)
    1,  # overdue (at the desk)
    1,  # carried
    2,  # early and carried ended in the period
    1,  # early
    0,
    1,  # carried: withdrawn long after its appointment
    1,  # overdue still in progress…
    0,
    1,  # …past its appointment
]
CHUNG_THUC = [1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0]  # open: at the desk, in progress on time
TOTAL = [a + b for a, b in zip(HO_TICH, CHUNG_THUC, strict=True)]


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.STAFF_OTP_REQUIRED = False  # the second factor has its own tests


@pytest.fixture
def made(demo):
    return histories()


def period_text() -> str:
    today = timezone.localdate()
    first = today - dt.timedelta(days=60)
    return f"{first:%d/%m/%Y} \N{EN DASH} {today:%d/%m/%Y}"


def test_the_workbook_has_each_fields_numbers_and_the_total(client, made):
    client.force_login(admin_of("68"))

    got = client.get(f"/reports/ii06a.xlsx?{period_query()}")

    assert got.status_code == 200 and got.content[:2] == b"PK"
    assert 'filename="bieu-ii06a-' in got["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(got.content)).active
    rows = [list(r) for r in sheet.iter_rows(min_row=8, values_only=True)]
    # Fields by name (Chứng thực before Hộ tịch), then the total.
    assert rows == [
        [1, "Chứng thực", *CHUNG_THUC],
        [2, "Hộ tịch", *HO_TICH],
        [None, "Tổng cộng", *TOTAL],
    ]
    # The form's identity: received = resolved + in progress, on every row.
    assert all(r[2] == r[6] + r[10] for r in rows)
    assert sheet["A1"].value == "Biểu số II.06a/VPCP/KSTT"
    assert sheet["D2"].value == f"Kỳ báo cáo: {period_text()}"
    assert sheet["K1"].value == "Đơn vị báo cáo: Lâm Đồng"
    merged = {str(r) for r in sheet.merged_cells.ranges}
    # STT and field over three header rows; the three groups; "Trong kỳ" over two columns.
    assert {"A4:A6", "B4:B6", "C4:F4", "G4:J4", "K4:M4", "D5:E5", "F5:F6"} <= merged
    assert [sheet.cell(row=6, column=c).value for c in (4, 5)] == [
        "Trực tuyến",
        "Trực tiếp, dịch vụ bưu chính",
    ]
    assert [sheet.cell(row=7, column=c).value for c in range(1, 14)] == [
        f"({n})" for n in range(1, 14)
    ]


def test_the_pdf_shows_the_fields_and_numbers(client, made, tmp_path):
    client.force_login(admin_of("68"))

    got = client.get(f"/reports/ii06a.pdf?{period_query()}")

    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert got.content.startswith(b"%PDF")
    path = tmp_path / "ii06a.pdf"
    path.write_bytes(got.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Biểu số II.06a/VPCP/KSTT" in text
    assert f"Kỳ báo cáo: {period_text()}" in text
    lines = {line.split()[1] if line.split()[0].isdigit() else line.split()[0]: line.split()
             for line in text.splitlines() if line.strip()}  # fmt: skip
    assert lines["Chứng"][-11:] == [str(n) for n in CHUNG_THUC]
    assert lines["Hộ"][-11:] == [str(n) for n in HO_TICH]
    assert lines["Tổng"][-11:] == [str(n) for n in TOTAL]


def test_the_api_serves_both_files_and_refuses_as_json(client, made):
    client.force_login(admin_of("68"))
    base = f"/api/v1/reports/ii06a/?{period_query()}"

    pdf = client.get(base + "&format=pdf")
    xlsx = client.get(base + "&format=xlsx")
    bad = client.get("/api/v1/reports/ii06a/?province=68&from=2025-03-01&format=pdf")

    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert ".xlsx" in xlsx["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[10]] == [None, "Tổng cộng", *TOTAL]
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/json")
    assert "to" in bad.json()
    client.force_login(admin_of("01"))
    refused = client.get(base + "&format=xlsx")
    assert refused.status_code == 403 and refused["Content-Type"].startswith("application/json")


def test_the_api_is_in_the_openapi_schema(client):
    got = client.get("/api/schema/?format=json")

    assert got.status_code == 200
    operation = got.json()["paths"]["/api/v1/reports/ii06a/"]["get"]
    assert {
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    } <= set(operation["responses"]["200"]["content"])
    assert "format" in {p["name"] for p in operation["parameters"]}


def test_agency_staff_get_only_their_agencies(client, made):
    from tests.factories import AgencyFactory, MembershipFactory
    from units.models import AgencyKind, Role

    other = AgencyFactory(
        unit=made["early"].agency.unit,
        kind=AgencyKind.COMMUNE_SERVICE_CENTRE,
        identifier="990.99.00.X97",
    )
    client.force_login(MembershipFactory(agency=other, role=Role.LEADER).user)

    got = client.get(f"/reports/ii06a.xlsx?{period_query()}")

    assert got.status_code == 200
    sheet = load_workbook(io.BytesIO(got.content)).active
    rows = list(sheet.iter_rows(min_row=8, values_only=True))
    assert rows == [(None, "Tổng cộng", *([0] * 11))]
    assert sheet["K1"].value == f"Đơn vị báo cáo: {other.name}"
