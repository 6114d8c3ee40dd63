"""Seed the approving departments from the policy: the prefecture's departments and one county
government per county."""

from pathlib import Path

from django.conf import settings
from django.db import migrations


def seed(apps, schema_editor):
    from bandian.permits.departments import sync_departments
    from bandian.policy.loader import load_policy

    policy = load_policy(Path(settings.POLICY_FILE))
    sync_departments(apps.get_model("accounts", "Department"), apps.get_model("accounts", "County"), policy.permits)


class Migration(migrations.Migration):
    dependencies = [("permits", "0001_initial"), ("accounts", "0004_roles_departments"), ("accounts", "0002_counties")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
