"""The one way to change a dossier: lock, stale check, rule, write, event, announce.

Every action is one transaction through :func:`perform`; a refusal changes nothing and is
logged (:func:`log_denial`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from dossiers import hooks
from dossiers.errors import NotPermitted, StaleDossier, TransitionNotAllowed
from dossiers.lifecycle.rules import EVENT_KIND, NOT_SYNCED, NOTIFIED, check
from dossiers.models import Dossier, DossierEvent
from dossiers.models_work import DeniedAction
from portal.dispatch import after_commit
from units.models import Agency

logger = logging.getLogger("dossiers.lifecycle")


@dataclass
class Change:
    """What an action does to the dossier, besides its status and step."""

    status: int | None = None
    step: str | None = None
    fields: dict | None = None
    note: str = ""
    data: dict | None = None
    # What the action created beside the dossier's change (a supplement request, an extension,
    # the result's document), handed back to the caller by ``perform_making``.
    made: object = None


def log_denial(user, action: str, dossier: Dossier, reason: str) -> None:
    logger.warning(
        "denied %s on %s to user %s: %s", action, dossier.code, getattr(user, "pk", None), reason
    )
    DeniedAction.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        dossier_code=dossier.code or "",
        reason=str(reason)[:300],
    )


def perform(
    action: str,
    *,
    dossier: Dossier,
    actor,
    change,
    revision: int | None = None,
    event_kind: str | None = None,
) -> Dossier:
    """Take ``action`` on ``dossier`` as ``actor``; ``change(locked, role)`` says what changes.

    ``revision`` is the revision the actor's page showed: if someone acted since, the action is
    refused as stale (nothing changes) and the error carries what happened meanwhile.
    """
    return perform_making(
        action,
        dossier=dossier,
        actor=actor,
        change=change,
        revision=revision,
        event_kind=event_kind,
    )[0]


def perform_making(
    action: str,
    *,
    dossier: Dossier,
    actor,
    change,
    revision: int | None = None,
    event_kind: str | None = None,
) -> tuple[Dossier, object]:
    """``perform``, also returning what the action created (``Change.made``)."""
    try:
        return _perform(action, dossier, actor, change, revision, event_kind)
    except NotPermitted as exc:
        log_denial(actor, action, dossier, str(exc.message))
        raise


@transaction.atomic
def _perform(action, dossier, actor, change, revision, event_kind) -> tuple[Dossier, object]:
    locked = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("reception_agency", "agency", "holder_agency", "version")
        .get(pk=dossier.pk)
    )
    if revision is not None and int(revision) != locked.revision:
        since = list(
            locked.events.filter(revision__gt=int(revision))
            .select_related("actor")
            .order_by("at", "id")
        )
        raise StaleDossier(dossier=locked, events=since)
    role = check(locked, actor, action)
    outcome: Change = change(locked, role)
    old_status, old_step = locked.status, locked.step
    if outcome.status is not None:
        locked.status = outcome.status
    if outcome.step is not None:
        locked.step = outcome.step
    for name, value in (outcome.fields or {}).items():
        setattr(locked, name, value)
    locked.revision += 1
    # Only what the action changed (a concurrent edit of another column is not overwritten).
    locked.save(update_fields=["status", "step", "revision", "updated_at", *(outcome.fields or {})])
    if locked.status != old_status:
        kind = DossierEvent.Kind.TRANSITION
    else:
        kind = event_kind or EVENT_KIND.get(action, DossierEvent.Kind.TRANSITION)
    event = DossierEvent.objects.create(
        dossier=locked,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        role=role,
        agency=acting_agency_of_event(locked, old_status),
        old_status=old_status,
        new_status=locked.status,
        old_step=old_step,
        new_step=locked.step,
        note=outcome.note,
        data={"action": action, **(outcome.data or {})},
        revision=locked.revision,
    )
    if action not in NOT_SYNCED:
        hooks.changed(locked, event)
    if locked.status != old_status and locked.status in NOTIFIED and locked.applicant_email:
        from dossiers.tasks import send_status_notice

        pk = locked.pk
        after_commit(send_status_notice, pk)
    return locked, outcome.made


def acting_agency_of_event(dossier: Dossier, old_status: int) -> Agency:
    return dossier.acting_agency_in(old_status)


def reason_text(text: str, field: str = "reason") -> str:
    text = (text or "").strip()
    if not text:
        raise TransitionNotAllowed(_("Give the reason."), field=field)
    return text
