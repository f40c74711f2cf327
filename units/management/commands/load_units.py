"""Load or refresh the 34 provinces and 3,321 communes; optionally a province's former districts."""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from units.errors import UnitsError
from units.services import units_load_former_districts, units_load_registry
from units.sources import default_registry_label, default_registry_path


class Command(BaseCommand):
    help = (
        "Load or refresh provinces and communes from the vietnam-provinces package (or --source), "
        "in one transaction; a second run changes nothing. With --former-districts FILE.csv, load "
        "a province's former districts and their successor communes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", type=Path, help="nested provinces/wards JSON file")
        parser.add_argument(
            "--changed-on",
            type=dt.date.fromisoformat,
            help="date recorded for name/type changes (YYYY-MM-DD, default today)",
        )
        parser.add_argument(
            "--former-districts",
            type=Path,
            action="append",
            default=[],
            metavar="FILE.csv",
            help="CSV of former districts and successors (repeatable)",
        )

    def handle(self, *args, **options):
        source = options["source"] or default_registry_path()
        label = str(options["source"]) if options["source"] else default_registry_label()
        changed_on = options["changed_on"] or timezone.localdate()
        try:
            report = units_load_registry(path=source, source_label=label, changed_on=changed_on)
        except UnitsError as exc:
            raise CommandError(f"load_units: {exc}\n" + _("Nothing was changed.")) from exc
        self.stdout.write(
            f"Units from {label}: {len(report.created)} created, {len(report.changed)} changed, "
            f"{report.unchanged} unchanged."
        )
        if report.changed:
            self.stdout.write("Changed: " + ", ".join(report.changed[:50]))
        if report.missing_from_source:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(report.missing_from_source)} units are in the registry but not in the "
                    "source (kept): " + ", ".join(report.missing_from_source[:50])
                )
            )
        for path in options["former_districts"]:
            try:
                fd = units_load_former_districts(path=path)
            except UnitsError as exc:
                raise CommandError(
                    f"load_units --former-districts {path}: {exc}\n"
                    + _("Nothing from this file was loaded.")
                ) from exc
            self.stdout.write(
                f"Former districts from {path}: {len(fd.districts_created)} created, "
                f"{len(fd.districts_changed)} changed; successions {fd.successions_created} "
                f"created, {fd.successions_removed} removed, {fd.unchanged} unchanged."
            )
