from django.urls import path

from pilot_admin.audit import views

urlpatterns = [
    path("", views.AuditLogView.as_view(), name="audit_log"),
    path("export/", views.AuditLogExportView.as_view(), name="audit_log_export"),
]
