"""`manage.py load_demo`: the demo county is complete, shows quotas both met and missed, has a
login per role, and a second run changes nothing."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone

from demo.county import DEMO_PASSWORD, DEMO_USERS, PROGRAM
from pilot_admin.choices import Role
from pilot_admin.models import AuditEntry, User
from villages.choices import COUNTED_PILOT_STATUSES, PilotStatus, TownshipKind, VillageKind
from villages.models import (
    County,
    Department,
    PilotAssignment,
    PilotProgram,
    Township,
    Village,
    VillageEvent,
    VillageIndicator,
)
from villages.selectors import pilot_quota_stats

MODELS = (
    County,
    Township,
    Village,
    VillageEvent,
    Department,
    PilotProgram,
    PilotAssignment,
    VillageIndicator,
    User,
    AuditEntry,
)


@pytest.mark.django_db
def test_load_demo_twice_builds_the_county_once_and_resets_demo_passwords(demo_county):
    """tests/demo/conftest.py ran `load_demo` twice and changed county_admin's password between."""
    assert demo_county.second == demo_county.first
    assert all(demo_county.first[model.__name__] for model in MODELS)
    assert "本次未新增任何记录" in demo_county.second_output
    assert "本次新增" in demo_county.first_output
    admin = User.objects.get(username="county_admin")
    assert admin.check_password(DEMO_PASSWORD)
    counted = PilotAssignment.objects.filter(status__in=COUNTED_PILOT_STATUSES)
    assert counted.count() == counted.values("program", "village").distinct().count()


