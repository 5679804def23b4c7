from django.urls import path
from rest_framework.routers import DefaultRouter

from supervision.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("supervision-committees", views.CommitteeViewSet, basename="api_supervision_committee")

urlpatterns = [
    path("stats/supervision/", views.SupervisionStatsView.as_view(), name="api_supervision_stats"),
    *router.urls,
]
