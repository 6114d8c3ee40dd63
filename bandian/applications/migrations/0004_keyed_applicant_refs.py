"""Applicant references become keyed (HMAC-SHA-256 under APPLICANT_ID_KEY).

The references stored so far are unkeyed SHA-256 hashes of identity numbers (or, for imported
records, whatever the file's `applicant_id` held); the numbers themselves were never stored, so
they cannot be re-keyed. Each stored value is replaced by `legacy:` + HMAC-SHA-256(key, old value):
it can no longer be reversed without the key, two legacy references of the same person still
match each other (restarts among old records are still found), but a legacy reference does not
match the new reference of the same number. Empty references stay empty. Not reversible.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import migrations

PREFIX = "legacy:"


def rekey(apps, schema_editor):
    key = settings.APPLICANT_ID_KEY.encode()
    for model in (apps.get_model("applications", "Application"), apps.get_model("accounts", "User")):
        changed = []
        for row in model.objects.exclude(applicant_ref="").exclude(applicant_ref__startswith=PREFIX).only(
            "pk", "applicant_ref"
        ):
            row.applicant_ref = PREFIX + hmac.new(key, row.applicant_ref.encode(), hashlib.sha256).hexdigest()
            changed.append(row)
        model.objects.bulk_update(changed, ["applicant_ref"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0003_progress_summary"),
        ("accounts", "0004_roles_departments"),
    ]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop, elidable=False)]
