"""Biểu II.06a/VPCP/KSTT (Circular 01/2020/TT-VPCP): "Tình hình, kết quả giải quyết TTHC tại
cơ quan, đơn vị trực tiếp giải quyết TTHC", as XLSX and PDF.

One row per field (lĩnh vực) and a total row; the counts come from
``selectors.resolution_by_field`` (the rollups, never the dossiers). It is an official form,
so its wording stays in Vietnamese whatever the user's language, like the receipt
(``dossiers.receipts``, whose DejaVu Sans font the PDF uses). Both renderers only read.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from dataclasses import dataclass

from django.utils import timezone

from reports import selectors
from reports.selectors import Period, Scope

CODE = "Biểu số II.06a/VPCP/KSTT"
ISSUED_BY = "Ban hành theo Thông tư số 01/2020/TT-VPCP"
TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"
UNIT_OF_COUNT = "Đơn vị tính: Số hồ sơ TTHC"
TOTAL_LABEL = "Tổng cộng"
# The form's 13 columns: (1) STT, (2) field, then these 11 counts.
COLUMNS = ("total_in", "online", "direct", "carried_over", "resolved", "early", "on_time",
           "late", "open", "open_on_time", "open_late")  # fmt: skip
GROUPS = (
    # (title, first column, last column) over the 13 columns, 0-based
    ("Số hồ sơ nhận giải quyết", 2, 5),
    ("Số hồ sơ đã giải quyết", 6, 9),
    ("Số hồ sơ đang giải quyết", 10, 12),
)
SECOND = {  # second header row: a title spanning rows 2-3, or "Trong kỳ" over 2 columns
    2: "Tổng số",
    3: "Trong kỳ",
    5: "Từ kỳ trước chuyển qua",
    6: "Tổng số",
    7: "Trước hạn",
    8: "Đúng hạn",
    9: "Quá hạn",
    10: "Tổng số",
    11: "Trong hạn",
    12: "Quá hạn",
}
THIRD = {3: "Trực tuyến", 4: "Trực tiếp, dịch vụ bưu chính"}


@dataclass
class FormRow:
    number: str  # STT; empty on the total row
    name: str
    values: tuple[int, ...]  # in the order of COLUMNS


@dataclass
class Form:
    unit: str
    first: dt.date
    last: dt.date
    rows: list[FormRow]
    total: FormRow

    @property
    def period_text(self) -> str:
        return f"{self.first:%d/%m/%Y} \N{EN DASH} {self.last:%d/%m/%Y}"

    def filename(self, extension: str) -> str:
        return f"bieu-ii06a-{self.first:%Y%m%d}-{self.last:%Y%m%d}.{extension}"


def _values(c: dict) -> tuple[int, ...]:
    return (
        c["received"] + c["carried_over"],
        c["online"],
        c["received"] - c["online"],
        c["carried_over"],
        c["resolved"],
        c["early"],
        c["on_time"],
        c["late"],
        c["open"],
        c["open_on_time"],
        c["open_late"],
    )


def _unit_name(scope: Scope) -> str:
    from units.models import Agency, Unit

    province = Unit.objects.filter(code=scope.province).values_list("name", flat=True).first()
    if scope.agency_ids is None:
        return province or scope.province
    agencies = Agency.objects.filter(pk__in=scope.agency_ids).order_by("name")
    return "; ".join(agencies.values_list("name", flat=True))


def build(scope: Scope, period: Period) -> Form:
    """The form of ``scope`` over ``period``: fields by name, then the total."""
    counts = selectors.resolution_by_field(scope, period)
    names = selectors.field_names(counts.keys())
    ordered = sorted(counts, key=lambda k: (names.get(k, ""), k))
    rows = [
        FormRow(str(n), names.get(k, str(k)), _values(counts[k]))
        for n, k in enumerate(ordered, start=1)
    ]
    total = tuple(sum(r.values[i] for r in rows) for i in range(len(COLUMNS)))
    return Form(_unit_name(scope), period.first, period.last, rows, FormRow("", TOTAL_LABEL, total))


def _text(value) -> str:
    """NFC, so each Vietnamese letter is one glyph of the PDF font."""
    return unicodedata.normalize("NFC", str(value))


def _grouped(value: int) -> str:
    return f"{value:,}".replace(",", ".")


# --- XLSX ---------------------------------------------------------------------------------------


def xlsx(form: Form) -> bytes:
    """The form as a workbook laid out like the official one (merged header cells)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "II.06a"
    bold = Font(bold=True)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)

    def put(row, col, value, *, to_row=None, to_col=None, font=None, align=centre):
        cell = sheet.cell(row=row, column=col, value=value)
        cell.alignment = align
        if font:
            cell.font = font
        if to_row or to_col:
            sheet.merge_cells(
                start_row=row, start_column=col, end_row=to_row or row, end_column=to_col or col
            )
        return cell

    put(1, 1, CODE, to_col=3, font=bold)
    put(2, 1, ISSUED_BY, to_col=3)
    put(1, 4, TITLE, to_col=10, font=bold)
    put(2, 4, f"Kỳ báo cáo: {form.period_text}", to_col=10)
    put(1, 11, f"Đơn vị báo cáo: {form.unit}", to_col=13)
    put(2, 11, UNIT_OF_COUNT, to_col=13)
    sheet.row_dimensions[1].height = 45

    top = 4  # the table's three header rows, then the row of column numbers
    put(top, 1, "STT", to_row=top + 2, font=bold)
    put(top, 2, "Lĩnh vực giải quyết", to_row=top + 2, font=bold)
    for title, first, last in GROUPS:
        put(top, first + 1, title, to_col=last + 1, font=bold)
    for col, title in SECOND.items():
        if col == 3:
            put(top + 1, col + 1, title, to_col=col + 2, font=bold)
        else:
            put(top + 1, col + 1, title, to_row=top + 2, font=bold)
    for col, title in THIRD.items():
        put(top + 2, col + 1, title, font=bold)
    for col in range(1, 14):
        put(top + 3, col, f"({col})")

    row = top + 4
    for item in [*form.rows, form.total]:
        font = bold if item is form.total else None
        put(row, 1, int(item.number) if item.number else None)
        put(row, 2, item.name, font=font, align=Alignment(vertical="center", wrap_text=True))
        for offset, value in enumerate(item.values, start=3):
            put(row, offset, value, font=font).number_format = "#,##0"
        row += 1
    for cells in sheet.iter_rows(min_row=top, max_row=row - 1, max_col=13):
        for cell in cells:
            cell.border = box
    for col, width in enumerate((6, 34, *([12] * 11)), start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = sheet.cell(row=top + 4, column=3)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- PDF ----------------------------------------------------------------------------------------

PDF_MARGIN = 10
PDF_WIDTHS = (10, 55, *([19] * 11))  # millimetres, 274 of A4 landscape's 277
PDF_LINE = 5


def pdf(form: Form) -> bytes:
    """The form as an A4 landscape PDF in DejaVu Sans (every Vietnamese letter)."""
    from fpdf import FPDF, FontFace
    from fpdf.enums import Align, TableCellFillMode, XPos, YPos

    from dossiers.receipts import FONT, font_paths

    doc = FPDF(orientation="landscape", unit="mm", format="A4")
    for style, path in font_paths().items():
        doc.add_font(FONT, style, str(path))
    doc.set_margins(PDF_MARGIN, PDF_MARGIN, PDF_MARGIN)
    doc.set_auto_page_break(auto=True, margin=PDF_MARGIN)
    doc.set_title(_text(f"{CODE} {form.period_text}"))
    doc.set_author(_text(form.unit))
    doc.set_creator("Cổng dịch vụ công")
    doc.set_lang("vi")
    doc.set_creation_date(timezone.now())
    doc.add_page()

    side, middle = 70, doc.epw - 140
    top = doc.get_y()
    doc.set_font(FONT, "B", 9)
    doc.multi_cell(side, 4.5, _text(CODE), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font(FONT, "", 8)
    doc.multi_cell(side, 4.5, _text(ISSUED_BY), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_bottom = doc.get_y()
    doc.set_xy(doc.l_margin + side, top)
    doc.set_font(FONT, "B", 11)
    doc.multi_cell(middle, 5.5, _text(TITLE), align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
    doc.set_font(FONT, "", 9)
    doc.multi_cell(
        middle,
        5,
        _text(f"Kỳ báo cáo: {form.period_text}"),
        align=Align.C,
        new_x=XPos.LEFT,
        new_y=YPos.NEXT,
    )
    middle_bottom = doc.get_y()
    doc.set_xy(doc.l_margin + side + middle, top)
    doc.multi_cell(
        side, 4.5, _text(f"Đơn vị báo cáo: {form.unit}"), new_x=XPos.LEFT, new_y=YPos.NEXT
    )
    doc.multi_cell(side, 4.5, _text(UNIT_OF_COUNT), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_y(max(doc.get_y(), left_bottom, middle_bottom) + 4)

    doc.set_font(FONT, "", 8)
    heading = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
    with doc.table(
        col_widths=PDF_WIDTHS,
        width=sum(PDF_WIDTHS),
        text_align="CENTER",
        line_height=PDF_LINE,
        num_heading_rows=4,
        headings_style=heading,
        cell_fill_mode=TableCellFillMode.NONE,
        align="LEFT",
    ) as table:
        first = table.row()
        first.cell("STT", rowspan=3)
        first.cell(_text("Lĩnh vực giải quyết"), rowspan=3)
        for title, start, last in GROUPS:
            first.cell(_text(title), colspan=last - start + 1)
        second = table.row()
        for col, title in SECOND.items():
            if col == 3:
                second.cell(_text(title), colspan=2)
            else:
                second.cell(_text(title), rowspan=2)
        third = table.row()
        for title in THIRD.values():
            third.cell(_text(title))
        numbers = table.row()
        for col in range(1, 14):
            numbers.cell(f"({col})")
        for item in [*form.rows, form.total]:
            style = FontFace(emphasis="BOLD") if item is form.total else None
            row = table.row(style=style)
            row.cell(item.number)
            row.cell(_text(item.name), align="LEFT")
            for value in item.values:
                row.cell(_grouped(value), align="RIGHT")
    return bytes(doc.output())
