from django.urls import path

from assessments import results_views, views_documents

urlpatterns = [
    path("inspections/<int:pk>/sheet.xlsx", results_views.SheetExportView.as_view(), name="sheet_export"),
    path("inspections/<int:pk>/sheet/print/", results_views.SheetPrintView.as_view(), name="sheet_print"),
    path("results/ranking/", results_views.RankingView.as_view(), name="ranking"),
    path("results/townships/", results_views.TownshipSummaryView.as_view(), name="township_summary"),
    path("results/year-over-year/", results_views.YearOverYearView.as_view(), name="year_over_year"),
    path("results/circular/", results_views.CircularView.as_view(), name="circular"),
    path("results/circular/issue/", results_views.CircularIssueView.as_view(), name="circular_issue"),
    path("results/circular/document/", views_documents.CircularDocumentView.as_view(), name="circular_document"),
    path("results/circular.xlsx", results_views.CircularExportView.as_view(), name="circular_export"),
]
