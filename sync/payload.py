"""What we tell the national portal about a dossier (docs/national-portal-contract.md).

``snapshot`` runs inside the transition's transaction and reads only the dossier in memory (no
query): the fields as they are at this revision. ``upsert_body`` and ``progress_body`` run when
sending, and add the lists (documents, fees, supplement requests, results), which only grow.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from dossiers.models import Dossier, DossierEvent
from dossiers.models_payments import Payment, Refund
from dossiers.payments.selectors import expected_due, obligations_of, payment_channel
from sync.shape import format_time

APPLICANT_TYPE = {"citizen": 1, "business": 2, "state_agency": 3, "other": 4}
# Events that are progress inside the agency, not a change of the dossier's record.
PROGRESS_KINDS = (
    DossierEvent.Kind.FORWARDED,
    DossierEvent.Kind.SENT_BACK,
    DossierEvent.Kind.HANDED_OVER,
    DossierEvent.Kind.HANDED_BACK,
)


def kind_of(event: DossierEvent | None) -> str:
    if event is not None and event.kind in PROGRESS_KINDS and event.old_status == event.new_status:
        return "progress"
    return "upsert"


def snapshot(dossier: Dossier, event: DossierEvent | None) -> dict:
    """The dossier's scalar fields now (in memory: no query), plus the step when progress."""
    data = {
        "MaHoSo": dossier.code,
        "PhienBan": dossier.revision,
        "KenhThucHien": dossier.channel,
        "ChuHoSo": dossier.applicant_name,
        "LoaiDoiTuong": APPLICANT_TYPE.get(dossier.applicant_type, 1),
        "MaDoiTuong": dossier.applicant_id_number,
        "SoDienThoai": dossier.applicant_phone,
        "Email": dossier.applicant_email,
        "DiaChi": dossier.applicant_address,
        "MaDonViTiepNhanId": dossier.reception_agency_id,
        "MaDonViXuLyId": dossier.holder_agency_id or dossier.agency_id,
        "NgayNopHoSo": format_time(dossier.submitted_at),
        "NgayTiepNhan": format_time(dossier.received_at),
        "NgayHenTra": format_time(dossier.appointment_at),
        "NgayHenTraBanDau": format_time(dossier.original_appointment_at),
        "NgayKetThucXuLy": format_time(dossier.finished_at),
        "NgayTra": format_time(dossier.returned_at),
        "TrangThaiHoSo": dossier.status,
        "XacThucVNeID": dossier.vneid_verified,
    }
    if event is not None:
        data["TienDo"] = {
            "NguoiXuLyId": event.actor_id,
            "VaiTro": event.role,
            "ThoiDiemXuLy": format_time(event.at),
            "NoiDungXuLy": event.get_kind_display() if event.kind else "",
            "GhiChu": event.note[:500],
            "BuocMoi": event.new_step,
            "HanXuLy": format_time(dossier.step_due_at),
        }
    return data


@lru_cache(maxsize=4096)
def agency_identifier(agency_id) -> str:
    """An agency's electronic identifier (they do not change; read once per process)."""
    from units.models import Agency

    return Agency.objects.filter(pk=agency_id).values_list("identifier", flat=True).first() or ""


