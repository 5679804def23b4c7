"""Tasks in the plan's order: an imported 任务分工表 numbers its tasks 1, 2, … 36, and the task
list, the API and the ledger show them so, not in text order (1, 10, 11, … 2)."""

import re

import pytest
from django.urls import reverse

from tasks import selectors
from tasks.choices import AssignmentRole
from tests.factories import TaskAssignmentFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def numbered(program, department):
    for code in ("10", "2", "1", "9", "11"):
        task = TaskFactory(program=program, code=code, title=f"任务{code}")
        TaskAssignmentFactory(task=task, department=department, role=AssignmentRole.LEAD)


def test_numbered_tasks_list_in_number_order(numbered, county_admin, login):
    assert [task.code for task in selectors.task_list(user=county_admin)] == ["1", "2", "9", "10", "11"]
    response = login(county_admin).get(reverse("tasks:task_list"))
    assert re.findall(r"任务(\d+)", response.content.decode()) == ["1", "2", "9", "10", "11"]
    api = login(county_admin).get("/api/v1/tasks/")
    assert [row["code"] for row in api.json()["results"]] == ["1", "2", "9", "10", "11"]


def test_codes_of_one_length_keep_their_text_order(program, county_admin):
    for code in ("BD-02-01", "BD-01-02", "BD-10-01", "BD-01-01"):
        TaskFactory(program=program, code=code)
    assert [task.code for task in selectors.task_list(user=county_admin)] == [
        "BD-01-01",
        "BD-01-02",
        "BD-02-01",
        "BD-10-01",
    ]
