"""The demo history written in bulk (``portal.demo_history``): the simulated dossiers with their
events, documents, payments, sync entries and code numbers, as the lifecycle would have left
them, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import random
from contextlib import contextmanager

from django.db import transaction

from dossiers import lifecycle
from dossiers.documents import NewDocument, documents_add
from dossiers.models import (
    ApplicantType,
    Channel,
    CodeSequence,
    Dossier,
    DossierEvent,
    ResultDelivery,
    Status,
    Step,
)
from dossiers.models_documents import (
    DocumentKind,
    DossierDocument,
    DossierRating,
    SupplementRequest,
)
from portal.demo_simulation import FAMILY, GIVEN, MIDDLE, REFUSAL, SUPPLEMENT_REASON, TZ, _Plan
from units.models import Agency


def _aware(t: int | None) -> dt.datetime | None:
    return None if t is None else dt.datetime.fromtimestamp(t, dt.UTC)


@contextmanager
def _keeping_times(*fields):
    """Write the times the history gives, not now: ``auto_now_add`` off for this bulk load."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add


@transaction.atomic
def _write(plans: list[_Plan], rng: random.Random) -> None:

    identifiers = dict(Agency.objects.values_list("pk", "identifier"))
    numbers = _code_numbers(plans)
    rows = []
    for plan in plans:
        first = plan.events[0][0]
        local = _aware(first).astimezone(dt.timezone(dt.timedelta(seconds=TZ))).date()
        key = (plan.reception, local)
        numbers[key] += 1
        status = plan.events[-1][2]
        times = {new: at for at, _old, new, *_rest in plan.events}
        finished = next(
            (at for at, _o, new, *_r in plan.events
             if new in (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RESULT_READY)),
            None,
        )  # fmt: skip
        received = times.get(Status.RECEIVED)
        online = plan.channel == Channel.ONLINE
        delivery = ResultDelivery.COUNTER
        if online and rng.random() < 0.5:
            delivery = ResultDelivery.ONLINE
        given, middle = GIVEN[int(rng.random() * len(GIVEN))], MIDDLE[int(rng.random() * 6)]
        business = rng.random() < 0.06
        name = f"{FAMILY[int(rng.random() * 10)]} {middle} {given}"
        if business:
            name = f"Công ty TNHH {given} {plan.place.name}"
        step = Step.SPECIALIST if status in (4, 5, 6) else Step.NONE
        if status == Status.IN_PROCESSING and rng.random() < 0.4:
            step = Step.LEADER  # past the specialist, as a share of open dossiers are
        rows.append(
            Dossier(
                code=f"{identifiers[plan.reception]}-{local:%y%m%d}-{numbers[key]:04d}",
                procedure_id=plan.procedure.id,
                version_id=plan.procedure.version_id,
                status=status,
                channel=plan.channel,
                reception_agency_id=plan.reception,
                agency_id=plan.agency,
                level=plan.procedure.level,
                applicant_type=ApplicantType.BUSINESS if business else ApplicantType.CITIZEN,
                applicant_name=name,
                applicant_id_number=f"0{plan.place.province}{int(rng.random() * 1e9):09d}",
                applicant_phone=f"09{int(rng.random() * 1e8):08d}",
                applicant_address=f"Số {int(rng.random() * 200) + 1}, {plan.place.name}",
                applicant_commune_id=plan.place.commune,
                vneid_verified=online and rng.random() < 0.8,
                result_delivery=delivery,
                submitted_at=_aware(first),
                received_at=_aware(received),
                appointment_at=_aware(plan.due if received else None),
                original_appointment_at=_aware(plan.first_due if received else None),
                finished_at=_aware(finished),
                returned_at=_aware(times.get(Status.RETURNED)),
                step=step,
                step_index=(plan.procedure.leader_index if step == Step.LEADER else 0)
                if step
                else None,
                revision=len(plan.events) - 1,
                created_at=_aware(first),
                updated_at=_aware(plan.events[-1][0]),
            )
        )
    with _keeping_times(
        DossierDocument._meta.get_field("uploaded_at"),
        Dossier._meta.get_field("created_at"),
        Dossier._meta.get_field("updated_at"),
        DossierEvent._meta.get_field("at"),
        DossierRating._meta.get_field("created_at"),
    ):
        dossiers = lifecycle.history_import_dossiers(rows)
        events, last_events = [], []
        for dossier, plan in zip(dossiers, plans, strict=True):
            for revision, (at, old, new, role, agency, note, data) in enumerate(plan.events):
                kind = DossierEvent.Kind.TRANSITION
                if old is None:
                    kind = DossierEvent.Kind.SUBMITTED
                event = DossierEvent(
                    dossier=dossier,
                    kind=kind,
                    role=role,
                    agency_id=agency,
                    old_status=old,
                    new_status=new,
                    note=note,
                    data=data,
                    revision=revision,
                    at=_aware(at),
                )
                events.append(event)
            last_events.append(events[-1])
        lifecycle.history_import_events(events)
        SupplementRequest.objects.bulk_create(
            [
                SupplementRequest(
                    dossier=dossier,
                    agency_id=plan.agency,
                    reason=SUPPLEMENT_REASON,
                    previous_status=Status.IN_PROCESSING,
                    requested_at=_aware(requested),
                    supplied_at=_aware(supplied),
                    old_appointment=_aware(old),
                    new_appointment=_aware(new),
                )
                for dossier, plan in zip(dossiers, plans, strict=True)
                for requested, supplied, old, new in plan.supplements
            ],
            batch_size=1000,
        )
        documents_add(_documents(dossiers, rng))
        _payments(dossiers, plans, identifiers)
        DossierRating.objects.bulk_create(
            [
                DossierRating(
                    dossier=dossier,
                    rating=plan.rating,
                    created_at=dossier.finished_at + dt.timedelta(hours=2),
                )
                for dossier, plan in zip(dossiers, plans, strict=True)
                if plan.rating
            ],
            batch_size=1000,
        )
    # What the national portal must hear of: each dossier as it stands (one entry, pending; the
    # relay sends it once the portal answers).
    lifecycle.history_announce(list(zip(dossiers, last_events, strict=True)))
    _save_code_numbers(numbers)


