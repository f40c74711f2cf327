"""Seed the working-day calendar from the holidays package (DOMAIN.md "Dossier").

Data only; the schema is 0002. Later years, and a newer package, are loaded with
``manage.py load_calendar --years ...``. Reversing removes the package's rows of these years and
keeps the rows an administrator entered.
"""

from django.db import migrations

SEED_YEARS = range(2025, 2029)


def seed_calendar(apps, schema_editor):
    from dossiers.calendar import calendar_days_seed

    calendar_days_seed(years=SEED_YEARS, model=apps.get_model("dossiers", "CalendarDay"))


def unseed_calendar(apps, schema_editor):
    CalendarDay = apps.get_model("dossiers", "CalendarDay")
    CalendarDay.objects.filter(date__year__in=list(SEED_YEARS), source="holidays-package").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0002_calendar_days"),
    ]

    operations = [
        migrations.RunPython(seed_calendar, unseed_calendar),
    ]
