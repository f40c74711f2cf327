"""(Re)seed the working-day calendar's holidays from the holidays package (holidays.VN)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dossiers.calendar import calendar_days_seed

FIRST_YEAR, LAST_YEAR = 1995, 2100


class Command(BaseCommand):
    help = (
        "Seed the holidays and swapped days the holidays package knows for the given years "
        "(default: this year and the next), in one transaction. A second run changes nothing; "
        "rows an administrator entered are never overwritten."
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, nargs="+", metavar="YEAR", help="e.g. 2026 2027")

    def handle(self, *args, **options):
        this_year = timezone.localdate().year
        years = sorted(set(options["years"] or [this_year, this_year + 1]))
        if not all(FIRST_YEAR <= year <= LAST_YEAR for year in years):
            raise CommandError(
                f"load_calendar: years must be between {FIRST_YEAR} and {LAST_YEAR}."
            )
        report = calendar_days_seed(years=years)
        self.stdout.write(
            f"Calendar {', '.join(map(str, years))}: {len(report.created)} created, "
            f"{len(report.updated)} updated, {len(report.removed)} removed, "
            f"{report.unchanged} unchanged, {len(report.kept_administrator)} kept "
            "(entered by an administrator)."
        )
        if report.kept_administrator:
            self.stdout.write(
                "Kept: " + ", ".join(day.isoformat() for day in report.kept_administrator)
            )
