"""Demo data for `make run` and the tests: agencies in two provinces, staff for every role.

The identifiers are demo values in the official shape (000.00.01.H68), not real ones.
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from portal.models import User
from portal.services import (
    citizen_upsert,
    staff_user_create,
    staff_user_rename,
    staff_user_set_password,
)
from procedures.importing import catalogue_import
from procedures.models import Assignment, Level, Procedure
from procedures.services import assignment_create
from units.models import Agency, AgencyKind, Role, Unit, UnitLevel, UnitType
from units.services import REFORM_DATE, agency_upsert, membership_grant

DEMO_PROVINCES = ("68", "01")  # Lâm Đồng (with its former districts) and Hà Nội
DEMO_COMMUNES_PER_PROVINCE = 2
# A year of dossiers across the demo provinces' 250 communes and their agencies (load_demo).
DEMO_HISTORY_DOSSIERS = 4000
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
    procedures: int = 0
    dossiers: int = 0


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


SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
            "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý")  # fmt: skip
MIDDLE_NAMES = ("Văn", "Thị", "Minh", "Thanh", "Hữu", "Đức", "Ngọc", "Quang", "Thu", "Hoài")
GIVEN_NAMES = ("An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Hùng",
               "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Ngọc", "Phong", "Phúc",
               "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến")  # fmt: skip


def person_name(seed: str) -> str:
    """A person's name for a demo account, the same for the same seed: a signed result's
    stamp says who signed ("Ký bởi: Trần Minh Hải"), not a role."""
    n = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    return " ".join(
        (
            SURNAMES[n % len(SURNAMES)],
            MIDDLE_NAMES[(n // 16) % len(MIDDLE_NAMES)],
            GIVEN_NAMES[(n // 256) % len(GIVEN_NAMES)],
        )
    )


def _staff(username: str, full_name: str, password: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        return staff_user_create(username=username, password=password, full_name=full_name)
    if not user.check_password(password):
        staff_user_set_password(user=user, password=password)
    if user.full_name != full_name:
        staff_user_rename(user=user, full_name=full_name)
    return user


@transaction.atomic
def demo_load(*, password: str, dossiers: bool = True, history: int = 0) -> DemoReport:
    """Create (or refresh) the demo agencies, staff and citizens; safe to run again.

    ``history`` more dossiers make about a year of work in every commune and agency of the demo
    provinces (``portal.demo_history``, once); the report rollups are brought up to date last.
    """
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
                user = _staff(username, person_name(username), password)
                membership_grant(user=user, agency=agency, role=role)
                report.logins.append(DemoLogin(username, str(role.label), agency.name))

    report.agencies += demo_agencies_everywhere()
    report.procedures = demo_catalogue_load()
    report.dossiers = demo_former_district_dossiers()

    for cccd, name, born, level in DEMO_CITIZENS:
        citizen_upsert(
            cccd=cccd,
            full_name=name,
            date_of_birth=born,
            identity_level=level,
            vneid_verified=level == 2,
        )
    if dossiers:
        report.dossiers += demo_dossiers_in_every_status()
        if history:
            from portal.demo_history import demo_history

            report.dossiers += demo_history(dossiers=history, provinces=DEMO_PROVINCES)
    return report


def demo_rollups() -> int:
    """The report rollups of every dossier, rebuilt (after the demo's bulk history, which no
    refresh has seen); returns how many dossiers they count. Row by row (the reference): a
    demo's few thousand dossiers take seconds, with no index dropped and put back."""
    from reports.rollups import rebuild

    return rebuild(in_python=True)


DEMO_CATALOGUE = (
    Path(__file__).resolve().parent.parent / "procedures" / "data" / "demo_catalogue.json"
)
# The demo province keeps its former-district procedures unmoved, so the reassignment tool has
# work to show; the other demo province moved them to its communes on 1 July 2025.
PROVINCE_WITH_FORMER_DISTRICTS = "68"
OLD_REGIME_START = dt.date(2021, 1, 1)


def _ensure_assignment(*, procedure, level, scope, agency=None, valid_from, valid_to=None):
    exists = Assignment.objects.filter(
        procedure=procedure, level=level, scope=scope, agency=agency, valid_from=valid_from
    ).exists()
    if not exists:
        assignment_create(
            procedure=procedure,
            level=level,
            scope=scope,
            agency=agency,
            valid_from=valid_from,
            valid_to=valid_to,
            note="demo",
        )


