from django.urls import path
from rest_framework.routers import DefaultRouter

from assessments.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("inspections", views.InspectionViewSet, basename="api_inspection")

urlpatterns = [
    path("stats/assessments/", views.AssessmentStatsView.as_view(), name="api_assessment_stats"),
    *router.urls,
]
