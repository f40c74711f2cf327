"""Self-check against the national portal (issue 8, item 4): the processing-progress score
recomputed from what the portal holds, beside our own figure, and the dossiers that differ.

The national index is computed from the synced data (DOMAIN.md "Sync with the national
portal"): a dossier the portal lost, or holds with another status or end time, moves the
province's score although nothing is wrong here. So this module reads what the portal holds
for a scope and period through the reconciliation read (``client.held_dossiers``, see
docs/national-portal-contract.md), turns every record into :class:`DossierFacts` and counts
it with the *same* functions as our rollups (``indicators.classify``,
``indicators.indicator_score``), then compares in total with ``selectors.totals`` (the figure
of the dashboard) and dossier by dossier with our ``DossierRollup`` rows.

Who may run it is ``selectors.report_scope``, as for every report; this module trusts the
scope it is given.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.models import Dossier, Status
from reports import indicators, selectors
from reports.indicators import ZONE, DossierFacts
from reports.models import DossierRollup, Klass
from reports.selectors import Period, Scope
from sync import client
from sync.shape import parse_time
from units.models import Agency

logger = logging.getLogger(__name__)

# What the processing-progress indicator counts (Decision 766: 20 x (early + on time, with
# those in progress on time) / received and processed).
PROGRESS_KEYS = ("received", "early", "on_time", "late", "in_progress", "in_progress_late")
# A self-check lists dossiers one by one: past this many on either side, a shorter period.
MAX_DOSSIERS = 20_000
PAGE_SIZE = 1000
AGENCIES_PER_CALL = 5000
# The portal keeps times to the second, we keep them finer; and our end of processing is the
# event's time while the synced one is the dossier's ``finished_at``, both written in one
# transaction microseconds apart. Times closer than this are the same time.
SAME_TIME = dt.timedelta(seconds=2)


class SelfCheckError(Exception):
    """The self-check could not be made; ``message`` says why, for the user."""

    def __init__(self, message: str, error: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.error = error


class PortalUnavailable(SelfCheckError):
    """The national portal could not be read (down, refusing, or without the read)."""


class TooManyDossiers(SelfCheckError):
    """More dossiers in the period than a self-check lists."""


@dataclass
class Figures:
    """The processing-progress counts of one side, its rate (%) and score (points)."""

    counts: dict[str, int]
    rate: Decimal | None
    score: Decimal | None


@dataclass(frozen=True)
class Reason:
    code: str  # missing | not_counted_here | status | received_at | end_at | deadline | ...
    ours: object
    portal: object
    message: str


@dataclass
class Difference:
    code: str
    reasons: list[Reason]
    ours_class: str | None = None
    portal_class: str | None = None


@dataclass
class SelfCheck:
    scope: Scope
    period: Period
    checked_at: dt.datetime
    points: Decimal
    ours: Figures
    portal: Figures
    differences: list[Difference] = field(default_factory=list)

    @property
    def score_difference(self) -> Decimal | None:
        """Our score minus the portal's (positive: the portal will score us lower)."""
        if self.ours.score is None and self.portal.score is None:
            return None
        return (self.ours.score or Decimal(0)) - (self.portal.score or Decimal(0))


# --- The national side --------------------------------------------------------------------------


def scope_agencies(scope: Scope) -> list[str]:
    """The electronic identifiers of the agencies a scope covers (the portal's MaDonViXuLy)."""
    agencies = Agency.objects.all()
    if scope.agency_ids is not None:
        agencies = agencies.filter(pk__in=scope.agency_ids)
    else:
        agencies = agencies.filter(Q(unit_id=scope.province) | Q(unit__parent_id=scope.province))
    return sorted(set(agencies.exclude(identifier="").values_list("identifier", flat=True)))


