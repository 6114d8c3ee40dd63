from django.urls import path

from bandian.applications import backoffice, views

app_name = "applications"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/", views.apply, name="apply"),
    path("counter/new/", views.enter_for_customer, name="enter_for_customer"),
    path("queue/", backoffice.queue, name="queue"),
    path("progress/", views.progress, name="progress"),
    path("<str:no>/", views.detail, name="detail"),
    path("<str:no>/documents/", views.documents, name="documents"),
    path("<str:no>/documents/<str:kind>/file/", views.document_file, name="document_file"),
    path("<str:no>/events/<int:seq>/evidence/", views.evidence_file, name="evidence_file"),
    path("<str:no>/submit/", views.submit, name="submit"),
    path("<str:no>/withdraw/", views.withdraw, name="withdraw"),
    path("<str:no>/complete/", backoffice.complete, name="complete"),
    path("<str:no>/pause/", backoffice.pause, name="pause"),
    path("<str:no>/resume/", backoffice.resume, name="resume"),
    path("<str:no>/visit/", backoffice.visit, name="visit"),
    path("<str:no>/cancel/", backoffice.cancel, name="cancel"),
]
