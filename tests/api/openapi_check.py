"""Does an answer of the API match what /api/v1/openapi.json says of its operation?

The three checks of the schemathesis pass (docs/api.md, "Hostile input") that matter to a client,
without schemathesis: the status code is documented, the content type is one documented for it,
and a JSON body is valid against the documented schema. The validator knows the JSON Schema the
document uses (ninja's and ours): $ref, type, properties, required, additionalProperties, items,
anyOf / oneOf / allOf, enum, const, the bounds, pattern and the formats date-time, date and time
(RFC 3339, as schemathesis reads them).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from django.test import Client

TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}
# RFC 3339 full-time (with an offset) and date-time.
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$", re.IGNORECASE)


@functools.cache
def document() -> dict[str, Any]:
    """The OpenAPI document, as a client fetches it (read once per test process)."""
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) of every documented operation."""
    return [(method, path, op) for path, ops in document()["paths"].items() for method, op in ops.items()]


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, TYPES[name])


def _format_ok(value: str, fmt: str) -> bool:
    if fmt == "date-time":
        day, sep, time = value.upper().partition("T")
        return bool(sep) and _format_ok(day, "date") and _format_ok(time, "time")
    if fmt == "date":
        try:
            return re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None and bool(dt.date.fromisoformat(value))
        except ValueError:
            return False
    if fmt == "time":
        return TIME.match(value) is not None
    return True  # a format this check does not know (binary, ...)


def errors_of(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """Every way `value` breaks `schema`, each with its place; empty when it is valid."""
    schema = resolve(schema)
    found: list[str] = []
    for key in ("anyOf", "oneOf"):
        if key in schema:
            branches = [errors_of(value, s, where) for s in schema[key]]
            matching = sum(1 for b in branches if not b)
            if matching == 0 or (key == "oneOf" and matching > 1):
                found.append(f"{where}: {matching} of the {key} branches match {value!r:.80}")
    for sub in schema.get("allOf", []):
        found += errors_of(value, sub, where)
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, n) for n in names):
            return [*found, f"{where}: {value!r:.80} is not of type {schema['type']}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r:.80} is not one of {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        found.append(f"{where}: {value!r:.80} is not {schema['const']!r}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{where}: {value!r:.80} does not match {schema['pattern']}")
        if "format" in schema and not _format_ok(value, schema["format"]):
            found.append(f"{where}: {value!r:.80} is not a {schema['format']!r}")
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", len(value)):
            found.append(f"{where}: length {len(value)} outside the bounds")
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and not schema.get("minimum", value) <= value <= schema.get("maximum", value):
        found.append(f"{where}: {value} outside the bounds")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", len(value)):
            found.append(f"{where}: {len(value)} items, outside the bounds")
        for i, item in enumerate(value):
            found += errors_of(item, schema.get("items", {}), f"{where}[{i}]")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        found += [f"{where}: {name!r} is missing" for name in schema.get("required", []) if name not in value]
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                found += errors_of(item, properties[name], f"{where}.{name}")
            elif extra is False:
                found.append(f"{where}: {name!r} is not allowed")
            elif isinstance(extra, dict):
                found += errors_of(item, extra, f"{where}.{name}")
    return found


def conformance_errors(method: str, path: str, response: Any) -> list[str]:
    """What in this answer the document does not say of `method path` (a documented path, e.g.
    /api/v1/applications/{no}); empty when it conforms."""
    operation = document()["paths"][path][method.lower()]
    status = str(response.status_code)
    if status not in operation["responses"]:
        return [f"{method} {path}: status {status} is not documented ({', '.join(operation['responses'])})"]
    documented = resolve(operation["responses"][status]).get("content", {})
    if not documented:
        return []
    media_type = response["Content-Type"].split(";")[0].strip()
    if media_type not in documented:
        return [f"{method} {path} {status}: {media_type} is not documented ({', '.join(documented)})"]
    if media_type != "application/json":
        return []
    return [f"{method} {path} {status}: {e}" for e in errors_of(response.json(), documented[media_type]["schema"])]


def assert_conforms(method: str, path: str, response: Any) -> None:
    problems = conformance_errors(method, path, response)
    assert not problems, "\n".join(problems)
