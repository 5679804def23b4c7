"""The demo's construction standards: the Badong plan's rows, and a 2020 in which most pilots
meet them, some fall short of one standard and some have not reported."""

import pytest

from demo.county import PROGRAM, STANDARDS_YEAR
from pilot_admin.models import User
from tests.demo.helpers import demo_loaded_twice
from villages import standards
from villages.models import PilotProgram, ProgramStandard, VillageIndicator

demo = demo_loaded_twice((ProgramStandard, VillageIndicator))


@pytest.mark.django_db
def test_a_second_run_adds_nothing(demo):
    assert demo["first"] == demo["second"]
    assert demo["first"]["ProgramStandard"] == 11


@pytest.mark.django_db
def test_most_pilots_meet_the_standards_some_fail_one_some_not_reported(demo):
    program = PilotProgram.objects.get(code=PROGRAM["code"])
    admin = User.objects.get(username="county_admin")
    report = standards.standards_report(user=admin, program=program, year=STANDARDS_YEAR)
    pilots = report.villages
    all_met = [c for c in pilots if c.all_met]
    not_reported = [c for c in pilots if c.count_not_reported == len(c.items)]
    failing_one = [c for c in pilots if c.count_not_met == 1]
    assert len(all_met) > len(pilots) / 2
    assert len(not_reported) >= 5 and len(failing_one) >= 5
    failing_codes = {item.standard.code for c in failing_one for item in c.failing}
    assert {"R-B1", "R-C3"} <= failing_codes
    area = next(c for c in failing_one if c.failing[0].standard.code == "R-B1")
    assert area.failing[0].value == "450平方米"
    verdicts = {cell.standard.code: cell.verdict for cell in report.county.cells}
    assert verdicts["R-C2"] == standards.MET and verdicts["R-B1"] == standards.NOT_MET