SAMPLE_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _sample_file():
    """One small stored PDF that every generated document points to (content-addressed, as
    uploads are: stored once), so that opening a demo document works."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dossiers.documents import file_keep
    from dossiers.uploads import check_upload

    upload = SimpleUploadedFile("to-khai.pdf", SAMPLE_PDF, "application/pdf")
    info = check_upload(upload)
    return file_keep(upload, info), info


def _payments(dossiers, plans: list[_Plan], identifiers: dict) -> None:
    """The obligations, payments and refunds of the history, and the demo agencies' accounts
    (the payment platform needs one to take an order)."""
    from dossiers.models_payments import FeeObligation, Payment, PaymentAccount, Refund

    agencies = {plan.agency for plan in plans} | {plan.reception for plan in plans}
    have = set(PaymentAccount.objects.values_list("agency_id", flat=True))
    names = dict(Agency.objects.filter(pk__in=agencies).values_list("pk", "name"))
    PaymentAccount.objects.bulk_create(
        [
            PaymentAccount(
                agency_id=pk,
                bank_code="KBNN",
                account_number=f"3511.0.{identifiers[pk].replace('.', '')}",
                account_name=names[pk],
            )
            for pk in sorted(agencies - have)
        ]
    )
    owed = [
        (dossier, plan, entry)
        for dossier, plan in zip(dossiers, plans, strict=True)
        for entry in plan.payments
    ]
    if not owed:
        return
    obligations = FeeObligation.objects.bulk_create(
        [
            FeeObligation(
                dossier=dossier,
                stage=stage,
                amount=amount,
                lines=[{"name": "Lệ phí", "amount": amount}],
                state=FeeObligation.State.PAID,
                requested_at=_aware(at) - dt.timedelta(minutes=5),
                paid_at=_aware(at),
            )
            for dossier, _plan, (stage, at, _method, amount, _back) in owed
        ],
        batch_size=1000,
    )
    payments = Payment.objects.bulk_create(
        [
            Payment(
                obligation=obligation,
                dossier=dossier,
                method=method,
                amount=amount,
                reference=f"TT{dossier.pk:08d}{index:02d}",
                external_reference=f"GW{dossier.pk:08d}{index:02d}" if method == "online" else "",
                state=Payment.State.PAID,
                paid_at=_aware(at),
            )
            for index, (obligation, (dossier, _plan, (_s, at, method, amount, _b))) in enumerate(
                zip(obligations, owed, strict=True)
            )
        ],
        batch_size=1000,
    )
    from units.models import Membership

    refunder_id = (
        Membership.objects.filter(role="receiver").order_by("id").values_list("user_id", flat=True)
    ).first()
    if refunder_id is None:
        return
    Refund.objects.bulk_create(
        [
            Refund(
                payment=payment,
                dossier=dossier,
                amount=payment.amount,
                method="transfer",
                reference=f"HT{payment.pk:08d}",
                reason=REFUSAL,
                recorded_by_id=refunder_id,
                at=_aware(back),
            )
            for payment, (dossier, _plan, (_s, _at, _m, _a, back)) in zip(
                payments, owed, strict=True
            )
            if back
        ],
        batch_size=1000,
    )


def _documents(dossiers, rng: random.Random) -> list[NewDocument]:
    """Two submitted documents per dossier (most digitised, some reused or taken from the
    national data store) and the electronic result of those that got one."""
    stored, info = _sample_file()
    made = []
    for dossier in dossiers:
        r = rng.random
        for name in ("to-khai.pdf", "ban-sao-giay-to.pdf"):
            made.append(
                NewDocument(
                    dossier=dossier,
                    kind=DocumentKind.SUBMITTED,
                    stored_name=stored,
                    info=info,
                    original_name=name,
                    is_digitised=r() < 0.85,
                    is_reused=r() < 0.4,
                    from_data_store=r() < 0.3,
                    uploaded_at=dossier.submitted_at,
                )
            )
        if dossier.finished_at and dossier.status in (Status.RESULT_READY, Status.RETURNED):
            made.append(
                NewDocument(
                    dossier=dossier,
                    kind=DocumentKind.RESULT,
                    stored_name=stored,
                    info=info,
                    original_name="ket-qua.pdf",
                    is_digitised=True,
                    uploaded_at=dossier.finished_at,
                )
            )
    return made


def _code_numbers(plans: list[_Plan]) -> dict[tuple[int, dt.date], int]:
    """The last number each reception agency gave on each day, before these dossiers."""
    keys = set()
    zone = dt.timezone(dt.timedelta(seconds=TZ))
    for plan in plans:
        keys.add((plan.reception, _aware(plan.events[0][0]).astimezone(zone).date()))
    numbers = dict.fromkeys(keys, 0)
    agencies = {a for a, _d in keys}
    for agency_id, day, last in CodeSequence.objects.filter(agency_id__in=agencies).values_list(
        "agency_id", "day", "last"
    ):
        if (agency_id, day) in numbers:
            numbers[(agency_id, day)] = last
    return numbers


def _save_code_numbers(numbers: dict[tuple[int, dt.date], int]) -> None:
    """Later submissions on those days continue after the generated numbers."""
    existing = {
        (s.agency_id, s.day): s
        for s in CodeSequence.objects.filter(agency_id__in={a for a, _d in numbers})
    }
    changed, new = [], []
    for (agency_id, day), last in numbers.items():
        row = existing.get((agency_id, day))
        if row is None:
            new.append(CodeSequence(agency_id=agency_id, day=day, last=last))
        elif row.last < last:
            row.last = last
            changed.append(row)
    CodeSequence.objects.bulk_create(new, batch_size=1000)
    CodeSequence.objects.bulk_update(changed, ["last"], batch_size=1000)
