"""The shape of the statistics' SQL, found by the benchmark (bench/): the active guardian's
subquery, evaluated up to six times per person by guardianship_stats, must stay a lookup on
the guardian table alone."""

import datetime

import pytest
from django.db import connection
from django.db.models import Subquery
from django.test.utils import CaptureQueriesContext

from guardianship import selectors
from guardianship.models import Guardian, Person, Visit
from villages.models import Township, Village


def test_the_active_guardian_subquery_joins_no_other_table():
    subquery = Subquery(selectors._active_guardian().values("category")[:1])
    # The outer query unordered, so any join to village or township can only come from inside.
    sql = str(Person.objects.order_by().annotate(guardian=subquery).query)

    for table in (Village, Township, Visit):
        assert f'JOIN "{table._meta.db_table}"' not in sql
    assert Guardian._meta.db_table in sql


@pytest.mark.django_db
def test_the_statistics_query_orders_no_guardian_subquery_by_person_or_place(county_admin):
    with CaptureQueriesContext(connection) as captured:
        selectors.guardianship_stats(user=county_admin, month=datetime.date(2024, 3, 1))

    statistics_sql = max((q["sql"] for q in captured.captured_queries), key=len)
    assert "FILTER" in statistics_sql
    # Meta.ordering of Guardian starts with "person": inherited, it sorted each subquery by the
    # person's township and village names, joining both per evaluation.
    assert '"villages_township"."name" ASC' not in statistics_sql
