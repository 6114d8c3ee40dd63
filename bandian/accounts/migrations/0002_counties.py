from django.db import migrations

COUNTIES = {
    "522601": "凯里市", "522622": "黄平县", "522623": "施秉县", "522624": "三穗县",
    "522625": "镇远县", "522626": "岑巩县", "522627": "天柱县", "522628": "锦屏县",
    "522629": "剑河县", "522630": "台江县", "522631": "黎平县", "522632": "榕江县",
    "522633": "从江县", "522634": "雷山县", "522635": "麻江县", "522636": "丹寨县",
}  # fmt: skip


def seed(apps, schema_editor):
    County = apps.get_model("accounts", "County")
    County.objects.bulk_create([County(adcode=k, name=v) for k, v in COUNTIES.items()], ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
