"""The rules table: for every action, from which statuses (and steps), by which roles, in which
agency; and the questions built on it (who may act, what may they do now)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dossiers.errors import NotPermitted, TransitionNotAllowed
from dossiers.models import AT_DESK, Dossier, DossierEvent, Status, Step
from units.models import Agency, Membership, Role

logger = logging.getLogger("dossiers.lifecycle")


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


def acting_agency(dossier: Dossier) -> Agency:
    """The agency whose staff act on ``dossier`` now (the rule: ``Dossier.acting_agency``)."""
    return dossier.acting_agency


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
