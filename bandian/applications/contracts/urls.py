from django.urls import path

from bandian.applications.contracts import views
from bandian.core import converters  # noqa: F401  (registers <ref:...>)

app_name = "contracts"
urlpatterns = [
    path("applications/<ref:no>/contract/", views.contract_file, name="file"),
    path("applications/<ref:no>/contract/code/", views.send_code, name="send_code"),
    path("applications/<ref:no>/contract/sign/", views.sign, name="sign"),
    path("applications/<ref:no>/contract/paper/", views.paper, name="paper"),
    path("applications/<ref:no>/contract/seal/", views.seal, name="seal"),
    path("public/contracts/verify/", views.verify, name="verify"),
]
