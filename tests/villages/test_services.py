from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pilot_admin.audit.services import audit_entries_for
from pilot_admin.choices import AuditAction
from tests.factories import CountyFactory, PilotAssignmentFactory, PilotProgramFactory, TownshipFactory, VillageFactory
from villages import services
from villages.choices import IndicatorStatus, PilotLevel, PilotStatus
from villages.models import IndicatorYear, PilotAssignment, Village, VillageIndicator


@pytest.fixture(autouse=True)
def _indicator_year_2019_open(db):
    """The indicator tests fill 2019: the county opened it (issue 13: only open years)."""
    IndicatorYear.objects.create(county=CountyFactory(), year=2019, opened_at=timezone.now())


def test_village_update_records_who_changed_which_field(village_a, county_admin):
    services.village_update(actor=county_admin, village=village_a, households=412, is_poverty_village=True)

    village_a.refresh_from_db()
    assert village_a.households == 412
    (entry,) = audit_entries_for(village_a)
    assert entry.actor == county_admin
    assert entry.action == AuditAction.UPDATE
    assert entry.changes["households"] == {"label": "户数", "old": 300, "new": 412}
    assert entry.changes["is_poverty_village"] == {"label": "贫困村", "old": "否", "new": "是"}
    assert set(entry.changes) == {"households", "is_poverty_village"}


def test_an_update_that_changes_nothing_records_nothing(village_a, county_admin):
    services.village_update(actor=county_admin, village=village_a, households=village_a.households)
    assert not audit_entries_for(village_a).exists()


def test_village_update_refuses_an_invalid_code(village_a, county_admin):
    with pytest.raises(ValidationError) as error:
        services.village_update(actor=county_admin, village=village_a, code="422823999001")
    assert "应以所属乡镇代码" in str(error.value)
    village_a.refresh_from_db()
    assert village_a.code == "422823104201"


def test_township_official_cannot_edit_villages(village_a, township_a_official):
    with pytest.raises(PermissionDenied):
        services.village_update(actor=township_a_official, village=village_a, households=1)


def test_county_admin_of_another_county_cannot_touch_this_county(village_a, county_admin):
    other_township = TownshipFactory(county__name="利川市", county__admin_code="422802")
    with pytest.raises(Village.DoesNotExist):
        services.village_update(actor=county_admin, village=VillageFactory(township=other_township), households=5)
    with pytest.raises(ValidationError):
        services.village_create(actor=county_admin, township=other_township, name="外县村")


def test_propose_approve_withdraw_pilot_with_audit(program, village_a, county_admin):
    pilot = services.pilot_assignment_propose(
        actor=county_admin, program=program, village=village_a, year=2018, level=PilotLevel.PROVINCIAL_KEY
    )
    assert pilot.status == PilotStatus.PROPOSED

    services.pilot_assignment_approve(actor=county_admin, assignment=pilot)
    pilot.refresh_from_db()
    assert pilot.status == PilotStatus.APPROVED
    assert pilot.approved_by == county_admin
    assert pilot.approved_at is not None

    with pytest.raises(ValidationError):
        services.pilot_assignment_approve(actor=county_admin, assignment=pilot)

    with pytest.raises(ValidationError):
        services.pilot_assignment_withdraw(actor=county_admin, assignment=pilot, reason="  ")
    services.pilot_assignment_withdraw(actor=county_admin, assignment=pilot, reason="村两委换届，暂缓")
    pilot.refresh_from_db()
    assert pilot.status == PilotStatus.WITHDRAWN
    actions = [(e.action, e.changes.get("status", {}).get("new")) for e in audit_entries_for(pilot)]
    assert actions == [
        (AuditAction.UPDATE, "撤销"),
        (AuditAction.UPDATE, "已审批"),
        (AuditAction.CREATE, "拟定"),
    ]


def test_a_village_is_a_pilot_at_most_once_per_program(program, village_a, county_admin):
    PilotAssignmentFactory(program=program, village=village_a, year=2016)
    with pytest.raises(ValidationError) as error:
        services.pilot_assignment_propose(
            actor=county_admin, program=program, village=village_a, year=2018, level=PilotLevel.COUNTY
        )
    assert "已是本试点项目的试点村" in str(error.value)
    assert PilotAssignment.objects.filter(village=village_a).count() == 1


def test_a_withdrawn_pilot_may_be_selected_again(program, village_a, county_admin):
    PilotAssignmentFactory(
        program=program, village=village_a, year=2016, status=PilotStatus.WITHDRAWN, withdraw_reason="撤销"
    )
    pilot = services.pilot_assignment_propose(
        actor=county_admin, program=program, village=village_a, year=2018, level=PilotLevel.COUNTY
    )
    assert pilot.status == PilotStatus.PROPOSED


def test_the_same_village_may_pilot_in_another_program(program, village_a, county_admin):
    PilotAssignmentFactory(program=program, village=village_a, year=2016)
    other = PilotProgramFactory(county=program.county, code="guardianship-2021", start_year=2021, end_year=2023)
    pilot = services.pilot_assignment_propose(
        actor=county_admin, program=other, village=village_a, year=2021, level=PilotLevel.COUNTY
    )
    assert pilot.program == other


