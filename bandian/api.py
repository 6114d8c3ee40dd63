"""The JSON API under /api/v1/: one NinjaAPI, a router per domain app.

Every error is JSON `{"detail": "<message>"}` with its status code:
400 bad input or a request the rules refuse, 401 no or invalid credentials, 403 not allowed,
404 not found or not visible, 409 refused because of the application's current state,
422 input that does not match the schema, 429 too many failed attempts, 503 the calendar or the
policy holds no rule for the date asked about. No input is meant to produce a 500; the last
handler still answers one in JSON (and logs it) should a bug slip through. A method a path does
not take is a 405 in the same shape, with `Allow` (`method_not_allowed`).

Each operation declares those answers (`bandian.core.schemas.ERRORS` and `errors()`), so the
OpenAPI document says what it really answers; the one answer no operation can declare for itself,
414 from the web server for a request line it will not read, is added to every operation here
(`BandianAPI.get_openapi_schema`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.urls import URLPattern
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from bandian.accounts.api import router as accounts_router
from bandian.applications import api as applications_api
from bandian.applications.api import router as applications_router
from bandian.applications.contracts.api import public_router as contracts_public_router
from bandian.applications.contracts.api import router as contracts_router
from bandian.applications.payments.api import router as payments_router
from bandian.applications.ratings.api import public_router as ratings_public_router
from bandian.applications.ratings.api import router as ratings_router
from bandian.applications.visits.api import router as visits_router
from bandian.core.errors import RuleGap, ServiceError, StateConflict
from bandian.disclosure.api import router as disclosure_router
from bandian.outages.api import router as outages_router
from bandian.outages.public_views import router as outages_public_router
from bandian.permits.api import router as permits_router
from bandian.policy.api import router as policy_router
from bandian.reliability.api import router as reliability_router
from bandian.supervision.api import router as supervision_router
from bandian.supervision.outage_views import router as supervision_outages_router

logger = logging.getLogger("bandian.api")

# gunicorn's limit_request_line (its default, which docs/operations.md §2 keeps): a longer request
# line is refused by gunicorn itself, as HTML, before bandian sees it.
REQUEST_LINE_MAX = 4094
URI_TOO_LONG = {
    "description": (
        f"URI Too Long: the request line (method, path and query) is over {REQUEST_LINE_MAX:,} bytes; "
        "refused by the web server before bandian, as an HTML page"
    ),
    "content": {"text/html": {"schema": {"type": "string"}}},
}


class BandianAPI(NinjaAPI):
    """The API, with the answers that are the same for every operation."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("responses", {})["UriTooLong"] = URI_TOO_LONG
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation["responses"].setdefault(414, {"$ref": "#/components/responses/UriTooLong"})
        return schema

    @property
    def urls(self) -> tuple[list[Any], str, str]:
        """ninja's URL patterns, their 405 (a method the path does not take) in JSON."""
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_405(pattern.callback)
        return patterns, app_name, namespace


def _json_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405:
            return method_not_allowed(request, sorted(m.strip() for m in response.get("Allow", "").split(",")))
        return response

    return wrapped


api = BandianAPI(title="bandian API", version="1", urls_namespace="api")
api.add_router("/policy", policy_router, tags=["policy"])
api.add_router("/accounts", accounts_router, tags=["accounts"])
api.add_router("/applications", applications_router, tags=["applications"])
api.add_router("/applications", visits_router, tags=["visits"])  # issue 11: /{no}/visit-slots, /{no}/visit-booking
api.add_router("/applications", contracts_router, tags=["contracts"])
api.add_router("/public", contracts_public_router, tags=["contracts"])
api.add_router("/applications", ratings_router, tags=["ratings"])  # issue 11: /{no}/rating
api.add_router("/public", ratings_public_router, tags=["public"])  # issue 11: /ratings?year=
api.add_router("/public", disclosure_router, tags=["public"])
api.add_router("/supervision", supervision_router, tags=["supervision"])
api.add_router("/reliability", reliability_router, tags=["reliability"])
api.add_router("/permits", permits_router, tags=["permits"])
api.add_router("/outages", outages_router, tags=["outages"])
api.add_router("/public", outages_public_router, tags=["public"])
api.add_router("/supervision", supervision_outages_router, tags=["supervision"])
# Payments (issue 11.3): /public/fees and /applications/{no}/payment-orders.
api.add_router("/", payments_router, tags=["payments"])


