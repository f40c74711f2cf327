"""Errors of the payments module, with their codes (pages show the message, the API the code)."""

from dossiers.errors import TransitionNotAllowed


class PaymentError(TransitionNotAllowed):
    code = "payment_refused"


class NothingDue(PaymentError):
    code = "nothing_due"


class GatewayUnavailable(PaymentError):
    """The payment platform did not answer (timeout, 5xx): nothing was charged, try again."""

    code = "gateway_unavailable"