@pytest.mark.parametrize("year", [2015, 2021])
def test_pilot_year_outside_the_program_is_refused(program, village_a, county_admin, year):
    with pytest.raises(ValidationError) as error:
        services.pilot_assignment_propose(
            actor=county_admin, program=program, village=village_a, year=year, level=PilotLevel.COUNTY
        )
    assert "试点年度应在 2016–2020 之间" in str(error.value)


@pytest.mark.parametrize("year", [2016, 2020])
def test_pilot_year_at_the_program_bounds_is_accepted(program, village_a, county_admin, year):
    pilot = services.pilot_assignment_propose(
        actor=county_admin, program=program, village=village_a, year=year, level=PilotLevel.COUNTY
    )
    assert pilot.year == year


def test_bulk_propose_writes_nothing_when_one_village_fails(program, village_a, township_a, county_admin):
    fresh = VillageFactory(township=township_a)
    PilotAssignmentFactory(program=program, village=village_a, year=2016)
    with pytest.raises(ValidationError):
        services.pilot_assignments_propose(
            actor=county_admin, program=program, year=2018, level=PilotLevel.COUNTY, villages=[fresh, village_a]
        )
    assert not PilotAssignment.objects.filter(village=fresh).exists()


def test_township_cannot_propose_pilots(program, village_a, township_a_official):
    with pytest.raises(PermissionDenied):
        services.pilot_assignment_propose(
            actor=township_a_official, program=program, village=village_a, year=2018, level=PilotLevel.COUNTY
        )


def test_township_submits_own_village_indicator_and_county_confirms(village_a, township_a_official, county_admin):
    indicator = services.village_indicator_submit(
        actor=township_a_official,
        village=village_a,
        year=2019,
        service_station_area_m2=Decimal("650.5"),
        room_day_care=True,
        left_behind_children=12,
    )
    assert indicator.status == IndicatorStatus.SUBMITTED
    assert indicator.reported_by == township_a_official

    services.village_indicator_confirm(actor=county_admin, indicator=indicator)
    indicator.refresh_from_db()
    assert indicator.status == IndicatorStatus.CONFIRMED
    assert indicator.confirmed_by == county_admin

    with pytest.raises(ValidationError) as error:
        services.village_indicator_submit(actor=township_a_official, village=village_a, year=2019, room_health=True)
    assert "已确认" in str(error.value)
    indicator.refresh_from_db()
    assert indicator.room_health is False


def test_returned_indicator_can_be_resubmitted(village_a, township_a_official, county_admin):
    indicator = services.village_indicator_submit(actor=township_a_official, village=village_a, year=2019)
    services.village_indicator_return(actor=county_admin, indicator=indicator, reason="面积与台账不符")
    indicator.refresh_from_db()
    assert (indicator.status, indicator.return_reason) == (IndicatorStatus.RETURNED, "面积与台账不符")

    services.village_indicator_submit(
        actor=township_a_official, village=village_a, year=2019, service_station_area_m2=Decimal("600")
    )
    indicator.refresh_from_db()
    assert indicator.status == IndicatorStatus.SUBMITTED
    assert indicator.return_reason == ""
    assert VillageIndicator.objects.filter(village=village_a).count() == 1


def test_township_cannot_submit_another_townships_indicator(village_b, township_a_official):
    with pytest.raises(ValidationError) as error:
        services.village_indicator_submit(actor=township_a_official, village=village_b, year=2019)
    assert "不在您的管辖范围内" in str(error.value)
    assert not VillageIndicator.objects.exists()


def test_indicator_rules_are_checked(village_a, township_a_official):
    with pytest.raises(ValidationError) as error:
        services.village_indicator_submit(
            actor=township_a_official,
            village=village_a,
            year=2019,
            public_service_items_offered=30,
            public_service_items_in_catalogue=20,
        )
    assert "不能超过目录内项目数" in str(error.value)
    with pytest.raises(ValidationError):
        services.village_indicator_submit(actor=township_a_official, village=village_a, year=2019, status="confirmed")
    assert not VillageIndicator.objects.exists()


def test_township_cannot_confirm(village_a, township_a_official):
    indicator = services.village_indicator_submit(actor=township_a_official, village=village_a, year=2019)
    with pytest.raises(PermissionDenied):
        services.village_indicator_confirm(actor=township_a_official, indicator=indicator)


def test_a_village_cannot_be_moved_to_another_countys_township(village_a, county_admin):
    foreign = TownshipFactory(county__name="建始县", county__admin_code="422822")
    with pytest.raises(ValidationError) as error:
        services.village_update(actor=county_admin, village=village_a, township=foreign)
    assert "管辖范围以外" in str(error.value)
    village_a.refresh_from_db()
    assert village_a.township.name == "水布垭镇"
