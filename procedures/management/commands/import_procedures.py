"""Import a catalogue file (JSON, CSV or XLSX): all rows or none; --dry-run reports only."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from procedures.errors import CatalogueError
from procedures.importing import catalogue_import


class Command(BaseCommand):
    help = "Import procedures from a .json (national portal shape), .csv or .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="report what would change")

    def handle(self, *args, **options):
        path: Path = options["file"]
        try:
            content = path.read_bytes()
        except OSError as exc:
            message = _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}
            raise CommandError(message) from exc
        try:
            report = catalogue_import(
                content=content, filename=path.name, dry_run=options["dry_run"]
            )
        except CatalogueError as exc:
            raise CommandError(f"{exc}\n" + _("Nothing was imported.")) from exc
        prefix = _("Dry run: would import") if report.dry_run else _("Imported")
        self.stdout.write(
            f"{prefix} {path.name}: "
            + _("%(created)s created, %(changed)s changed, %(unchanged)s unchanged.")
            % {
                "created": len(report.created),
                "changed": len(report.changed),
                "unchanged": len(report.unchanged),
            }
        )
        for label, codes in ((_("created"), report.created), (_("changed"), report.changed)):
            if codes:
                self.stdout.write(f"  {label}: {', '.join(codes)}")
