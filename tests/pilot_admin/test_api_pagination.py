"""The API's paginator takes each page's total from a window count in the page's own statement:
the total, the pages and the refusal past the last page are what Django's COUNT query gave, and
what a window would miscount (DISTINCT) is still counted Django's way."""

import pytest
from django.core.paginator import EmptyPage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from pilot_admin.api.filters import filters_requested
from pilot_admin.api.pagination import WindowCountPaginator
from tests.factories import PilotAssignmentFactory, VillageFactory
from villages.filters import PilotAssignmentFilterSet, VillageFilterSet
from villages.models import Village

VILLAGES = reverse("api_village-list")


@pytest.fixture
def seven(township_a):
    return VillageFactory.create_batch(7, township=township_a)


def _page(queryset, number, per_page=3):
    with CaptureQueriesContext(connection) as queries:
        page = WindowCountPaginator(queryset, per_page).page(number)
        rows = list(page)
    return page, rows, len(queries)


def test_pages_carry_the_total_of_one_statement(seven):
    queryset = Village.objects.order_by("pk")
    first, rows, queries = _page(queryset, 1)
    assert (first.paginator.count, first.paginator.num_pages, queries) == (7, 3, 1)
    assert [village.pk for village in rows] == [village.pk for village in seven[:3]]
    assert first.has_next() and not first.has_previous()
    last, rows, _ = _page(queryset, 3)
    assert [village.pk for village in rows] == [seven[6].pk]
    assert (last.paginator.count, last.has_next(), last.start_index(), last.end_index()) == (7, False, 7, 7)
    # The total is not a column of the rows a serializer sees.
    values, rows, _ = _page(queryset.values("id", "name"), 2)
    assert rows == [{"id": village.pk, "name": village.name} for village in seven[3:6]]
    assert values.paginator.count == 7


def test_past_the_last_page_is_refused_and_an_empty_list_is_one_empty_page(db, seven):
    with pytest.raises(EmptyPage):
        _page(Village.objects.order_by("pk"), 4)
    empty, rows, queries = _page(Village.objects.filter(pk=0).order_by("pk"), 1)
    assert (empty.paginator.count, rows, queries) == (0, [], 1)


def test_a_distinct_queryset_is_counted_after_distinct(program, seven):
    # Two pilots of one village join it twice; DISTINCT makes it one row, which a window
    # (computed before DISTINCT) would count twice.
    PilotAssignmentFactory(program=program, village=seven[0], year=2017)
    PilotAssignmentFactory(program=program, village=seven[0], year=2018, status="withdrawn", withdraw_reason="撤")
    PilotAssignmentFactory(program=program, village=seven[1], year=2017)
    queryset = Village.objects.filter(pilot_assignments__isnull=False).distinct().order_by("pk")
    page, rows, queries = _page(queryset, 1)
    assert (page.paginator.count, len(rows), queries) == (2, 2, 2)


def test_the_api_refuses_a_page_past_the_last_in_chinese(county_admin, seven):
    api = APIClient()
    api.force_authenticate(county_admin)
    assert api.get(VILLAGES, {"page": 3, "page_size": 3}).json()["count"] == 7
    response = api.get(VILLAGES, {"page": 4, "page_size": 3})
    assert (response.status_code, response.json()) == (404, {"detail": "第 4 页不存在。"})


def test_a_filterset_is_built_only_when_one_of_its_parameters_is_given():
    assert not filters_requested(VillageFilterSet, {})
    assert not filters_requested(VillageFilterSet, {"page": "2", "page_size": "10"})
    assert filters_requested(VillageFilterSet, {"search": ""})
    assert filters_requested(PilotAssignmentFilterSet, {"page": "2", "ledger": "open"})


def test_without_filter_parameters_the_list_is_unfiltered_and_refusals_still_hold(county_admin, seven):
    api = APIClient()
    api.force_authenticate(county_admin)
    assert api.get(VILLAGES, {"page_size": 200}).json()["count"] == 7
    assert api.get(VILLAGES, {"search": seven[0].name}).json()["count"] == 1
    refused = api.get(VILLAGES, {"kind": ""})
    assert refused.status_code == 400 and "kind" in refused.json()
