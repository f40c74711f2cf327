"""The working-day calendar's exceptions (DOMAIN.md "Dossier", appointment date).

Only exceptions are stored: Monday-Friday are working days and Saturday/Sunday are not, unless a
row says otherwise. Rows come from the ``holidays`` package (``load_calendar``, migration 0003) or
from an administrator (the year's swaps announced by the Ministry of Home Affairs). The logic that
reads them lives in ``dossiers.calendar``.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# PostgreSQL's day of week as Django's ``week_day`` lookup gives it: 1 = Sunday … 7 = Saturday.
_WEEKEND = [1, 7]
_WEEKDAYS = [2, 3, 4, 5, 6]


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("public holiday")
    DAY_OFF = "day_off", _("weekday made a day off")
    WORKING_DAY = "working_day", _("weekend day made a working day")


class CalendarDaySource(models.TextChoices):
    HOLIDAYS_PACKAGE = "holidays-package", _("holidays package")
    ADMINISTRATOR = "administrator", _("administrator")


class CalendarDay(models.Model):
    """A date that does not follow the Monday-Friday rule (a holiday, a swapped day)."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=CalendarDaySource.choices,
        default=CalendarDaySource.ADMINISTRATOR,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CalendarDayKind.values), name="calendar_day_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=CalendarDaySource.values),
                name="calendar_day_source_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind=CalendarDayKind.WORKING_DAY) | Q(date__week_day__in=_WEEKEND),
                name="calendar_day_working_day_on_weekend",
                violation_error_message=_("Only a Saturday or a Sunday can be made a working day."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=CalendarDayKind.DAY_OFF) | Q(date__week_day__in=_WEEKDAYS),
                name="calendar_day_day_off_on_weekday",
                violation_error_message=_(
                    "Only a weekday (Monday to Friday) can be made a day off."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()}"

    @property
    def is_working(self) -> bool:
        return self.kind == CalendarDayKind.WORKING_DAY
