"""What the soak's clients need, prepared on the database side (Django set up on the shape's
database): the registry and the demo (agencies, staff, catalogue), and for each demo commune
committee its officers with a known password and an enrolled authenticator (a TOTP key the
load driver computes codes from, as the officer's phone would), its leader's signing
certificate, and the procedure citizens submit with its required components.

Enrolment is done here rather than through the QR page: the page is exercised by
tests/portal/test_staff_sign_in.py, and a soak run must be repeatable on the same database.
"""

from __future__ import annotations

import os
import secrets

from bench.load import Officer, World

# The demo's procedure with a signature step at the commune committees (portal/demo.py).
PROCEDURE = "1.001193"
# The roles that move a dossier from submission to its return at a commune committee.
ROLES = ("receiver", "specialist", "department_head", "leader")


def load_registry_and_demo(*, password: str, units: bool = True) -> None:
    """load_units and load_demo (no demo dossiers, no history): idempotent."""
    from django.core.management import call_command

    with open(os.devnull, "w") as quiet:
        if units:
            call_command("load_units", verbosity=0, stdout=quiet)
        call_command(
            "load_demo",
            "--password",
            password,
            "--quiet-logins",
            "--without-dossiers",
            "--history",
            "0",
            stdout=quiet,
        )


def _set_password(user, password: str) -> None:
    """Hashed with PBKDF2 whatever this process's hashers (the test settings' MD5 is unknown
    to the shape's production settings, which must check it)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    user.password = PBKDF2PasswordHasher().encode(password, secrets.token_hex(11))
    user.save(update_fields=["password"])


def _enrol(user) -> str:
    """A confirmed TOTP device with a fresh key (any previous one removed); the key in hex."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user).delete()
    key = secrets.token_hex(20)
    TOTPDevice.objects.create(user=user, name="soak", key=key, confirmed=True)
    return key


def prepare(*, base_url: str, password: str) -> World:
    """The world of the demo commune committees (their staff re-keyed with ``password``)."""
    from django.db import transaction

    from portal.demo import demo_positions
    from procedures.models import Procedure
    from units.models import Agency, AgencyKind, Membership

    procedure = Procedure.objects.select_related("current_version").get(code=PROCEDURE)
    case = procedure.current_version.cases.order_by("pk").first()
    components = [c.pk for c in case.components.all() if c.originals or c.copies]
    officers, communes = [], []
    with transaction.atomic():
        agencies = Agency.objects.filter(
            kind=AgencyKind.COMMUNE_COMMITTEE,
            memberships__role="receiver",
            memberships__user__username__startswith="receiver.x",
        ).distinct()
        for agency in agencies.select_related("unit"):
            demo_positions(agency)
            communes.append(agency.unit.code)
            for membership in Membership.objects.filter(
                agency=agency, role__in=ROLES, is_active=True
            ).select_related("user"):
                user = membership.user
                _set_password(user, password)
                officers.append(
                    Officer(
                        username=user.username,
                        role=membership.role,
                        agency=agency.identifier,
                        totp_key=_enrol(user),
                    )
                )
    catalogue = list(
        Procedure.objects.filter(current_version__isnull=False)
        .order_by("code")
        .values_list("code", flat=True)[:200]
    )
    return World(
        base_url=base_url.rstrip("/"),
        password=password,
        procedure=PROCEDURE,
        case=case.pk,
        components=components,
        communes=communes,
        officers=officers,
        catalogue=catalogue,
    )
