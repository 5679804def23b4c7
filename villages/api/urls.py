from django.urls import path
from rest_framework.routers import DefaultRouter

from villages.api import imports, views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("townships", views.TownshipViewSet, basename="api_township")
router.register("villages", views.VillageViewSet, basename="api_village")
router.register("pilot-assignments", views.PilotAssignmentViewSet, basename="api_pilot_assignment")
router.register("pilot-nominations", views.PilotNominationViewSet, basename="api_pilot_nomination")

urlpatterns = [
    path("stats/pilots/", views.PilotStatsView.as_view(), name="api_pilot_stats"),
    path("imports/villages/", imports.VillageImportAPIView.as_view(), name="api_village_import"),
    path(
        "imports/pilot-assignments/",
        imports.PilotAssignmentImportAPIView.as_view(),
        name="api_pilot_assignment_import",
    ),
    path("stats/standards/", views.StandardsStatsView.as_view(), name="api_standards_stats"),
    *router.urls,
]
