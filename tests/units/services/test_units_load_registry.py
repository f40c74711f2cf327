import datetime as dt
import json
from pathlib import Path

import pytest
import vietnam_provinces

from units.errors import UnitSourceError
from units.models import Unit, UnitLevel, UnitRevision, UnitType
from units.services import units_load_registry

TODAY = dt.date(2026, 11, 23)


pytestmark = pytest.mark.usefixtures("english", "empty_registry")


def source_data() -> list[dict]:
    return json.loads(Path(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH).read_text())


def write(tmp_path, data) -> Path:
    path = tmp_path / "units.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def snapshot() -> list[tuple]:
    return list(
        Unit.objects.order_by("code").values_list(
            "code", "name", "type", "level", "parent_id", "search_name"
        )
    )


def load(path) -> object:
    return units_load_registry(path=path, source_label="test", changed_on=TODAY)


@pytest.mark.django_db
def test_loads_every_province_and_commune_of_the_package():
    report = load(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH)

    data = source_data()
    expected = {f"{p['code']:02d}": p["name"] for p in data}
    expected |= {f"{w['code']:05d}": w["name"] for p in data for w in p["wards"]}
    assert len(report.created) == 34 + 3321
    assert Unit.objects.filter(level=UnitLevel.PROVINCE).count() == 34
    assert Unit.objects.filter(level=UnitLevel.COMMUNE).count() == 3321
    assert dict(Unit.objects.values_list("code", "name")) == expected
    assert Unit.objects.get(code="68").type == UnitType.PROVINCE
    assert Unit.objects.get(code="01").type == UnitType.CITY
    assert Unit.objects.filter(type=UnitType.SPECIAL_ZONE).count() == 13
    assert Unit.objects.get(code="24778").parent_id == "68"


@pytest.mark.django_db
def test_second_load_changes_nothing():
    load(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH)
    before = snapshot()

    report = load(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH)

    assert report.created == [] and report.changed == []
    assert report.unchanged == 3355
    assert snapshot() == before
    assert UnitRevision.objects.count() == 0


@pytest.mark.django_db
def test_changed_name_and_type_are_updated_and_kept_in_history(tmp_path):
    load(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH)
    data = source_data()
    dong_nai = next(p for p in data if p["code"] == 75)
    dong_nai["division_type"] = "thành phố trung ương"
    dong_nai["name"] = "Thành phố Đồng Nai"

    report = load(write(tmp_path, data))

    assert report.changed == ["75"]
    unit = Unit.objects.get(code="75")
    assert (unit.name, unit.type, unit.level) == ("Thành phố Đồng Nai", UnitType.CITY, "province")
    assert unit.search_name == "thanh pho dong nai"
    revision = UnitRevision.objects.get(unit=unit)
    assert (revision.name, revision.type) == ("Đồng Nai", UnitType.PROVINCE)
    assert (revision.new_name, revision.new_type, revision.changed_on) == (
        "Thành phố Đồng Nai",
        UnitType.CITY,
        TODAY,
    )


@pytest.mark.django_db
def test_unit_missing_from_source_is_reported_and_kept(tmp_path):
    load(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH)
    data = source_data()
    removed = data[0]["wards"].pop()

    report = load(write(tmp_path, data))

    code = f"{removed['code']:05d}"
    assert report.missing_from_source == [code]
    assert Unit.objects.filter(code=code).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe not json", "Cannot read"),
        (b"{}", "non-empty list"),
        (b"[]", "non-empty list"),
    ],
)
def test_unreadable_source_fails_and_changes_nothing(tmp_path, content, message):
    load(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH)
    before = snapshot()
    path = tmp_path / "bad.json"
    path.write_bytes(content)

    with pytest.raises(UnitSourceError, match=message):
        load(path)

    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mutate", "detail"),
    [
        (lambda d: d[1]["wards"].append(dict(d[0]["wards"][0])), "appears twice"),
        (lambda d: d[2]["wards"][3].update(code="12a"), "not 5 digits"),
        (lambda d: d[3].update(division_type="huyện"), "unknown type"),
        (lambda d: d[4]["wards"][0].update(name="  "), "has no name"),
        (lambda d: d[5].update(wards=[]), "has no communes"),
    ],
)
def test_inconsistent_source_fails_listing_the_problem_and_changes_nothing(
    tmp_path, mutate, detail
):
    load(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH)
    before = snapshot()
    data = source_data()
    data[0]["name"] = "Tên mới không được ghi"  # a valid change that must not land either
    mutate(data)

    with pytest.raises(UnitSourceError) as info:
        load(write(tmp_path, data))

    assert any(detail in d for d in info.value.details)
    assert snapshot() == before
    assert UnitRevision.objects.count() == 0
