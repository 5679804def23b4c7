from django.urls import path

from pilot_admin.documents import views

urlpatterns = [
    path("templates/", views.DocumentTemplateListView.as_view(), name="document_template_list"),
    path("templates/<slug:kind>/", views.DocumentTemplateUploadView.as_view(), name="document_template_upload"),
    path("templates/<slug:kind>/reset/", views.DocumentTemplateResetView.as_view(), name="document_template_reset"),
    path(
        "templates/<slug:kind>/default.docx",
        views.DocumentTemplateDownloadView.as_view(),
        {"which": "default"},
        name="document_template_default",
    ),
    path(
        "templates/<slug:kind>/current.docx",
        views.DocumentTemplateDownloadView.as_view(),
        {"which": "current"},
        name="document_template_current",
    ),
]
