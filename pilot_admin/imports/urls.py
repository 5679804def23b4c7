from django.urls import path

from pilot_admin.imports import views as import_views

# runs/ comes first: a kind's key is a slug and must not swallow it.
urlpatterns = [
    path("", import_views.ImportListView.as_view(), name="import_list"),
    path("runs/<int:pk>/", import_views.ImportRunDetailView.as_view(), name="import_run_detail"),
    path("runs/<int:pk>/annotated/", import_views.ImportRunAnnotatedView.as_view(), name="import_run_annotated"),
    path("runs/<int:pk>/commit/", import_views.ImportRunCommitView.as_view(), name="import_run_commit"),
    path("<slug:kind>/", import_views.ImportUploadView.as_view(), name="import_upload"),
    path("<slug:kind>/template/", import_views.ImportTemplateView.as_view(), name="import_template"),
]
