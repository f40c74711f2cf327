"""Dossiers that arrive from the National Public Service Portal (hồ sơ từ Cổng DVCQG).

Since July 2025 many provinces receive online dossiers through the national portal; it pushes
each one here in its sync shape (DongBoHoSoMC). The dossier keeps the portal's code, is
idempotent by that code (a repeated push answers with the dossier already made), and lands in
the same back office as a browser submission: status 1, awaiting reception. Its documents stay
on the portal, held here by link with their digitisation flags.
"""

import hmac
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.permissions import BasePermission

from dossiers import lifecycle
from dossiers.documents import NewDocument, documents_add
from dossiers.errors import NoCompetentAgency
from dossiers.models import ApplicantType, Channel, Dossier, Source, Status
from dossiers.models_documents import DocumentKind
from procedures.models import DocumentComponent, Level, Procedure
from sync.shape import parse_time
from units.models import Agency, AgencyKind, Unit, UnitLevel

APPLICANT_TYPES = {
    1: ApplicantType.CITIZEN,
    2: ApplicantType.BUSINESS,
    3: ApplicantType.STATE_AGENCY,
    4: ApplicantType.OTHER,
}
PROVINCE_KINDS = (AgencyKind.PROVINCE_DEPARTMENT, AgencyKind.PROVINCE_SERVICE_CENTRE)

# Checks of API clients' tokens, filled by the portal (which owns them) in PortalConfig.ready():
# each takes (request, scope) and returns a truthy token when the header carries an API token
# allowed that scope, ``None`` when the header is not an API token, and raises DRF's 401/403
# for one that is refused. The sync app may not import the portal (the layers contract).
API_TOKEN_CHECKS: list[Callable] = []


class FromNationalPortal(BasePermission):
    """The national portal authenticates with a bearer token agreed with the province: one of
    ``NATIONAL_PORTAL_INBOUND_TOKENS``, or an API client's token with the ``national`` scope."""

    message = _("Unknown caller: send the token agreed for the national portal.")

    def has_permission(self, request, view) -> bool:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        if any(check(request, "national") for check in API_TOKEN_CHECKS):
            return True
        return any(
            hmac.compare_digest(token.encode(), known.encode())
            for known in settings.NATIONAL_PORTAL_INBOUND_TOKENS
        )


class PortalTime(serializers.CharField):
    default_error_messages = {"invalid": _("Write times as yyyyMMddHHmmss (Vietnam time).")}

    def to_internal_value(self, data):
        try:
            return parse_time(super().to_internal_value(data))
        except ValueError:
            self.fail("invalid")


class InboundDocument(serializers.Serializer):
    TenTepDinhKem = serializers.CharField(max_length=255)
    DuongDanTaiTepTin = serializers.URLField(max_length=500)
    MaThanhPhanHoSo = serializers.CharField(max_length=20, required=False, allow_blank=True)
    DuocSoHoa = serializers.BooleanField(required=False, default=False)
    DuocTaiSuDung = serializers.BooleanField(required=False, default=False)
    DuocLayTuKhoDMQG = serializers.BooleanField(required=False, default=False)


