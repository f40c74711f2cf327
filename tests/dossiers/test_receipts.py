"""Form 01, the receipt and appointment slip: read back from the PDF with poppler-utils."""

import datetime as dt
import shutil
import subprocess
import unicodedata
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import qrcode
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from dossiers.lifecycle import dossier_submit
from dossiers.models import Channel, Dossier
from dossiers.receipts import receipt_pdf
from procedures.records import CaseRecord, ComponentRecord
from tests.factories import AgencyFactory
from tests.factories.procedures import make_procedure
from units.models import AgencyKind

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NAME = "Nguyễn Thị Ánh Tuyết"
PROCEDURE_NAME = (
    "Thủ tục đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi "
    "theo quy trình liên thông thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú và "
    "cấp thẻ bảo hiểm y tế"
)
COMPONENTS = (
    ("Tờ khai đăng ký khai sinh", 1, 0),
    ("Giấy chứng sinh", 1, 0),
    ("Tờ khai thay đổi thông tin cư trú", 1, 0),
    ("Giấy chứng nhận kết hôn của cha mẹ", 0, 1),
)
TRACKING_URL = "https://dichvucong.example.vn/tra-cuu/000.00.01.H68-261123-0001"


def poppler(tool: str, *args: str) -> str:
    """Run a poppler-utils tool; its absence fails the test (the suite never skips it)."""
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is not installed: the receipt tests need poppler-utils (apt-get).")
    done = subprocess.run([tool, *args], check=True, capture_output=True, text=True)
    assert "Error" not in done.stderr, done.stderr  # poppler reports a damaged PDF on stderr
    return done.stdout


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def dossier(commune_a):
    agency = AgencyFactory(
        identifier="000.00.01.H68",
        name="Trung tâm Phục vụ hành chính công phường Xuân Hương - Đà Lạt",
        unit=commune_a,
        kind=AgencyKind.COMMUNE_SERVICE_CENTRE,
        address="02 Đường 3 Tháng 2, phường Xuân Hương - Đà Lạt, tỉnh Lâm Đồng",
        phone="0263 3822 111",
    )
    procedure = make_procedure(
        "1.001193",
        PROCEDURE_NAME,
        cases=(
            CaseRecord(
                name="Trường hợp chung",
                components=tuple(
                    ComponentRecord(name=name, originals=originals, copies=copies)
                    for name, originals, copies in COMPONENTS
                ),
            ),
        ),
    )
    version = procedure.current_version
    submitted = dossier_submit(
        version=version,
        agency=agency,
        reception_agency=agency,
        level="commune",
        channel=Channel.DIRECT,
        # Typed on a keyboard that sends combining marks: the receipt prints it in NFC.
        applicant_name=unicodedata.normalize("NFD", NAME),
        applicant_id_number="068190001234",
        applicant_phone="0912345678",
        applicant_email="anhtuyet@example.vn",
        applicant_address="15 Đường Phan Đình Phùng, phường Xuân Hương - Đà Lạt, tỉnh Lâm Đồng",
        case=version.cases.get(),
        submitted_at=dt.datetime(2026, 11, 23, 8, 30, tzinfo=ZONE),
    )
    Dossier.objects.filter(pk=submitted.pk).update(
        received_at=dt.datetime(2026, 11, 23, 8, 30, tzinfo=ZONE),
        appointment_at=dt.datetime(2026, 11, 26, 16, 30, tzinfo=ZONE),
    )
    return Dossier.objects.get(pk=submitted.pk)