def demo_catalogue_load() -> int:
    """Import the demo catalogue and assign each procedure in the demo provinces."""
    catalogue_import(content=DEMO_CATALOGUE.read_bytes(), filename=DEMO_CATALOGUE.name)
    procedures = list(Procedure.objects.filter(current_version__isnull=False))
    for code in DEMO_PROVINCES:
        province = Unit.objects.get(code=code)
        centre = Agency.objects.filter(
            unit=province, kind=AgencyKind.PROVINCE_SERVICE_CENTRE
        ).first()
        for procedure in procedures:
            if procedure.former_level == "district":
                if code == PROVINCE_WITH_FORMER_DISTRICTS:
                    _ensure_assignment(
                        procedure=procedure,
                        level=Level.FORMER_DISTRICT,
                        scope=province,
                        valid_from=OLD_REGIME_START,
                    )
                    continue
                _ensure_assignment(
                    procedure=procedure,
                    level=Level.FORMER_DISTRICT,
                    scope=province,
                    valid_from=OLD_REGIME_START,
                    valid_to=REFORM_DATE,
                )
            if Level.COMMUNE in procedure.levels:
                _ensure_assignment(
                    procedure=procedure, level=Level.COMMUNE, scope=province, valid_from=REFORM_DATE
                )
            elif Level.PROVINCE in procedure.levels and centre is not None:
                _ensure_assignment(
                    procedure=procedure,
                    level=Level.PROVINCE,
                    scope=province,
                    agency=centre,
                    valid_from=REFORM_DATE,
                )
    return len(procedures)


def demo_agencies_everywhere() -> int:
    """Every commune of the demo provinces has its People's Committee; Lâm Đồng's dissolved
    districts keep theirs (inactive for new work, still holding open dossiers)."""
    created = 0
    for code in DEMO_PROVINCES:
        province = Unit.objects.get(code=code)
        for commune in Unit.objects.filter(parent=province, level=UnitLevel.COMMUNE):
            identifier = f"{commune.code[:3]}.{commune.code[3:]}.01.H{code}"
            if not Agency.objects.filter(identifier=identifier).exists():
                agency_upsert(
                    identifier=identifier,
                    name=f"Ủy ban nhân dân {commune.name}",
                    unit=commune,
                    kind=AgencyKind.COMMUNE_COMMITTEE,
                    address=f"{commune.name}, {province.name}",
                )
                created += 1
    for district in Unit.objects.filter(
        parent_id=PROVINCE_WITH_FORMER_DISTRICTS, level=UnitLevel.FORMER_DISTRICT
    ):
        identifier = f"{district.code}.00.01.H{PROVINCE_WITH_FORMER_DISTRICTS}"
        if not Agency.objects.filter(identifier=identifier).exists():
            agency_upsert(
                identifier=identifier,
                name=f"Ủy ban nhân dân {district.name} (cũ)",
                unit=district,
                kind=AgencyKind.FORMER_DISTRICT_COMMITTEE,
            )
            created += 1
    return created


DEMO_APPLICANTS = ("Lê Thị Hoa", "Phạm Văn Minh", "Đỗ Thu Trang", "Hoàng Đức Anh")


def demo_former_district_dossiers() -> int:
    """Open dossiers still held by dissolved districts of Lâm Đồng, for the reassignment demo."""
    from dossiers.lifecycle import dossier_submit
    from dossiers.models import Dossier

    if Dossier.objects.filter(agency__kind=AgencyKind.FORMER_DISTRICT_COMMITTEE).exists():
        return 0
    districts = Agency.objects.filter(kind=AgencyKind.FORMER_DISTRICT_COMMITTEE).order_by(
        "identifier"
    )[:4]
    procedures = list(
        Procedure.objects.filter(former_level="district").select_related("current_version")[:3]
    )
    count = 0
    for i, agency in enumerate(districts):
        successors = list(agency.unit.successors.order_by("code")[:2])
        for j, procedure in enumerate(procedures):
            home = successors[(i + j) % len(successors)] if successors else None
            dossier_submit(
                version=procedure.current_version,
                agency=agency,
                reception_agency=agency,
                level=Level.FORMER_DISTRICT,
                applicant_name=DEMO_APPLICANTS[(i + j) % 4],
                applicant_address=home.name if home else "",
                applicant_commune=home,
                submitted_at=dt.datetime(2025, 6, 20, 9, 0, tzinfo=dt.UTC),
            )
            count += 1
    return count


# No e-mail: loading the demo must not send mail (embedded mode has no SMTP server).
DEMO_WALK_IN = ("Phạm Thị Dung", "001085000789", "0905123456", "")
# Where each demo dossier stops: (label for the log, the path of lifecycle steps to take).
DEMO_PATHS = (
    ("submitted", ()),
    ("received", ("receive",)),
    ("refused", ("refuse",)),
    ("with the specialist", ("receive", "forward", "claim")),
    ("supplement requested", ("receive", "supplement")),
    ("financial obligation", ("receive", "forward", "claim", "payment")),
    ("withdrawn", ("withdraw",)),
    ("stopped", ("receive", "forward", "stop")),
    ("awaiting the leader", ("receive", "forward", "claim", "to_leader")),
    ("awaiting signature", ("receive", "forward", "claim", "to_leader", "approve")),
    ("result ready", ("receive", "forward", "claim", "to_leader", "approve", "issue")),
    ("returned", ("receive", "forward", "claim", "to_leader", "approve", "issue", "return")),
    ("overdue", ("receive", "forward", "late")),
)


