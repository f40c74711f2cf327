"""The constants of ``bench.generate``: where the demo catalogue is, the bench marker, agency
numbers, office hours, the odds of each turn in a dossier's life, names and notes.
"""

from __future__ import annotations

from pathlib import Path

from dossiers.models import DossierEvent

ROOT = Path(__file__).resolve().parents[2]
DEMO_CATALOGUE = ROOT / "procedures" / "data" / "demo_catalogue.json"
MARKER_DOMAIN = "bench.invalid"
MAX_SEQUENCE = 9999  # the code has four digits for the day's number

# Agency identifiers in the official shape (the validator's NNN.NN.NN.HPP). The provincial
# centre and the Department of Justice get the demo's numbers, so the demo finds them as its own;
# commune service centres take .03 after the commune's code, as .01 and .02 are the People's
# Committees of the demo and of bench.catalogue.
PROVINCE_CENTRE_NUMBER = "01"
DEPARTMENTS = (
    ("02", "Sở Tư pháp"),
    ("03", "Sở Xây dựng"),
    ("04", "Sở Nông nghiệp và Môi trường"),
    ("05", "Sở Tài chính"),
    ("06", "Sở Y tế"),
)
COMMUNE_CENTRE_NUMBER = "03"

# Vietnam has kept UTC+7 without daylight saving since 1975: local time is a fixed offset.
TZ = 7 * 3600
DAY = 86400
OPENS, MORNING_CLOSES, AFTERNOON_OPENS, CLOSES = 27000, 41400, 48600, 61200
OFFICE_SECONDS = (MORNING_CLOSES - OPENS) + (CLOSES - AFTERNOON_OPENS)

# The mix and the odds of each turn in a dossier's life.
P_OUT_OF_HOURS = 0.08  # online submissions in the evening or at weekends
P_ONLINE, P_DIRECT = 0.60, 0.35  # the rest by post
P_REFUSED, P_WITHDRAWN_EARLY, P_WITHDRAWN_RECEIVED = 0.02, 0.006, 0.008
P_SUPPLEMENT, P_SUPPLEMENT_UNANSWERED, P_FINANCIAL = 0.08, 0.12, 0.04
P_LATE, P_STOPPED, P_NEVER_COLLECTED = 0.05, 0.01, 0.03

SUBMITTED, TRANSITION = DossierEvent.Kind.SUBMITTED.value, DossierEvent.Kind.TRANSITION.value
DIRECT, ONLINE, POSTAL = 1, 2, 3
CHANNEL_KINDS = {DIRECT: "direct", ONLINE: "online", POSTAL: "postal"}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FAMILY = (
    ("Nguyễn",) * 8
    + ("Trần",) * 3
    + ("Lê",) * 2
    + _words("Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý")
)
MIDDLE = (
    _words("Văn Hữu Đức Minh Quang Công Thành Xuân"),
    _words("Thị Thị Thị Ngọc Thu Thanh Kim Mỹ"),
)
GIVEN = (
    _words("An Bình Cường Dũng Hùng Huy Khang Long Nam Phúc Quân Sơn Tâm Thắng Trung Tuấn Việt"),
    _words(
        "Anh Chi Dung Giang Hà Hạnh Hoa Hương Lan Linh Mai Ngân Nhung Phương Quỳnh Thảo Trang Yến"
    ),
)
COMPANY_WORDS = ("Thương mại", "Xây dựng", "Dịch vụ", "Nông sản", "Vận tải", "Du lịch")
PHONE_PREFIXES = _words("90 91 93 94 96 97 98 86 88 32 33 35 36 37 38 39 70 77 79 81 83 84 85")
REFUSAL = "Hồ sơ không thuộc thẩm quyền giải quyết"
SUPPLEMENT_REASONS = (
    "Bổ sung bản sao giấy tờ tùy thân",
    "Tờ khai chưa đủ chữ ký",
    "Bổ sung sơ đồ vị trí thửa đất",
    "Giấy tờ chứng minh nơi cư trú đã hết hạn",
)
STOP_NOTE = "Người nộp không bổ sung hồ sơ theo yêu cầu"
WITHDRAW_NOTE = "Người nộp xin rút hồ sơ"
