"""The print frame's data (issuing office, filters in words) and the print view of a paged list
(`?print=1`: every selected row, a bounded number of queries). The printed PDFs themselves are
checked in tests/e2e/test_print.py."""

import pytest
from django.urls import reverse

from pilot_admin.choices import Role
from pilot_admin.printing import PRINT_ROW_CAP, issuing_office
from tests.factories import DepartmentFactory, PilotNominationFactory, UserFactory, VillageFactory
from villages.choices import DepartmentKind


def test_the_county_issues_for_county_roles(county_admin, inspector):
    assert issuing_office(county_admin) == "巴东县"
    assert issuing_office(inspector) == "巴东县"


def test_a_department_issues_under_the_county_name(department_user):
    assert department_user.department.name == "县民政局"
    assert issuing_office(department_user) == "巴东县民政局"


def test_a_township_issues_as_its_government(township_a_official, township_a):
    assert issuing_office(township_a_official) == "水布垭镇"  # no government unit recorded
    government = {"key": "gov-a", "name": "水布垭镇人民政府", "kind": DepartmentKind.TOWNSHIP}
    DepartmentFactory(county=township_a.county, township=township_a, **government)
    assert issuing_office(UserFactory(role=Role.TOWNSHIP, township=township_a)) == "巴东县水布垭镇人民政府"


def _nominations(program, township, count):
    for village in VillageFactory.create_batch(count, township=township):
        PilotNominationFactory(program=program, village=village)


@pytest.mark.parametrize("count", [55, 110])
def test_the_print_view_lists_every_row_in_bounded_queries(
    client, county_admin, program, township_a, count, django_assert_max_num_queries
):
    _nominations(program, township_a, count)
    client.force_login(county_admin)
    url = reverse("villages:nomination_list")

    paged = client.get(url, {"township": township_a.pk})
    assert paged.status_code == 200
    assert len(paged.context["nominations"]) == 50
    html = paged.content.decode()
    assert f"打印全部（{count} 条）" in html
    assert f"仅打印本页 50 条，共 {count} 条" in html

    with django_assert_max_num_queries(20):
        printed = client.get(url, {"township": township_a.pk, "print": "1"})
    assert printed.status_code == 200
    assert len(printed.context["nominations"]) == count
    html = printed.content.decode()
    assert "仅打印本页" not in html and "打印全部" not in html
    assert 'data-filters="乡镇：水布垭镇"' in html
    assert 'data-office="巴东县"' in html
    assert count < PRINT_ROW_CAP
