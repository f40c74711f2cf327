"""The dossier's lifecycle (vòng đời hồ sơ): one table of transitions, one way to take them.

The public state is the national statuses 1 to 10 (DOMAIN.md). Under status 4 a dossier moves
along the internal steps of its procedure's workflow: with the specialist, with the department
head, awaiting the leader, awaiting signature. ``RULES`` says, for every action, from which
statuses (and steps) it may be taken, by which roles, and in which agency: the reception
agency while the dossier is at the desk (statuses 1, 2 and 9), otherwise the agency holding it
(the competent agency, or the one it was handed to for its part).

Every action is one service, one transaction: it locks the dossier, checks the rule and the
actor's role, writes the dossier (its revision goes up by one), an immutable event (who, role,
agency, when, note, old and new status and step) and an outbox row for the national portal.
Nothing else changes a dossier's state. A refused action changes nothing and is logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dossiers.errors import Conflict, NotPermitted, StaleDossier, TransitionNotAllowed
from dossiers.models import Dossier, DossierEvent, Status, Step
from dossiers.models_work import DeniedAction, Extension, OutboxEntry, PaymentMethod
from portal.dispatch import after_commit
from units.models import Agency, Membership, Role

logger = logging.getLogger("dossiers.lifecycle")

APPLICANT = "applicant"
# The national payment platform, whose signed callback confirms an online payment.
GATEWAY = "payment_gateway"
OPEN = (
    Status.SUBMITTED,
    Status.RECEIVED,
    Status.IN_PROCESSING,
    Status.SUPPLEMENT_REQUESTED,
    Status.FINANCIAL_OBLIGATION,
)
# At the one-stop desk the reception agency acts; elsewhere the agency holding the dossier.
AT_DESK = (Status.SUBMITTED, Status.RECEIVED, Status.RESULT_READY)
PROCESSING_ROLES = (Role.SPECIALIST, Role.DEPARTMENT_HEAD, Role.LEADER)


class _PaymentGateway(AnonymousUser):
    """The actor of a verified payment-platform callback (no user: events record no actor)."""

    def __str__(self) -> str:
        return GATEWAY


GATEWAY_ACTOR = _PaymentGateway()


class Action(TextChoices):
    RECEIVE = "receive", gettext_lazy("accept")
    REFUSE = "refuse", gettext_lazy("refuse")
    REQUEST_SUPPLEMENT = "request_supplement", gettext_lazy("request a supplement")
    SUPPLEMENT = "supplement", gettext_lazy("supplement")
    WITHDRAW = "withdraw", gettext_lazy("withdraw")
    CLAIM = "claim", gettext_lazy("take in hand")
    ASSIGN = "assign", gettext_lazy("assign")
    FORWARD = "forward", gettext_lazy("forward")
    SEND_BACK = "send_back", gettext_lazy("send back")
    HAND_OVER = "hand_over", gettext_lazy("hand over to another agency")
    HAND_BACK = "hand_back", gettext_lazy("hand back")
    REQUEST_PAYMENT = "request_payment", gettext_lazy("request the financial obligation")
    CONFIRM_PAYMENT = "confirm_payment", gettext_lazy("confirm the payment")
    STOP = "stop", gettext_lazy("stop processing")
    APPROVE = "approve", gettext_lazy("approve")
    ATTACH_RESULT = "attach_result", gettext_lazy("attach the result")
    ISSUE_RESULT = "issue_result", gettext_lazy("issue the result")
    RETURN_RESULT = "return_result", gettext_lazy("return the result")
    EXTEND = "extend", gettext_lazy("apologise and extend")


@dataclass(frozen=True)
class Rule:
    sources: tuple[int, ...]
    roles: tuple[str, ...]
    # Under status 4, the steps where the action is possible (None: any step).
    steps: tuple[str, ...] | None = None
    # Under status 4, the actor's role must be the one of the current step.
    role_of_step: bool = False


RULES: dict[str, Rule] = {
    Action.RECEIVE: Rule((Status.SUBMITTED,), (Role.RECEIVER,)),
    Action.REFUSE: Rule((Status.SUBMITTED,), (Role.RECEIVER,)),
    # The desk asks before processing starts; the specialist once the dossier is with them.
    Action.REQUEST_SUPPLEMENT: Rule(
        (Status.SUBMITTED, Status.RECEIVED, Status.IN_PROCESSING),
        (Role.RECEIVER, Role.SPECIALIST),
        steps=(Step.SPECIALIST,),
        role_of_step=True,
    ),
    Action.SUPPLEMENT: Rule((Status.SUPPLEMENT_REQUESTED,), (APPLICANT,)),
    Action.WITHDRAW: Rule(
        (
            Status.SUBMITTED,
            Status.RECEIVED,
            Status.SUPPLEMENT_REQUESTED,
            Status.FINANCIAL_OBLIGATION,
        ),
        (APPLICANT,),
    ),
    Action.CLAIM: Rule(
        (Status.SUBMITTED, Status.RECEIVED, Status.IN_PROCESSING, Status.RESULT_READY),
        (Role.RECEIVER, *PROCESSING_ROLES),
        role_of_step=True,
    ),
    Action.ASSIGN: Rule(
        (Status.IN_PROCESSING,), (Role.DEPARTMENT_HEAD, Role.LEADER), steps=(Step.SPECIALIST,)
    ),
    Action.FORWARD: Rule(
        (Status.RECEIVED, Status.IN_PROCESSING),
        (Role.RECEIVER, Role.SPECIALIST, Role.DEPARTMENT_HEAD),
        steps=(Step.SPECIALIST, Step.DEPARTMENT_HEAD),
        role_of_step=True,
    ),
    # Whoever holds the current step returns it to the one before.
    Action.SEND_BACK: Rule(
        (Status.IN_PROCESSING,),
        (Role.DEPARTMENT_HEAD, Role.LEADER),
        steps=(Step.DEPARTMENT_HEAD, Step.LEADER, Step.SIGNATURE),
        role_of_step=True,
    ),
    Action.HAND_OVER: Rule(
        (Status.IN_PROCESSING,), (Role.SPECIALIST,), steps=(Step.SPECIALIST,), role_of_step=True
    ),
    Action.HAND_BACK: Rule((Status.IN_PROCESSING,), PROCESSING_ROLES),
    Action.REQUEST_PAYMENT: Rule(
        (Status.IN_PROCESSING,), (Role.SPECIALIST,), steps=(Step.SPECIALIST,), role_of_step=True
    ),
    Action.CONFIRM_PAYMENT: Rule(
        (Status.FINANCIAL_OBLIGATION,), (Role.RECEIVER, Role.SPECIALIST, GATEWAY)
    ),
    Action.STOP: Rule(
        (
            Status.RECEIVED,
            Status.IN_PROCESSING,
            Status.SUPPLEMENT_REQUESTED,
            Status.FINANCIAL_OBLIGATION,
        ),
        (Role.LEADER,),
    ),
    Action.APPROVE: Rule(
        (Status.IN_PROCESSING,), (Role.LEADER,), steps=(Step.LEADER,), role_of_step=True
    ),
    Action.ATTACH_RESULT: Rule(
        (Status.IN_PROCESSING,),
        PROCESSING_ROLES,
        steps=(Step.SPECIALIST, Step.DEPARTMENT_HEAD, Step.LEADER, Step.SIGNATURE),
    ),
    Action.ISSUE_RESULT: Rule((Status.IN_PROCESSING,), (Role.LEADER,), steps=(Step.SIGNATURE,)),
    Action.RETURN_RESULT: Rule((Status.RESULT_READY,), (Role.RECEIVER,)),
    Action.EXTEND: Rule(
        (
            Status.RECEIVED,
            Status.IN_PROCESSING,
            Status.SUPPLEMENT_REQUESTED,
            Status.FINANCIAL_OBLIGATION,
        ),
        # Form 04 is the agency head's apology: the leader signs it.
        (Role.LEADER,),
    ),
}
# The applicant is e-mailed when the dossier reaches these (reception and supplements have
# their own messages).
NOTIFIED = (Status.REFUSED, Status.STOPPED, Status.RESULT_READY, Status.RETURNED)
# Moves that are not progress on the national record (who holds it inside the agency).
NOT_SYNCED = (Action.CLAIM, Action.ASSIGN)
EVENT_KIND = {
    Action.CLAIM: DossierEvent.Kind.CLAIMED,
    Action.ASSIGN: DossierEvent.Kind.ASSIGNED,
    Action.FORWARD: DossierEvent.Kind.FORWARDED,
    Action.SEND_BACK: DossierEvent.Kind.SENT_BACK,
    Action.HAND_OVER: DossierEvent.Kind.HANDED_OVER,
    Action.HAND_BACK: DossierEvent.Kind.HANDED_BACK,
    Action.EXTEND: DossierEvent.Kind.EXTENDED,
    Action.ATTACH_RESULT: DossierEvent.Kind.RESULT_ATTACHED,
}


# --- Who may act ---------------------------------------------------------------------------------


def acting_agency(dossier: Dossier) -> Agency:
    """The agency whose staff act on ``dossier`` now."""
    if dossier.status in AT_DESK:
        return dossier.reception_agency
    return dossier.holder_agency or dossier.agency


def step_role(dossier: Dossier) -> str | None:
    """The role that works the dossier at its current step (status 4), else at the desk."""
    if dossier.status == Status.IN_PROCESSING:
        return Role.LEADER if dossier.step == Step.SIGNATURE else dossier.step or None
    if dossier.status in AT_DESK:
        return Role.RECEIVER
    return None


def roles_in(user, agency: Agency) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(user=user, agency=agency, is_active=True).values_list(
            "role", flat=True
        )
    )


def check(dossier: Dossier, user, action: str, held: set[str] | None = None) -> str:
    """The role ``user`` takes ``action`` on ``dossier`` in; raises why not.

    TransitionNotAllowed (409) when the dossier's state does not allow it, NotPermitted (403)
    when the user holds no role for it. ``held``: the user's roles at the acting agency, when
    the caller has read them already.
    """
    rule = RULES[action]
    if dossier.status not in rule.sources:
        raise TransitionNotAllowed(
            _("The dossier is %(status)s: “%(action)s” is not possible now.")
            % {"status": dossier.get_status_display(), "action": Action(action).label}
        )
    if (
        dossier.status == Status.IN_PROCESSING
        and rule.steps is not None
        and dossier.step not in rule.steps
    ):
        raise TransitionNotAllowed(
            _("The dossier is %(step)s: “%(action)s” is not possible at this step.")
            % {"step": dossier.get_step_display(), "action": Action(action).label}
        )
    if user is GATEWAY_ACTOR:
        if GATEWAY in rule.roles:
            return GATEWAY
        raise NotPermitted(_("The payment platform may only confirm payments."))
    if APPLICANT in rule.roles:
        if user.is_authenticated and dossier.applicant_id == user.pk:
            return APPLICANT
        raise NotPermitted(_("Only the applicant can do this."))
    if action == Action.HAND_BACK and dossier.holder_agency_id is None:
        raise TransitionNotAllowed(_("The dossier is not with another agency."))
    if held is None:
        held = roles_in(user, acting_agency(dossier))
    allowed = set(rule.roles)
    if rule.role_of_step and step_role(dossier):
        allowed &= {step_role(dossier)}
    usable = [role for role in rule.roles if role in allowed and role in held]
    if not usable:
        raise NotPermitted(
            _("You hold no role at %(agency)s that may “%(action)s” this dossier now.")
            % {"agency": acting_agency(dossier).name, "action": Action(action).label}
        )
    return usable[0]


def allowed_actions(dossier: Dossier, user) -> list[str]:
    """What ``user`` may do on ``dossier`` now (for pages and the API): the user's roles at
    the acting agency are read once for all the actions."""
    possible = []
    held = roles_in(user, acting_agency(dossier))
    for action in RULES:
        try:
            check(dossier, user, action, held)
        except (TransitionNotAllowed, NotPermitted):
            continue
        possible.append(action)
    return possible


# --- The one way to change a dossier -----------------------------------------------------------


@dataclass
class Change:
    """What an action does to the dossier, besides its status and step."""

    status: int | None = None
    step: str | None = None
    fields: dict | None = None
    note: str = ""
    data: dict | None = None


def _log_denial(user, action: str, dossier: Dossier, reason: str) -> None:
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
    try:
        return _perform(action, dossier, actor, change, revision, event_kind)
    except NotPermitted as exc:
        _log_denial(actor, action, dossier, str(exc.message))
        raise


@transaction.atomic
def _perform(action, dossier, actor, change, revision, event_kind) -> Dossier:
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
    locked.save()
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
        outbox_write(locked, event)
    if locked.status != old_status and locked.status in NOTIFIED and locked.applicant_email:
        from dossiers.tasks import send_status_notice

        pk = locked.pk
        after_commit(send_status_notice, pk)
    return locked


def acting_agency_of_event(dossier: Dossier, old_status: int) -> Agency:
    if old_status in AT_DESK:
        return dossier.reception_agency
    return dossier.holder_agency or dossier.agency


def outbox_write(dossier: Dossier, event: DossierEvent | None) -> OutboxEntry:
    """Queue the dossier's new revision for the national portal, in the caller's transaction;
    once it commits, a worker sends it (``dossiers.sync.relay``)."""
    from dossiers.sync import payload, relay

    entry = OutboxEntry.objects.create(
        dossier=dossier,
        revision=dossier.revision,
        event=event,
        kind=payload.kind_of(event),
        payload=payload.snapshot(dossier, event),
    )
    if settings.SYNC_ENABLED:
        pk = dossier.pk
        after_commit(relay.kick, pk)
    from dossiers.reports.tasks import follow_changes

    follow_changes()  # embedded mode (no beat): the reports count the change once committed
    return entry


# --- The path through the workflow -------------------------------------------------------------


@dataclass(frozen=True)
class PathStep:
    step: str
    name: str
    budget_hours: Decimal | None


def processing_path(version) -> list[PathStep]:
    """The internal steps of ``version`` under status 4, ending with the leader."""
    path = [
        PathStep(step=w.role, name=w.name, budget_hours=w.budget_hours)
        for w in version.workflow.all()
        if w.role in (Step.SPECIALIST, Step.DEPARTMENT_HEAD, Step.LEADER)
    ]
    if not path:
        path = [
            PathStep(Step.SPECIALIST, str(Step.SPECIALIST.label), None),
            PathStep(Step.LEADER, str(Step.LEADER.label), None),
        ]
    if path[-1].step != Step.LEADER:
        path.append(PathStep(Step.LEADER, str(Step.LEADER.label), None))
    return path


def _step_due(start: dt.datetime, budget: Decimal | None) -> dt.datetime | None:
    if not budget:
        return None
    from dossiers.calendar import add_working_time, calendar_for

    local = timezone.localtime(start)
    calendar = calendar_for(local.date(), local.date() + dt.timedelta(days=60))
    return add_working_time(start, dt.timedelta(hours=float(budget)), calendar)


def _at_step(path: list[PathStep], index: int, now: dt.datetime) -> dict:
    return {
        "step": path[index].step,
        "fields": {
            "step_index": index,
            "step_due_at": _step_due(now, path[index].budget_hours),
            "assignee": None,
            "claimed_at": None,
        },
    }


# --- The services, one per action --------------------------------------------------------------


def _reason(text: str, field: str = "reason") -> str:
    text = (text or "").strip()
    if not text:
        raise TransitionNotAllowed(_("Give the reason."), field=field)
    return text


def receive(
    *,
    dossier: Dossier,
    actor,
    received_at: dt.datetime | None = None,
    documents: list | None = None,
    revision: int | None = None,
) -> Dossier:
    """Accept a submitted dossier (1 → 2): the appointment comes from the working-day calendar.

    ``documents`` lists what the desk checked in, as ``(name, originals, copies)``; it is kept
    on the event and printed on the receipt (form 01). The citizen is e-mailed the receipt.
    """
    from dossiers.calendar import appointment, calendar_for
    from dossiers.services import legal_channel

    moment = received_at or timezone.now()

    def change(locked: Dossier, role: str) -> Change:
        from dossiers.payments.services import upfront_unpaid

        if upfront_unpaid(locked):
            raise TransitionNotAllowed(
                _(
                    "The fee of this online dossier is not paid yet: it can be received once "
                    "the applicant has paid it."
                )
            )
        channel = legal_channel(locked)
        due = appointment(
            moment,
            channel.processing_time,
            channel.time_unit,
            locked.version.same_day_cutoff,
            calendar_for(timezone.localtime(moment).date()),
        )
        return Change(
            status=Status.RECEIVED,
            fields={
                "received_at": moment,
                "appointment_at": due,
                "original_appointment_at": due,
                "assignee": None,
                "claimed_at": None,
            },
            data={"documents": [list(d) for d in documents]} if documents else None,
        )

    done = perform(Action.RECEIVE, dossier=dossier, actor=actor, change=change, revision=revision)
    if done.applicant_email:
        from dossiers.tasks import send_received_notice

        after_commit(send_received_notice, done.pk)
    return done


def refuse(*, dossier: Dossier, actor, reason: str, revision: int | None = None) -> Dossier:
    """Refuse reception (1 → 3, form 03) with the reason the applicant will read."""
    reason = _reason(reason)
    return perform(
        Action.REFUSE,
        dossier=dossier,
        actor=actor,
        revision=revision,
        change=lambda locked, role: Change(
            status=Status.REFUSED, note=reason, fields={"finished_at": timezone.now()}
        ),
    )


def request_supplement(
    *,
    dossier: Dossier,
    actor,
    reason: str,
    items: list[str] | None = None,
    at: dt.datetime | None = None,
    revision: int | None = None,
):
    """Ask for more documents (form 02, status 5): the clock stops until they arrive."""
    from dossiers.models_documents import SupplementRequest

    reason = _reason(reason)
    now = at or timezone.now()
    made = {}

    def change(locked: Dossier, role: str) -> Change:
        made["request"] = SupplementRequest.objects.create(
            dossier=locked,
            requested_by=actor,
            agency=acting_agency(locked),
            reason=reason,
            items=[item.strip() for item in items or [] if item.strip()],
            previous_status=locked.status,
            requested_at=now,
            old_appointment=locked.appointment_at,
        )
        return Change(status=Status.SUPPLEMENT_REQUESTED, note=reason)

    locked = perform(
        Action.REQUEST_SUPPLEMENT, dossier=dossier, actor=actor, change=change, revision=revision
    )
    request = made["request"]
    if locked.applicant_email:
        from dossiers.tasks import send_supplement_notice

        after_commit(send_supplement_notice, locked.pk)
    return request


def supplement(
    *,
    dossier: Dossier,
    actor,
    files: list,
    note: str = "",
    at: dt.datetime | None = None,
) -> Dossier:
    """The applicant answers the open request with ``files`` (pairs of component or ``None``
    and an upload): the dossier goes back to where it was and the appointment moves by the time
    the clock stood still."""
    from django.core.exceptions import ValidationError
    from django.db.models import Sum

    from dossiers.calendar import calendar_for, paused_appointment
    from dossiers.errors import SubmissionInvalid
    from dossiers.models_documents import DocumentKind, DossierDocument, SupplementRequest
    from dossiers.services import legal_channel
    from dossiers.uploads import check_upload, store_file

    now = at or timezone.now()

    def change(locked: Dossier, role: str) -> Change:
        request = (
            SupplementRequest.objects.select_for_update()
            .filter(dossier=locked, supplied_at__isnull=True)
            .first()
        )
        if request is None:
            raise TransitionNotAllowed(_("No supplement is being asked for on this dossier."))
        if not files:
            raise SubmissionInvalid(_("Attach at least one file."), field="file")
        stored = locked.documents.aggregate(n=Sum("size"))["n"] or 0
        checked = []
        for component, upload in files:
            if component is not None and component.case.version_id != locked.version_id:
                raise SubmissionInvalid(
                    _("This document is not part of the procedure."), field="file"
                )
            try:
                info = check_upload(upload, already_stored=stored)
            except ValidationError as exc:
                raise SubmissionInvalid(exc.messages[0], field="file") from exc
            stored += info.size
            checked.append((component, upload, info))
        new_appointment = None
        if request.old_appointment:
            new_appointment = paused_appointment(
                request.old_appointment,
                request.requested_at,
                now,
                calendar_for(
                    timezone.localtime(request.requested_at).date(),
                    timezone.localtime(max(now, request.old_appointment)).date(),
                ),
                unit=legal_channel(locked).time_unit,
            )
        for component, upload, info in checked:
            document = DossierDocument(
                dossier=locked,
                kind=DocumentKind.SUPPLEMENT,
                supplement=request,
                component=component,
                original_name=info.name,
                mime=info.mime,
                extension=info.extension,
                size=info.size,
                sha256=info.sha256,
                uploaded_by=actor,
            )
            store_file(document, upload)
            document.save()
        request.supplied_at = now
        request.note = note.strip()
        request.new_appointment = new_appointment
        request.save(update_fields=["supplied_at", "note", "new_appointment"])
        return Change(
            status=request.previous_status,
            note=note.strip(),
            fields={"appointment_at": new_appointment} if new_appointment else None,
        )

    return perform(Action.SUPPLEMENT, dossier=dossier, actor=actor, change=change)


def withdraw(*, dossier: Dossier, actor, reason: str = "") -> Dossier:
    """The applicant withdraws the dossier (status 7) while it is not being decided on."""
    return perform(
        Action.WITHDRAW,
        dossier=dossier,
        actor=actor,
        change=lambda locked, role: Change(
            status=Status.WITHDRAWN,
            note=(reason or "").strip(),
            fields={"finished_at": timezone.now()},
        ),
    )


def claim(*, dossier: Dossier, actor, revision: int | None = None) -> Dossier:
    """Take the dossier in hand. Someone else holding it is a conflict, never an overwrite."""

    def change(locked: Dossier, role: str) -> Change:
        if locked.assignee_id and locked.assignee_id != actor.pk:
            raise Conflict(
                _("%(name)s took this dossier in hand at %(time)s.")
                % {
                    "name": locked.assignee.get_full_name() or locked.assignee.get_username(),
                    "time": timezone.localtime(locked.claimed_at).strftime("%H:%M %d/%m/%Y")
                    if locked.claimed_at
                    else "",
                }
            )
        return Change(fields={"assignee": actor, "claimed_at": timezone.now()})

    return perform(Action.CLAIM, dossier=dossier, actor=actor, change=change, revision=revision)


def assign(*, dossier: Dossier, actor, to, revision: int | None = None) -> Dossier:
    """A department head or leader gives the dossier to a specialist of the agency."""

    def change(locked: Dossier, role: str) -> Change:
        if Role.SPECIALIST not in roles_in(to, acting_agency(locked)):
            raise TransitionNotAllowed(
                _("%(name)s is not a specialist of this agency.") % {"name": to}, field="to"
            )
        return Change(
            fields={"assignee": to, "claimed_at": timezone.now()},
            data={"to": to.pk},
            note=to.get_full_name() or to.get_username(),
        )

    return perform(Action.ASSIGN, dossier=dossier, actor=actor, change=change, revision=revision)


def forward(*, dossier: Dossier, actor, note: str = "", revision: int | None = None) -> Dossier:
    """Move the dossier to the next step of its workflow (from the desk into processing)."""
    now = timezone.now()

    def change(locked: Dossier, role: str) -> Change:
        path = processing_path(locked.version)
        if locked.status == Status.RECEIVED:
            index = 0
        else:
            index = (locked.step_index or 0) + 1
            if index >= len(path) or path[index - 1].step == Step.LEADER:
                raise TransitionNotAllowed(_("This is the last step: the leader decides."))
        moved = _at_step(path, index, now)
        return Change(
            status=Status.IN_PROCESSING,
            step=moved["step"],
            fields=moved["fields"],
            note=(note or "").strip(),
            data={"to_step": path[index].name},
        )

    return perform(Action.FORWARD, dossier=dossier, actor=actor, change=change, revision=revision)


def send_back(*, dossier: Dossier, actor, note: str, revision: int | None = None) -> Dossier:
    """Return the dossier to the previous step with what to correct."""
    note = _reason(note, "note")
    now = timezone.now()

    def change(locked: Dossier, role: str) -> Change:
        path = processing_path(locked.version)
        if locked.step == Step.SIGNATURE:
            index = len(path) - 1
        else:
            index = max((locked.step_index or 0) - 1, 0)
        moved = _at_step(path, index, now)
        return Change(step=moved["step"], fields=moved["fields"], note=note)

    return perform(Action.SEND_BACK, dossier=dossier, actor=actor, change=change, revision=revision)


def hand_over(
    *, dossier: Dossier, actor, to: Agency, note: str = "", revision: int | None = None
) -> Dossier:
    """Send the dossier to another agency of the province for its part (liên thông); it
    stays status 4. Agencies of another province are out of reach (their staff could not see
    the dossier's applicant data under this province's authority)."""

    def change(locked: Dossier, role: str) -> Change:
        here = acting_agency(locked)
        if not to.is_active or to.pk == here.pk:
            raise TransitionNotAllowed(_("Choose another active agency."), field="to")
        if _province_of(to) != _province_of(here):
            raise TransitionNotAllowed(
                _("Choose an agency of this province: inter-agency work stays in the province."),
                field="to",
            )
        return Change(
            fields={"holder_agency": to, "assignee": None, "claimed_at": None},
            note=(note or "").strip(),
            data={"to": to.identifier},
        )

    return perform(Action.HAND_OVER, dossier=dossier, actor=actor, change=change, revision=revision)


def _province_of(agency: Agency) -> str:
    unit = agency.unit
    return unit.pk if unit.parent_id is None else unit.parent_id


def hand_back(*, dossier: Dossier, actor, note: str = "", revision: int | None = None) -> Dossier:
    """The other agency has done its part: the dossier returns to the competent agency."""
    return perform(
        Action.HAND_BACK,
        dossier=dossier,
        actor=actor,
        revision=revision,
        change=lambda locked, role: Change(
            fields={"holder_agency": None, "assignee": None, "claimed_at": None},
            note=(note or "").strip(),
        ),
    )


def request_payment(
    *,
    dossier: Dossier,
    actor,
    amount: int | None = None,
    note: str = "",
    revision: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Ask the applicant to pay the financial obligation (status 6): the clock stops until it
    is paid. The amount is the version's fee lines for the dossier's case and channel, less
    what was paid already; ``amount`` (VND) is stated only for an obligation the catalogue does
    not fix (computed during processing), and must match the catalogue's when it does."""
    from dossiers.models_payments import FeeObligation, FeeStage, Payment
    from dossiers.payments.fees import dossier_due, format_vnd

    if amount is not None and (not isinstance(amount, int) or amount <= 0):
        raise TransitionNotAllowed(_("Enter the amount in đồng."), field="amount")
    now = at or timezone.now()

    def change(locked: Dossier, role: str) -> Change:
        if FeeObligation.objects.filter(dossier=locked, state=FeeObligation.State.DUE).exists():
            raise TransitionNotAllowed(_("A payment is already awaited on this dossier."))
        due = dossier_due(locked)
        paid = sum(
            Payment.objects.filter(dossier=locked, state=Payment.State.PAID).values_list(
                "amount", flat=True
            )
        )
        computed = max(due.amount - paid, 0)
        if computed and amount is not None and amount != computed:
            raise TransitionNotAllowed(
                _("The fees stated for this procedure come to %(amount)s.")
                % {"amount": format_vnd(computed)},
                field="amount",
            )
        final = computed or amount
        if not final:
            raise TransitionNotAllowed(
                _("Nothing is due from the fee list: enter the amount the processing computed."),
                field="amount",
            )
        FeeObligation.objects.create(
            dossier=locked,
            stage=FeeStage.DURING_PROCESSING,
            amount=final,
            lines=due.lines if computed else [{"name": note.strip() or "", "amount": final}],
            requested_at=now,
            old_appointment=locked.appointment_at,
        )
        return Change(
            status=Status.FINANCIAL_OBLIGATION, note=(note or "").strip(), data={"amount": final}
        )

    return perform(
        Action.REQUEST_PAYMENT, dossier=dossier, actor=actor, revision=revision, change=change
    )


