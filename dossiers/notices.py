"""Forms 02 to 05 of Circular 03/2025/TT-VPCP and the generated result, as PDFs.

02 supplement request, 03 refusal of reception, 04 apology and extension, 05 notice of
stopped processing: legal documents in Vietnamese, whatever the officer's language, laid out
like form 01 (``dossiers.receipts``). Each reads what the lifecycle recorded (the supplement
request, the extension, the refusing or stopping event); none writes to the database.
"""

from django.utils import timezone
from fpdf.enums import Align, XPos, YPos

from dossiers.models import Dossier, DossierEvent, Status
from dossiers.receipts import BLANK, FONT, SIZE, _moment, _Receipt, _text
from signatures.pdf import STAMP_HEIGHT, STAMP_WIDTH, reserve_field
from units.models import AgencyKind

POINTS_PER_MM = 72 / 25.4

TITLES = {
    "02": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "03": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    "04": "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
    "05": "THÔNG BÁO DỪNG XỬ LÝ HỒ SƠ",
}
FORMS = tuple(TITLES)


class NoticeUnavailable(Exception):
    """The dossier has no such notice (e.g. form 03 of a dossier that was received)."""


def _document(dossier: Dossier, *, number: str, agency_name: str) -> _Receipt:
    pdf = _Receipt()
    pdf.set_title(_text(f"{TITLES.get(number, 'KẾT QUẢ')} - {dossier.code}"))
    pdf.set_author(_text(agency_name))
    pdf.set_creator("Cổng dịch vụ công")
    pdf.set_lang("vi")
    pdf.set_creation_date(timezone.now())
    pdf.add_page()
    pdf.header_block(agency_name=agency_name)
    return pdf


def _title(pdf: _Receipt, title: str, dossier: Dossier) -> None:
    pdf.write_line(title, align=Align.C, style="B", size=14, height=8)
    pdf.write_line(f"Mã hồ sơ: {dossier.code}", align=Align.C, style="B", size=12, height=7)
    pdf.ln(4)


def _addressee(pdf: _Receipt, dossier: Dossier) -> None:
    pdf.field("Kính gửi:", dossier.applicant_name)
    pdf.field("Địa chỉ:", dossier.applicant_address)
    pdf.field("Thủ tục:", dossier.version.name)
    pdf.field("Nhận hồ sơ lúc:", _moment(dossier.received_at or dossier.submitted_at))
    pdf.ln(3)


def _signed(pdf: _Receipt, title: str, name: str = "") -> None:
    half = pdf.epw / 2
    pdf.ln(6)
    top = pdf.get_y()
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.set_font(FONT, "B", SIZE)
    pdf.cell(half, 6, _text(title), align=Align.C)
    pdf.set_xy(pdf.l_margin + half, top + 6)
    pdf.set_font(FONT, "", 9)
    pdf.cell(half, 5, "(Ký, ghi rõ họ tên)", align=Align.C)
    if name:
        pdf.set_xy(pdf.l_margin + half, top + 33)
        pdf.set_font(FONT, "B", SIZE)
        pdf.cell(half, 6, _text(name), align=Align.C)


def _event(dossier: Dossier, status: int) -> DossierEvent:
    event = dossier.events.filter(new_status=status).select_related("actor").order_by("-at").first()
    if event is None:
        raise NoticeUnavailable(status)
    return event


def _actor_name(event) -> str:
    actor = getattr(event, "actor", None) or getattr(event, "requested_by", None)
    actor = actor or getattr(event, "by", None)
    return (actor.get_full_name() or actor.get_username()) if actor else ""


