"""Demo agencies, staff for every role and demo citizens (idempotent)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import override

from portal.demo import (
    DEMO_HISTORY_DOSSIERS,
    DEMO_PROVINCES,
    demo_load,
    demo_password,
    demo_rollups,
)
from reports.tasks import not_following
from units.models import Unit


class Command(BaseCommand):
    help = "Load demo agencies, one staff user per role per demo agency, and demo citizens."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", help="password for every demo login (default: kept in var/)"
        )
        parser.add_argument("--quiet-logins", action="store_true", help="do not print the logins")
        parser.add_argument(
            "--without-dossiers",
            action="store_true",
            help="skip the dossiers in every status (the test suite builds its own)",
        )
        parser.add_argument(
            "--history",
            type=int,
            default=DEMO_HISTORY_DOSSIERS,
            help="dossiers of a year's history in the demo provinces, for the reports "
            f"(default {DEMO_HISTORY_DOSSIERS}; 0: none)",
        )

    def handle(self, *args, **options):
        missing = [c for c in DEMO_PROVINCES if not Unit.objects.filter(code=c).exists()]
        if missing:
            raise CommandError(
                f"load_demo: provinces {', '.join(missing)} are not loaded; run load_units first."
            )
        # The rollups are rebuilt once at the end, not after each of the demo's changes.
        with override("vi"), not_following():
            report = demo_load(
                password=options["password"] or demo_password(),
                dossiers=not options["without_dossiers"],
                history=options["history"],
            )
        # The reports count every dossier at once, beat or no beat (embedded mode has none).
        counted = demo_rollups() if not options["without_dossiers"] else 0
        self.stdout.write(
            f"Demo data: {report.agencies} agencies, {len(report.logins)} logins, "
            f"{report.procedures} procedures, {report.dossiers} dossiers; "
            f"report rollups of {counted} dossiers."
        )
        if options["quiet_logins"]:
            return
        self.stdout.write(f"\nDemo logins (password for all: {report.password})")
        for login in report.logins:
            self.stdout.write(f"  {login.username:<28} {login.role:<28} {login.agency}")