def write(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "receipt.pdf"
    path.write_bytes(content)
    return path


def qr_matrix_of(path: Path, tmp_path: Path) -> list[list[bool]]:
    """The modules of the one image in the PDF, sampled at their centres (True = dark)."""
    poppler("pdfimages", "-png", str(path), str(tmp_path / "image"))
    (png,) = sorted(tmp_path.glob("image-*.png"))
    image = Image.open(png).convert("L")
    dark = [
        (x, y)
        for y in range(image.height)
        for x in range(image.width)
        if image.getpixel((x, y)) < 128
    ]
    left, top = min(x for x, _ in dark), min(y for _, y in dark)
    right, bottom = max(x for x, _ in dark), max(y for _, y in dark)
    # The top-left finder pattern is 7 dark modules wide: it gives the module size.
    run = next(x for x in range(left, right + 2) if image.getpixel((x, top)) >= 128) - left
    module = run / 7
    count = round((right - left + 1) / module)
    assert count == round((bottom - top + 1) / module)
    return [
        [
            image.getpixel((int(left + (col + 0.5) * module), int(top + (row + 0.5) * module)))
            < 128
            for col in range(count)
        ]
        for row in range(count)
    ]


def encodes(matrix: list[list[bool]], url: str) -> bool:
    """Whether ``matrix`` is the QR code of ``url`` at one of the four correction levels."""
    for level in (
        qrcode.constants.ERROR_CORRECT_L,
        qrcode.constants.ERROR_CORRECT_M,
        qrcode.constants.ERROR_CORRECT_Q,
        qrcode.constants.ERROR_CORRECT_H,
    ):
        code = qrcode.QRCode(error_correction=level, border=0)
        code.add_data(url)
        code.make(fit=True)
        if code.get_matrix() == matrix:
            return True
    return False


def test_receipt_prints_the_dossier_on_one_a4_page_with_its_qr_code(dossier, tmp_path):
    with CaptureQueriesContext(connection) as queries:
        content = receipt_pdf(dossier=dossier, tracking_url=TRACKING_URL, register_number="125")
    path = write(tmp_path, content)

    text = poppler("pdftotext", "-layout", str(path), "-")
    assert content.startswith(b"%PDF-")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "Mã hồ sơ: 000.00.01.H68-261123-0001" in text
    assert NAME in text
    assert unicodedata.normalize("NFD", NAME) not in text
    assert "068190001234" in text
    assert "0912345678" in text
    assert "anhtuyet@example.vn" in text
    assert "1.001193" in text
    assert f"Tên thủ tục: {PROCEDURE_NAME}" in flat(text)  # wrapped over lines, nothing lost
    for name, _originals, _copies in COMPONENTS:
        assert name in text
    assert "3 ngày làm việc" in text
    assert "08:30, 23/11/2026" in text
    assert "16:30, 26/11/2026" in text
    assert "Tại bộ phận một cửa" in text
    assert "Số vào sổ: 125" in flat(text)
    assert "Quét mã để tra cứu hồ sơ" in text
    assert "NGƯỜI NỘP HỒ SƠ" in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text

    info = poppler("pdfinfo", str(path))
    assert "Pages:           1\n" in info
    assert "Title:           GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ - 000.00.01.H68" in info
    assert "CreationDate:" in info
    assert "(A4)" in info

    images = poppler("pdfimages", "-list", str(path)).splitlines()[2:]
    assert len(images) == 1
    assert images[0].split()[1:3] == ["0", "image"]  # on page 1, an image (not a mask)
    assert encodes(qr_matrix_of(path, tmp_path), TRACKING_URL)

    poppler("pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / "page"))
    with Image.open(tmp_path / "page.png") as page:
        width, height = page.size
        dark, light = page.convert("L").getextrema()
    assert (round(width / 150 * 25.4), round(height / 150 * 25.4)) == (210, 297)  # A4
    assert (dark, light) == (0, 255)

    assert queries.captured_queries  # it read the catalogue...
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in queries.captured_queries)


def test_received_documents_replace_the_case_list_and_postal_delivery_is_named(dossier, tmp_path):
    Dossier.objects.filter(pk=dossier.pk).update(channel=Channel.ONLINE, result_delivery="post")
    dossier.refresh_from_db()

    content = receipt_pdf(
        dossier=dossier,
        tracking_url=TRACKING_URL,
        received_documents=[("Bản sao giấy khai sinh của mẹ", 0, 2), ("Ảnh 4x6", 2, 0)],
    )

    text = poppler("pdftotext", "-layout", str(write(tmp_path, content)), "-")
    assert "Bản sao giấy khai sinh của mẹ" in text
    assert "Ảnh 4x6" in text
    assert "Giấy chứng sinh" not in text
    assert "Qua dịch vụ bưu chính" in text
    assert "Số vào sổ" not in text


def test_a_missing_font_directory_is_named_in_the_error(dossier, settings, tmp_path):
    settings.RECEIPT_FONT_DIR = str(tmp_path / "fonts")

    with pytest.raises(ImproperlyConfigured) as raised:
        receipt_pdf(dossier=dossier, tracking_url=TRACKING_URL)

    assert str(tmp_path / "fonts" / "DejaVuSans.ttf") in str(raised.value)


def test_a_missing_bold_font_is_named_in_the_error(dossier, settings, tmp_path):
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    shutil.copy("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", fonts)
    settings.RECEIPT_FONT_DIR = str(fonts)

    with pytest.raises(ImproperlyConfigured) as raised:
        receipt_pdf(dossier=dossier, tracking_url=TRACKING_URL)

    assert str(fonts / "DejaVuSans-Bold.ttf") in str(raised.value)
