"""Demo data for `make run` and the tests: agencies in two provinces, staff for every role.

The identifiers are demo values in the official shape (000.00.01.H68), not real ones.
"""

import datetime as dt
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from portal.models import User
from portal.services import citizen_upsert, staff_user_create, staff_user_set_password
from units.models import AgencyKind, Role, Unit, UnitLevel, UnitType
from units.services import agency_upsert, membership_grant

DEMO_PROVINCES = ("68", "01")  # Lâm Đồng (with its former districts) and Hà Nội
DEMO_COMMUNES_PER_PROVINCE = 2
PROVINCE_ROLES = tuple(Role)
COMMUNE_ROLES = tuple(r for r in Role if r != Role.PROVINCE_ADMIN)
DEMO_CITIZENS = (
    ("068190000123", "Nguyễn Văn An", dt.date(1990, 5, 12), 2),
    ("001301000456", "Trần Thị Bình", dt.date(2001, 11, 3), 1),
)


@dataclass
class DemoLogin:
    username: str
    role: str
    agency: str


@dataclass
class DemoReport:
    password: str
    logins: list[DemoLogin] = field(default_factory=list)
    agencies: int = 0


def _password_file() -> Path:
    return settings.VAR_DIR / "demo-password.txt"


def demo_password() -> str:
    """One password for every demo login, made once and kept under var/ (never in git)."""
    path = _password_file()
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = "demo-" + secrets.token_urlsafe(9)
    path.write_text(password)
    path.chmod(0o600)
    return password


def _staff(username: str, full_name: str, password: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        return staff_user_create(username=username, password=password, full_name=full_name)
    if not user.check_password(password):
        staff_user_set_password(user=user, password=password)
    return user


@transaction.atomic
def demo_load(*, password: str) -> DemoReport:
    """Create (or refresh) the demo agencies, staff and citizens; safe to run again."""
    report = DemoReport(password=password)
    admin = _staff("admin", "Quản trị hệ thống", password)
    if not admin.is_superuser:
        admin.is_superuser = admin.is_staff = True
        admin.save(update_fields=["is_superuser", "is_staff"])
    report.logins.append(DemoLogin("admin", "superuser", "—"))

    for code in DEMO_PROVINCES:
        province = Unit.objects.filter(code=code, level=UnitLevel.PROVINCE).first()
        if province is None:
            continue  # load_units first; the command says so
        # "tỉnh Lâm Đồng" but "Thành phố Hà Nội": a city's name already says what it is.
        title = f"tỉnh {province.name}" if province.type == UnitType.PROVINCE else province.name
        centre = agency_upsert(
            identifier=f"000.00.01.H{code}",
            name=f"Trung tâm Phục vụ hành chính công {title}",
            unit=province,
            kind=AgencyKind.PROVINCE_SERVICE_CENTRE,
            address=province.name,
        )
        justice = agency_upsert(
            identifier=f"000.00.02.H{code}",
            name=f"Sở Tư pháp {title}",
            unit=province,
            kind=AgencyKind.PROVINCE_DEPARTMENT,
            address=province.name,
        )
        agencies = [(centre, PROVINCE_ROLES, f"p{code}"), (justice, COMMUNE_ROLES, f"tp{code}")]
        communes = Unit.objects.filter(parent=province, level=UnitLevel.COMMUNE).order_by("code")
        for commune in communes[:DEMO_COMMUNES_PER_PROVINCE]:
            agency = agency_upsert(
                identifier=f"{commune.code[:3]}.{commune.code[3:]}.01.H{code}",
                name=f"Ủy ban nhân dân {commune.name}",
                unit=commune,
                kind=AgencyKind.COMMUNE_COMMITTEE,
                address=f"{commune.name}, {province.name}",
            )
            agencies.append((agency, COMMUNE_ROLES, f"x{commune.code}"))
        for agency, roles, tag in agencies:
            report.agencies += 1
            for role in roles:
                username = f"{role.value}.{tag}"
                user = _staff(username, f"{role.label} ({agency.name})", password)
                membership_grant(user=user, agency=agency, role=role)
                report.logins.append(DemoLogin(username, str(role.label), agency.name))

    for cccd, name, born, level in DEMO_CITIZENS:
        citizen_upsert(
            cccd=cccd,
            full_name=name,
            date_of_birth=born,
            identity_level=level,
            vneid_verified=level == 2,
        )
    return report