@pytest.fixture(scope="class")
def demo_output(demo_county):
    return demo_county.second_output


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_output")
class TestDemoContent:
    def test_demo_county_has_its_townships_villages_and_departments(self):
        county = County.objects.get(name="巴东县")
        assert (county.province, county.prefecture, county.admin_code) == ("湖北省", "恩施土家族苗族自治州", "422823")
        townships = list(Township.objects.filter(county=county).order_by("code"))
        assert [t.name for t in townships] == [
            "信陵镇", "东瀼口镇", "沿渡河镇", "官渡口镇", "茶店子镇", "绿葱坡镇",
            "大支坪镇", "野三关镇", "水布垭镇", "清太坪镇", "溪丘湾乡", "金果坪乡",
        ]  # fmt: skip
        assert {t.name for t in townships if t.kind == TownshipKind.RURAL_TOWNSHIP} == {"溪丘湾乡", "金果坪乡"}
        villages = Village.objects.filter(township__county=county)
        assert 250 <= villages.count() <= 350
        for village in villages.select_related("township"):
            assert len(village.code) == 12 and village.code.startswith(village.township.code)
        admin_villages = villages.filter(kind=VillageKind.ADMINISTRATIVE_VILLAGE)
        poverty_share = admin_villages.filter(is_poverty_village=True).count() / admin_villages.count()
        assert 0.2 <= poverty_share <= 0.3
        departments = Department.objects.filter(county=county)
        assert departments.filter(name="县民政局", in_leading_group=True).exists()
        assert departments.filter(name="县商务局", in_leading_group=False).exists()
        # The townships collectively are not a county department.
        assert not departments.filter(name="各乡镇人民政府").exists()

    def test_demo_quota_report_has_township_years_that_meet_and_that_miss_the_quota(self):
        admin = User.objects.get(username="county_admin")
        program = PilotProgram.objects.get(code=PROGRAM["code"])

        reports = [pilot_quota_stats(user=admin, program=program, year=year) for year in program.years]

        outcomes = {row.meets_quota for report in reports for row in report.townships}
        assert outcomes == {True, False}
        yearly_minimum = {report.county.meets_yearly_minimum for report in reports}
        assert yearly_minimum == {True, False}
        assert sum(report.county.meets_province_key_minimum for report in reports) >= 3
        assert reports[-1].county.cumulative_pilots >= program.county_new_min_total
        required = {row.required_new_pilots for row in reports[0].townships}
        assert required == {1, 2}
        assert PilotAssignment.objects.filter(status=PilotStatus.PROPOSED, year=program.end_year).exists()
        withdrawn = PilotAssignment.objects.get(program=program, status=PilotStatus.WITHDRAWN)
        assert withdrawn.withdraw_reason
        # The withdrawn village was selected again the next year.
        assert PilotAssignment.objects.filter(
            village=withdrawn.village, year=withdrawn.year + 1, status__in=COUNTED_PILOT_STATUSES
        ).exists()
        assert {"submitted", "confirmed"} <= set(VillageIndicator.objects.values_list("status", flat=True))

    def test_demo_opens_the_indicator_years_it_fills_and_dates_its_merged_village(self):
        from villages.models import IndicatorYear

        county = County.objects.get(name="巴东县")
        years = dict(IndicatorYear.objects.filter(county=county).values_list("year", "closed_at"))
        assert set(years) == {2019, 2020, timezone.localdate().year}
        assert years[2019] is not None and years[2020] is None  # 2019 is closed, final
        merged = Village.objects.get(township__county=county, is_active=False)
        assert merged.ended_on == datetime.date(PROGRAM["start_year"], 1, 1) and merged.status == "merged"

    def test_demo_village_history_renames_a_village_that_became_a_community_in_2018(self):
        from demo.history import HISTORY_TOWNSHIP

        admin = User.objects.get(username="county_admin")
        program = PilotProgram.objects.get(code=PROGRAM["code"])
        events = VillageEvent.objects.filter(village__township__name=HISTORY_TOWNSHIP).order_by("date")
        assert [(e.kind, e.date) for e in events] == [
            ("became_community", datetime.date(2018, 6, 30)),
            ("renamed", datetime.date(2018, 7, 15)),
        ]
        village = events[0].village
        village.refresh_from_db()
        assert village.kind == VillageKind.RESIDENTIAL_COMMUNITY and village.name.endswith("社区")
        assert village.name == events[1].old_name.removesuffix("村") + "社区"
        assert not PilotAssignment.objects.filter(village=village).exists()
        # Counted as an administrative village up to 2017 only; the township's quotas stay.
        rows = {
            year: next(
                row
                for row in pilot_quota_stats(user=admin, program=program, year=year).townships
                if row.name == HISTORY_TOWNSHIP
            )
            for year in (2017, 2018)
        }
        assert (rows[2017].villages, rows[2018].villages) == (30, 29)
        assert rows[2017].required_new_pilots == rows[2018].required_new_pilots == 2

    def test_every_role_has_a_demo_login_that_signs_in(self, client, demo_output):
        output = demo_output
        assert {user.role for user in DEMO_USERS} == set(Role.values)
        for demo in DEMO_USERS:
            user = User.objects.get(username=demo.username)
            assert user.role == demo.role
            assert demo.username in output
            # The login throttle (django-axes) needs the request to know the caller's address.
            assert client.login(
                request=RequestFactory().post("/login/"), username=demo.username, password=DEMO_PASSWORD
            )
        admin = User.objects.get(username="county_admin")
        assert admin.is_staff and admin.county.name == "巴东县"
        assert User.objects.get(username="township_shuibuya").township.name == "水布垭镇"
        assert User.objects.get(username="township_dongrangkou").township.name == "东瀼口镇"
        assert User.objects.get(username="dept_civil_affairs").department.name == "县民政局"
        assert DEMO_PASSWORD in output


@pytest.mark.django_db
def test_load_demo_refuses_a_production_configuration(settings):
    settings.DEBUG = False
    before = (County.objects.count(), User.objects.count(), AuditEntry.objects.count())

    with pytest.raises(CommandError, match="生产配置"):
        call_command("load_demo", stdout=StringIO())

    assert (County.objects.count(), User.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_production_refuses_the_demo_and_its_public_password(settings):
    # 等保 8.1.4.2 b: no account with a published default password reaches a production database.
    settings.DEBUG = False
    before = (County.objects.count(), User.objects.count(), AuditEntry.objects.count())

    with pytest.raises(CommandError, match="演示账号的密码是公开的，已拒绝载入"):
        call_command("load_demo", stdout=StringIO())

    assert (County.objects.count(), User.objects.count(), AuditEntry.objects.count()) == before
