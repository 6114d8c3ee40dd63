"""The API's error answers, the same for every endpoint, and the one declaration of them.

Every error is JSON `{"detail": "<message>"}` (bandian/api.py's handlers); a 422 adds `errors`,
one `{loc, msg, type}` per field. An operation declares its answers as
`response={200: ItsOut, **ERRORS}` (or `**errors(...)` for fewer), so that the OpenAPI document
says every status the handlers can give it: tests/api/test_openapi_conformance.py holds each
operation to that.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    loc: list[str]
    msg: str
    type: str


class ValidationErrorOut(ErrorOut):
    """422: input outside the schema; `detail` names every field, `errors` lists them."""

    errors: list[FieldErrorOut]


# The shape of each error status the API's handlers answer.
ERROR_SHAPES: dict[int, type[Schema]] = {
    400: ErrorOut,  # bad input the rules refuse; malformed JSON or multipart
    401: ErrorOut,  # no credentials, an unknown or revoked token
    403: ErrorOut,  # the caller's role may not do this; a failed CSRF check
    404: ErrorOut,  # no such object, or one the caller may not see
    409: ErrorOut,  # refused because of the object's current state
    422: ValidationErrorOut,  # input outside the schema
    429: ErrorOut,  # too many failed attempts
    503: ErrorOut,  # the calendar or the policy holds no rule for the date asked about
}


def errors(*statuses: int) -> dict[int, Any]:
    """The error answers of an operation, each with its shape: `response={200: X, **errors(400, 422)}`."""
    return {status: ERROR_SHAPES[status] for status in statuses}


# An operation that needs a caller (bearer token or session): 401 without one, 403 for a role the
# rules refuse (and a session's unsafe request without its CSRF token), 404 for an object the
# caller may not see, 400 / 409 for what the services refuse, 422 for input outside the schema,
# 503 when the calendar or the policy lacks the rule a date needs.
ERRORS = errors(400, 401, 403, 404, 409, 422, 503)
# A read-only operation that needs a caller: the same without the state conflicts of a write.
READ_ERRORS = errors(400, 401, 403, 404, 422, 503)


def file_answer(*media_types: str, description: str = "the file") -> dict[str, Any]:
    """`openapi_extra` of an operation whose 200 is a file, not JSON: its media types.

    With `response={200: None, **ERRORS}` the errors stay JSON and the 200 says what it is."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {"responses": {200: {"description": description, "content": dict.fromkeys(media_types, binary)}}}


def query_parameter(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    """An optional query parameter an operation reads by hand (not through a ninja schema), for
    `openapi_extra={"parameters": [...]}`: the document still names it."""
    return {"in": "query", "name": name, "required": False, "description": description, "schema": schema}


# `?county=`: one of the policy's sixteen adcodes (another one is a 400).
COUNTY_PARAMETER = query_parameter(
    "county", {"type": "string", "pattern": "^[0-9]{6}$"}, "a county's six-digit adcode; none: every county"
)
