from django.urls import include, path

from pilot_admin.api.base import DocsView, SchemaView, TokenView
from pilot_admin.api.imports import ImportRunAPIView
from pilot_admin.api.index import ApiIndexView

urlpatterns = [
    path("", ApiIndexView.as_view(), name="api_index"),
    path("auth/token/", TokenView.as_view(), name="api_token"),
    path("schema/", SchemaView.as_view(), name="api_schema"),
    path("docs/", DocsView.as_view(url_name="api_schema", title="试点工作管理系统 API 文档"), name="api_docs"),
    # Any segment: the view reads the id (pilot_admin.api.base.object_id), so a malformed one is the API's JSON 404.
    path("imports/runs/<str:pk>/", ImportRunAPIView.as_view(), name="api_import_run"),
    path("", include("villages.api.urls")),
    path("", include("tasks.api.urls")),
    path("", include("assessments.api.urls")),
    path("", include("guardianship.api.urls")),
    path("", include("supervision.api.urls")),
]
