"""The ledgers' downloads, in a URLconf of their own beside the pages' (supervision/urls.py)."""

from django.urls import path

from supervision import views_ledgers

app_name = "supervision_ledgers"

urlpatterns = [
    path("roster.xlsx", views_ledgers.RosterExportView.as_view(), name="roster_export"),
    path("work-ledger.xlsx", views_ledgers.WorkLedgerExportView.as_view(), name="work_ledger_export"),
]
