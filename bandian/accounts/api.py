"""/api/v1/accounts: who the caller is (a terminal checks its token with this)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from bandian.accounts.auth import api_auth
from bandian.accounts.models import Role, User
from bandian.core.schemas import errors

router = Router(auth=api_auth)


class MeOut(Schema):
    username: str
    name: str
    role: str
    role_name: str
    county: str | None
    county_name: str | None
    auth: str


@router.get("/me", response={200: MeOut, **errors(401)}, summary="The signed-in user or the token's owner")
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    by_token = request.headers.get("Authorization", "").lower().startswith("bearer ")
    return {
        "username": user.username,
        "name": str(user),
        "role": user.role,
        "role_name": str(Role(user.role).label),
        "county": user.county_id,
        "county_name": user.county.name if user.county else None,
        "auth": "token" if by_token else "session",
    }
