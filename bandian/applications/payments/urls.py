from django.urls import path

from bandian.applications.payments import views
from bandian.core import converters  # noqa: F401  (registers <ref:...>)

app_name = "payments"
urlpatterns = [
    path("applications/<ref:no>/issue/", views.issue, name="issue"),
    path("orders/<ref:order_no>/cancel/", views.cancel, name="cancel"),
    path("orders/<ref:order_no>/refund/", views.refund, name="refund"),
    path("orders/<ref:order_no>/pay/", views.pay, name="pay"),
    path("sandbox/<ref:order_no>/", views.sandbox, name="sandbox"),
    path("callback/<ref:provider>/", views.callback, name="callback"),
]
