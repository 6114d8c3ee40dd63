"""The JSON API under /api/v1/: one NinjaAPI, a router per domain app."""

from ninja import NinjaAPI

from bandian.accounts.api import router as accounts_router
from bandian.applications.api import router as applications_router
from bandian.disclosure.api import router as disclosure_router
from bandian.policy.api import router as policy_router
from bandian.supervision.api import router as supervision_router

api = NinjaAPI(title="bandian API", version="1", urls_namespace="api")
api.add_router("/policy", policy_router, tags=["policy"])
api.add_router("/accounts", accounts_router, tags=["accounts"])
api.add_router("/applications", applications_router, tags=["applications"])
api.add_router("/public", disclosure_router, tags=["public"])
api.add_router("/supervision", supervision_router, tags=["supervision"])
