"""The county office writes tasks through the page: units, cadence and periods follow."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pilot_admin.audit.services import audit_entries_for
from tasks import services
from tasks.choices import AssignmentRole, CadenceKind, Phase
from tasks.models import ProgressReport, Task
from tests.factories import DepartmentFactory


@pytest.fixture
def units(county):
    return {
        "lead": DepartmentFactory(county=county, key="org", name="县委组织部"),
        "coop": DepartmentFactory(county=county, key="civil", name="县民政局"),
    }


def _form(program, units, township, **overrides):
    data = {
        "program": program.pk,
        "code": "BD-99-01",
        "section": "四(九)",
        "title": "建立试点工作台账",
        "text": "各乡镇建立试点台账，按月更新。",
        "phase": Phase.IMPLEMENT,
        "start_date": "2018-03-01",
        "deadline": "2018-12-31",
        "cadence_kind": CadenceKind.FIXED_DATES,
        "cadence_months": "",
        "cadence_dates_text": "06-15，11-30",
        "lead": [units["lead"].pk],
        "cooperating": [units["coop"].pk],
        "townships": [township.pk],
    }
    data.update(overrides)
    return data


def test_county_admin_creates_a_task_with_units_and_periods(client, county_admin, program, units, township_a):
    client.force_login(county_admin)
    response = client.post(reverse("tasks:task_create"), _form(program, units, township_a))
    task = Task.objects.get(code="BD-99-01")
    assert response.status_code == 302
    assert response["Location"] == task.get_absolute_url()
    roles = {(a.department.name, a.role) for a in task.assignments.select_related("department")}
    assert roles == {
        ("县委组织部", AssignmentRole.LEAD),
        ("县民政局", AssignmentRole.COOPERATING),
        ("水布垭镇人民政府", AssignmentRole.TOWNSHIP),
    }
    assert list(task.periods.values_list("due_date", flat=True)) == [
        datetime.date(2018, 6, 15),
        datetime.date(2018, 11, 30),
    ]


def test_task_form_shows_cadence_errors_in_chinese(client, county_admin, program, units, township_a):
    client.force_login(county_admin)
    response = client.post(
        reverse("tasks:task_create"), _form(program, units, township_a, cadence_dates_text="6月15日")
    )
    assert response.status_code == 200
    assert "应为“月-日”格式" in response.content.decode()
    assert not Task.objects.exists()


def test_a_task_needs_a_lead_unit_or_townships(client, county_admin, program, units, township_a):
    client.force_login(county_admin)
    response = client.post(reverse("tasks:task_create"), _form(program, units, township_a, lead=[], townships=[]))
    assert "请至少指定一个牵头单位或落实乡镇。" in response.content.decode()
    assert not Task.objects.exists()


def test_editing_the_cadence_resyncs_periods_and_keeps_reported_ones(
    county_admin, township_a_official, program, units, township_a
):
    task = services.task_create(
        actor=county_admin,
        program=program,
        code="BD-99-02",
        title="台账",
        text="按月报送台账",
        start_date=datetime.date(2018, 1, 1),
        deadline=datetime.date(2018, 6, 30),
        cadence_kind=CadenceKind.EVERY_N_MONTHS,
        cadence_months=2,
        lead=[units["lead"]],
        townships=[township_a],
    )
    first = task.periods.order_by("due_date").first()
    services.report_save(
        actor=township_a_official, period=first, submit=True, text="已建立台账", today=datetime.date(2018, 2, 20)
    )

    services.task_update(
        actor=county_admin,
        task=task,
        code=task.code,
        section="",
        title=task.title,
        text=task.text,
        phase=task.phase,
        start_date=task.start_date,
        deadline=task.deadline,
        completion_standard="",
        cadence_kind=CadenceKind.ONCE,
        cadence_months=None,
        cadence_dates=[],
        lead=[units["lead"]],
        townships=[township_a],
    )
    dues = list(task.periods.order_by("due_date").values_list("due_date", flat=True))
    assert dues == [datetime.date(2018, 2, 28), datetime.date(2018, 6, 30)]
    assert ProgressReport.objects.filter(period=first).exists()
    assert audit_entries_for(task).first().changes["cadence_kind"]["new"] == "一次性（截止日报送）"


def test_a_unit_that_has_reported_cannot_be_removed(county_admin, township_a_official, program, units, township_a):
    task = services.task_create(
        actor=county_admin,
        program=program,
        code="BD-99-03",
        title="台账",
        text="报送台账",
        start_date=datetime.date(2018, 1, 1),
        deadline=datetime.date(2018, 6, 30),
        cadence_kind=CadenceKind.ONCE,
        lead=[units["lead"]],
        townships=[township_a],
    )
    services.report_save(
        actor=township_a_official,
        period=task.periods.get(),
        submit=True,
        text="已完成",
        today=datetime.date(2018, 6, 1),
    )
    with pytest.raises(ValidationError) as error:
        services.task_update(
            actor=county_admin,
            task=task,
            lead=[units["lead"]],
            townships=[],
            **{name: getattr(task, name) for name in services.TASK_EDITABLE_FIELDS},
        )
    assert "水布垭镇人民政府已报送过本任务的报告" in str(error.value)
    assert task.assignments.filter(department__township=township_a).exists()


def test_task_create_refuses_another_countys_program(county_admin, units):
    from tests.factories import PilotProgramFactory

    foreign = PilotProgramFactory(county__name="建始县", county__admin_code="422822", code="jianshi")
    with pytest.raises(ValidationError):
        services.task_create(
            actor=county_admin,
            program=foreign,
            code="X-1",
            title="外县",
            text="外县任务",
            start_date=datetime.date(2018, 1, 1),
            deadline=datetime.date(2018, 6, 30),
            cadence_kind=CadenceKind.ONCE,
            lead=[units["lead"]],
        )
    assert not Task.objects.exists()


def test_township_official_cannot_open_the_task_form(client, township_a_official):
    client.force_login(township_a_official)
    assert client.get(reverse("tasks:task_create")).status_code == 403
