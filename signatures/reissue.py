"""Bulk re-issue: an agency's job-position list is replaced, its certificates follow.

Positions that left the list are closed and their certificates revoked; new positions get a
holder and a certificate; a position whose title or holder changed gets a new certificate
(the old one revoked). The list comes as CSV (``code,title,holder``; holder = username) from an
upload or the admin form; large agencies run in the background with progress.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.dispatch import after_commit
from signatures import ca
from signatures.models import Certificate, Position, ReissueBatch, RevocationReason
from units.models import Membership


class PositionListInvalid(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Row:
    code: str
    title: str
    holder: str


def parse_positions(content: bytes | str, *, agency) -> list[Row]:
    """The rows of ``agency``'s position list (CSV with a header); every bad line is named.

    A holder must be an active staff member of ``agency``: anyone else (a member of another
    agency or province, a citizen, nobody) gets the same message, so the upload cannot be used to
    learn which accounts exist."""
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"code", "title", "holder"} <= set(reader.fieldnames):
        raise PositionListInvalid([_("The file needs the columns code, title and holder.")])
    rows, errors, seen = [], [], set()
    usernames = set(
        Membership.objects.filter(agency=agency, is_active=True).values_list(
            "user__username", flat=True
        )
    )
    for line, record in enumerate(reader, start=2):
        code = (record.get("code") or "").strip()
        title = (record.get("title") or "").strip()
        holder = (record.get("holder") or "").strip()
        if not code or not title:
            errors.append(_("Line %(line)d: code and title are required.") % {"line": line})
            continue
        if code in seen:
            errors.append(
                _("Line %(line)d: the code %(code)s appears twice.") % {"line": line, "code": code}
            )
            continue
        if holder and holder not in usernames:
            errors.append(
                _("Line %(line)d: %(holder)s is not a staff member of this agency.")
                % {"line": line, "holder": holder}
            )
            continue
        seen.add(code)
        rows.append(Row(code=code[:40], title=title[:200], holder=holder))
    if errors:
        raise PositionListInvalid(errors)
    return rows


def reissue_start(*, agency, rows: list[Row], user) -> ReissueBatch:
    """Record the new list and start applying it (a Celery task after commit)."""
    batch = ReissueBatch.objects.create(
        agency=agency,
        positions=[row.__dict__ for row in rows],
        total=len(rows) + Position.objects.filter(agency=agency, is_active=True).count(),
        created_by=user,
    )
    after_commit(apply_reissue, batch.pk)
    return batch


def reissue_apply(batch: ReissueBatch) -> dict:
    """Apply the batch's list to its agency, one position per transaction, with progress."""
    batch.status = ReissueBatch.Status.RUNNING
    batch.save(update_fields=["status"])
    report = {
        "added": [],
        "removed": [],
        "reissued": [],
        "unchanged": [],
        "revoked": [],
        "issued": [],
    }
    rows = [Row(**row) for row in batch.positions]
    wanted = {row.code: row for row in rows}
    holders = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=[r.holder for r in rows])
    }
    existing = {p.code: p for p in Position.objects.filter(agency=batch.agency)}

    def progress():
        batch.done += 1
        if batch.done % 5 == 0 or batch.done == batch.total:
            ReissueBatch.objects.filter(pk=batch.pk).update(done=batch.done)

    def revoke_all(position, reason):
        for certificate in Certificate.objects.filter(position=position, revoked_at__isnull=True):
            ca.revoke(certificate=certificate, reason=reason)
            report["revoked"].append(certificate.serial)

    for code, position in existing.items():
        if code in wanted or not position.is_active:
            continue
        with transaction.atomic():
            revoke_all(position, RevocationReason.CESSATION_OF_OPERATION)
            position.is_active = False
            position.save(update_fields=["is_active", "updated_at"])
        report["removed"].append(code)
        progress()
    for row in rows:
        holder = holders.get(row.holder)
        with transaction.atomic():
            position = existing.get(row.code)
            if position is None:
                position = Position.objects.create(
                    agency=batch.agency, code=row.code, title=row.title, holder=holder
                )
                report["added"].append(row.code)
            else:
                changed = (
                    position.title != row.title
                    or position.holder_id != (holder.pk if holder else None)
                    or not position.is_active
                )
                in_force = Certificate.objects.filter(
                    position=position, revoked_at__isnull=True, not_after__gt=timezone.now()
                ).exists()
                if not changed and (in_force or holder is None):
                    report["unchanged"].append(row.code)
                    progress()
                    continue
                reason = (
                    RevocationReason.AFFILIATION_CHANGED
                    if position.holder_id != (holder.pk if holder else None)
                    else RevocationReason.SUPERSEDED
                )
                revoke_all(position, reason)
                position.title, position.holder, position.is_active = row.title, holder, True
                position.save(update_fields=["title", "holder", "is_active", "updated_at"])
                report["reissued"].append(row.code)
            if holder is not None:
                report["issued"].append(ca.issue(holder=holder, position=position).serial)
        progress()
    batch.status = ReissueBatch.Status.DONE
    batch.report = report
    batch.done = batch.total
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "report", "done", "finished_at"])
    return report


@shared_task(name="signatures.tasks.apply_reissue", ignore_result=True)
def apply_reissue(batch_id: int) -> None:
    """Apply a position list in the background; a failure is recorded on the batch."""
    batch = ReissueBatch.objects.select_related("agency").get(pk=batch_id)
    if batch.status not in (ReissueBatch.Status.PENDING, ReissueBatch.Status.RUNNING):
        return
    try:
        reissue_apply(batch)
    except Exception as exc:
        ReissueBatch.objects.filter(pk=batch_id).update(
            status=ReissueBatch.Status.FAILED, error=str(exc)[:2000]
        )
        raise
