"""Reconciliation with the national portal, and the dead letters' morning digest.

``reconcile`` looks up every dossier synced recently and compares what the portal holds with
what we sent last (revision and status). A difference (a write the portal acknowledged and
then lost, an answer that never came back) puts our latest revision back in line; its
idempotency key is the same, and the portal applies a revision it does not hold. The run's
report is kept (``ReconciliationRun``) for the administrators' page.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sync import client
from sync.models import OutboxEntry, ReconciliationRun


def reconcile(*, days: int = 7, limit: int = 5000) -> ReconciliationRun:
    run = ReconciliationRun.objects.create()
    since = timezone.now() - dt.timedelta(days=days)
    latest = (
        OutboxEntry.objects.filter(
            state=OutboxEntry.State.SENT, kind=OutboxEntry.Kind.UPSERT, published_at__gte=since
        )
        .values("dossier_id")
        .annotate(revision=Max("revision"))
        .order_by("dossier_id")[:limit]
    )
    differences, unreachable = [], 0
    for row in latest:
        entry = OutboxEntry.objects.get(dossier_id=row["dossier_id"], revision=row["revision"])
        # A later change still in line will bring the portal up to date by itself.
        if (
            OutboxEntry.objects.filter(dossier_id=entry.dossier_id, revision__gt=entry.revision)
            .exclude(state=OutboxEntry.State.SENT)
            .exists()
        ):
            continue
        answer = client.lookup(entry.payload["MaHoSo"])
        run.checked += 1
        if answer.outcome != "ok":
            unreachable += 1
            continue
        held = answer.body.get("HoSo") or {}
        stored = answer.body.get("PhienBan")
        if (
            stored is not None
            and stored >= entry.revision
            and (held.get("TrangThaiHoSo") == entry.payload.get("TrangThaiHoSo"))
        ):
            continue
        differences.append(
            {
                "MaHoSo": entry.payload["MaHoSo"],
                "ours": entry.revision,
                "theirs": stored,
                "status_ours": entry.payload.get("TrangThaiHoSo"),
                "status_theirs": held.get("TrangThaiHoSo"),
            }
        )
        OutboxEntry.objects.filter(pk=entry.pk).update(
            state=OutboxEntry.State.PENDING,
            resends=entry.resends + 1,
            next_attempt_at=timezone.now(),
            leased_until=None,
        )
    run.differences = len(differences)
    run.resent = len(differences)
    run.finished_at = timezone.now()
    run.report = {"differences": differences[:500], "unreachable": unreachable}
    run.save()
    return run


def dead_letter_digest() -> int:
    """E-mail the administrators the dead letters (once a day), each only those of the
    provinces they administer (``outbox_visible_to``; superusers all); returns how many
    there are in all."""
    from sync.selectors import outbox_visible_to
    from units.models import Role

    User = get_user_model()

    count = OutboxEntry.objects.filter(state=OutboxEntry.State.DEAD).count()
    if not count:
        return 0
    recipients = (
        User.objects.filter(
            Q(is_superuser=True)
            | Q(memberships__role=Role.PROVINCE_ADMIN, memberships__is_active=True),
            is_active=True,
        )
        .exclude(email="")
        .distinct()
        .order_by("id")
    )
    with translation.override(settings.LANGUAGE_CODE):
        for user in recipients:
            dead = outbox_visible_to(user).filter(state=OutboxEntry.State.DEAD).order_by("id")
            theirs = dead.count()
            if not theirs:
                continue
            lines = [
                f"{e.payload.get('MaHoSo', e.dossier_id)} @{e.revision}: {e.last_error[:200]}"
                for e in dead[:50]
            ]
            send_mail(
                _("%(count)d changes were not accepted by the national portal") % {"count": theirs},
                "\n".join(lines) + "\n\n" + settings.SITE_URL.rstrip("/") + "/sync/",
                None,
                [user.email],
            )
    return count