def notice_pdf(*, dossier: Dossier, number: str) -> bytes:
    """Form ``number`` ("02" to "05") of ``dossier`` as PDF bytes; NoticeUnavailable if the
    dossier has none."""
    if number == "02":
        request = dossier.supplement_requests.select_related("agency", "requested_by").last()
        if request is None:
            raise NoticeUnavailable(number)
        pdf = _document(dossier, number=number, agency_name=request.agency.name)
        _title(pdf, TITLES[number], dossier)
        _addressee(pdf, dossier)
        pdf.write_line(
            "Sau khi xem xét, hồ sơ của ông/bà cần được bổ sung, hoàn thiện như sau:", style="B"
        )
        pdf.write_line(request.reason)
        for item in request.items:
            pdf.write_line(f"- {item}")
        pdf.ln(2)
        pdf.field("Yêu cầu lúc:", _moment(request.requested_at))
        pdf.write_line(
            "Thời gian giải quyết tạm dừng từ khi yêu cầu đến khi nhận đủ hồ sơ bổ sung. "
            "Mong ông/bà thông cảm."
        )
        _signed(pdf, "NGƯỜI YÊU CẦU", _actor_name(request))
    elif number == "03":
        event = _event(dossier, Status.REFUSED)
        pdf = _document(dossier, number=number, agency_name=dossier.reception_agency.name)
        _title(pdf, TITLES[number], dossier)
        _addressee(pdf, dossier)
        pdf.write_line("Hồ sơ không được tiếp nhận với lý do:", style="B")
        pdf.write_line(event.note or BLANK)
        pdf.field("Thời điểm:", _moment(event.at))
        pdf.write_line("Xin thông báo để ông/bà biết và thực hiện.")
        _signed(pdf, "NGƯỜI TIẾP NHẬN", _actor_name(event))
    elif number == "04":
        extension = dossier.extensions.select_related("by").last()
        if extension is None:
            raise NoticeUnavailable(number)
        pdf = _document(dossier, number=number, agency_name=dossier.agency.name)
        _title(pdf, TITLES[number], dossier)
        _addressee(pdf, dossier)
        pdf.field("Hẹn trả kết quả:", _moment(extension.old_appointment))
        pdf.write_line(
            "Tuy nhiên đến nay chưa giải quyết xong hồ sơ của ông/bà với lý do:", style="B"
        )
        pdf.write_line(extension.reason)
        pdf.write_line(
            "Cơ quan xin lỗi ông/bà vì sự chậm trễ này và hẹn lại thời gian trả kết quả:"
        )
        pdf.field("Hẹn trả lại vào:", _moment(extension.new_appointment))
        _signed(pdf, "THỦ TRƯỞNG CƠ QUAN", _actor_name(extension))
    elif number == "05":
        event = _event(dossier, Status.STOPPED)
        pdf = _document(dossier, number=number, agency_name=dossier.agency.name)
        _title(pdf, TITLES[number], dossier)
        _addressee(pdf, dossier)
        pdf.write_line("Cơ quan thông báo dừng xử lý hồ sơ của ông/bà với lý do:", style="B")
        pdf.write_line(event.note or BLANK)
        pdf.field("Thời điểm:", _moment(event.at))
        _signed(pdf, "THỦ TRƯỞNG CƠ QUAN", _actor_name(event))
    else:
        raise NoticeUnavailable(number)
    return bytes(pdf.output())


def available_notices(dossier: Dossier) -> list[str]:
    """The forms 02 to 05 that ``dossier`` has (for links on its pages)."""
    found = []
    if dossier.supplement_requests.exists():
        found.append("02")
    if dossier.status == Status.REFUSED:
        found.append("03")
    if dossier.extensions.exists():
        found.append("04")
    if dossier.status == Status.STOPPED:
        found.append("05")
    return found


def result_pdf(*, dossier: Dossier) -> bytes:
    """The result generated from the procedure's template: its published result text, the
    applicant and the decision, for the leader to sign."""
    pdf = _document(dossier, number="KQ", agency_name=dossier.agency.name)
    pdf.write_line("KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", align=Align.C, style="B", size=14)
    pdf.write_line(f"Mã hồ sơ: {dossier.code}", align=Align.C, style="B", size=12, height=7)
    pdf.ln(4)
    pdf.field("Thủ tục:", dossier.version.name)
    pdf.field("Người yêu cầu:", dossier.applicant_name)
    pdf.field("Số định danh:", dossier.applicant_id_number)
    pdf.field("Địa chỉ:", dossier.applicant_address)
    pdf.ln(2)
    pdf.write_line("Kết quả:", style="B")
    pdf.write_line(dossier.version.results or "Chấp thuận theo đề nghị của người yêu cầu.")
    pdf.field("Ngày cấp:", _moment(timezone.now()))
    page, box = _signature_block(pdf, _signatory(dossier.agency))
    return reserve_field(bytes(pdf.output()), page=page, box=box)


def _signatory(agency) -> str:
    """Who signs, as the block's heading: a People's Committee signs collectively ("TM." —
    on behalf of), any other agency by its head."""
    if agency.kind in (AgencyKind.COMMUNE_COMMITTEE, AgencyKind.FORMER_DISTRICT_COMMITTEE):
        return "TM. ỦY BAN NHÂN DÂN"
    return "THỦ TRƯỞNG CƠ QUAN"


def _signature_block(pdf: _Receipt, title: str) -> tuple[int, tuple[float, float, float, float]]:
    """The signature block of Decree 30/2020 in the right-hand column: the signatory's title,
    "(Ký, ghi rõ họ tên)" and under them an empty box the size of the signature stamp, never
    split over two pages. Returns the page (from 0) and the box in points from the page's
    bottom left, where ``reserve_field`` puts the signature field the signer fills."""
    width, height = STAMP_WIDTH / POINTS_PER_MM, STAMP_HEIGHT / POINTS_PER_MM
    half = pdf.epw / 2
    pdf.ln(6)
    if pdf.will_page_break(6 + 5 + 2 + height):
        pdf.add_page()
    left = pdf.l_margin + half
    pdf.set_x(left)
    pdf.set_font(FONT, "B", SIZE)
    pdf.multi_cell(half, 6, _text(title), align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(half, 5, "(Ký, ghi rõ họ tên)", align=Align.C, new_x=XPos.LEFT)
    top = pdf.get_y() + 2
    x = left + (half - width) / 2
    pdf.set_xy(pdf.l_margin, top + height)
    box = (x, pdf.h - top - height, x + width, pdf.h - top)
    return pdf.page - 1, tuple(round(v * POINTS_PER_MM, 2) for v in box)
