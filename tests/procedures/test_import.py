import csv
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from procedures.errors import ImportFileError
from procedures.exporting import catalogue_csv, catalogue_xlsx
from procedures.importing import catalogue_import
from procedures.models import CatalogueEvent, Procedure, ProcedureVersion
from tests.factories.procedures import json_file, json_item

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

GOOD = json_file(
    json_item("1.001193", "Thủ tục đăng ký khai sinh"),
    json_item("1.000894", "Thủ tục đăng ký kết hôn"),
    json_item("2.000635", "Thủ tục cấp bản sao trích lục hộ tịch", levels=["commune", "province"]),
)


def state():
    return (
        sorted(Procedure.objects.values_list("code", "name", "current_version_id", "search_text")),
        ProcedureVersion.objects.count(),
        CatalogueEvent.objects.count(),
    )


def test_import_creates_each_procedure_with_its_parts():
    report = catalogue_import(content=GOOD, filename="demo.json")

    assert sorted(report.created) == ["1.000894", "1.001193", "2.000635"]
    procedure = Procedure.objects.get(code="1.001193")
    version = procedure.current_version
    assert version.status == "published" and version.number == 1
    assert [
        (c.kind, c.processing_time, c.time_unit) for c in version.channels.order_by("kind")
    ] == [("direct", 5, "working_days"), ("online", 5, "working_days")]
    assert [f.amount for f in version.channels.get(kind="direct").fees.all()] == [50000]
    assert [c.name for c in version.cases.get().components.all()] == ["Tờ khai"]
    assert [w.role for w in version.workflow.all()] == ["receiver", "specialist"]
    assert procedure.search_text == "dang ky khai sinh 1.001193"


def test_importing_the_same_file_twice_changes_nothing():
    catalogue_import(content=GOOD, filename="demo.json")
    before = state()

    report = catalogue_import(content=GOOD, filename="demo.json")

    assert report.created == [] and report.changed == []
    assert sorted(report.unchanged) == ["1.000894", "1.001193", "2.000635"]
    assert state() == before


def test_a_changed_record_publishes_a_new_version_and_keeps_the_old_one():
    catalogue_import(content=GOOD, filename="demo.json")
    old = Procedure.objects.get(code="1.001193").current_version
    changed = json_file(json_item("1.001193", "Thủ tục đăng ký khai sinh", online_level="full"))

    report = catalogue_import(content=changed, filename="v2.json")

    assert report.changed == ["1.001193"]
    procedure = Procedure.objects.get(code="1.001193")
    assert procedure.current_version.number == 2 and procedure.online_level == "full"
    old.refresh_from_db()
    assert old.status == "superseded" and old.online_level == "partial"


def test_one_bad_row_imports_nothing_and_names_the_row():
    bad = json_file(
        json_item("1.001193", "Thủ tục đăng ký khai sinh"),
        json_item("1.00089", "Thủ tục đăng ký kết hôn"),
        json_item(
            "2.000635",
            "Thủ tục cấp bản sao",
            channels=[{"channel": "fax", "processing_time": "x", "time_unit": "weeks"}],
        ),
    )

    with pytest.raises(ImportFileError) as info:
        catalogue_import(content=bad, filename="bad.json")

    details = info.value.details
    assert details[0].startswith("Procedure 2: code '1.00089' is not a procedure code")
    assert details[1].startswith("Procedure 3:")
    assert "channel 'fax'" in details[1] and "'x' is not a number" in details[1]
    assert "time unit 'weeks'" in details[1]
    assert Procedure.objects.count() == 0


def test_workflow_longer_than_the_legal_time_is_refused_with_an_explanation():
    too_long = json_file(
        json_item(
            "1.001193",
            "Thủ tục đăng ký khai sinh",
            workflow=[
                {"name": "Thẩm định", "role": "specialist", "budget_hours": 30},
                {"name": "Ký", "role": "leader", "budget_hours": 16},
            ],
        )
    )

    with pytest.raises(ImportFileError) as info:
        catalogue_import(content=too_long, filename="long.json")

    assert info.value.details == [
        "Procedure 1: The internal workflow takes 46 working hours, more than the 40 hours of "
        "the legal processing time (direct channel)."
    ]
    assert not Procedure.objects.exists()


def test_a_row_that_fails_while_writing_leaves_nothing_half_imported(monkeypatch):
    from procedures.services import versions

    calls = []
    real = versions._write_version

    def fail_on_third(procedure, record, number):
        calls.append(record.code)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(procedure, record, number)

    monkeypatch.setattr(versions, "_write_version", fail_on_third)

    with pytest.raises(RuntimeError):
        catalogue_import(content=GOOD, filename="demo.json")

    assert Procedure.objects.count() == 0 and ProcedureVersion.objects.count() == 0


