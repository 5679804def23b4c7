from django.urls import path

from pilot_admin.audit import views as audit_views

urlpatterns = [
    path("", audit_views.AuditLogView.as_view(), name="audit_log"),
    path("export/", audit_views.AuditLogExportView.as_view(), name="audit_log_export"),
]
