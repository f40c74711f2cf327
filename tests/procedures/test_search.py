"""The catalogue search finds the intended procedure first, typed loosely and without accents."""

import pytest
from rest_framework.test import APIClient

from procedures.selectors import procedure_search

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_readonly")]

QUERIES = [
    ("dang ky khai sinh", "1.001193"),
    ("Đăng ký khai sinh", "1.001193"),
    ("dang ki khai sinh", "1.001193"),  # i for y, as many type it
    ("khai sinh", "1.001193"),
    ("dang ky khai tu", "1.000656"),
    ("khai tu", "1.000656"),
    ("dang ky ket hon", "1.000894"),
    ("ket hon", "1.000894"),
    ("dang ky lai khai sinh", "1.004884"),
    ("xac nhan tinh trang hon nhan", "1.004873"),
    ("giay xac nhan tinh trang hon nhan", "1.004873"),
    ("ket hon co yeu to nuoc ngoai", "2.000806"),
    ("khai sinh yeu to nuoc ngoai", "2.000528"),
    ("dang ky thuong tru", "1.004222"),
    ("dang ky tam tru", "1.004194"),
    ("gia han tam tru", "1.002755"),
    ("khai bao tam vang", "1.003677"),
    ("tach ho", "1.010038"),
    ("thanh lap ho kinh doanh", "1.001612"),
    ("dang ky thanh lap ho kinh doanh", "1.001612"),
    ("cap lai giay chung nhan dang ky ho kinh doanh", "2.000575"),
    ("cham dut hoat dong ho kinh doanh", "1.001266"),
    ("chung thuc di chuc", "2.001019"),
    ("ban sao tu so goc", "2.000908"),
    ("ly lich tu phap", "3.000333"),
    ("nhap quoc tich", "2.002039"),
    ("dang ky giam ho", "1.004837"),
    ("hoa giai tranh chap dat dai", "1.012812"),
    ("dang ky khai sinhh", "1.001193"),  # a doubled letter
    ("dăng ky ket hôn", "1.000894"),  # half the accents
    ("1.001193", "1.001193"),  # the national code
]


@pytest.mark.parametrize(("query", "code"), QUERIES)
def test_query_finds_the_intended_procedure_first(query, code):
    results = list(procedure_search(query=query)[:5])

    assert results, f"nothing found for {query!r}"
    assert results[0].code == code, [(p.code, p.name) for p in results]


def test_api_search_is_ranked_and_counted():
    body = APIClient().get("/api/v1/procedures/", {"search": "dang ky khai sinh"}).json()

    assert body["count"] >= 5
    assert body["results"][0] == {
        "code": "1.001193",
        "name": "Thủ tục đăng ký khai sinh",
        "field": "Hộ tịch",
        "levels": ["commune"],
        "online_level": "full",
        "former_level": "",
    }


def test_filters_combine_with_search():
    client = APIClient()
    commune = client.get(
        "/api/v1/procedures/", {"search": "giay phep xay dung", "level": "province"}
    ).json()
    online = client.get("/api/v1/procedures/", {"online_level": "full", "page_size": 200}).json()

    assert {p["code"] for p in commune["results"]} >= {"1.013236"}
    assert all("province" in p["levels"] for p in commune["results"])
    assert online["count"] > 0 and all(p["online_level"] == "full" for p in online["results"])


def test_province_filter_follows_the_assignments():
    client = APIClient()
    hanoi = client.get("/api/v1/procedures/", {"province": "01", "page_size": 200}).json()
    lam_dong = client.get("/api/v1/procedures/", {"province": "68", "page_size": 200}).json()

    assert hanoi["count"] > 0 and lam_dong["count"] > 0
    assert "1.001193" in {p["code"] for p in hanoi["results"]}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"level": "district"}, "level"),
        ({"online_level": "maybe"}, "online_level"),
        ({"province": "99"}, "province"),
        ({"agency": "nope"}, "agency"),
        ({"search": "x" * 201}, "search"),
    ],
)
def test_bad_filters_answer_400_naming_the_field(params, field):
    response = APIClient().get("/api/v1/procedures/", params)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_detail_shows_the_published_parts():
    body = APIClient().get("/api/v1/procedures/1.001193/").json()

    assert body["code"] == "1.001193" and body["version"]["channels"]
    assert {c["kind"] for c in body["version"]["channels"]} >= {"direct", "online"}
    assert body["version"]["cases"][0]["components"]
    in_force = {(a["level"], a["scope"], a["agency"]) for a in body["assignments"]}
    assert in_force == {("commune", "68", None), ("commune", "01", None)}


def test_unknown_procedure_is_404_json():
    response = APIClient().get("/api/v1/procedures/9.999999/")

    assert response.status_code == 404 and response["Content-Type"] == "application/json"
