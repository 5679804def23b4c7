"""The application's URLs plus the floor views; used as ROOT_URLCONF inside the bench process
only, never by the site."""

from django.urls import path

from bench import floors
from pilot_admin.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path("bench-floor/villages/", floors.village_page_floor, name="bench_floor_villages"),
    path("bench-floor/pilots/", floors.pilot_page_floor, name="bench_floor_pilots"),
    path("bench-floor/quota/", floors.quota_floor, name="bench_floor_quota"),
    *site_urlpatterns,
]
