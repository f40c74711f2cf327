"""Form 01 of Circular 03/2025/TT-VPCP: the receipt and appointment slip, as a PDF.

"Giấy tiếp nhận hồ sơ và hẹn trả kết quả" is a legal document in Vietnamese, so its wording
stays in Vietnamese whatever the user's language. ``receipt_pdf`` only reads: it never writes
to the database. The font is DejaVu Sans (it covers every Vietnamese letter), looked up in
``settings.RECEIPT_FONT_DIR``, by default where Debian's ``fonts-dejavu-core`` installs it.
"""

import datetime as dt
import io
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import qrcode
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from fpdf import FPDF, FontFace
from fpdf.enums import Align, XPos, YPos

from dossiers.models import ApplicantType, Channel, Dossier, ResultDelivery
from procedures.models import ChannelKind, TimeUnit

DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/dejavu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FONT = "DejaVu"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
TITLE = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
QR_CAPTION = "Quét mã để tra cứu hồ sơ"
BLANK = "…"

CHANNEL_KIND = {
    Channel.DIRECT: ChannelKind.DIRECT,
    Channel.ONLINE: ChannelKind.ONLINE,
    Channel.POSTAL: ChannelKind.POSTAL,
}
TIME_UNIT = {
    TimeUnit.WORKING_DAYS: "ngày làm việc",
    TimeUnit.DAYS: "ngày",
    TimeUnit.HOURS: "giờ",
}
RESULT_DELIVERY = {
    ResultDelivery.COUNTER: "Tại bộ phận một cửa",
    ResultDelivery.POST: "Qua dịch vụ bưu chính",
    ResultDelivery.ONLINE: "Trực tuyến",
}

# Layout, in millimetres (A4 portrait: 210 by 297).
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 25, 15, 15, 15
HEADER_LEFT_WIDTH = 78
LABEL_WIDTH = 50
TIMES_LABEL_WIDTH = 81
QR_SIZE = 30
QR_COLUMN = 40
SIGNING_SPACE = 22
LINE = 5.5
SIZE = 10.5  # points

Document = tuple[str, int, int]


def receipt_pdf(
    *,
    dossier: Dossier,
    tracking_url: str,
    register_number: str | None = None,
    received_documents: Iterable[Sequence] | None = None,
) -> bytes:
    """The receipt and appointment slip (form 01) of ``dossier``, as PDF bytes.

    ``received_documents`` lists what the counter actually took in, as ``(name, originals,
    copies)``; without it the components of the dossier's case are printed. The QR code
    carries ``tracking_url``, where the applicant can look the dossier up.
    """
    documents = (
        [(str(name), int(originals), int(copies)) for name, originals, copies in received_documents]
        if received_documents is not None
        else _case_documents(dossier)
    )
    pdf = _Receipt()
    pdf.set_title(_text(f"{TITLE} - {dossier.code or ''}".strip(" -")))
    pdf.set_author(_text(dossier.reception_agency.name))
    pdf.set_creator("Cổng dịch vụ công")
    pdf.set_lang("vi")
    pdf.set_creation_date(timezone.now())
    pdf.add_page()

    pdf.header_block(agency_name=dossier.reception_agency.name)
    pdf.title_block(code=dossier.code or BLANK, secret=dossier.tracking_secret)
    pdf.applicant_block(dossier=dossier, tracking_url=tracking_url)
    pdf.procedure_block(dossier=dossier)
    pdf.documents_block(documents=documents)
    pdf.fees_block(dossier=dossier)
    pdf.times_block(dossier=dossier, register_number=register_number)
    pdf.signature_block(applicant_name=dossier.applicant_name)
    return bytes(pdf.output())


def font_paths() -> dict[str, Path]:
    """The regular and bold DejaVu Sans files; ImproperlyConfigured names a missing one."""
    directory = Path(getattr(settings, "RECEIPT_FONT_DIR", DEFAULT_FONT_DIR))
    paths = {style: directory / name for style, name in FONT_FILES.items()}
    for path in paths.values():
        if not path.is_file():
            raise ImproperlyConfigured(
                f"The receipt font {path} is missing: install DejaVu Sans (Debian package "
                "fonts-dejavu-core) or set RECEIPT_FONT_DIR to a directory holding "
                f"{' and '.join(FONT_FILES.values())}."
            )
    return paths


def _text(value) -> str:
    """Every string goes into the PDF in NFC, so each Vietnamese letter is one glyph."""
    return unicodedata.normalize("NFC", "" if value is None else str(value))


