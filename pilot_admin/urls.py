from django.contrib import admin
from django.urls import include, path

from pilot_admin import health, metrics, views
from pilot_admin.api import urls as api_urls

urlpatterns = [
    path("", include("home.urls")),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    # /health/ for the load balancer, /health/ready/ and /metrics for monitoring (pilot_admin/health.py).
    path("health/", health.liveness, name="health"),
    path("health/ready/", health.readiness, name="health_ready"),
    path("metrics", metrics.export, name="metrics"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("account/", include("pilot_admin.accounts.urls")),
    path("imports/", include("pilot_admin.imports.urls")),
    path("inbox/", include("pilot_admin.notifications.urls")),
    path("audit/", include("pilot_admin.audit.urls")),
    path("documents/", include("pilot_admin.documents.urls")),
    path("villages/", include("villages.urls")),
    path("tasks/", include("tasks.urls")),
    path("assessments/", include("assessments.urls")),
    path("guardianship/", include("guardianship.urls")),
    path("supervision/ledgers/", include("supervision.urls_ledgers")),
    path("supervision/", include("supervision.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_urls)),
]

# Under /api/ every error is JSON in the API's shape; the pages keep their error pages
# (pilot_admin/api/exceptions.py).
handler400 = "pilot_admin.api.exceptions.bad_request"
handler403 = "pilot_admin.api.exceptions.permission_denied"
handler404 = "pilot_admin.api.exceptions.page_not_found"
handler500 = "pilot_admin.api.exceptions.server_error"