def demo_dossiers_in_every_status(*, province_code: str = "01") -> int:
    """A dossier in each status (and each internal step) at the first demo commune of
    ``province_code``, taken there by its demo staff through the lifecycle (idempotent)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dossiers import lifecycle
    from dossiers.documents import NewDocument, documents_add
    from dossiers.lifecycle import dossier_create, sign_and_issue
    from dossiers.models import Dossier, Step
    from dossiers.submission import competent_agency
    from dossiers.uploads import check_upload
    from units.models import Membership

    name, cccd, phone, email = DEMO_WALK_IN
    citizen = citizen_upsert(
        cccd=cccd,
        full_name=name,
        date_of_birth=dt.date(1985, 2, 14),
        identity_level=2,
        vneid_verified=True,
    ).user
    if Dossier.objects.filter(applicant=citizen).exists():
        return 0
    province = Unit.objects.get(code=province_code)
    commune = Unit.objects.filter(parent=province, level=UnitLevel.COMMUNE).order_by("code")[0]
    procedure = Procedure.objects.select_related("current_version").get(code="1.001193")
    agency, level = competent_agency(procedure=procedure, commune=commune)
    demo_positions(agency)

    def staff(role):
        return (
            Membership.objects.filter(agency=agency, role=role, is_active=True)
            .select_related("user")
            .first()
            .user
        )

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    count = 0
    for _label, path in DEMO_PATHS:
        d = dossier_create(
            version=procedure.current_version,
            agency=agency,
            reception_agency=agency,
            level=level,
            applicant=citizen,
            applicant_name=name,
            applicant_id_number=cccd,
            applicant_phone=phone,
            applicant_email=email,
            applicant_address=commune.name,
            applicant_commune=commune,
            vneid_verified=True,
            case=procedure.current_version.cases.first(),
        )
        upload = SimpleUploadedFile("to-khai.pdf", pdf, "application/pdf")
        info = check_upload(upload)
        documents_add([NewDocument(dossier=d, upload=upload, info=info, is_digitised=True)])
        for step in path:
            if step == "receive":
                d = lifecycle.receive(dossier=d, actor=staff(Role.RECEIVER))
            elif step == "refuse":
                d = lifecycle.refuse(
                    dossier=d, actor=staff(Role.RECEIVER), reason="Hồ sơ không thuộc thẩm quyền."
                )
            elif step == "forward":
                d = lifecycle.forward(dossier=d, actor=staff(Role.RECEIVER))
            elif step == "claim":
                d = lifecycle.claim(dossier=d, actor=staff(Role.SPECIALIST))
            elif step == "supplement":
                lifecycle.request_supplement(
                    dossier=d,
                    actor=staff(Role.RECEIVER),
                    reason="Bản sao giấy tờ tùy thân không rõ.",
                    items=["Bản sao CCCD của người đi khai sinh"],
                )
            elif step == "payment":
                d = lifecycle.request_payment(
                    dossier=d, actor=staff(Role.SPECIALIST), amount=8000, note="Lệ phí"
                )
            elif step == "withdraw":
                d = lifecycle.withdraw(dossier=d, actor=citizen, reason="Nộp nhầm thủ tục")
            elif step == "stop":
                d = lifecycle.stop(
                    dossier=d, actor=staff(Role.LEADER), reason="Người yêu cầu đã mất."
                )
            elif step == "to_leader":
                while d.step != Step.LEADER:
                    d = lifecycle.forward(dossier=d, actor=staff(Role(d.step)))
            elif step == "approve":
                d = lifecycle.approve(dossier=d, actor=staff(Role.LEADER))
            elif step == "issue":
                if d.step == Step.SIGNATURE:
                    # The leader signs with the demo certificate (stored under var/media).
                    lifecycle.attach_result(dossier=d, actor=staff(Role.LEADER))
                    sign_and_issue(dossier=d, actor=staff(Role.LEADER))
                    d.refresh_from_db()
            elif step == "return":
                d = lifecycle.return_result(dossier=d, actor=staff(Role.RECEIVER))
            elif step == "late":
                # Received long ago: the appointment has passed (the overdue queue's example).
                Dossier.objects.filter(pk=d.pk).update(
                    appointment_at=d.appointment_at - dt.timedelta(days=20)
                )
        count += 1
    return count


def demo_positions(agency) -> int:
    """The agency's leader and department head hold signing positions with certificates."""
    from signatures import ca
    from signatures.models import Certificate, Position
    from units.models import Membership

    made = 0
    for role, code, title in (
        (Role.LEADER, "CT", "Chủ tịch Ủy ban nhân dân"),
        (Role.DEPARTMENT_HEAD, "TP", "Trưởng phòng chuyên môn"),
    ):
        membership = Membership.objects.filter(agency=agency, role=role).first()
        if membership is None:
            continue
        position, _created = Position.objects.get_or_create(
            agency=agency, code=code, defaults={"title": title, "holder": membership.user}
        )
        if not Certificate.objects.filter(position=position, revoked_at__isnull=True).exists():
            ca.issue(holder=membership.user, position=position)
            made += 1
    return made
