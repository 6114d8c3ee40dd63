"""API authentication: the browser's session (with CSRF) and bearer tokens for terminals.

A token is shown once when issued (`manage.py issue_token`); only its SHA-256 is stored, so a
copy of the database does not hand out working tokens. A token of a revoked entry or of an
inactive user is refused with 401, never silently ignored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from bandian.accounts.models import ApiToken, User

TOKEN_PREFIX = "bd_"
# last_used_at is written at most this often per token: a terminal's every request is not a write.
LAST_USED_GRANULARITY = dt.timedelta(minutes=5)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, *, label: str = "") -> str:
    """Create a token for this user and return it; it cannot be recovered later."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=hash_token(token), label=label[:100])
    return token


def user_for_token(token: str) -> User | None:
    """The active user a live token belongs to, or None."""
    if not token or len(token) > 200:
        return None
    found = ApiToken.objects.select_related("user").filter(key_hash=hash_token(token)).first()
    if found is None or found.revoked or not found.user.is_active:
        return None
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.user


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`. A bearer header that does not verify is a 401 at once,
    so that a terminal with a revoked token is told so, whatever cookies come with it."""

    def __call__(self, request: HttpRequest) -> User | None:
        header = request.headers.get(self.header, "")
        scheme, _sep, token = header.strip().partition(" ")
        if not header or scheme.lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = user_for_token(token)
        if user is None:
            raise AuthenticationError(message=_("令牌无效或已被吊销"))
        # Views and rules read request.user; make it the token's user for this request.
        request.user = user
        return user


class SessionCsrfAuth(SessionAuth):
    """The signed-in browser session; unsafe methods need the CSRF token (X-CSRFToken header).

    Without a signed-in user this is no answer at all (so an anonymous caller gets 401, not a
    CSRF 403); with one, a request that fails the CSRF check is refused with 403."""

    def __call__(self, request: HttpRequest) -> User | None:
        user = getattr(request, "user", None)
        if not (isinstance(user, User) and user.is_authenticated and user.is_active):
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, _("CSRF 校验失败：请在请求头 X-CSRFToken 中携带 CSRF 令牌"))
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        return self(request)


# Every endpoint that needs a user accepts either.
api_auth = [BearerTokenAuth(), SessionCsrfAuth()]
