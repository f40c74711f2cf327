"""What each lifecycle action of the back office takes: one table, read by the officers' pages
(``dossiers.office.forms``) and by the API (``dossiers.api.office``).

A page's form and an API serializer each parse their own input (HTML fields, JSON names) into
the lifecycle's parameters and hand them to ``take``, which calls the action's service with the
parameters this table lists and no other.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from dossiers import lifecycle
from dossiers.errors import SubmissionInvalid
from dossiers.lifecycle import Action

REQUIRED = object()  # a parameter the action cannot do without
GIVEN = object()  # a parameter passed only when given (it chooses a variant)


@dataclass(frozen=True)
class Takes:
    """An action's service, its parameters (beyond the dossier, the actor and the revision the
    page showed) with their defaults, and the services that replace it when a parameter is given
    (a written result is issued by signing it, or by accepting one signed elsewhere)."""

    service: Callable
    params: dict[str, object] = field(default_factory=dict)
    variants: dict[str, Callable] = field(default_factory=dict)


INPUTS: dict[str, Takes] = {
    Action.RECEIVE: Takes(lifecycle.receive, {"documents": None}),
    Action.REFUSE: Takes(lifecycle.refuse, {"reason": ""}),
    Action.REQUEST_SUPPLEMENT: Takes(lifecycle.request_supplement, {"reason": "", "items": None}),
    Action.CLAIM: Takes(lifecycle.claim),
    Action.ASSIGN: Takes(lifecycle.assign, {"to": REQUIRED}),
    Action.FORWARD: Takes(lifecycle.forward, {"note": ""}),
    Action.SEND_BACK: Takes(lifecycle.send_back, {"note": ""}),
    Action.HAND_OVER: Takes(lifecycle.hand_over, {"to": REQUIRED, "note": ""}),
    Action.HAND_BACK: Takes(lifecycle.hand_back, {"note": ""}),
    Action.REQUEST_PAYMENT: Takes(lifecycle.request_payment, {"amount": None, "note": ""}),
    Action.CONFIRM_PAYMENT: Takes(lifecycle.confirm_payment, {"method": REQUIRED, "note": ""}),
    Action.STOP: Takes(lifecycle.stop, {"reason": ""}),
    Action.APPROVE: Takes(lifecycle.approve, {"note": ""}),
    Action.ATTACH_RESULT: Takes(lifecycle.attach_result, {"upload": None}),
    Action.ISSUE_RESULT: Takes(
        lifecycle.issue_result,
        {"otp_token": GIVEN, "upload": GIVEN},
        variants={"otp_token": lifecycle.sign_result, "upload": lifecycle.accept_external},
    ),
    Action.RETURN_RESULT: Takes(lifecycle.return_result, {"method": "counter"}),
    Action.EXTEND: Takes(lifecycle.extend, {"new_appointment": REQUIRED, "reason": ""}),
}


def take(action: str, *, dossier, actor, values: dict):
    """Take ``action`` on ``dossier`` with ``values`` (``revision`` and the action's parameters).

    A parameter the action does not take is a programming error (TypeError); a required one
    missing is the caller's (``SubmissionInvalid`` at its field).
    """
    takes = INPUTS[action]
    unknown = set(values) - {"revision", *takes.params}
    if unknown:
        raise TypeError(f"{action} takes no {', '.join(sorted(unknown))}")
    service, kwargs = takes.service, {"revision": values.get("revision")}
    for name, default in takes.params.items():
        value = values.get(name, default)
        if value is REQUIRED or (default is REQUIRED and value in (None, "")):
            raise SubmissionInvalid(_("This field is required."), field=name)
        if value is not GIVEN and not (default is GIVEN and value is None):
            kwargs[name] = value
            service = takes.variants.get(name, service)
    return service(dossier=dossier, actor=actor, **kwargs)