def _case_documents(dossier: Dossier) -> list[Document]:
    case = dossier.case
    if case is None:
        cases = list(dossier.version.cases.all()[:2])
        case = cases[0] if len(cases) == 1 else None
    if case is None:
        return []
    return [(c.name, c.originals, c.copies) for c in case.components.order_by("position", "id")]


def _moment(value: dt.datetime | None) -> str:
    if value is None:
        return BLANK
    return timezone.localtime(value, ZONE).strftime("%H:%M, %d/%m/%Y")


def _processing_time(dossier: Dossier) -> str:
    kind = CHANNEL_KIND.get(dossier.channel)
    channel = dossier.version.channels.filter(kind=kind).first()
    if channel is None:
        return BLANK
    amount = Decimal(channel.processing_time).normalize()
    number = f"{amount:f}".replace(".", ",")  # Vietnamese decimal comma: 0,5 ngày
    return f"{number} {TIME_UNIT.get(channel.time_unit, channel.time_unit)}"


class _Receipt(FPDF):
    def __init__(self):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        for style, path in font_paths().items():
            self.add_font(FONT, style, str(path))
        self.set_margins(MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT)
        self.set_auto_page_break(auto=True, margin=MARGIN_BOTTOM)
        self.set_font(FONT, size=SIZE)

    def write_line(self, text, *, width=0, height=LINE, align=Align.L, style="", size=SIZE):
        self.set_font(FONT, style, size)
        self.multi_cell(
            width, height, _text(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def field(self, label: str, value, *, width: float = 0, label_width=LABEL_WIDTH) -> None:
        """``label`` in bold, ``value`` wrapped beside it in a column of its own."""
        width = width or self.epw
        top = self.get_y()
        self.set_font(FONT, "B", SIZE)
        self.multi_cell(label_width, LINE, _text(label), align=Align.L, new_x=XPos.LMARGIN)
        label_bottom = self.get_y()
        self.set_xy(self.l_margin + label_width, top)
        self.set_font(FONT, "", SIZE)
        self.multi_cell(
            width - label_width,
            LINE,
            _text(value) or BLANK,
            align=Align.L,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_y(max(self.get_y(), label_bottom))

    def header_block(self, *, agency_name: str) -> None:
        """Agency name top-left, national name and motto top-right, each with a rule under it."""
        top = self.get_y()
        right_x = self.l_margin + HEADER_LEFT_WIDTH
        right_width = self.epw - HEADER_LEFT_WIDTH
        agency = _text(agency_name).upper()

        self.set_font(FONT, "B", 10)
        self.multi_cell(HEADER_LEFT_WIDTH, 5, agency, align=Align.C, new_x=XPos.LMARGIN)
        left_bottom = self.get_y() + 1
        self._rule(self.l_margin + HEADER_LEFT_WIDTH / 2, left_bottom, 30)

        self.set_xy(right_x, top)
        self.set_font(FONT, "B", SIZE)
        self.cell(right_width, 5, _text(NATION), align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.cell(right_width, 5, _text(MOTTO), align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
        right_bottom = self.get_y() + 1
        motto_width = self.get_string_width(_text(MOTTO))
        self._rule(right_x + right_width / 2, right_bottom, motto_width)

        self.set_xy(self.l_margin, max(left_bottom, right_bottom) + 7)

    def _rule(self, centre: float, y: float, width: float) -> None:
        self.set_line_width(0.3)
        self.line(centre - width / 2, y, centre + width / 2, y)

    def fees_block(self, *, dossier: Dossier) -> None:
        """Fees and charges (phí, lệ phí): the amount due and whether it is paid."""
        from dossiers.payments.selectors import fee_status_line

        line = fee_status_line(dossier)
        if line:
            self.field("Phí, lệ phí:", line)
            self.ln(1)

    def title_block(self, *, code: str, secret: str) -> None:
        self.write_line(TITLE, align=Align.C, style="B", size=14, height=8)
        self.write_line(f"Mã hồ sơ: {code}", align=Align.C, style="B", size=12, height=7)
        # With the code, it opens public tracking; without it the code alone shows nothing.
        self.write_line(f"Mã bí mật tra cứu: {secret}", align=Align.C, size=10, height=5)
        self.ln(4)

    def applicant_block(self, *, dossier: Dossier, tracking_url: str) -> None:
        """Who submitted, with the QR code to look the dossier up in a column on the right."""
        top = self.get_y()
        qr_x = self.l_margin + self.epw - QR_COLUMN
        self.image(_qr_png(tracking_url), x=qr_x + (QR_COLUMN - QR_SIZE) / 2, y=top, w=QR_SIZE)
        self.set_xy(qr_x, top + QR_SIZE + 0.5)
        self.set_font(FONT, "", 7.5)
        self.multi_cell(QR_COLUMN, 3.5, _text(QR_CAPTION), align=Align.C, new_x=XPos.LMARGIN)
        qr_bottom = self.get_y()

        self.set_xy(self.l_margin, top)
        width = self.epw - QR_COLUMN - 2
        if dossier.applicant_type == ApplicantType.CITIZEN:
            id_label = "Số định danh cá nhân:"
        else:
            id_label = "Mã số định danh:"
        self.write_line("1. Tiếp nhận hồ sơ của:", style="B", width=width)
        self.field("Người nộp hồ sơ:", dossier.applicant_name, width=width)
        self.field(id_label, dossier.applicant_id_number, width=width)
        self.field("Số điện thoại:", dossier.applicant_phone, width=width)
        self.field("Thư điện tử:", dossier.applicant_email, width=width)
        self.field("Địa chỉ:", dossier.applicant_address, width=width)
        self.set_y(max(self.get_y(), qr_bottom) + 2)

    def procedure_block(self, *, dossier: Dossier) -> None:
        self.write_line("2. Thủ tục hành chính yêu cầu giải quyết:", style="B")
        self.field("Mã thủ tục:", dossier.procedure.code)
        self.field("Tên thủ tục:", dossier.version.name)
        if dossier.case_id is not None:
            self.field("Trường hợp:", dossier.case.name)
        self.ln(2)

    def documents_block(self, *, documents: list[Document]) -> None:
        self.write_line("3. Thành phần hồ sơ đã nhận:", style="B")
        self.ln(1)
        rows = [(str(n), name, str(o), str(c)) for n, (name, o, c) in enumerate(documents, 1)]
        if not rows:
            rows = [("", "Không có giấy tờ nào được ghi nhận", "", "")]
        self.set_font(FONT, "", 10)
        with self.table(
            col_widths=(12, self.epw - 12 - 2 * 24, 24, 24),
            width=self.epw,
            align=Align.L,
            line_height=5,
            padding=(1, 1.5),
            text_align=("CENTER", "LEFT", "CENTER", "CENTER"),
            headings_style=FontFace(emphasis="BOLD"),
        ) as table:
            heading = table.row()
            for text in ("STT", "Tên giấy tờ", "Bản chính", "Bản sao"):
                heading.cell(_text(text), align=Align.C)
            for row in rows:
                cells = table.row()
                for text in row:
                    cells.cell(_text(text))
        self.ln(4)

    def times_block(self, *, dossier: Dossier, register_number: str | None) -> None:
        rows = [
            ("4. Thời hạn giải quyết theo quy định:", _processing_time(dossier)),
            ("5. Thời gian nhận hồ sơ:", _moment(dossier.received_at)),
            ("6. Thời gian hẹn trả kết quả:", _moment(dossier.appointment_at)),
            (
                "7. Nơi trả kết quả:",
                RESULT_DELIVERY.get(dossier.result_delivery, dossier.result_delivery),
            ),
        ]
        if register_number:
            rows.append(("Số vào sổ:", register_number))
        for label, value in rows:
            self.field(label, value, label_width=TIMES_LABEL_WIDTH)
        self.ln(5)

    def signature_block(self, *, applicant_name: str) -> None:
        """Both signatures side by side, never split over two pages."""
        height = 6 + 5 + SIGNING_SPACE + 6
        if self.will_page_break(height):
            self.add_page()
        half = self.epw / 2
        top = self.get_y()
        columns = (("NGƯỜI NỘP HỒ SƠ", applicant_name), ("NGƯỜI TIẾP NHẬN HỒ SƠ", ""))
        for column, (title, name) in enumerate(columns):
            x = self.l_margin + column * half
            self.set_xy(x, top)
            self.set_font(FONT, "B", SIZE)
            self.cell(half, 6, _text(title), align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
            self.set_font(FONT, "", 9)
            self.cell(half, 5, "(Ký và ghi rõ họ tên)", align=Align.C)
            if name:
                self.set_xy(x, top + 6 + 5 + SIGNING_SPACE)
                self.set_font(FONT, "B", SIZE)
                self.cell(half, 6, _text(name), align=Align.C)
        self.set_xy(self.l_margin, top + height)


def _qr_png(url: str) -> io.BytesIO:
    """The QR code of ``url`` as a PNG in memory (fpdf embeds it as one image)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(_text(url))
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    buffer.seek(0)
    return buffer
