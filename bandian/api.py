"""The JSON API under /api/v1/: one NinjaAPI, a router per domain app."""

from ninja import NinjaAPI

api = NinjaAPI(title="bandian API", version="1", urls_namespace="api")