def test_dry_run_reports_and_writes_nothing():
    report = catalogue_import(content=GOOD, filename="demo.json", dry_run=True)

    assert report.dry_run and len(report.created) == 3
    assert Procedure.objects.count() == 0 and CatalogueEvent.objects.count() == 0


def test_vietnamese_portal_keys_are_accepted():
    item = {
        "ma_thu_tuc": "1.001193",
        "ten_thu_tuc": "Thủ tục đăng ký khai sinh",
        "linh_vuc": "Hộ tịch",
        "cap_thuc_hien": "Cấp xã",
        "so_quyet_dinh": "163/QĐ-BTP",
        "channels": [{"channel": "online", "processing_time": 1, "time_unit": "working_days"}],
    }

    catalogue_import(content=json_file(item), filename="dvcqg.json")

    procedure = Procedure.objects.get(code="1.001193")
    assert procedure.levels == ["commune"]
    assert procedure.current_version.publishing_decision == "163/QĐ-BTP"


def test_exported_csv_and_xlsx_import_back_unchanged():
    catalogue_import(content=GOOD, filename="demo.json")
    before = state()

    csv_report = catalogue_import(content=catalogue_csv(), filename="tthc.csv")
    xlsx_report = catalogue_import(content=catalogue_xlsx(), filename="tthc.xlsx")

    rows = list(csv.DictReader(io.StringIO(catalogue_csv().decode("utf-8-sig"))))
    assert [r["code"] for r in rows] == ["1.000894", "1.001193", "2.000635"]
    assert rows[2]["levels"] == "commune;province" and rows[0]["fee_amount"] == "50000"
    assert (
        sorted(csv_report.unchanged) == sorted(xlsx_report.unchanged) == [r["code"] for r in rows]
    )
    assert state() == before


def test_a_spreadsheet_edit_keeps_the_cases_and_workflow_it_cannot_carry():
    catalogue_import(content=GOOD, filename="demo.json")
    rows = list(csv.DictReader(io.StringIO(catalogue_csv().decode("utf-8-sig"))))
    rows[1]["direct_time"] = "3"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)

    report = catalogue_import(content=out.getvalue().encode(), filename="edited.csv")

    assert report.changed == ["1.001193"]
    version = Procedure.objects.get(code="1.001193").current_version
    assert version.number == 2
    assert version.channels.get(kind="direct").processing_time == 3
    assert [w.role for w in version.workflow.all()] == ["receiver", "specialist"]
    assert [c.name for c in version.cases.get().components.all()] == ["Tờ khai"]


def test_xlsx_row_errors_carry_spreadsheet_line_numbers():
    book = Workbook()
    sheet = book.active
    sheet.append(["code", "name", "field", "levels", "time_unit", "direct_time", "fee_amount"])
    sheet.append(
        ["1.001193", "Thủ tục đăng ký khai sinh", "Hộ tịch", "commune", "working_days", 3, 0]
    )
    sheet.append(["1.000894", "", "Hộ tịch", "commune", "working_days", 5, "abc"])
    buffer = io.BytesIO()
    book.save(buffer)

    with pytest.raises(ImportFileError) as info:
        catalogue_import(content=buffer.getvalue(), filename="tthc.xlsx")

    assert info.value.details == ["Line 3: name is empty"]
    assert not Procedure.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"{not json", "x.json", "cannot be read"),
        (b"[]", "x.json", "holds no procedure"),
        (b"code,name\n", "x.csv", "holds no procedure"),
        (b"PK\x03\x04broken", "x.xlsx", "cannot be read"),
        (b"hello", "x.txt", "Only .json, .csv and .xlsx"),
    ],
)
def test_unreadable_files_are_refused_clearly(content, name, message):
    with pytest.raises(ImportFileError, match=message):
        catalogue_import(content=content, filename=name)


def test_command_dry_run_then_import(tmp_path):
    path = tmp_path / "demo.json"
    path.write_bytes(GOOD)
    out = io.StringIO()

    call_command("import_procedures", str(path), "--dry-run", stdout=out)
    assert "Dry run: would import demo.json: 3 created, 0 changed, 0 unchanged." in out.getvalue()
    assert not Procedure.objects.exists()

    call_command("import_procedures", str(path), stdout=io.StringIO())
    assert Procedure.objects.count() == 3


def test_command_names_the_bad_row(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(json_file(json_item("1.001193", "")))

    with pytest.raises(CommandError, match="Procedure 1: name is empty"):
        call_command("import_procedures", str(path), stdout=io.StringIO())
