"""Every quota rule of the program (SPEC §7.1, R-A2…R-A6) on both sides of its boundary. Policy
numbers come from the program row, never from the test body."""

import math
from decimal import Decimal

import pytest

from tests.factories import PilotAssignmentFactory, TownshipFactory, VillageFactory
from villages.choices import PilotLevel, PilotStatus, RatioRounding, VillageKind
from villages.selectors import pilot_quota_stats, required_count

YEAR = 2017


def _township_with_villages(county, n, name):
    township = TownshipFactory(county=county, name=name)
    villages = VillageFactory.create_batch(n, township=township)
    return township, villages


def _row(report, township):
    return next(row for row in report.townships if row.id == township.id)


def _approve(program, villages, year=YEAR, level=PilotLevel.COUNTY, status=PilotStatus.APPROVED):
    for village in villages:
        PilotAssignmentFactory(program=program, village=village, year=year, level=level, status=status)


@pytest.mark.parametrize(
    ("villages", "expected"),
    [(20, 1), (21, 2), (40, 2), (41, 3), (1, 1), (0, 0)],
)
def test_required_pilots_is_the_ceiling_of_the_ratio(villages, expected):
    assert required_count(Decimal("0.05"), villages, RatioRounding.CEIL) == expected


def test_round_half_up_is_available_as_data():
    assert required_count(Decimal("0.05"), 29, RatioRounding.ROUND) == 1
    assert required_count(Decimal("0.05"), 30, RatioRounding.ROUND) == 2


def test_township_quota_flips_at_the_required_count(county, program, county_admin):
    n = 21
    township, villages = _township_with_villages(county, n, "野三关镇")
    required = math.ceil(program.township_annual_min_ratio * n)
    _approve(program, villages[: required - 1])
    row = _row(pilot_quota_stats(user=county_admin, program=program, year=YEAR), township)
    assert (row.villages, row.required_new_pilots, row.new_pilots) == (n, required, required - 1)
    assert row.meets_quota is False
    assert row.shortfall == 1

    _approve(program, villages[required - 1 : required])
    row = _row(pilot_quota_stats(user=county_admin, program=program, year=YEAR), township)
    assert row.new_pilots == required
    assert row.meets_quota is True
    assert row.shortfall == 0


def test_only_approved_pilots_count(county, program, county_admin):
    township, villages = _township_with_villages(county, 20, "信陵镇")
    _approve(program, villages[:1], status=PilotStatus.PROPOSED)
    PilotAssignmentFactory(
        program=program, village=villages[1], year=YEAR, status=PilotStatus.WITHDRAWN, withdraw_reason="条件不成熟"
    )
    row = _row(pilot_quota_stats(user=county_admin, program=program, year=YEAR), township)
    assert row.new_pilots == 0
    assert row.cumulative_pilots == 0
    assert row.meets_quota is False


def test_inactive_and_community_villages_are_not_in_the_denominator(county, program, county_admin):
    township, _ = _township_with_villages(county, 20, "沿渡河镇")
    VillageFactory(township=township, is_active=False)
    VillageFactory(township=township, kind=VillageKind.RESIDENTIAL_COMMUNITY)
    row = _row(pilot_quota_stats(user=county_admin, program=program, year=YEAR), township)
    assert row.villages == 20
    assert row.required_new_pilots == math.ceil(program.township_annual_min_ratio * 20)


def test_county_yearly_minimum_flips_at_the_program_value(county, program, county_admin):
    program.county_annual_min_count = 3
    program.save()
    _, villages = _township_with_villages(county, 30, "官渡口镇")
    _approve(program, villages[: program.county_annual_min_count - 1])
    county_row = pilot_quota_stats(user=county_admin, program=program, year=YEAR).county
    assert county_row.new_pilots == program.county_annual_min_count - 1
    assert county_row.meets_yearly_minimum is False

    _approve(program, villages[program.county_annual_min_count - 1 : program.county_annual_min_count])
    county_row = pilot_quota_stats(user=county_admin, program=program, year=YEAR).county
    assert county_row.meets_yearly_minimum is True


