from django.db import migrations


def seed(apps, schema_editor):
    from bandian.workdays.seed import SEED_SOURCE, SEED_YEARS, seed_days

    CalendarYear = apps.get_model("workdays", "CalendarYear")
    SpecialDay = apps.get_model("workdays", "SpecialDay")
    SpecialDay.objects.bulk_create(
        [SpecialDay(date=day, kind=kind, name=name) for day, kind, name in seed_days()], ignore_conflicts=True
    )
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=year, source=SEED_SOURCE) for year in SEED_YEARS], ignore_conflicts=True
    )


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