def _error(request: HttpRequest, status: int, detail: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail, **extra}, status=status)


def method_not_allowed(request: HttpRequest, allowed: list[str]) -> HttpResponse:
    """405 for a method the path does not take, JSON like every other error, with `Allow`."""
    allow = ", ".join(m for m in allowed if m)
    detail = _("不支持 %(method)s 请求，请使用 %(allowed)s") % {"method": request.method, "allowed": allow}
    response = _error(request, 405, detail)
    response["Allow"] = allow
    return response


@api.exception_handler(ServiceError)
def _service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return _error(request, 409 if isinstance(exc, StateConflict) else 400, str(exc))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    detail = (
        exc.message if exc.message != "Unauthorized" else _("请先登录，或在请求头中携带 Authorization: Bearer <令牌>")
    )
    response = _error(request, 401, detail)
    response["WWW-Authenticate"] = 'Bearer realm="bandian"'
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and exc.message.startswith("Cannot parse request body"):
        return _error(request, 400, _("请求体不是有效的 JSON"))
    return _error(request, exc.status_code, exc.message)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, str(exc) or _("没有找到"))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or _("没有权限"))


def _where(loc: Any) -> str:
    parts = [str(p) for p in loc or () if p not in ("body", "payload", "query", "form", "path")]
    return ".".join(parts) or str(loc[0] if loc else "input")


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in exc.errors
    ]
    detail = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in errors) or _("输入无效")
    return _error(request, 422, _("输入有误：%(d)s") % {"d": detail}, errors=errors)


@api.exception_handler(MultiPartParserError)
def _bad_multipart(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 400, _("无法解析上传的表单（multipart）：%(e)s") % {"e": exc})


@api.exception_handler(UnreadablePostError)
def _unreadable(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 400, _("请求内容不完整"))


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: Exception) -> HttpResponse:
    # RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent and the like.
    return _error(request, 400, _("请求被拒绝：%(e)s") % {"e": exc})


@api.exception_handler(RuleGap)
def _rule_gap(request: HttpRequest, exc: RuleGap) -> HttpResponse:
    # The calendar or the policy lacks a rule: an administrator's task, not the caller's mistake.
    logger.error("%s: %s", type(exc).__name__, exc)
    return _error(request, 503, exc.refusal())


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled error in the API: %s %s", request.method, request.path, extra={"request": request})
    response = _error(request, 500, _("服务器内部错误，已记录，请稍后再试"))
    response._has_been_logged = True  # type: ignore[attr-defined]  # logged above, with the traceback
    return response


@csrf_exempt  # as ninja's views: it reads no session and writes nothing, so another method gets its 405
def progress_query(request: HttpRequest) -> HttpResponse:
    """GET /api/v1/applications/progress, served ahead of ninja's own route (bandian/urls.py).

    The same function as the documented operation, with the same exception handlers, so the
    same answers; what it skips is ninja's work per request (a temporary response, the checks an
    operation without auth or parameters does not need), about 0.07 ms of CPU a request. Any
    other method is a JSON 405, as on ninja's routes (without the exemption, Django's CSRF check
    answered an HTML 403 first).
    """
    if request.method != "GET":
        return method_not_allowed(request, ["GET"])
    try:
        return applications_api.progress(request)
    except Exception as exc:  # each goes to its handler, as inside ninja
        return api.on_exception(request, exc)
