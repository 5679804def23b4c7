"""A percentage is written once: the dashboard's charts and the tables beside them (and the
guardianship overview) round a share the same way, half up (pilot_admin.charts.percent_text).
Before, a unit that had closed 1 of its 8 tasks read "12%" on the chart ("{:.0f}", half to
even) and "13%" in the table (floatformat, half up)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from guardianship.models import Visit
from pilot_admin.charts import percent_text
from tasks.choices import TaskStatus
from tests.factories import PersonFactory, TaskAssignmentFactory, TaskFactory

YEAR = 2018


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def _section(page: str, element_id: str) -> str:
    start = page.index(f'id="{element_id}"')
    return page[start : page.index("</figure>" if "chart" in element_id else "</table>", start)]


@pytest.mark.parametrize(
    ("share", "places", "text"),
    [(0.125, 0, "13%"), (0.145, 0, "15%"), (0.124, 0, "12%"), (1, 0, "100%"), (0, 0, "0%"), (0.62255, 1, "62.3%")],
)
def test_percent_text_rounds_half_up_from_the_decimal_share(share, places, text):
    assert percent_text(share, places) == text


def test_department_chart_and_table_show_the_same_completion_rate(client, county_admin, program, department):
    for index in range(8):
        task = TaskFactory(
            program=program,
            status=TaskStatus.CLOSED_OUT if index == 0 else TaskStatus.OPEN,
            closed_out_at=timezone.make_aware(datetime.datetime(YEAR, 6, 1, 10)) if index == 0 else None,
            deadline=datetime.date(YEAR + 2, 12, 31),
        )
        TaskAssignmentFactory(task=task, department=department, role="lead")
    client.force_login(county_admin)
    page = client.get(reverse("home"), {"program": program.code, "year": YEAR}).content.decode()

    chart = _text(_section(page, "dashboard-departments-chart"))
    table_start = page.index('data-department="县民政局"')
    row = _text(page[table_start : page.index("</tr>", table_start)])
    assert "13%" in chart and "12%" not in chart
    assert "13%" in row and "12%" not in row


def test_visit_coverage_is_one_figure_on_the_dashboard_chart_and_the_overview(
    client, county_admin, village_a, township_a
):
    persons = [PersonFactory(village=village_a) for _ in range(8)]
    Visit.objects.create(
        person=persons[0], visited_on=timezone.localdate(), visitor=county_admin, visitor_name="联村干部"
    )
    client.force_login(county_admin)
    overview = _text(client.get(reverse("guardianship:overview")).content.decode())
    assert "13%" in overview and "12%" not in overview
    home = client.get(reverse("home")).content.decode()
    if 'id="dashboard-visit-chart"' in home:  # shown when the county has a program
        chart = _text(_section(home, "dashboard-visit-chart"))
        assert "13%" in chart and "12%" not in chart
