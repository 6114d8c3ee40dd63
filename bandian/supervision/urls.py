from django.urls import path

from bandian.core import converters  # noqa: F401  (registers <ref:...>)
from bandian.supervision import complaint_views, contractor_views, dashboard_views, loop_views, outage_views, views

app_name = "supervision"
urlpatterns = [
    path("", dashboard_views.dashboard_page, name="dashboard"),
    path("counties/", dashboard_views.counties_page, name="counties"),
    path("report.xlsx", dashboard_views.month_report, {"fmt": "xlsx"}, name="report_xlsx"),
    path("report.pdf", dashboard_views.month_report, {"fmt": "pdf"}, name="report_pdf"),
    path("compliance/", views.compliance, name="compliance"),
    path("approvals/", views.approvals, name="approvals"),
    path("outages/", outage_views.outages_page, name="outages"),
    path("rectifications/", loop_views.rectification_list, name="rectifications"),
    path("rectifications/<ref:no>/", loop_views.rectification_detail, name="rectification"),
    path("complaints/", complaint_views.complaint_list, name="complaints"),
    path("complaints/<ref:ticket>/", complaint_views.complaint_detail, name="complaint"),
    path("contractors/", contractor_views.contractor_register, name="contractors"),
    path("contractors/declare/<ref:no>/", contractor_views.declare, name="declare"),
    path("ledger/", loop_views.ledger_page, name="ledger"),
    path("ledger/<int:year>/<int:task>/", loop_views.ledger_task, name="ledger_task"),
    path("annual-plans/", loop_views.annual_plans, name="annual_plans"),
    path("annual-plans/<int:year>/file", loop_views.annual_plan_download, name="annual_plan_file"),
]
