from django.urls import path

from pilot_admin.imports import views

# runs/ comes first: a kind's key is a slug and must not swallow it.
urlpatterns = [
    path("", views.ImportListView.as_view(), name="import_list"),
    path("runs/<int:pk>/", views.ImportRunDetailView.as_view(), name="import_run_detail"),
    path("runs/<int:pk>/annotated/", views.ImportRunAnnotatedView.as_view(), name="import_run_annotated"),
    path("runs/<int:pk>/commit/", views.ImportRunCommitView.as_view(), name="import_run_commit"),
    path("<slug:kind>/", views.ImportUploadView.as_view(), name="import_upload"),
    path("<slug:kind>/template/", views.ImportTemplateView.as_view(), name="import_template"),
]
