"""The application's URLs plus the floor views; used as ROOT_URLCONF inside the bench process
only, never by the site."""

from django.urls import path

from bench import floors
from pilot_admin.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path("bench-floor/villages/", floors.village_page_floor, name="bench_floor_villages"),
    path("bench-floor/pilots/", floors.pilot_page_floor, name="bench_floor_pilots"),
    path("bench-floor/quota/", floors.quota_floor, name="bench_floor_quota"),
    path("bench-floor/standards/", floors.standards_floor, name="bench_floor_standards"),
    path("bench-floor/stats/tasks/", floors.task_stats_floor, name="bench_floor_task_stats"),
    path("bench-floor/stats/assessments/", floors.assessment_stats_floor, name="bench_floor_assessment_stats"),
    path("bench-floor/stats/guardianship/", floors.guardianship_stats_floor, name="bench_floor_guardianship_stats"),
    path("bench-floor/dashboard/", floors.dashboard_floor, name="bench_floor_dashboard"),
    path("bench-floor/ledger/", floors.ledger_page_floor, name="bench_floor_ledger"),
    path("bench-floor/register/", floors.register_page_floor, name="bench_floor_register"),
    path("bench-floor/ranking/", floors.ranking_page_floor, name="bench_floor_ranking"),
    # The pages' second floor: the same rows through a bare template (floors.py).
    path("bench-floor/html/villages/", floors.village_page_html_floor, name="bench_html_floor_villages"),
    path("bench-floor/html/pilots/", floors.pilot_page_html_floor, name="bench_html_floor_pilots"),
    path("bench-floor/html/quota/", floors.quota_html_floor, name="bench_html_floor_quota"),
    path("bench-floor/html/standards/", floors.standards_html_floor, name="bench_html_floor_standards"),
    path("bench-floor/html/ledger/", floors.ledger_page_html_floor, name="bench_html_floor_ledger"),
    path("bench-floor/html/register/", floors.register_page_html_floor, name="bench_html_floor_register"),
    path("bench-floor/html/ranking/", floors.ranking_page_html_floor, name="bench_html_floor_ranking"),
    *(
        path(f"bench-floor/token/stats/{name}/", view, name=f"bench_floor_token_{name}")
        for name, view in floors.TOKEN_FLOORS.items()
    ),
    *site_urlpatterns,
]
