from django.urls import path

from assessments import views, views_acceptance

urlpatterns = [
    path("templates/", views.TemplateListView.as_view(), name="template_list"),
    path("templates/<int:pk>/", views.TemplateDetailView.as_view(), name="template_detail"),
    path("templates/<int:pk>/items/new/", views.TemplateItemFormView.as_view(), name="template_item_create"),
    path(
        "templates/<int:pk>/items/<int:item_pk>/edit/",
        views.TemplateItemFormView.as_view(),
        name="template_item_update",
    ),
    path("templates/<int:pk>/<str:action>/", views.TemplateActionView.as_view(), name="template_action"),
    path("", views.InspectionListView.as_view(), name="inspection_list"),
    path("schedule/", views.InspectionScheduleView.as_view(), name="inspection_schedule"),
    path("<int:pk>/", views.InspectionDetailView.as_view(), name="inspection_detail"),
    path("<int:pk>/score/", views.InspectionScoreView.as_view(), name="inspection_score"),
    path("<int:pk>/evidence/", views.EvidenceUploadView.as_view(), name="evidence_upload"),
    path("evidence/<int:pk>/", views.EvidenceDownloadView.as_view(), name="evidence_download"),
    path("<int:pk>/submit/", views.InspectionSubmitView.as_view(), name="inspection_submit"),
    path("<int:pk>/<str:action>/", views.InspectionActionView.as_view(), name="inspection_action"),
    path("rectifications/", views.RectificationListView.as_view(), name="rectification_list"),
    path("rectifications/<int:pk>/", views.RectificationDetailView.as_view(), name="rectification_detail"),
    path("rectifications/<int:pk>/submit/", views.RectificationSubmitView.as_view(), name="rectification_submit"),
    path("rectifications/<int:pk>/verify/", views.RectificationVerifyView.as_view(), name="rectification_verify"),
    path("pilots/<int:pk>/accept/", views_acceptance.PilotAcceptView.as_view(), name="pilot_accept"),
    path(
        "pilots/<int:pk>/acceptance/<str:action>/",
        views_acceptance.PilotAcceptanceActionView.as_view(),
        name="pilot_acceptance_action",
    ),
]