def dossier_lists(dossier_id: int) -> dict:
    """What DongBoHoSoMC adds to the snapshot, read once per dossier line."""
    dossier = Dossier.objects.select_related("procedure", "version").get(pk=dossier_id)
    base = settings.SITE_URL.rstrip("/")
    documents = list(dossier.documents.all())
    channel = dossier.version.channels.filter(kind=_channel_kind(dossier.channel)).first()
    return {
        "MaTTHC": dossier.procedure.code,
        "TenTTHC": dossier.version.name,
        "MaLinhVuc": dossier.version.field_id,
        "TaiLieuNop": [
            {
                "TenTepDinhKem": d.original_name,
                "MaThanhPhanHoSo": str(d.component_id or ""),
                "DuongDanTaiTepTin": d.remote_url or f"{base}/tep/{d.sha256}",
                "DuocSoHoa": d.is_digitised,
                "DuocTaiSuDung": d.is_reused,
                "DuocLayTuKhoDMQG": d.from_data_store,
            }
            for d in documents
            if d.kind != "result"
        ],
        "DanhSachGiayToKetQua": [
            {"TenGiayTo": d.original_name, "DuongDanTepTinKetQua": f"{base}/tep/{d.sha256}"}
            for d in documents
            if d.kind == "result"
        ],
        "DanhSachHoSoBoSung": [
            {
                "NoiDungBoSung": r.reason,
                "NgayYeuCau": format_time(r.requested_at),
                "NgayBoSung": format_time(r.supplied_at),
                "NgayHenTraTruoc": format_time(r.old_appointment),
                "NgayHenTraMoi": format_time(r.new_appointment),
            }
            for r in dossier.supplement_requests.all()
        ],
        # The fee lines of the dossier's case and channel, with what was paid, how, when.
        "DanhSachLePhi": fee_lines_for_sync(dossier) if channel else [],
        "KenhThanhToan": payment_channel(dossier) or payment_method(dossier),
    }


def payment_method(dossier: Dossier) -> str:
    """KenhThanhToan: how the financial obligation was paid (``PaymentMethod``: "online",
    "counter", "transfer"), from the last payment confirmed; empty when none was."""
    method = (
        dossier.events.filter(data__action="confirm_payment")
        .order_by("-at", "-id")
        .values_list("data__method", flat=True)
        .first()
    )
    return method if isinstance(method, str) else ""


def upsert_body(entry, lists: dict) -> dict:
    """DongBoHoSoMC: the snapshot of this revision, with identifiers and the dossier's lists."""
    data = dict(entry.payload)
    data.pop("TienDo", None)
    data["MaDonViTiepNhan"] = agency_identifier(data.pop("MaDonViTiepNhanId", None))
    data["MaDonViXuLy"] = agency_identifier(data.pop("MaDonViXuLyId", None))
    data.update(lists)
    return {"HoSo": data}


def _channel_kind(channel: int) -> str:
    return {1: "direct", 2: "online", 3: "postal"}.get(channel, "online")


def progress_body(entry) -> dict:
    """CapNhatTienDoHoSoMC: who did what at this revision."""
    step = entry.payload.get("TienDo") or {}
    return {
        "MaHoSo": entry.payload["MaHoSo"],
        "PhienBan": entry.revision,
        "NguoiXuLy": str(step.get("NguoiXuLyId") or ""),
        "ChucDanh": step.get("VaiTro", ""),
        "PhongBan": "",
        "ThoiDiemXuLy": step.get("ThoiDiemXuLy", ""),
        "NoiDungXuLy": step.get("NoiDungXuLy", ""),
        "TrangThai": entry.payload["TrangThaiHoSo"],
        "HanXuLy": step.get("HanXuLy", ""),
    }


def fee_lines_for_sync(dossier: Dossier) -> list[dict]:
    """DanhSachLePhi: the dossier's fee lines with what was paid, how and when, and refunds."""
    obligations = obligations_of(dossier)
    if not obligations:
        return [
            {"TenPhiLePhi": line["name"], "MucPhi": line["amount"]}
            for line in expected_due(dossier).lines
        ]
    rows = []
    for obligation in obligations:
        paid = next((p for p in obligation.payments.all() if p.state == Payment.State.PAID), None)
        refund = Refund.objects.filter(payment=paid).first() if paid else None
        for line in obligation.lines or [{"name": "", "amount": obligation.amount}]:
            rows.append(
                {
                    "TenPhiLePhi": line.get("name") or "",
                    "MucPhi": line.get("amount", 0),
                    "TrangThaiThanhToan": obligation.state,
                    "HinhThucThanhToan": paid.method if paid else "",
                    "MaGiaoDich": paid.reference if paid else "",
                    "NgayThanhToan": format_time(paid.paid_at) if paid else "",
                    "DoiTuongMienGiam": obligation.exemption,
                    "DaHoanTra": refund is not None,
                }
            )
    return rows
