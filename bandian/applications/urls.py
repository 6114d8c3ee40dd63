from django.urls import path

from bandian.applications import backoffice, views
from bandian.core import converters  # noqa: F401  (registers <ref:...>)

app_name = "applications"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/", views.apply, name="apply"),
    path("counter/new/", views.enter_for_customer, name="enter_for_customer"),
    path("queue/", backoffice.queue, name="queue"),
    path("progress/", views.progress, name="progress"),
    path("<ref:no>/", views.detail, name="detail"),
    path("<ref:no>/documents/", views.documents, name="documents"),
    path("<ref:no>/documents/<ref:kind>/file/", views.document_file, name="document_file"),
    path("<ref:no>/events/<int:seq>/evidence/", views.evidence_file, name="evidence_file"),
    path("<ref:no>/submit/", views.submit, name="submit"),
    path("<ref:no>/withdraw/", views.withdraw, name="withdraw"),
    path("<ref:no>/complete/", backoffice.complete, name="complete"),
    path("<ref:no>/pause/", backoffice.pause, name="pause"),
    path("<ref:no>/resume/", backoffice.resume, name="resume"),
    path("<ref:no>/visit/", backoffice.visit, name="visit"),
    path("<ref:no>/cancel/", backoffice.cancel, name="cancel"),
]
