"""Moves shared by the payment tests."""

from django.test import Client

from dossiers import lifecycle
from dossiers.models import Dossier, DossierEvent
from dossiers.models_payments import FeeObligation, GatewayCallback, Payment
from sync.models import OutboxEntry
from tests.factories.dossiers import staff_of
from units.models import Role


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_callback(body) -> tuple[int, dict]:
    response = Client().post("/payments/callback/", body, content_type="application/json")
    return response.status_code, response.json()


def to_specialist(dossier: Dossier) -> Dossier:
    """Received, forwarded and taken in hand by the specialist (status 4)."""
    desk = staff_of(dossier.reception_agency, Role.RECEIVER)
    dossier = lifecycle.receive(dossier=dossier, actor=desk)
    dossier = lifecycle.forward(dossier=dossier, actor=desk)
    return lifecycle.claim(dossier=dossier, actor=staff_of(dossier.agency, Role.SPECIALIST))


def snapshot(dossier: Dossier) -> dict:
    """Everything a refused callback must leave as it was."""
    fresh = Dossier.objects.get(pk=dossier.pk)
    return {
        "dossier": (fresh.status, fresh.revision, fresh.appointment_at),
        "events": DossierEvent.objects.filter(dossier=dossier).count(),
        "outbox": OutboxEntry.objects.filter(dossier=dossier).count(),
        "payments": list(
            Payment.objects.filter(dossier=dossier).order_by("id").values_list("state", flat=True)
        ),
        "obligations": list(
            FeeObligation.objects.filter(dossier=dossier).values_list("state", flat=True)
        ),
        "applied": GatewayCallback.objects.filter(applied=True).count(),
    }
