"""A large reassignment runs in a real Celery worker, with its progress readable meanwhile."""

import io
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from procedures.models import Assignment, ReassignmentBatch
from procedures.selectors import former_district_report
from procedures.services import reassignment_apply, reassignment_schedule
from procedures.services.reassignment import batch_progress
from units.models import Unit


def load_demo():
    call_command(
        "load_units",
        "--former-districts",
        "units/data/former_districts_68.csv",
        stdout=io.StringIO(),
    )
    call_command(
        "load_demo",
        "--password",
        "demo-password-1",
        "--quiet-logins",
        "--history",
        "0",
        stdout=io.StringIO(),
    )


def arguments():
    province = Unit.objects.get(code="68")
    remaining = former_district_report(province=province, on=TODAY).remaining
    communes = list(Unit.objects.filter(parent=province, level="commune"))
    return dict(
        province=province,
        procedure_ids=[p.pk for p in remaining],
        target="chosen_communes",
        target_communes=communes,
        effective_on=TODAY,
        reason="Nghị định 151/2025/NĐ-CP",
        actor=get_user_model().objects.get(username="province_admin.p68"),
    )


TODAY = __import__("datetime").date(2026, 11, 23)


@pytest.mark.django_db
def test_schedule_queues_the_task_after_commit_and_the_task_applies_once(
    django_capture_on_commit_callbacks, registry
):
    load_demo()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = reassignment_schedule(**arguments())

    assert len(callbacks) == 1
    assert batch.status == "running" and not Assignment.objects.filter(batch=batch).exists()

    reassignment_apply(batch_id=batch.pk)
    reassignment_apply(batch_id=batch.pk)  # a redelivered task changes nothing

    batch.refresh_from_db()
    assert batch.status == "applied"
    assert Assignment.objects.filter(batch=batch).count() == batch.summary["assignments_created"]
    assert batch_progress(batch) == (batch.total, batch.total)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_applies_a_scheduled_batch(celery_worker_process):
    load_demo()
    args = arguments()
    expected = len(args["procedure_ids"]) * len(args["target_communes"])

    batch = reassignment_schedule(**args)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status != ReassignmentBatch.Status.RUNNING:
            break
        time.sleep(0.2)
    assert batch.status == "applied", batch.error
    assert batch.summary["assignments_created"] == expected == 124 * len(args["procedure_ids"])
    assert Assignment.objects.filter(batch=batch).count() == expected
    assert former_district_report(province=args["province"], on=TODAY).remaining == []
