from django.urls import path

from tasks import views, views_documents, views_unlock

app_name = "tasks"

urlpatterns = [
    path("", views.TaskListView.as_view(), name="task_list"),
    path("mine/", views.MyTasksView.as_view(), name="my_tasks"),
    path("new/", views.TaskFormView.as_view(), name="task_create"),
    path("<int:pk>/", views.TaskDetailView.as_view(), name="task_detail"),
    path("<int:pk>/edit/", views.TaskFormView.as_view(), name="task_update"),
    path("<int:pk>/close-out/", views.TaskCloseOutView.as_view(), name="task_close_out"),
    path("<int:pk>/reopen/", views.TaskReopenView.as_view(), name="task_reopen"),
    path("<int:pk>/unlock/", views.PeriodUnlockView.as_view(), name="period_unlock"),
    path("periods/<int:pk>/report/", views.ReportEditView.as_view(), name="report_edit"),
    path("reports/<int:pk>/", views.ReportDetailView.as_view(), name="report_detail"),
    path("reports/<int:pk>/<str:action>/", views.ReportReviewView.as_view(), name="report_review"),
    path("attachments/<int:pk>/", views.AttachmentDownloadView.as_view(), name="attachment_download"),
    path("review/", views.ReviewQueueView.as_view(), name="review_queue"),
    path("review/accept/", views.ReportBulkAcceptView.as_view(), name="report_bulk_accept"),
    path(
        "periods/<int:pk>/unlock-request/",
        views_unlock.UnlockRequestCreateView.as_view(),
        name="unlock_request_create",
    ),
    path("unlock-requests/", views_unlock.UnlockRequestQueueView.as_view(), name="unlock_request_queue"),
    path(
        "unlock-requests/<int:pk>/<str:action>/",
        views_unlock.UnlockRequestDecideView.as_view(),
        name="unlock_request_decide",
    ),
    path("ledger/", views.LedgerView.as_view(), name="ledger"),
    path("ledger/export/", views.LedgerExportView.as_view(), name="ledger_export"),
    path("completeness/", views.CompletenessView.as_view(), name="completeness"),
    path("summary/", views_documents.TaskSummaryDocumentView.as_view(), name="summary_document"),
]
