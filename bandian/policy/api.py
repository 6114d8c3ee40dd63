"""GET /api/v1/policy: the policy in force, as the policy file states it (dates in ISO 8601)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from bandian.policy.loader import active_policy
from bandian.policy.schema import Policy

router = Router()


@router.get(
    "",
    response=Policy,
    by_alias=True,
    auth=None,
    url_name="policy",
    summary="The policy in force",
    description=(
        "Every number of the plan: time limits per customer class with their clock, effective dates "
        "and split over the steps; steps, documents and visits; approval limits; zero-investment "
        "rules; reliability targets; pause reasons and counting rules. Keys are those of the policy "
        "file (docs/policy-format.md). Public: no authentication."
    ),
)
def policy(request: HttpRequest) -> Policy:
    return active_policy()


# The same with a trailing slash, for clients that add one; not listed in the OpenAPI document.
router.add_api_operation(
    "/", ["GET"], policy, response=Policy, by_alias=True, auth=None, include_in_schema=False, url_name="policy_slash"
)
