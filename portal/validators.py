"""Validation of Vietnamese citizen identifiers."""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Birth-place prefixes of the 12-digit CCCD: the 63 pre-2025 provinces (Circular 07/2016/TT-BCA,
# Annex I). Kept as they were: CCCD numbers already issued never change with the 2025 merger.
CCCD_PLACE_CODES = frozenset(
    f"{n:03d}"
    for n in (
        1,
        2,
        4,
        6,
        8,
        10,
        11,
        12,
        14,
        15,
        17,
        19,
        20,
        22,
        24,
        25,
        26,
        27,
        30,
        31,
        33,
        34,
        35,
        36,
        37,
        38,
        40,
        42,
        44,
        45,
        46,
        48,
        49,
        51,
        52,
        54,
        56,
        58,
        60,
        62,
        64,
        66,
        67,
        68,
        70,
        72,
        74,
        75,
        77,
        79,
        80,
        82,
        83,
        84,
        86,
        87,
        89,
        91,
        92,
        93,
        94,
        95,
        96,
    )
)
_CCCD_RE = re.compile(r"^\d{12}$")


def cccd_century(number: str) -> int:
    """The birth century encoded in the 4th digit: 0/1 → 1900, 2/3 → 2000, ... 8/9 → 2300."""
    return 1900 + (int(number[3]) // 2) * 100


def validate_cccd(number: str, *, date_of_birth: dt.date | None = None) -> None:
    """Raise ValidationError unless ``number`` is a well-formed 12-digit CCCD.

    Checks the shape, the birth-place prefix and, when the date of birth is known, that the
    century/gender digit and the two year digits agree with it.
    """
    if not _CCCD_RE.match(number or ""):
        raise ValidationError(
            _("A citizen ID (CCCD) number has exactly 12 digits."), code="cccd_format"
        )
    if number[:3] not in CCCD_PLACE_CODES:
        raise ValidationError(
            _("The first three digits of the CCCD number are not a valid place-of-birth code."),
            code="cccd_place",
        )
    if date_of_birth is not None:
        year = cccd_century(number) + int(number[4:6])
        if year != date_of_birth.year:
            raise ValidationError(
                _("The CCCD number does not match the date of birth."), code="cccd_birth_year"
            )


def cccd_validator(value: str) -> None:
    """Field validator form of :func:`validate_cccd` (shape and prefix only)."""
    validate_cccd(value)
