"""Indicators for any open year (issue 13): the county office opens and closes the years;
townships fill any open year; the county confirms or returns as before."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from pilot_admin.audit.services import audit_entries_for
from villages import services
from villages.choices import IndicatorStatus
from villages.models import IndicatorYear
from villages.services_indicator_years import indicator_year_close, indicator_year_open

THIS_YEAR = timezone.localdate().year


def test_this_year_is_open_as_before(village_a, township_a_official):
    indicator = services.village_indicator_submit(actor=township_a_official, village=village_a, year=THIS_YEAR)
    assert indicator.status == IndicatorStatus.SUBMITTED


def test_a_year_not_opened_or_closed_refuses_submission(county, village_a, township_a_official, county_admin):
    with pytest.raises(ValidationError, match="2018年度指标尚未开放填报"):
        services.village_indicator_submit(actor=township_a_official, village=village_a, year=2018)
    row = indicator_year_open(actor=county_admin, county=county, year=2018)
    indicator = services.village_indicator_submit(actor=township_a_official, village=village_a, year=2018)
    indicator_year_close(actor=county_admin, indicator_year=row)
    with pytest.raises(ValidationError, match="2018年度指标填报已关闭"):
        services.village_indicator_submit(
            actor=township_a_official, village=village_a, year=2018, version=indicator.version
        )
    # The county still confirms what was submitted before the year closed.
    assert services.village_indicator_confirm(actor=county_admin, indicator=indicator).status == "confirmed"
    # Reopened for a late correction.
    again = indicator_year_open(actor=county_admin, county=county, year=2018)
    assert again.pk == row.pk and again.is_open
    assert [entry.note for entry in audit_entries_for(row)][:1] == ["重新开放"]


def test_opening_is_the_county_offices_and_checked(county, county_admin, township_a_official):
    with pytest.raises(PermissionDenied):
        indicator_year_open(actor=township_a_official, county=county, year=2018)
    with pytest.raises(ValidationError, match="已开放"):
        indicator_year_open(actor=county_admin, county=county, year=THIS_YEAR)
    with pytest.raises(ValidationError, match="年度应在"):
        indicator_year_open(actor=county_admin, county=county, year=THIS_YEAR + 1)


def test_village_page_offers_each_open_year(client, county, county_admin, village_a, township_a_official):
    indicator_year_open(actor=county_admin, county=county, year=2019)
    closed = indicator_year_open(actor=county_admin, county=county, year=2017)
    indicator_year_close(actor=county_admin, indicator_year=closed)
    client.force_login(township_a_official)
    page = client.get(reverse("villages:village_detail", args=[village_a.pk])).content.decode()
    assert f"填报{THIS_YEAR}年度指标" in page and "填报2019年度指标" in page
    assert "填报2017年度指标" not in page
    assert reverse("villages:indicator_submit", args=[village_a.pk, 2019]) in page


def test_the_form_of_a_closed_year_warns_and_refuses(client, village_a, township_a_official):
    client.force_login(township_a_official)
    url = reverse("villages:indicator_submit", args=[village_a.pk, 2015])
    assert "未开放填报或已关闭" in client.get(url).content.decode()
    numbers = ("public_service_items_offered", "public_service_items_in_catalogue", "left_behind_children")
    numbers += ("left_behind_women", "left_behind_elderly", "social_org_count", "volunteer_count", "poor_households")
    data = dict.fromkeys(numbers + ("poor_households_with_main_business",), 0)
    data.update(service_station_area_m2="600", collective_income_yuan="1000")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "2015年度指标尚未开放填报" in response.content.decode()


def test_indicator_years_page_opens_and_closes(client, county, county_admin):
    client.force_login(county_admin)
    url = reverse("villages:indicator_year_list")
    assert client.post(url, {"year": 2019}).status_code == 302
    page = client.get(url).content.decode()
    assert "2019" in page and "关闭2019年度" in page
    row = IndicatorYear.objects.get(county=county, year=2019)
    assert client.post(reverse("villages:indicator_year_close", args=[row.pk])).status_code == 302
    row.refresh_from_db()
    assert row.closed_by == county_admin and not row.is_open
    assert "已关闭" in client.get(url).content.decode()
    response = client.post(url, {"year": THIS_YEAR})
    assert "已开放" in response.content.decode()


def test_indicator_years_page_proposes_a_year_not_yet_opened_and_refuses_an_open_one(client, county, county_admin):
    """The form used to propose this year, which is open already; it proposes the newest year
    never opened, lists the open ones, and opening an open year again says so in Chinese."""
    indicator_year_open(actor=county_admin, county=county, year=THIS_YEAR - 1)
    closed = indicator_year_open(actor=county_admin, county=county, year=THIS_YEAR - 2)
    indicator_year_close(actor=county_admin, indicator_year=closed)
    assert IndicatorYear.objects.get(county=county, year=THIS_YEAR).is_open
    client.force_login(county_admin)
    url = reverse("villages:indicator_year_list")
    page = client.get(url).content.decode()
    assert re.search(rf'<input type="number" name="year" value="{THIS_YEAR - 3}"', page)
    assert f"已开放：{THIS_YEAR}年、{THIS_YEAR - 1}年（无需再开放）" in page

    response = client.post(url, {"year": THIS_YEAR - 1})
    assert response.status_code == 200
    assert f"{THIS_YEAR - 1}年度指标填报已开放，无需重复开放" in response.content.decode()
    assert IndicatorYear.objects.filter(county=county).count() == 3