def held_records(agencies: list[str], start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Every record the portal holds for ``agencies``, received in [start, end), page by page.

    Raises :class:`PortalUnavailable` on any failure (a partial list would be a wrong
    figure) and :class:`TooManyDossiers` past :data:`MAX_DOSSIERS`."""
    records: list[dict] = []
    for first in range(0, len(agencies), AGENCIES_PER_CALL):
        chunk, page, before = agencies[first : first + AGENCIES_PER_CALL], 1, len(records)
        while True:
            answer = client.held_dossiers(
                agencies=chunk, start=start, end=end, page=page, size=PAGE_SIZE
            )
            if answer.outcome != "ok":
                # The full error names the portal's host, port and path: logged for the
                # operators, never shown (the answer says only what kind of failure it was).
                logger.warning("self-check: national portal unreadable: %s", answer.error)
                kind = f"http_{answer.http_status}" if answer.http_status else "unreachable"
                raise PortalUnavailable(_unavailable(), kind)
            total, items = answer.body.get("TongSo"), answer.body.get("DanhSachHoSo")
            if not isinstance(total, int) or not isinstance(items, list):
                raise PortalUnavailable(_unavailable(), "unexpected_answer")
            if before + total > MAX_DOSSIERS:
                raise TooManyDossiers(_too_many())
            records.extend(
                item["HoSo"]
                for item in items
                if isinstance(item, dict) and isinstance(item.get("HoSo"), dict)
            )
            if len(items) < PAGE_SIZE or page * PAGE_SIZE >= total:
                break
            page += 1
    return records


def _unavailable() -> str:
    return _(
        "The National Public Service Portal cannot be read now, so the self-check could not "
        "be made. Try again in a few minutes."
    )


def _too_many() -> str:
    return _(
        "There are more than %(limit)s dossiers in this period: choose a shorter period "
        "(a month) for the self-check."
    ) % {"limit": f"{MAX_DOSSIERS:,}".replace(",", ".")}


def _time(text) -> dt.datetime | None:
    try:
        return parse_time(text) if text else None
    except (TypeError, ValueError):
        return None


def portal_facts(record: dict) -> DossierFacts:
    """What the indicators need, read from a record as the portal holds it (DongBoHoSoMC).

    Mirrors ``rollups._load``: end of processing is NgayKetThucXuLy, else, for a dossier no
    longer open, the return time; a completed supplement moves the deadline by new - old
    appointment; an unanswered one on a dossier in status 5 stops the clock."""
    status = record.get("TrangThaiHoSo")
    status = status if isinstance(status, int) else 0
    supplements = [s for s in record.get("DanhSachHoSoBoSung") or [] if isinstance(s, dict)]
    end = _time(record.get("NgayKetThucXuLy"))
    if end is None and status not in indicators.OPEN:
        end = _time(record.get("NgayTra"))
    shifts = []
    for request in supplements:
        old, new = _time(request.get("NgayHenTraTruoc")), _time(request.get("NgayHenTraMoi"))
        if _time(request.get("NgayBoSung")) and old and new:
            shifts.append(new - old)
    return DossierFacts(
        status=status,
        channel=record.get("KenhThucHien") if isinstance(record.get("KenhThucHien"), int) else 0,
        received_at=_time(record.get("NgayTiepNhan")),
        appointment_at=_time(record.get("NgayHenTra")),
        original_appointment_at=_time(record.get("NgayHenTraBanDau")),
        end_at=end,
        supplement_shifts=tuple(shifts),
        supplements=len(supplements),
        paused=status == Status.SUPPLEMENT_REQUESTED
        and any(not _time(s.get("NgayBoSung")) for s in supplements),
    )


# --- Scores -------------------------------------------------------------------------------------


def progress_weight(period: Period) -> indicators.Weight:
    """The processing-progress weight in force (as the dashboard reads it)."""
    for weight in selectors.weights_for(min(period.last, dt.date.today())):
        if weight.indicator == "progress":
            return weight
    group, name, points, full_at = next(w for w in indicators.DEFAULT_WEIGHTS if w[1] == "progress")
    return indicators.Weight(group, name, Decimal(points), full_at)


def figures(counts, weight: indicators.Weight) -> Figures:
    counts = {key: int(counts.get(key, 0) or 0) for key in PROGRESS_KEYS}
    item = indicators.indicator_score(weight, counts)
    return Figures(counts=counts, rate=item.rate, score=item.score)


# --- Comparing ----------------------------------------------------------------------------------


def _local(moment: dt.datetime | None) -> str:
    return moment.astimezone(ZONE).strftime("%d/%m/%Y %H:%M:%S") if moment else "—"


def _same_time(ours: dt.datetime | None, theirs: dt.datetime | None) -> bool:
    if ours is None or theirs is None:
        return ours is theirs
    return abs(ours - theirs) < SAME_TIME


def _status_label(value) -> str:
    return str(Status(value).label) if value in Status.values else str(value)


def _klass_label(value) -> str:
    return str(Klass(value).label) if value in Klass.values else str(value)


def _compare(ours: dict, facts: DossierFacts, portal_class: str) -> list[Reason]:
    reasons = []
    if ours["status"] != facts.status:
        reasons.append(
            Reason(
                "status",
                ours["status"],
                facts.status,
                _("Status: %(ours)s here, %(portal)s on the portal.")
                % {"ours": _status_label(ours["status"]), "portal": _status_label(facts.status)},
            )
        )
    times = (
        ("received_at", ours["received_at"], facts.received_at, _("Received")),
        ("end_at", ours["end_at"], facts.end_at, _("End of processing")),
        ("deadline", ours["deadline"], indicators.deadline(facts), _("Deadline")),
    )
    for code, mine, theirs, label in times:
        if not _same_time(mine, theirs):
            reasons.append(
                Reason(
                    code,
                    mine.isoformat() if mine else None,
                    theirs.isoformat() if theirs else None,
                    _("%(what)s: %(ours)s here, %(portal)s on the portal.")
                    % {"what": label, "ours": _local(mine), "portal": _local(theirs)},
                )
            )
    if ours["supplements"] != facts.supplements:
        reasons.append(
            Reason(
                "supplements",
                ours["supplements"],
                facts.supplements,
                _("Supplement requests: %(ours)s here, %(portal)s on the portal.")
                % {"ours": ours["supplements"], "portal": facts.supplements},
            )
        )
    if ours["klass"] != portal_class:
        reasons.append(
            Reason(
                "counted",
                ours["klass"],
                portal_class,
                _("Counted as “%(ours)s” here and as “%(portal)s” on the portal.")
                % {"ours": _klass_label(ours["klass"]), "portal": _klass_label(portal_class)},
            )
        )
    return reasons


def _our_rows(scope: Scope, start: dt.datetime, end: dt.datetime) -> dict[str, dict]:
    rows = list(
        DossierRollup.objects.filter(scope.filter(), received_at__gte=start, received_at__lt=end)
        .values(
            "dossier__code", "status", "klass", "received_at", "end_at", "deadline",
            "supplements",
        )
        .order_by("dossier__code")[: MAX_DOSSIERS + 1]
    )  # fmt: skip
    if len(rows) > MAX_DOSSIERS:
        raise TooManyDossiers(_too_many())
    return {row["dossier__code"]: row for row in rows}


def _not_counted_here(codes: list[str]) -> dict[str, Reason]:
    """Reasons for records only the portal counts, saying where we count them, if at all."""
    known = {
        row["code"]: row
        for row in Dossier.objects.filter(code__in=codes).values(
            "code", "received_at", "agency__name"
        )
    }
    out = {}
    for code in codes:
        row = known.get(code)
        if row is None:
            message = _("Counted by the portal in this scope and period; we have no such dossier.")
        else:
            message = _(
                "Counted by the portal in this scope and period; we count it at %(agency)s, "
                "received %(received)s."
            ) % {"agency": row["agency__name"], "received": _local(row["received_at"])}
        out[code] = Reason("not_counted_here", None, code, message)
    return out


def run(scope: Scope, period: Period, *, now: dt.datetime | None = None) -> SelfCheck:
    """Recompute processing progress from the portal's records for ``scope`` and ``period``
    and compare it with ours. Raises :class:`PortalUnavailable` or :class:`TooManyDossiers`."""
    now = now or timezone.now()
    start = dt.datetime.combine(period.first, dt.time.min, tzinfo=ZONE)
    end = dt.datetime.combine(period.last + dt.timedelta(days=1), dt.time.min, tzinfo=ZONE)
    ours = _our_rows(scope, start, end)
    agencies = scope_agencies(scope)
    records = held_records(agencies, start, end) if agencies else []

    portal_counts: Counter = Counter()
    held: dict[str, tuple[DossierFacts, str]] = {}
    for record in records:
        facts = portal_facts(record)
        klass = indicators.classify(facts, now)
        if klass == Klass.NOT_RECEIVED:
            continue
        portal_counts["received"] += 1
        portal_counts[str(klass)] += 1
        held[str(record.get("MaHoSo"))] = (facts, str(klass))

    differences = []
    for code in sorted(set(ours) - set(held)):
        reason = Reason(
            "missing", None, None, _("Not held by the portal for this scope and period.")
        )
        differences.append(Difference(code, [reason], ours_class=ours[code]["klass"]))
    extra = sorted(set(held) - set(ours))
    for code, reason in _not_counted_here(extra).items():
        differences.append(Difference(code, [reason], portal_class=held[code][1]))
    for code in sorted(set(ours) & set(held)):
        facts, klass = held[code]
        reasons = _compare(ours[code], facts, klass)
        if reasons:
            differences.append(Difference(code, reasons, ours[code]["klass"], klass))
    differences.sort(key=lambda d: d.code)

    weight = progress_weight(period)
    return SelfCheck(
        scope=scope,
        period=period,
        checked_at=now,
        points=Decimal(weight.points),
        ours=figures(selectors.totals(scope, period)[None], weight),
        portal=figures(portal_counts, weight),
        differences=differences,
    )
