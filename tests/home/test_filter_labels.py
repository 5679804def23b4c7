"""A filter's "no filter" choice reads 全部 on every page of every role's menu, never Django's
"---------" (pilot_admin/filters.py sets it once for every FilterSet)."""

import re

import pytest
from django.test import RequestFactory

from home.navigation import menu_for
from tests.factories import PilotAssignmentFactory, scheduled_inspection

SELECT = re.compile(
    r"<select[^>]*name=\"(?P<name>[^\"]+)\"[^>]*>\s*<option value=\"\"[^>]*>(?P<label>[^<]*)</option>", re.S
)


def _menu_paths(user):
    request = RequestFactory().get("/")
    request.user = user
    return [item["url"] for group in menu_for(request) for item in group["items"]]


@pytest.fixture
def county_data(program, county_admin, village_a, village_b, inspector):
    PilotAssignmentFactory(program=program, village=village_b, year=2017)
    scheduled_inspection(actor=county_admin, program=program, village=village_a, inspectors=[inspector])


@pytest.mark.parametrize("role", ["county_admin", "township_a_official", "department_user", "inspector"])
def test_every_filter_of_the_menu_pages_offers_all_not_dashes(client, county_data, request, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    seen = []
    for path in _menu_paths(user):
        html = client.get(path).content.decode()
        assert "---------" not in html, path
        seen += [(path, match["name"], match["label"]) for match in SELECT.finditer(html)]
    assert seen, "no filter select on any page"
    assert [row for row in seen if row[2] != "全部"] == []


@pytest.mark.parametrize(
    "path",
    [
        "villages.filters.PilotAssignmentFilterSet",
        "tasks.filters.ProgressReportFilterSet",
        "assessments.filters.InspectionFilterSet",
        "guardianship.filters.PersonFilterSet",
    ],
)
def test_each_apps_filter_form_offers_all_as_its_empty_choice(rf, county_admin, path):
    from django.utils.module_loading import import_string

    request = rf.get("/")
    request.user = county_admin
    form = import_string(path)(data={}, request=request).form
    selects = {name: field for name, field in form.fields.items() if hasattr(field, "choices")}
    assert selects, path
    for name, field in selects.items():
        first = next(iter(field.choices))
        assert (first[0], str(first[1])) == ("", "全部"), (path, name, first)
