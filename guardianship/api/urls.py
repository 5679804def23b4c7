from django.urls import path
from rest_framework.routers import DefaultRouter

from guardianship.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("persons", views.PersonViewSet, basename="api_person")

urlpatterns = [
    path("stats/guardianship/", views.GuardianshipStatsView.as_view(), name="api_guardianship_stats"),
    *router.urls,
]
