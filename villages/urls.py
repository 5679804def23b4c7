from django.urls import path

from villages import excel_views, views, views_documents, views_history, views_nominations, views_standards

app_name = "villages"

urlpatterns = [
    path("townships/", views.TownshipListView.as_view(), name="township_list"),
    path("", views.VillageListView.as_view(), name="village_list"),
    path("export/", excel_views.VillageExportView.as_view(), name="village_export"),
    path("new/", views.VillageFormView.as_view(), name="village_create"),
    path("<int:pk>/", views.VillageDetailView.as_view(), name="village_detail"),
    path("<int:pk>/edit/", views.VillageFormView.as_view(), name="village_update"),
    path("<int:pk>/indicators/<int:year>/", views.IndicatorSubmitView.as_view(), name="indicator_submit"),
    path("indicators/", views.IndicatorListView.as_view(), name="indicator_list"),
    path("indicators/<int:pk>/", views.IndicatorDetailView.as_view(), name="indicator_detail"),
    path(
        "indicators/<int:pk>/<str:action>/",
        views.IndicatorReviewView.as_view(),
        name="indicator_review",
    ),
    path("pilots/", views.PilotListView.as_view(), name="pilot_list"),
    path("pilots/export/", excel_views.PilotExportView.as_view(), name="pilot_export"),
    path("pilots/acceptance-notice/", views_documents.AcceptanceNoticeView.as_view(), name="acceptance_notice"),
    path("pilots/select/", views.PilotSelectView.as_view(), name="pilot_select"),
    path("pilots/<int:pk>/", views.PilotDetailView.as_view(), name="pilot_detail"),
    # Before pilot_action, whose <str:action> would take "provincial".
    path("pilots/<int:pk>/provincial/", views_nominations.PilotProvincialView.as_view(), name="pilot_provincial"),
    path("pilots/<int:pk>/<str:action>/", views.PilotActionView.as_view(), name="pilot_action"),
    path("pilots/bulk/<str:action>/", views.PilotActionView.as_view(), name="pilot_bulk_action"),
    path("quota/", views.QuotaReportView.as_view(), name="quota_report"),
    path("quota/export/", excel_views.QuotaExportView.as_view(), name="quota_export"),
    path("<int:pk>/standards/", views_standards.VillageStandardsView.as_view(), name="village_standards"),
    path("standards/", views_standards.StandardsTableView.as_view(), name="standards_table"),
    path("standards/export/", views_standards.StandardsExportView.as_view(), name="standards_export"),
    path("<int:pk>/history/<str:kind>/", views_history.VillageEventView.as_view(), name="village_event"),
    path("indicator-years/", views_history.IndicatorYearListView.as_view(), name="indicator_year_list"),
    path(
        "indicator-years/<int:pk>/close/", views_history.IndicatorYearCloseView.as_view(), name="indicator_year_close"
    ),
    # Nominations (申报) and provincial key support.
    path("nominations/", views_nominations.NominationListView.as_view(), name="nomination_list"),
    path("nominations/new/", views_nominations.NominationCreateView.as_view(), name="nomination_create"),
    path("nominations/queue/", views_nominations.NominationQueueView.as_view(), name="nomination_queue"),
    path("nominations/approve/", views_nominations.NominationBulkApproveView.as_view(), name="nomination_bulk_approve"),
    path("nominations/<int:pk>/", views_nominations.NominationDetailView.as_view(), name="nomination_detail"),
    path(
        "nominations/<int:pk>/resubmit/",
        views_nominations.NominationResubmitView.as_view(),
        name="nomination_resubmit",
    ),
    path(
        "nominations/<int:pk>/withdraw/",
        views_nominations.NominationWithdrawView.as_view(),
        name="nomination_withdraw",
    ),
    path(
        "nominations/<int:pk>/<str:action>/",
        views_nominations.NominationDecideView.as_view(),
        name="nomination_decide",
    ),
]
