from django.urls import path
from rest_framework.routers import DefaultRouter

from tasks.api import imports, views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("departments", views.DepartmentViewSet, basename="api_department")
router.register("tasks", views.TaskViewSet, basename="api_task")
router.register("progress-reports", views.ProgressReportViewSet, basename="api_progress_report")

urlpatterns = [
    path("stats/tasks/", views.TaskStatsView.as_view(), name="api_task_stats"),
    *router.urls,
    path("imports/task-plan/", imports.TaskPlanImportAPIView.as_view(), name="api_task_plan_import"),
]
