import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from units.models import Succession, Unit, UnitLevel, UnitRevision, UnitType

SHIPPED = Path(__file__).resolve().parents[3] / "units" / "data" / "former_districts_68.csv"
HEADER = "province_code,district_code,district_name,successor_code,successor_name,note\n"


pytestmark = pytest.mark.usefixtures("english", "empty_registry")


def run(*args) -> str:
    out = io.StringIO()
    call_command("load_units", *args, stdout=out)
    return out.getvalue()


def state() -> tuple:
    return (
        list(Unit.objects.order_by("code").values_list()),
        list(
            Succession.objects.order_by("predecessor", "successor").values_list(
                "predecessor", "successor", "effective_on", "note"
            )
        ),
        UnitRevision.objects.count(),
    )


@pytest.mark.django_db
def test_load_units_twice_changes_nothing():
    first = run()
    after_first = state()

    second = run()

    assert "3355 created" in first
    assert "0 created, 0 changed, 3355 unchanged" in second
    assert state() == after_first


@pytest.mark.django_db
def test_bad_source_is_a_clear_command_error_and_nothing_changes(tmp_path):
    run()
    before = state()
    bad = tmp_path / "units.json"
    bad.write_text(
        '[{"code": 1, "name": "Hà Nội", "division_type": "tỉnh", "wards": '
        '[{"code": "x", "name": "Phường A", "division_type": "phường"}]}]'
    )

    with pytest.raises(CommandError, match="Nothing was changed") as info:
        run("--source", str(bad))

    assert "not 5 digits" in str(info.value)
    assert state() == before


@pytest.mark.django_db
def test_shipped_former_districts_of_lam_dong_load_idempotently():
    run()
    out = run("--former-districts", str(SHIPPED))
    after_first = state()
    again = run("--former-districts", str(SHIPPED))

    districts = Unit.objects.filter(level=UnitLevel.FORMER_DISTRICT)
    assert districts.count() >= 25
    assert set(districts.values_list("parent_id", flat=True)) == {"68"}
    assert all(d.valid_to.isoformat() == "2025-06-30" for d in districts)
    assert all(d.type == UnitType.FORMER_DISTRICT for d in districts)
    # Every former district hands over to communes of the new Lâm Đồng only.
    successors = Unit.objects.filter(predecessors__in=districts).distinct()
    assert successors.exists()
    assert set(successors.values_list("parent_id", flat=True)) == {"68"}
    assert "created" in out
    assert "0 created, 0 changed; successions 0 created, 0 removed" in again
    assert state() == after_first


def write_csv(tmp_path, rows: str) -> Path:
    path = tmp_path / "fd.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_former_districts_many_to_many_and_replacement(tmp_path):
    run()
    first = write_csv(
        tmp_path,
        "68,672,Thành phố Đà Lạt,24778,Phường Lâm Viên - Đà Lạt,Phường 1\n"
        "68,672,Thành phố Đà Lạt,24787,Phường Cam Ly - Đà Lạt,Phường 5\n"
        "68,674,Huyện Lạc Dương,24787,Phường Cam Ly - Đà Lạt,Xã Lát (part)\n",
    )
    run("--former-districts", str(first))
    assert set(Unit.objects.get(code="24787").predecessors.values_list("code", flat=True)) == {
        "672",
        "674",
    }

    second = write_csv(
        tmp_path, "68,672,Thành phố Đà Lạt,24778,Phường Lâm Viên - Đà Lạt,Phường 1\n"
    )
    out = run("--former-districts", str(second))

    assert "1 removed" in out
    assert list(Unit.objects.get(code="672").successors.values_list("code", flat=True)) == ["24778"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "68,672,Thành phố Đà Lạt,99999,Xã Không Có,\n",
            "Line 3: commune 99999 is not in the registry",
        ),
        ("68,672,Thành phố Đà Lạt,00004,Phường Ba Đình,\n", "does not belong to province 68"),
        ("68,672,Thành phố Đà Lạt,24778,Phường Sai Tên,\n", "is named"),
        (
            "68,67,Thành phố Đà Lạt,24778,Phường Lâm Viên - Đà Lạt,\n",
            "district_code must be 3 digits",
        ),
        (
            "68,672,Thành phố Đà Lạt,24778,Phường Lâm Viên - Đà Lạt,\n"
            "68,672,Đà Lạt,24787,Phường Cam Ly - Đà Lạt,\n",
            "two different names",
        ),
    ],
)
def test_bad_former_district_file_loads_nothing(tmp_path, rows, message):
    run()
    before = state()
    good_first = "68,673,Huyện Đam Rông,24778,Phường Lâm Viên - Đà Lạt,\n"

    with pytest.raises(CommandError, match="Nothing from this file was loaded") as info:
        run("--former-districts", str(write_csv(tmp_path, good_first + rows)))

    assert message in str(info.value)
    assert state() == before


@pytest.mark.django_db
def test_former_district_file_without_required_columns(tmp_path):
    run()
    path = tmp_path / "fd.csv"
    path.write_text("district_code,successor_code\n672,24778\n", encoding="utf-8")

    with pytest.raises(CommandError, match="Missing columns: province_code, district_name"):
        run("--former-districts", str(path))

    assert not Unit.objects.filter(level=UnitLevel.FORMER_DISTRICT).exists()


@pytest.mark.django_db
def test_command_errors_are_in_vietnamese_by_default(tmp_path):
    bad = tmp_path / "units.json"
    bad.write_text("[]")

    with translation.override("vi"), pytest.raises(CommandError) as info:
        run("--source", str(bad))

    assert "Nguồn dữ liệu phải là một danh sách tỉnh không rỗng." in str(info.value)
