"""The amount a dossier owes, from its version's fee lines for its case and channel.

The amount is never typed: it is the sum of the fee lines the procedure version publishes for
the dossier's channel, the lines of every case plus those of the dossier's own case, unless the
applicant belongs to a group the version exempts. Money is whole đồng.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from procedures.models import ExemptGroup, FeeCollection, FeeLine

# Dossier.channel (national codes 1-3) → the catalogue's channel kind.
CHANNEL_KIND = {1: "direct", 2: "online", 3: "postal"}


@dataclass(frozen=True)
class Due:
    amount: int
    lines: list[dict] = field(default_factory=list)
    exemption: str = ""

    @property
    def is_due(self) -> bool:
        return self.amount > 0


def format_vnd(amount: int | None) -> str:
    """7000 → "7.000 đ" (Vietnamese grouping with dots)."""
    return f"{int(amount or 0):,} đ".replace(",", ".")


def fee_lines(*, version, case_id: int | None, channel: int) -> list[FeeLine]:
    """The fee lines of ``version`` that apply to a dossier of ``case_id`` on ``channel``."""
    return list(
        FeeLine.objects.filter(
            channel__version=version, channel__kind=CHANNEL_KIND.get(channel, "online")
        )
        .filter(Q(case__isnull=True) | Q(case_id=case_id))
        .order_by("position", "id")
    )


def amount_due(*, version, case_id: int | None, channel: int, exemption: str = "") -> Due:
    """What a dossier of this case and channel owes; 0 for a group the version exempts."""
    lines = [
        {"name": line.name, "amount": int(line.amount)}
        for line in fee_lines(version=version, case_id=case_id, channel=channel)
        if line.amount > 0
    ]
    if exemption:
        if (
            exemption not in ExemptGroup.values
            or not version.fee_exemptions.filter(group=exemption).exists()
        ):
            raise ValueError(f"{exemption!r} is not exempt from this procedure's fees")
        return Due(amount=0, lines=lines, exemption=exemption)
    return Due(amount=sum(line["amount"] for line in lines), lines=lines)


def dossier_due(dossier, *, exemption: str = "") -> Due:
    return amount_due(
        version=dossier.version,
        case_id=dossier.case_id,
        channel=dossier.channel,
        exemption=exemption,
    )


def collected_up_front(dossier) -> bool:
    """An online dossier of a procedure that collects its fees at submission."""
    return dossier.channel == 2 and dossier.version.fee_collection == FeeCollection.AT_SUBMISSION


def new_reference() -> str:
    """A unique transaction reference (mã giao dịch): date and 10 random characters."""
    return "TT" + timezone.localdate().strftime("%y%m%d") + secrets.token_hex(5).upper()
