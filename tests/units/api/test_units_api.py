import json
from pathlib import Path

import pytest
import vietnam_provinces
from rest_framework.test import APIClient

from tests.factories import AgencyFactory
from units.models import AgencyKind

pytestmark = pytest.mark.usefixtures("registry")


@pytest.fixture
def api():
    return APIClient()


def fetch_all(api, url: str) -> list[dict]:
    results = []
    while url:
        body = api.get(url).json()
        results += body["results"]
        url = body["next"]
    return results


@pytest.mark.django_db
def test_province_level_counts_34(api):
    response = api.get("/api/v1/units/", {"level": "province"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 34
    assert body["results"][0] == {
        "code": "01",
        "name": "Thành phố Hà Nội",
        "type": "city",
        "level": "province",
        "parent": None,
        "valid_from": "2025-07-01",
        "valid_to": None,
    }


@pytest.mark.django_db
def test_every_commune_matches_the_package(api):
    response = api.get("/api/v1/units/", {"level": "commune"})
    assert response.json()["count"] == 3321

    communes = fetch_all(api, "/api/v1/units/?level=commune&page_size=1000")

    data = json.loads(Path(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH).read_text())
    expected = {
        (f"{w['code']:05d}", w["name"], f"{p['code']:02d}") for p in data for w in p["wards"]
    }
    assert {(c["code"], c["name"], c["parent"]["code"]) for c in communes} == expected


@pytest.mark.django_db
def test_filters_by_parent_and_type(api):
    body = api.get("/api/v1/units/", {"parent": "68", "type": "special_zone"}).json()

    assert [(u["code"], u["name"]) for u in body["results"]] == [("23272", "Đặc khu Phú Quý")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected_code"),
    [("lam dong", "68"), ("LÂM ĐỒNG", "68"), ("ho chi minh", "79"), ("68", "68")],
)
def test_search_is_accent_insensitive(api, query, expected_code):
    body = api.get("/api/v1/units/", {"search": query, "level": "province"}).json()

    assert [u["code"] for u in body["results"]] == [expected_code]


@pytest.mark.django_db
def test_search_phuong_1_finds_phuong_1(api):
    body = api.get("/api/v1/units/", {"search": "phuong 1", "page_size": 1000}).json()

    names = {u["name"] for u in body["results"]}
    assert "Phường 1 Bảo Lộc" in names
    assert all(
        "phuong" in u["name"].lower().replace("ư", "u").replace("ờ", "o") for u in body["results"]
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"level": "district"}, "level"),
        ({"parent": "6"}, "parent"),
        ({"parent": "abc"}, "parent"),
        ({"type": "huyen"}, "type"),
        ({"search": "x" * 101}, "search"),
    ],
)
def test_bad_filter_value_answers_400_naming_the_field(api, params, field):
    response = api.get("/api/v1/units/", params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == [field]


@pytest.mark.django_db
def test_bad_filter_message_is_vietnamese_by_default(api):
    response = api.get("/api/v1/units/", {"parent": "6"})

    assert response.json() == {"parent": ["Mã tỉnh gồm 2 chữ số, ví dụ 68."]}


@pytest.mark.django_db
def test_unit_detail_with_agencies(api):
    agency = AgencyFactory(
        unit_id="68",
        kind=AgencyKind.PROVINCE_SERVICE_CENTRE,
        identifier="000.00.01.H68",
        name="Trung tâm PVHCC",
    )

    body = api.get("/api/v1/units/68/").json()

    assert body["code"] == "68" and body["name"] == "Lâm Đồng" and body["type"] == "province"
    assert body["parent"] is None
    assert body["agencies"] == [
        {
            "identifier": agency.identifier,
            "name": "Trung tâm PVHCC",
            "kind": "province_service_centre",
            "address": "",
            "phone": "",
            "email": "",
        }
    ]
    commune = api.get("/api/v1/units/24781/").json()
    assert commune["parent"] == {"code": "68", "name": "Lâm Đồng", "type": "province"}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/units/99999/", "/api/v1/units/abc/", "/api/v1/nothing/"])
def test_unknown_code_answers_404_json(api, path):
    response = api.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


@pytest.mark.django_db
def test_agencies_list_and_filters(api):
    AgencyFactory(unit_id="68", kind=AgencyKind.PROVINCE_SERVICE_CENTRE, name="Trung tâm Lâm Đồng")
    AgencyFactory(unit_id="24781", kind=AgencyKind.COMMUNE_COMMITTEE, name="UBND Xuân Hương")
    AgencyFactory(unit_id="01", kind=AgencyKind.PROVINCE_SERVICE_CENTRE, name="Trung tâm Hà Nội")

    in_province = api.get("/api/v1/agencies/", {"province": "68"}).json()
    by_kind = api.get("/api/v1/agencies/", {"kind": "commune_committee"}).json()
    by_search = api.get("/api/v1/agencies/", {"search": "xuan huong"}).json()
    bad = api.get("/api/v1/agencies/", {"kind": "ministry"})

    assert {a["name"] for a in in_province["results"]} == {"Trung tâm Lâm Đồng", "UBND Xuân Hương"}
    assert [a["name"] for a in by_kind["results"]] == ["UBND Xuân Hương"]
    assert [a["unit"]["code"] for a in by_search["results"]] == ["24781"]
    assert bad.status_code == 400 and list(bad.json()) == ["kind"]


@pytest.mark.django_db
def test_openapi_schema_describes_the_api(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/units/", "/api/v1/units/{code}/", "/api/v1/agencies/"} <= set(schema["paths"])
    params = {p["name"] for p in schema["paths"]["/api/v1/units/"]["get"]["parameters"]}
    assert {"level", "parent", "type", "search", "page"} <= params


@pytest.mark.django_db
def test_api_docs_page_uses_local_assets(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css" in html
    assert "cdn" not in html.lower()
