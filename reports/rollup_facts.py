"""The facts of the rollups, read from the database: ``_load`` builds the new ``DossierRollup``
rows of a batch of dossiers (a handful of queries for the whole batch), over ``indicators``.

Used by ``reports.rollups``, which writes them (see there for the rules of refreshing).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q

from dossiers.models import Channel, Dossier, DossierEvent, Status
from dossiers.models_documents import (
    DocumentKind,
    DossierDocument,
    DossierRating,
    SupplementRequest,
)
from dossiers.models_payments import Payment
from reports import indicators
from reports.indicators import ZONE, DossierFacts
from reports.models import DossierRollup
from sync.models import OutboxEntry
from units.models import UnitLevel


def month_of(moment: dt.datetime) -> dt.date:
    return moment.astimezone(ZONE).date().replace(day=1)


# --- Facts from the database --------------------------------------------------------------------


def _load(ids: list[int], now: dt.datetime) -> list[DossierRollup]:
    """The new rollup rows of dossiers ``ids`` (a handful of queries for the whole batch)."""
    dossiers = list(
        Dossier.objects.filter(pk__in=ids).values(
            "id",
            "status",
            "channel",
            "received_at",
            "appointment_at",
            "original_appointment_at",
            "finished_at",
            "returned_at",
            "result_delivery",
            "vneid_verified",
            "agency_id",
            "agency__unit_id",
            "agency__unit__level",
            "agency__unit__parent_id",
            "procedure_id",
            "version__field_id",
            "version__online_level",
            "version_id",
        )
    )
    if not dossiers:
        return []
    transitions = defaultdict(list)
    received_events: dict[int, dt.datetime] = {}
    paid_online: set[int] = set()
    obligations: set[int] = set()
    wanted = (Status.RECEIVED, Status.FINANCIAL_OBLIGATION, *indicators.ENDING,
              Status.RESULT_READY, Status.RETURNED)  # fmt: skip
    for dossier_id, new_status, at, data in DossierEvent.objects.filter(
        Q(new_status__in=wanted) | Q(data__action="confirm_payment"), dossier_id__in=ids
    ).values_list("dossier_id", "new_status", "at", "data"):
        transitions[dossier_id].append((new_status, at))
        if new_status == Status.RECEIVED and (
            dossier_id not in received_events or at < received_events[dossier_id]
        ):
            received_events[dossier_id] = at
        action = (data or {}).get("action")
        if action == "request_payment":
            obligations.add(dossier_id)
        elif action == "confirm_payment" and (data or {}).get("method") == "online":
            paid_online.add(dossier_id)
    # Fees paid online through the payment platform (up front, without a status change, too).
    paid_online.update(
        Payment.objects.filter(
            dossier_id__in=ids, method="online", state=Payment.State.PAID
        ).values_list("dossier_id", flat=True)
    )
    supplements: dict[int, list] = defaultdict(list)
    for row in SupplementRequest.objects.filter(dossier_id__in=ids).values(
        "dossier_id", "supplied_at", "old_appointment", "new_appointment"
    ):
        supplements[row["dossier_id"]].append(row)
    documents = {
        row["dossier_id"]: row
        for row in DossierDocument.objects.filter(dossier_id__in=ids)
        .values("dossier_id")
        .annotate(
            total=Count("id", filter=~Q(kind=DocumentKind.RESULT)),
            digitised=Count("id", filter=~Q(kind=DocumentKind.RESULT) & Q(is_digitised=True)),
            reused=Count("id", filter=~Q(kind=DocumentKind.RESULT) & Q(is_reused=True)),
            store=Count("id", filter=Q(from_data_store=True)),
            results=Count("id", filter=Q(kind=DocumentKind.RESULT)),
            electronic=Count(
                "id",
                filter=Q(kind=DocumentKind.RESULT)
                & (Q(is_digitised=True) | ~Q(file="") | ~Q(remote_url="")),
            ),
        )
    }
    ratings = dict(
        DossierRating.objects.filter(dossier_id__in=ids).values_list("dossier_id", "rating")
    )
    outbox = {
        row["dossier_id"]: row
        for row in OutboxEntry.objects.filter(dossier_id__in=ids)
        .values("dossier_id")
        .annotate(
            sent=Count("id", filter=Q(state="sent")),
            unsent=Count("id", filter=~Q(state="sent")),
        )
    }
    fees = _versions_with_fees({(d["version_id"], d["channel"]) for d in dossiers})
    rows = []
    for d in dossiers:
        pk = d["id"]
        unit = d["agency__unit_id"]
        province = unit if d["agency__unit__level"] == UnitLevel.PROVINCE else (
            d["agency__unit__parent_id"] or unit
        )  # fmt: skip
        received_at = d["received_at"] or received_events.get(pk)
        end_at = indicators.end_of_processing(transitions.get(pk, ()))
        if end_at is None and d["status"] not in indicators.OPEN:
            end_at = d["finished_at"] or d["returned_at"]
        requests = supplements.get(pk, [])
        docs = documents.get(pk) or {}
        sync = outbox.get(pk) or {}
        facts = DossierFacts(
            status=d["status"],
            channel=d["channel"],
            received_at=received_at,
            appointment_at=d["appointment_at"],
            original_appointment_at=d["original_appointment_at"],
            end_at=end_at,
            supplement_shifts=tuple(
                r["new_appointment"] - r["old_appointment"]
                for r in requests
                if r["supplied_at"] and r["new_appointment"] and r["old_appointment"]
            ),
            supplements=len(requests),
            paused=any(r["supplied_at"] is None for r in requests)
            and d["status"] == Status.SUPPLEMENT_REQUESTED,
            eligible=d["version__online_level"] == "full",
            result_delivery=d["result_delivery"],
            docs_total=docs.get("total", 0),
            docs_digitised=docs.get("digitised", 0),
            docs_reused=docs.get("reused", 0),
            store_used=bool(docs.get("store")),
            with_result=bool(docs.get("results"))
            or d["status"] in (Status.RESULT_READY, Status.RETURNED),
            result_electronic=bool(docs.get("electronic")),
            vneid=d["vneid_verified"],
            rating=ratings.get(pk, ""),
            with_fee=(d["version_id"], d["channel"]) in fees or pk in obligations,
            paid_online=pk in paid_online,
            synced=bool(sync.get("sent")) and not sync.get("unsent"),
        )
        rows.append(_row(pk, d, unit, province, facts, now))
    return rows


def _row(pk, d, unit, province, facts: DossierFacts, now) -> DossierRollup:
    klass = indicators.classify(facts, now)
    return DossierRollup(
        dossier_id=pk,
        agency_id=d["agency_id"],
        unit_id=unit,
        province_id=province,
        procedure_id=d["procedure_id"],
        field_id=d["version__field_id"],
        channel=facts.channel,
        status=facts.status,
        received_at=facts.received_at,
        month=month_of(facts.received_at) if facts.received_at else None,
        end_at=facts.end_at,
        deadline=indicators.deadline(facts),
        late_since=indicators.late_since(facts, now),
        klass=klass,
        supplements=facts.supplements,
        eligible=facts.eligible,
        full_process=indicators.is_full_process(facts),
        docs_total=facts.docs_total,
        docs_digitised=facts.docs_digitised,
        docs_reused=facts.docs_reused,
        store_used=facts.store_used,
        with_result=facts.with_result,
        result_electronic=facts.result_electronic,
        vneid=facts.vneid,
        rating=facts.rating,
        with_fee=facts.with_fee,
        paid_online=facts.paid_online,
        synced=facts.synced,
    )


def _versions_with_fees(pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    from procedures.models import FeeLine

    kinds = {Channel.DIRECT: "direct", Channel.ONLINE: "online", Channel.POSTAL: "postal"}
    back = {v: k for k, v in kinds.items()}
    found = FeeLine.objects.filter(
        channel__version_id__in={v for v, _c in pairs}, amount__gt=0
    ).values_list("channel__version_id", "channel__kind")
    return {(v, back[k]) for v, k in found if k in back}
