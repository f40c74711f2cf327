import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from procedures.models import Assignment, Level, Procedure, ProcedureVersion

DATA = Path(__file__).resolve().parents[2] / "procedures" / "data" / "demo_catalogue.json"


@pytest.mark.django_db
def test_demo_catalogue_has_real_procedures_and_former_district_ones(demo):
    data = json.loads(DATA.read_text())["procedures"]

    assert Procedure.objects.count() == len(data) >= 60
    assert Procedure.objects.get(code="1.001193").name == "Thủ tục đăng ký khai sinh"
    former = Procedure.objects.filter(former_level="district")
    assert former.count() >= 10
    # Lâm Đồng (68) still has them at the former district level; Hà Nội (01) moved them.
    assert (
        Assignment.objects.filter(
            level=Level.FORMER_DISTRICT, scope_id="68", valid_to__isnull=True
        ).count()
        == former.count()
    )
    assert not Assignment.objects.filter(
        level=Level.FORMER_DISTRICT, scope_id="01", valid_to__isnull=True
    ).exists()


@pytest.mark.django_db
def test_loading_the_demo_twice_changes_nothing(demo):
    before = (
        ProcedureVersion.objects.count(),
        Assignment.objects.count(),
        sorted(Procedure.objects.values_list("code", "current_version_id")),
    )

    call_command(
        "load_demo",
        "--password",
        "demo-password-1",
        "--quiet-logins",
        "--history",
        "0",
        stdout=io.StringIO(),
    )
    report = io.StringIO()
    call_command("import_procedures", str(DATA), stdout=report)

    assert "0 thêm mới, 0 thay đổi, 112 giữ nguyên" in report.getvalue()
    assert (
        ProcedureVersion.objects.count(),
        Assignment.objects.count(),
        sorted(Procedure.objects.values_list("code", "current_version_id")),
    ) == before