def test_province_key_minimum_counts_approved_provincial_pilots_of_the_year(county, program, county_admin):
    program.provincial_annual_min_count = 2
    program.save()
    _, villages = _township_with_villages(county, 30, "茶店子镇")
    _approve(program, villages[:1], level=PilotLevel.PROVINCIAL_KEY)
    _approve(program, villages[1:3], level=PilotLevel.COUNTY)
    _approve(program, villages[3:4], level=PilotLevel.PROVINCIAL_KEY, year=YEAR - 1)
    _approve(program, villages[4:5], level=PilotLevel.PROVINCIAL_KEY, status=PilotStatus.PROPOSED)
    county_row = pilot_quota_stats(user=county_admin, program=program, year=YEAR).county
    assert county_row.province_key == 1
    assert county_row.meets_province_key_minimum is False

    _approve(program, villages[5:6], level=PilotLevel.PROVINCIAL_KEY)
    county_row = pilot_quota_stats(user=county_admin, program=program, year=YEAR).county
    assert county_row.province_key == program.provincial_annual_min_count
    assert county_row.meets_province_key_minimum is True


def test_cumulative_counts_years_up_to_the_report_year(county, program, county_admin):
    township, villages = _township_with_villages(county, 24, "绿葱坡镇")
    _approve(program, villages[:2], year=2016)
    _approve(program, villages[2:3], year=2017)
    _approve(program, villages[3:5], year=2018)
    row_2017 = _row(pilot_quota_stats(user=county_admin, program=program, year=2017), township)
    assert row_2017.cumulative_pilots == 3
    assert row_2017.cumulative_share == round(3 / 24, 4)
    row_2018 = _row(pilot_quota_stats(user=county_admin, program=program, year=2018), township)
    assert row_2018.cumulative_pilots == 5


def test_cumulative_target_of_a_township_at_its_boundary(county, program, county_admin):
    n = 24
    township, villages = _township_with_villages(county, n, "大支坪镇")
    required = math.ceil(program.township_cumulative_min_ratio * n)
    _approve(program, villages[: required - 1], year=2016)
    report = pilot_quota_stats(user=county_admin, program=program, year=program.cumulative_by_year)
    row = _row(report, township)
    assert row.required_cumulative_pilots == required
    assert row.meets_cumulative_target is False
    _approve(program, villages[required - 1 : required], year=2019)
    row = _row(pilot_quota_stats(user=county_admin, program=program, year=program.cumulative_by_year), township)
    assert row.meets_cumulative_target is True


def test_county_cumulative_target_at_its_boundary(county, program, county_admin):
    program.county_new_min_total = 4
    program.save()
    _, villages = _township_with_villages(county, 40, "清太坪镇")
    _approve(program, villages[:3], year=2016)
    report = pilot_quota_stats(user=county_admin, program=program, year=program.end_year)
    assert report.county.meets_cumulative_target is False
    _approve(program, villages[3:4], year=2020)
    report = pilot_quota_stats(user=county_admin, program=program, year=program.end_year)
    assert report.county.cumulative_pilots == program.county_new_min_total
    assert report.county.meets_cumulative_target is True


def test_as_dict_has_the_api_shape_with_shares_rounded_to_four_places(county, program, county_admin):
    township, villages = _township_with_villages(county, 7, "溪丘湾乡")
    _approve(program, villages[:1])
    data = pilot_quota_stats(user=county_admin, program=program, year=YEAR).as_dict()
    assert data["program"] == program.code
    assert data["year"] == YEAR
    assert set(data["county"]) == {
        "villages",
        "new_pilots",
        "province_key",
        "province_applied",
        "province_granted",
        "cumulative_pilots",
        "cumulative_share",
        "meets_yearly_minimum",
        "meets_province_key_minimum",
        "accepted_pilots",
    }
    (row,) = data["townships"]
    assert row["cumulative_share"] == 0.1429
    assert set(row) == {
        "id",
        "name",
        "villages",
        "new_pilots",
        "required_new_pilots",
        "meets_quota",
        "cumulative_pilots",
        "cumulative_share",
        "accepted_pilots",
    }


def test_township_official_report_holds_only_their_township(
    county, program, township_a, township_b, village_a, village_b, township_a_official
):
    _approve(program, [village_a, village_b])
    report = pilot_quota_stats(user=township_a_official, program=program, year=YEAR)
    assert [row.name for row in report.townships] == [township_a.name]
    assert report.scope == "township"
    # The county block is the county's for every role: both townships' pilots.
    assert report.county.new_pilots == 2
