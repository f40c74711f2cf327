"""The signature of the payment platform's messages (docs/payment-gateway-contract.md).

HMAC-SHA256, keyed with the merchant's shared secret, over the canonical form of the message:
every field but ``signature`` whose value is not null, sorted by name, written ``name=value``
and joined with ``&``, in UTF-8 (NFC); integers in decimal, booleans ``true``/``false``. The
signature is the lowercase hex digest. Framework-free: the stand-in gateway uses it too.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from typing import Any

SIGNATURE = "signature"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return unicodedata.normalize("NFC", str(value))


def canonical(fields: dict[str, Any]) -> bytes:
    """The bytes that are signed: ``a=1&b=x`` over the sorted non-null fields."""
    items = sorted((k, v) for k, v in fields.items() if k != SIGNATURE and v is not None)
    return "&".join(f"{k}={_text(v)}" for k, v in items).encode("utf-8")


def sign(fields: dict[str, Any], secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), canonical(fields), hashlib.sha256).hexdigest()


def signed(fields: dict[str, Any], secret: str) -> dict[str, Any]:
    """``fields`` with their signature added."""
    return {**fields, SIGNATURE: sign(fields, secret)}


def verify(fields: dict[str, Any], secret: str) -> bool:
    given = fields.get(SIGNATURE)
    if not isinstance(given, str) or not secret:
        return False
    return hmac.compare_digest(given.lower(), sign(fields, secret))
