"""Dossiers pushed by the National Public Service Portal land in the same back office."""

import pytest
from rest_framework.test import APIClient

from dossiers.models import Dossier, DossierEvent, Source, Status
from dossiers.models_documents import DossierDocument
from sync.shape import format_time, parse_time
from units.models import Agency

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]
URL = "/api/v1/national/dossiers/"


@pytest.fixture
def portal():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer test-national-portal-token")
    return client


def payload(agency: Agency, **overrides) -> dict:
    data = {
        "MaHoSo": f"{agency.identifier}-261120-9001",
        "MaTTHC": "1.001193",
        "MaDonViTiepNhan": agency.identifier,
        "ChuHoSo": "Trần Thị Bích Ngọc",
        "LoaiDoiTuong": 1,
        "MaDoiTuong": "068190000777",
        "SoDienThoai": "0987654321",
        "MaXa": "22918",
        "NgayNopHoSo": "20261120083000",
        "TrangThaiHoSo": 1,
        "KenhThucHien": 2,
        "XacThucVNeID": True,
        "TaiLieuNop": [
            {
                "TenTepDinhKem": "To khai.pdf",
                "DuongDanTaiTepTin": "https://dichvucong.gov.vn/files/abc.pdf",
                "DuocSoHoa": True,
                "DuocLayTuKhoDMQG": True,
            }
        ],
    }
    data.update(overrides)
    return data


@pytest.fixture
def agency():
    return Agency.objects.filter(unit__code="22918", is_active=True).first()


def test_a_pushed_dossier_lands_once_awaiting_reception(portal, agency):
    first = portal.post(URL, payload(agency), format="json")
    again = portal.post(URL, payload(agency), format="json")

    assert first.status_code == 201 and first.json()["created"] is True
    assert again.status_code == 200 and again.json()["created"] is False
    dossier = Dossier.objects.get(code=f"{agency.identifier}-261120-9001")
    assert Dossier.objects.filter(code=dossier.code).count() == 1
    assert (dossier.status, dossier.source, dossier.vneid_verified) == (
        Status.SUBMITTED,
        Source.NATIONAL,
        True,
    )
    assert dossier.applicant is None and dossier.applicant_id_number == "068190000777"
    assert format_time(dossier.submitted_at) == "20261120083000"
    assert dossier.reception_agency == agency
    document = DossierDocument.objects.get(dossier=dossier)
    assert document.remote_url.endswith("abc.pdf") and document.is_digitised
    assert document.from_data_store and not document.file
    assert DossierEvent.objects.filter(dossier=dossier).count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"MaTTHC": "9.999999"}, "MaTTHC"),
        ({"MaDonViTiepNhan": "000.00.99.Z99"}, "MaDonViTiepNhan"),
        ({"NgayNopHoSo": "2026-11-20"}, "NgayNopHoSo"),
        ({"TrangThaiHoSo": 4}, "TrangThaiHoSo"),
        ({"MaXa": "99999"}, "MaXa"),
        ({"MaHoSo": "x"}, "MaHoSo"),
        ({"ChuHoSo": ""}, "ChuHoSo"),
        ({"TaiLieuNop": [{"TenTepDinhKem": "a"}]}, "TaiLieuNop"),
    ],
)
def test_malformed_pushes_are_400_and_write_nothing(portal, agency, overrides, field):
    before = Dossier.objects.count()

    response = portal.post(URL, payload(agency, **overrides), format="json")

    assert response.status_code == 400 and field in response.json()
    assert Dossier.objects.count() == before


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic dGVzdDp0ZXN0"])
def test_unauthenticated_pushes_are_refused(agency, header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    before = Dossier.objects.count()

    response = client.post(URL, payload(agency), format="json")

    assert response.status_code in (401, 403)
    assert Dossier.objects.count() == before


def test_portal_times_are_vietnam_time():
    moment = parse_time("20260101000000")
    assert moment.utcoffset().total_seconds() == 7 * 3600
    assert format_time(moment) == "20260101000000"
    with pytest.raises(ValueError):
        parse_time("2026010100000")
