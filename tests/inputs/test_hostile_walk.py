"""Every URL pattern the resolver knows (the API's and the admin's included), walked with hostile
values for every role: nothing a person can send makes a 500.

The values: full-width, superscript and circled digits (which `str.isdigit()` takes and `int()`
refuses), NUL and other control characters, very long strings, more digits than `int()` reads,
the years 1 and 9999, negative numbers. They go into every path parameter, into every query
parameter and every form and JSON field the project knows of (the fields of its forms, the
parameters and bodies of its OpenAPI schema, the names its views read by hand), and, with
every other field plausible, into every date field. Each request runs in a savepoint that is
rolled back, so every one meets the same world (and, on PostgreSQL, a failed statement does
not poison the requests after it).

Run it on PostgreSQL too: DATABASE_URL=postgres://… .venv/bin/pytest tests/inputs/test_hostile_walk.py
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import time_machine
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from bandian.accounts.models import Department, Role, User
from bandian.api import api
from bandian.core.time import SHANGHAI
from bandian.grid.models import LVCustomer
from bandian.notify.services import notify
from bandian.outages import services as outage_services
from bandian.permits import services as permit_services
from bandian.permits.models import CaseMaterial
from tests.conftest import make_user
from tests.grid.builders import build_grid
from tests.permits.conftest import open_parallel

ROOT = Path(__file__).resolve().parents[2] / "bandian"
NOW = dt.datetime(2026, 6, 2, 10, 0, tzinfo=SHANGHAI)

HOSTILE = [
    "１２３４",  # full-width digits
    "²²²²",  # superscripts
    "①",  # a circled digit
    "\x00",
    "9" * 4301,  # more digits than int() reads
    "9" * 25,  # more than a 64-bit integer
    "-1",
    "1",  # the year 1
    "9999",  # and 9999 (dates in those years go into the date fields below)
    "长" * 2100,  # longer than any note may be
]
# A role a page refuses outright (a login redirect, 403, 404 or 405 for a plausible request)
# gets the path values and this many rounds of the others; the roles it serves get every value.
REFUSED_ROUNDS = 2
BAD_DATES = ["0001-01-01T00:00", "0001-01-01", "9999-12-31T23:59", "9999-12-31"]
# Names the views read from the request by hand, beside their forms' fields.
RAW_NAMES = ["page", "year", "status", "id", "no", "phone_last4", "next", "language", "q", "limit", "offset"]
ROLES = ["anonymous", "applicant", "staff", "supervisor", "admin", "grid_operator", "department"]


def _patterns(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern), p


PATTERNS = sorted({route: p for route, p in _patterns(get_resolver().url_patterns)}.items())
PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def _params(route: str) -> list[str]:
    return [a or b for a, b in PARAM.findall(route)]


def _path(route: str, values: dict[str, str]) -> str:
    path = PARAM.sub(lambda m: quote(values[m.group(1) or m.group(2)], safe=""), route)
    return "/" + path.replace("^", "").replace("$", "")


def _form_classes() -> list[type[forms.BaseForm]]:
    for module in sorted(ROOT.glob("*/forms.py")):
        importlib.import_module(f"bandian.{module.parent.name}.forms")
    found: list[type[forms.BaseForm]] = [AuthenticationForm]
    todo = [forms.Form, forms.ModelForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("bandian."):
                found.append(sub)
    return found


def _view_prefixes() -> dict[str, set[str]]:
    """Prefixes given to a form where a view makes it: `WithdrawForm(request.POST, prefix="withdraw")`."""
    found: dict[str, set[str]] = {}
    for source in ROOT.glob("*/*.py"):
        for form, prefix in re.findall(r"(\w+Form)\([^()]*prefix=\"(\w+)\"", source.read_text()):
            found.setdefault(form, set()).add(prefix)
    return found


def _field_names() -> tuple[dict[str, forms.Field], set[str]]:
    """Every form field by the name it is posted under, and the names of its date fields."""
    fields: dict[str, forms.Field] = {}
    prefixes = _view_prefixes()
    for form in _form_classes():
        for prefix in {form.prefix, *prefixes.get(form.__name__, ())}:
            for name, field in form.base_fields.items():
                fields.setdefault(f"{prefix}-{name}" if prefix else name, field)
    dates = {n for n, f in fields.items() if isinstance(f, forms.DateField | forms.DateTimeField)}
    return fields, dates


def _api_names() -> tuple[set[str], set[str]]:
    """The API's query parameters and the fields of its request bodies."""
    schema = api.get_openapi_schema()
    query: set[str] = set()
    body: set[str] = set()
    for operations in schema["paths"].values():
        for operation in operations.values():
            query |= {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            for content in operation.get("requestBody", {}).get("content", {}).values():
                ref = content["schema"].get("$ref", "")
                shape = schema["components"]["schemas"][ref.split("/")[-1]] if ref else content["schema"]
                body |= set(shape.get("properties", {}))
    return query, body


FIELDS, DATE_FIELDS = _field_names()
API_QUERY, API_BODY = _api_names()
NAMES = sorted(set(FIELDS) | set(RAW_NAMES) | API_QUERY | API_BODY)
DATE_FIELDS |= {"device_time"}


def _api_methods() -> dict[str, set[str]]:
    """The methods of each API path, by route: "api/v1/applications/<no>" -> {"GET"}."""
    schema = api.get_openapi_schema()
    return {
        re.sub(r"\{(\w+)\}", r"<\1>", path).lstrip("/"): {m.upper() for m in operations}
        for path, operations in schema["paths"].items()
    }


API_METHODS = _api_methods()


def _build_world() -> dict[str, Any]:
    from decimal import Decimal

    from bandian.accounts.models import County
    from tests.conftest import submitted

    permit_services.departments_sync()
    grid = build_grid()
    alice = make_user("13800000001", Role.APPLICANT, phone="13800000001")
    cm = make_user("cm-kaili", Role.CUSTOMER_MANAGER, "522601")
    make_user("pm-kaili", Role.PROJECT_MANAGER, "522601")
    supervisor = make_user("supervisor", Role.SUPERVISOR)
    admin = make_user("admin", Role.ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    operator = make_user("op-kaili", Role.GRID_OPERATOR, "522601")
    department = make_user("housing", Role.DEPARTMENT)
    department.department = Department.objects.get(code="housing")
    department.save()
    app = submitted(alice, County.objects.get(pk="522601"), "hv_single", capacity_kw=Decimal("500"))
    case = open_parallel(app, cm)
    event = outage_services.event_create(
        feeder=grid.feeder, kind="fault", cause="internal", start=NOW - dt.timedelta(hours=2), actor=None
    )
    notify(subject="a", body="b", recipient=alice)
    users: dict[str, User | None] = {
        "anonymous": None, "applicant": alice, "staff": cm, "supervisor": supervisor, "admin": admin,
        "grid_operator": operator, "department": department,
    }  # fmt: skip
    return {
        "users": users,
        "app": app,
        "case": case,
        "item": case.items.get(item_type="green_space"),
        "material": CaseMaterial.objects.filter(case=case).first(),
        "event": event,
        "grid": grid,
        "grid_rows": {
            "substations": grid.substation.pk,
            "feeders": grid.feeder.pk,
            "transformers": grid.transformers["T1"].pk,
            "mv-users": grid.users["T1"].pk,
            "lv-customers": LVCustomer.objects.values_list("pk", flat=True).first(),
        },
        "document": app.documents.first(),  # type: ignore[attr-defined]
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """One of everything a path can name, and one user per role: built once for the module, in a
    transaction rolled back at its end (each test runs in a savepoint inside it)."""
    media = tmp_path_factory.mktemp("media")
    fast = override_settings(
        MEDIA_ROOT=media,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    )
    with fast, django_db_blocker.unblock(), time_machine.travel(NOW, tick=False), transaction.atomic():
        yield {**_build_world(), "media": media}
        transaction.set_rollback(True)


def _valid_paths(route: str, world: dict[str, Any]) -> list[dict[str, str]]:
    """Values of this pattern's path parameters that name real rows (one set per kind of grid row)."""
    case, app = world["case"], world["app"]
    if route.startswith("grid/<"):
        return [{"kind": kind, "pk": str(pk)} for kind, pk in world["grid_rows"].items()]
    values = {
        "no": case.no if route.startswith(("permits/cases/", "api/v1/permits/cases/")) else app.no,
        "app_no": app.no, "reference": world["event"].reference, "seq": "1", "year": "2026",
        "item_id": str(world["item"].pk), "kind": world["document"].kind,
        "pk": str(world["material"].pk if "materials" in route else world["item"].pk),
        "app_label": "auth", "url": "auth/", "content_type_id": "1", "object_id": "1",
    }  # fmt: skip
    return [{name: values.get(name, "1") for name in _params(route)}]


def _plausible(name: str, field: forms.Field | None) -> str:
    """A value a person might well type into this field."""
    if isinstance(field, forms.ModelChoiceField):
        row = field.queryset.first()  # type: ignore[union-attr]
        return str(getattr(row, field.to_field_name or "pk", "")) if row is not None else ""
    if isinstance(field, forms.ChoiceField):
        choices = [c for c, text in field.choices if c and not isinstance(text, list | tuple)]  # type: ignore[union-attr]
        return str(choices[0]) if choices else ""
    if isinstance(field, forms.BooleanField):
        return "on"
    if isinstance(field, forms.IntegerField | forms.DecimalField):
        return "10"
    return "F1" if name in ("feeder", "q") else "说明"


def _rotated(names: list[str], shift: int) -> dict[str, str]:
    """Each name its own hostile value: over len(HOSTILE) shifts, every name meets every value."""
    return {name: HOSTILE[(i + shift) % len(HOSTILE)] for i, name in enumerate(names)}


Request = tuple[str, str, Any, str | None]  # method, path, data, content type


def _methods(route: str) -> list[str]:
    return sorted(API_METHODS.get(route, {"GET"})) if route.startswith("api/") else ["GET", "POST"]


def _probe(route: str, path: str) -> list[Request]:
    """A plausible request for each method."""
    plausible = {name: _plausible(name, FIELDS.get(name)) for name in NAMES}
    return [(m, path, None if m == "GET" else plausible, None) for m in _methods(route)]


def _path_requests(route: str) -> Iterator[Request]:
    params = _params(route)
    for value in HOSTILE if params else ():
        for method in _methods(route):
            yield method, _path(route, dict.fromkeys(params, value)), None if method == "GET" else {}, None


def _input_requests(route: str, path: str, rounds: int) -> Iterator[Request]:
    """Hostile query parameters and fields, then hostile dates among plausible fields."""
    methods = _methods(route)
    api_route = route.startswith("api/")
    for shift in range(rounds):
        if "GET" in methods:
            yield "GET", path + "?" + urlencode(_rotated(NAMES, shift)), None, None
        if "POST" in methods:
            yield "POST", path + "?" + urlencode(_rotated(RAW_NAMES, shift)), _rotated(NAMES, shift + 1), None
            if api_route:
                yield "POST", path, json.dumps(_rotated(sorted(API_BODY), shift)), "application/json"
    if "POST" not in methods:
        return
    plausible = {name: _plausible(name, FIELDS.get(name)) for name in NAMES}
    for year in ("0001", "9999"):
        dated = {name: f"{year}-12-31" if isinstance(FIELDS.get(name), forms.DateField) else f"{year}-12-31T23:59"
                 for name in DATE_FIELDS}  # fmt: skip
        yield "POST", path, {**plausible, **dated}, None
        if api_route:
            body = {**dict.fromkeys(API_BODY, "1"), "device_time": f"{year}-12-31T23:59:00+08:00"}
            yield "POST", path, json.dumps(body), "application/json"


def _refused(response: Any) -> bool:
    if response.status_code in (403, 404, 405):
        return True
    return response.status_code == 302 and "login" in response.get("Location", "")


@pytest.mark.parametrize("role", ROLES)
def test_no_hostile_input_makes_a_500(world, db, settings, role):
    settings.MEDIA_ROOT = world["media"]  # where the world's files are
    user = world["users"][role]
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    # Each request starts from the signed-in session: one that logs out or signs in as someone
    # else (POST /accounts/logout/) must not turn the rest of the walk into an anonymous one.
    cookies = copy.deepcopy(client.cookies)
    failures: list[str] = []
    count = 0

    def send(request: Request) -> Any:
        nonlocal count
        method, path, data, content_type = request
        count += 1
        savepoint = transaction.savepoint()
        try:
            if method == "GET":
                response = client.get(path)
            elif content_type:
                response = client.post(path, data, content_type=content_type)
            else:
                response = client.post(path, data)
        finally:
            transaction.savepoint_rollback(savepoint)
            client.cookies = copy.deepcopy(cookies)
        if response.status_code >= 500:
            exc = getattr(response, "exc_info", None)
            where = f"{type(exc[1]).__name__}: {str(exc[1])[:120]}" if exc else response.content[:120]
            failures.append(f"{method} {path[:100]!r} {str(data)[:60]}: {response.status_code} {where}")
        return response

    with time_machine.travel(NOW, tick=False):
        for route, _pattern in PATTERNS:
            for request in _path_requests(route):
                send(request)
            for values in _valid_paths(route, world):
                path = _path(route, values)
                served = [not _refused(send(probe)) for probe in _probe(route, path)]
                for request in _input_requests(route, path, len(HOSTILE) if any(served) else REFUSED_ROUNDS):
                    send(request)
    assert count > 1000
    assert failures == [], f"{len(failures)} of {count} requests made a 5xx:\n" + "\n".join(failures[:40])
