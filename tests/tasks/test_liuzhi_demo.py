"""The second demo county, 六枝特区: its task-division table imports cleanly, and again without
change."""

import pytest

from demo.liuzhi import ADMIN, load_demo_liuzhi, load_table
from pilot_admin.models import AuditEntry
from tasks.choices import AssignmentRole
from tasks.models import Task, TaskAssignment
from villages.models import County, Department

PASSWORD = "Demo-pass-2020!"


def _counts():
    return (
        Department.objects.count(),
        Task.objects.count(),
        TaskAssignment.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.django_db
def test_the_liuzhi_table_imports_cleanly_and_a_second_load_changes_nothing():
    first = load_demo_liuzhi(password=PASSWORD)
    table = load_table()
    assert (first.tasks, first.created_tasks) == (36, 36)
    assert first.created_departments == len(table["all_units_named"])
    county = County.objects.get(name="六枝特区")
    assert county.townships.count() == 3
    leads = {
        a.task.code: a.department.name
        for a in TaskAssignment.objects.filter(task__program=first.program, role=AssignmentRole.LEAD).select_related(
            "task", "department"
        )
        if a.task.code in {"1", "14", "36"}
    }
    assert leads["1"] == "特区委组织部"
    assert leads["36"] == "特区民政局"
    assert Task.objects.get(program=first.program, code="14").other_units_cooperate
    assert first.login[0] == ADMIN

    before = _counts()
    second = load_demo_liuzhi(password=PASSWORD)
    assert (second.tasks, second.created_tasks, second.created_departments) == (36, 0, 0)
    assert _counts() == before
