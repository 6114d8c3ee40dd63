"""The departments of the policy's [permits] section as `accounts.Department` rows.

`department_rows` is pure (policy and counties in, rows out); the data migration and
`services.departments_sync` both write what it returns, so a new policy or a new county is one
`manage.py migrate` or one call away.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bandian.policy.schema import Permits

COUNTY_PREFIX = "county-"


def county_department_code(adcode: str) -> str:
    return f"{COUNTY_PREFIX}{adcode}"


def department_code(permits: Permits, key: str, county_adcode: str) -> str:
    """The code of the Department that decides for the policy's department `key` on an
    application in county `county_adcode`."""
    return county_department_code(county_adcode) if permits.departments[key].per_county else key


def department_rows(permits: Permits, counties: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """(code, name, county adcode or None) for every department: the prefecture's ones under
    their policy key, and for a per-county department one row per county, named after it."""
    counties = list(counties)
    rows: list[dict[str, Any]] = []
    for key, dept in permits.departments.items():
        if dept.per_county:
            rows += [
                {"code": county_department_code(adcode), "name": f"{name}人民政府", "county": adcode}
                for adcode, name in counties
            ]
        else:
            rows.append({"code": key, "name": dept.zh, "county": None})
    return rows


def sync_departments(department_model: Any, county_model: Any, permits: Permits) -> int:
    """Create the departments missing (existing rows keep their names). Returns how many were created.

    Takes the models as arguments so the data migration can pass its historical ones."""
    counties = list(county_model.objects.values_list("adcode", "name"))
    have = set(department_model.objects.values_list("code", flat=True))
    new = [
        department_model(code=row["code"], name=row["name"], county_id=row["county"])
        for row in department_rows(permits, counties)
        if row["code"] not in have
    ]
    department_model.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
