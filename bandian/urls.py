from django.contrib import admin
from django.urls import include, path

from bandian import health
from bandian.api import api, progress_query
from bandian.disclosure import views as disclosure_views

urlpatterns = [
    # The public progress query, the hot path: first, and past ninja (see progress_query).
    path("api/v1/applications/progress", progress_query),
    path("", disclosure_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("bandian.accounts.urls")),
    path("applications/", include("bandian.applications.urls")),
    path("visits/", include("bandian.applications.visits.urls")),  # issue 11: 预约上门
    path("", include("bandian.applications.contracts.urls")),
    path("ratings/", include("bandian.applications.ratings.urls")),  # issue 11: 好差评
    path("public/ratings/", include("bandian.applications.ratings.public_urls")),  # before public/
    path("notify/", include("bandian.notify.urls")),
    path("policy/", include("bandian.policy.urls")),
    path("public/outages/", include("bandian.outages.public_urls")),
    path("public/", include("bandian.disclosure.urls")),
    path("supervision/", include("bandian.supervision.urls")),
    path("grid/", include("bandian.grid.urls")),
    path("outages/", include("bandian.outages.urls")),
    path("reliability/", include("bandian.reliability.urls")),
    path("permits/", include("bandian.permits.urls")),
    path("payments/", include("bandian.applications.payments.urls")),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
]
