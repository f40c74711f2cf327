"""The adapter to the national payment platform (docs/payment-gateway-contract.md).

One HTTP client for the real platform and the stand-in alike (``dossiers.payments.standin``):
every request is signed with the merchant's shared secret, every order answer's signature is
checked. A timeout or a 5xx is :class:`GatewayUnavailable` (nothing is charged: try again).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.payments.errors import GatewayUnavailable, PaymentError
from dossiers.payments.signing import signed, verify

TIME_FORMAT = "%Y%m%d%H%M%S"


@dataclass(frozen=True)
class Order:
    gateway_order_id: str
    pay_url: str


def local_time(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime(TIME_FORMAT)


def parse_local_time(text: str) -> dt.datetime:
    naive = dt.datetime.strptime(text, TIME_FORMAT)
    return timezone.make_aware(naive, timezone.get_default_timezone())


class GatewayClient:
    def __init__(self, *, base_url: str | None = None, secret: str | None = None) -> None:
        self.base_url = (base_url or settings.PAYMENT_GATEWAY_URL).rstrip("/")
        self.secret = secret if secret is not None else settings.PAYMENT_GATEWAY_SECRET
        self.merchant_id = settings.PAYMENT_MERCHANT_ID

    def _post(self, path: str, fields: dict) -> dict:
        body = signed({"merchant_id": self.merchant_id, **fields}, self.secret)
        try:
            answer = requests.post(
                f"{self.base_url}/{path}", json=body, timeout=settings.PAYMENT_GATEWAY_TIMEOUT
            )
        except requests.RequestException as exc:
            raise GatewayUnavailable(
                _("The payment platform did not answer. Nothing was charged: try again.")
            ) from exc
        if answer.status_code >= 500:
            raise GatewayUnavailable(
                _("The payment platform did not answer. Nothing was charged: try again.")
            )
        try:
            data = answer.json()
        except ValueError as exc:
            raise GatewayUnavailable(_("The payment platform gave an unreadable answer.")) from exc
        if data.get("error_code") != "00":
            raise PaymentError(
                _("The payment platform refused the order (%(code)s).")
                % {"code": data.get("error_code")}
            )
        return data

    def create_order(
        self,
        *,
        reference: str,
        dossier_code: str,
        amount: int,
        account: str,
        description: str,
        return_url: str,
        callback_url: str,
        expires_at: dt.datetime,
    ) -> Order:
        data = self._post(
            "api/orders",
            {
                "order_ref": reference,
                "dossier_code": dossier_code,
                "amount": amount,
                "currency": "VND",
                "account": account,
                "description": description,
                "return_url": return_url,
                "callback_url": callback_url,
                "expires_at": local_time(expires_at),
            },
        )
        if not verify(data, self.secret) or data.get("order_ref") != reference:
            raise PaymentError(_("The payment platform's answer is not signed by it."))
        return Order(gateway_order_id=data["gateway_order_id"], pay_url=data["pay_url"])

    def cancel_order(self, *, reference: str) -> None:
        self._post("api/orders/cancel", {"order_ref": reference})

    def statement(self, *, day: dt.date) -> list[dict]:
        """The platform's transactions paid on ``day`` (local time)."""
        data = self._post("api/statement", {"date": day.strftime("%Y%m%d")})
        return list(data.get("transactions") or [])


def client() -> GatewayClient:
    return GatewayClient()