def confirm_payment(
    *,
    dossier: Dossier,
    actor,
    method: str,
    note: str = "",
    revision: int | None = None,
    reference: str = "",
    amount: int | None = None,
    payment=None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The obligation is paid: processing resumes at the step it left, and the appointment
    moves by the time the clock stood still (as for a supplement). ``method`` is how it was
    paid (``PaymentMethod``), kept on the event: the online-payment indicator counts the
    dossiers paid "online". ``payment``: the online payment the platform's callback settled
    (else the desk's payment is recorded here, for ``amount`` when given, which must match)."""
    from dossiers.calendar import calendar_for, paused_appointment
    from dossiers.models_payments import FeeObligation, Payment
    from dossiers.payments.fees import format_vnd
    from dossiers.services import legal_channel

    if method not in PaymentMethod.values:
        raise TransitionNotAllowed(_("Choose how the obligation was paid."), field="method")

    def change(locked: Dossier, role: str) -> Change:
        now = at or timezone.now()
        obligation = (
            FeeObligation.objects.select_for_update()
            .filter(dossier=locked, state=FeeObligation.State.DUE)
            .first()
        )
        fields = {}
        if obligation is not None:
            if amount is not None and amount != obligation.amount:
                raise TransitionNotAllowed(
                    _("The amount due is %(amount)s.") % {"amount": format_vnd(obligation.amount)},
                    field="amount",
                )
            settled = payment
            if settled is None:
                obligation.payments.filter(state=Payment.State.PENDING).update(
                    state=Payment.State.ABANDONED
                )
                from dossiers.payments.services import new_reference

                settled = Payment.objects.create(
                    obligation=obligation,
                    dossier=locked,
                    method=method,
                    amount=obligation.amount,
                    reference=new_reference(),
                    external_reference=reference.strip()[:64],
                    state=Payment.State.PAID,
                    paid_at=now,
                    recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
                    note=(note or "").strip()[:300],
                )
            if obligation.old_appointment:
                obligation.new_appointment = paused_appointment(
                    obligation.old_appointment,
                    obligation.requested_at,
                    max(now, obligation.requested_at),
                    calendar_for(
                        timezone.localtime(obligation.requested_at).date(),
                        timezone.localtime(max(now, obligation.old_appointment)).date(),
                    ),
                    unit=legal_channel(locked).time_unit,
                )
                if locked.appointment_at and obligation.new_appointment > locked.appointment_at:
                    fields["appointment_at"] = obligation.new_appointment
            obligation.state = FeeObligation.State.PAID
            obligation.paid_at = settled.paid_at or now
            obligation.save(update_fields=["state", "paid_at", "new_appointment"])
        data = {"method": method}
        if reference:
            data["reference"] = reference.strip()[:64]
        if amount is not None:
            data["amount"] = amount
        return Change(
            status=Status.IN_PROCESSING,
            note=(note or "").strip(),
            data=data,
            fields=fields or None,
        )

    return perform(
        Action.CONFIRM_PAYMENT, dossier=dossier, actor=actor, revision=revision, change=change
    )


def stop(*, dossier: Dossier, actor, reason: str, revision: int | None = None) -> Dossier:
    """Stop processing (form 05, status 8) with the legal reason."""
    reason = _reason(reason)
    return perform(
        Action.STOP,
        dossier=dossier,
        actor=actor,
        revision=revision,
        change=lambda locked, role: Change(
            status=Status.STOPPED, note=reason, fields={"finished_at": timezone.now()}
        ),
    )


def approve(*, dossier: Dossier, actor, note: str = "", revision: int | None = None) -> Dossier:
    """The leader approves: the result waits for the leader's signature when the procedure
    requires a written result, else it is ready at once (status 9)."""

    def change(locked: Dossier, role: str) -> Change:
        if locked.version.written_result_required:
            return Change(
                step=Step.SIGNATURE,
                note=(note or "").strip(),
                fields={"step_due_at": None, "assignee": actor, "claimed_at": timezone.now()},
            )
        return Change(
            status=Status.RESULT_READY,
            step=Step.NONE,
            note=(note or "").strip(),
            fields=_finished(),
        )

    return perform(Action.APPROVE, dossier=dossier, actor=actor, change=change, revision=revision)


def _finished() -> dict:
    return {
        "finished_at": timezone.now(),
        "step_index": None,
        "step_due_at": None,
        "assignee": None,
        "claimed_at": None,
    }


def issue_result(*, dossier: Dossier, actor, revision: int | None = None) -> Dossier:
    """The signed result is issued: the result is ready (status 9).

    The signatures module signs the result document before calling this; here the result
    must exist.
    """
    from dossiers.models_documents import DocumentKind

    def change(locked: Dossier, role: str) -> Change:
        results = locked.documents.filter(kind=DocumentKind.RESULT)
        if not results.exists():
            raise TransitionNotAllowed(_("Attach the result document first."), field="result")
        if locked.version.written_result_required and not results.filter(signature__isnull=False):
            raise TransitionNotAllowed(
                _("This procedure's result must be signed by the leader before it is issued."),
                field="result",
            )
        return Change(status=Status.RESULT_READY, step=Step.NONE, fields=_finished())

    return perform(
        Action.ISSUE_RESULT, dossier=dossier, actor=actor, change=change, revision=revision
    )


def attach_result(*, dossier: Dossier, actor, upload=None, revision: int | None = None):
    """Add a result document: an upload (PDF), or one generated from the procedure's template.

    The leader signs it at the signature step (the signatures module).
    """
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dossiers.errors import SubmissionInvalid
    from dossiers.models_documents import DocumentKind, DossierDocument
    from dossiers.uploads import check_upload, store_file

    made = {}

    def change(locked: Dossier, role: str) -> Change:
        nonlocal upload
        if upload is None:
            from dossiers.notices import result_pdf

            upload = SimpleUploadedFile(
                f"ket-qua-{locked.code}.pdf", result_pdf(dossier=locked), "application/pdf"
            )
        try:
            info = check_upload(upload)
        except ValidationError as exc:
            raise SubmissionInvalid(exc.messages[0], field="file") from exc
        if info.mime != "application/pdf":
            raise SubmissionInvalid(_("A result is a PDF file."), field="file")
        document = DossierDocument(
            dossier=locked,
            kind=DocumentKind.RESULT,
            original_name=info.name,
            mime=info.mime,
            extension=info.extension,
            size=info.size,
            sha256=info.sha256,
            uploaded_by=actor,
            is_digitised=True,
        )
        store_file(document, upload)
        document.save()
        made["document"] = document
        return Change(note=document.original_name, data={"document": document.pk})

    perform(Action.ATTACH_RESULT, dossier=dossier, actor=actor, change=change, revision=revision)
    return made["document"]


RETURN_METHODS = ("counter", "post", "online")


def return_result(
    *, dossier: Dossier, actor, method: str = "counter", revision: int | None = None
) -> Dossier:
    """Hand the result to the applicant (status 10): at the counter, by post or online."""
    if method not in RETURN_METHODS:
        raise TransitionNotAllowed(_("Choose how the result was returned."), field="method")
    return perform(
        Action.RETURN_RESULT,
        dossier=dossier,
        actor=actor,
        revision=revision,
        change=lambda locked, role: Change(
            status=Status.RETURNED,
            fields={"returned_at": timezone.now(), "assignee": None, "claimed_at": None},
            data={"method": method},
        ),
    )


def extend(
    *,
    dossier: Dossier,
    actor,
    new_appointment: dt.datetime,
    reason: str,
    revision: int | None = None,
) -> Extension:
    """Apologise and set a new appointment (form 04), before the appointment passes.

    The original appointment stays on record: the national index still counts against it.
    """
    reason = _reason(reason)
    now = timezone.now()
    made = {}

    def change(locked: Dossier, role: str) -> Change:
        if locked.appointment_at is None:
            raise TransitionNotAllowed(_("The dossier has no appointment yet."))
        if locked.appointment_at <= now:
            raise TransitionNotAllowed(
                _(
                    "The appointment passed at %(time)s: an apology and extension (form 04) "
                    "must be sent before the appointment passes."
                )
                % {"time": timezone.localtime(locked.appointment_at).strftime("%H:%M %d/%m/%Y")},
                field="new_appointment",
            )
        if new_appointment <= locked.appointment_at:
            raise TransitionNotAllowed(
                _("The new appointment must be later than the current one."),
                field="new_appointment",
            )
        made["extension"] = Extension.objects.create(
            dossier=locked,
            old_appointment=locked.appointment_at,
            new_appointment=new_appointment,
            reason=reason,
            by=actor,
            at=now,
        )
        return Change(
            fields={"appointment_at": new_appointment},
            note=reason,
            data={
                "old_appointment": locked.appointment_at.isoformat(),
                "new_appointment": new_appointment.isoformat(),
            },
        )

    perform(Action.EXTEND, dossier=dossier, actor=actor, change=change, revision=revision)
    return made["extension"]
