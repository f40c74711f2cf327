"""The national portal's dossier shape (DongBoHoSoMC), shared by inbound and outbound sync.

Field names are the portal's; times are ``yyyyMMddHHmmss`` in Asia/Ho_Chi_Minh (DOMAIN.md).
"""

import datetime as dt
from zoneinfo import ZoneInfo

PORTAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
TIME_FORMAT = "%Y%m%d%H%M%S"
SUCCESS = "00"


def format_time(moment: dt.datetime | None) -> str:
    """An aware datetime as the portal writes it; empty for none."""
    if moment is None:
        return ""
    return moment.astimezone(PORTAL_ZONE).strftime(TIME_FORMAT)


def parse_time(text: str) -> dt.datetime:
    """``yyyyMMddHHmmss`` in Vietnam's time as an aware datetime; ValueError if malformed."""
    text = (text or "").strip()
    if len(text) != 14 or not text.isdigit():
        raise ValueError(text)
    return dt.datetime.strptime(text, TIME_FORMAT).replace(tzinfo=PORTAL_ZONE)