class InboundDossier(serializers.Serializer):
    """A new dossier as the national portal pushes it (DongBoHoSoMC, status 1)."""

    MaHoSo = serializers.RegexField(
        r"^[0-9A-Za-z.\-]{5,30}$",
        error_messages={"invalid": _("A dossier code has 5 to 30 letters, digits, dots, dashes.")},
    )
    MaTTHC = serializers.CharField(max_length=30)
    MaDonViTiepNhan = serializers.CharField(max_length=13)
    ChuHoSo = serializers.CharField(max_length=200)
    LoaiDoiTuong = serializers.ChoiceField(choices=list(APPLICANT_TYPES), default=1)
    MaDoiTuong = serializers.CharField(max_length=20, required=False, allow_blank=True)
    SoDienThoai = serializers.CharField(max_length=20, required=False, allow_blank=True)
    Email = serializers.EmailField(required=False, allow_blank=True)
    DiaChi = serializers.CharField(max_length=300, required=False, allow_blank=True)
    MaXa = serializers.CharField(max_length=5, required=False, allow_blank=True)
    NgayNopHoSo = PortalTime()
    TrangThaiHoSo = serializers.IntegerField(required=False, default=Status.SUBMITTED)
    KenhThucHien = serializers.ChoiceField(choices=Channel.values, default=Channel.ONLINE)
    XacThucVNeID = serializers.BooleanField(required=False, default=False)
    TaiLieuNop = InboundDocument(many=True, required=False, default=list)

    def validate_TrangThaiHoSo(self, value):
        if value != Status.SUBMITTED:
            raise serializers.ValidationError(
                _("Only new dossiers (status 1) arrive here; later changes are synced back.")
            )
        return value

    def validate(self, attrs):
        errors = {}
        procedure = (
            Procedure.objects.filter(code=attrs["MaTTHC"], current_version__isnull=False)
            .select_related("current_version")
            .first()
        )
        if procedure is None:
            errors["MaTTHC"] = [_("No procedure in force has this code.")]
        agency = Agency.objects.filter(identifier=attrs["MaDonViTiepNhan"], is_active=True).first()
        if agency is None:
            errors["MaDonViTiepNhan"] = [_("No active agency has this identifier.")]
        commune = None
        if attrs.get("MaXa"):
            commune = Unit.objects.filter(code=attrs["MaXa"], level=UnitLevel.COMMUNE).first()
            if commune is None:
                errors["MaXa"] = [_("No commune has this code.")]
        if errors:
            raise serializers.ValidationError(errors)
        attrs.update(procedure=procedure, reception_agency=agency, commune=commune)
        return attrs


def _competent(procedure, reception: Agency, commune) -> tuple[Agency, str]:
    from dossiers.submission import competent_agency

    if commune is not None:
        try:
            return competent_agency(procedure=procedure, commune=commune)
        except NoCompetentAgency:
            pass
    level = Level.PROVINCE if reception.kind in PROVINCE_KINDS else Level.COMMUNE
    return reception, level


@transaction.atomic
def dossier_accept_from_national(*, data: dict) -> tuple[Dossier, bool]:
    """Make the dossier the national portal pushed, or find it: ``(dossier, created)``."""
    existing = Dossier.objects.filter(code=data["MaHoSo"]).first()
    if existing is not None:
        return existing, False
    procedure = data["procedure"]
    version = procedure.current_version
    agency, level = _competent(procedure, data["reception_agency"], data["commune"])
    components = {str(c.pk): c for c in DocumentComponent.objects.filter(case__version=version)}
    try:
        with transaction.atomic():
            dossier = lifecycle.dossier_create(
                code=data["MaHoSo"],
                source=Source.NATIONAL,
                version=version,
                channel=data["KenhThucHien"],
                reception_agency=data["reception_agency"],
                agency=agency,
                level=level,
                applicant_type=APPLICANT_TYPES[data["LoaiDoiTuong"]],
                applicant_name=data["ChuHoSo"].strip(),
                applicant_id_number=data.get("MaDoiTuong", "").strip(),
                applicant_phone=data.get("SoDienThoai", "").strip(),
                applicant_email=data.get("Email", "").strip(),
                applicant_address=data.get("DiaChi", "").strip(),
                applicant_commune=data["commune"],
                vneid_verified=data["XacThucVNeID"],
                result_delivery="online",
                submitted_at=data["NgayNopHoSo"],
            )
    except IntegrityError:
        # The same push raced in twice: the first one made it.
        return Dossier.objects.get(code=data["MaHoSo"]), False
    documents_add(
        NewDocument(
            dossier=dossier,
            kind=DocumentKind.SUBMITTED,
            component=components.get(document.get("MaThanhPhanHoSo", "")),
            original_name=document["TenTepDinhKem"],
            remote_url=document["DuongDanTaiTepTin"],
            is_digitised=document["DuocSoHoa"],
            is_reused=document["DuocTaiSuDung"],
            from_data_store=document["DuocLayTuKhoDMQG"],
        )
        for document in data["TaiLieuNop"]
    )
    return dossier, True
