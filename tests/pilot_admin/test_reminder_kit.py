"""The reminder kit itself: the registry the apps fill (each app once, run in INSTALLED_APPS
order whatever order their modules were imported in) and the daily run that adds up what its
sources did. Each source's kinds, recipients and texts are tested in its own app's tests."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from assessments import services as assessment_services
from assessments.models import RectificationReminder
from assessments.reminders import source as rectification_source
from guardianship.models import VisitReminder
from guardianship.reminders import source as visit_source
from pilot_admin.choices import Role
from pilot_admin.models import Notification
from pilot_admin.reminders.services import send_due_reminders
from pilot_admin.reminders.sources import ReminderSource, ReminderSourceRegistry, reminder_sources
from supervision.models_reminders import SupervisionReminder
from tasks import services as task_services
from tasks.choices import CadenceKind
from tasks.models import Reminder
from tasks.reminders import source as report_source
from tests.factories import UserFactory, full_scores, scheduled_inspection
from tests.guardianship.test_selectors import registered

NOW = datetime.datetime(2024, 3, 1, 7, 30, tzinfo=datetime.UTC)
# Late for all three: the report due 2017-06-30, the rectification of an inspection confirmed in
# December 2019, and February's visits of persons registered on 1 February 2024.
DAY = datetime.date(2024, 3, 1)


def test_the_registry_lists_the_four_sources_in_installed_apps_order():
    assert [source.name for source in reminder_sources.all()] == ["tasks", "assessments", "guardianship", "supervision"]
    assert [source.model for source in reminder_sources.all()] == [
        Reminder,
        RectificationReminder,
        VisitReminder,
        SupervisionReminder,
    ]


def test_the_order_is_the_apps_not_the_order_of_registration():
    registry = ReminderSourceRegistry()
    registry.register(visit_source)
    registry.register(report_source)

    assert registry.all() == [report_source, visit_source]


def test_a_source_registered_twice_is_refused():
    registry = ReminderSourceRegistry()
    registry.register(report_source)

    with pytest.raises(ImproperlyConfigured, match="already registered"):
        registry.register(report_source)
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        reminder_sources.register(rectification_source)
    assert registry.all() == [report_source]


def test_a_model_without_a_unique_key_on_kind_is_refused():
    """The scan's ON CONFLICT names the reminder model's unique constraint: a model without one
    (or one without the kind) could not make a repeated scan harmless."""
    registry = ReminderSourceRegistry()
    stray = ReminderSource(model=Notification, prefix="x:", obligations=dict, messages=lambda stamp: ("", []))

    with pytest.raises(ImproperlyConfigured, match="unique constraint"):
        registry.register(stray)


@pytest.fixture
def late_everywhere(county, county_admin, program, department, department_user, township_a, village_a,
                    inspector):  # fmt: skip
    """One late obligation of each source: a task report, a rectification and a month's visit."""
    # A program still running on DAY: a finished one's old obligations are not reminded.
    program.end_year = DAY.year
    program.save()
    task_services.task_create(
        actor=county_admin, program=program, code="BD-05-01", title="建立试点工作台账", text="建立台账。",
        start_date=datetime.date(2017, 5, 16), deadline=datetime.date(2017, 6, 30), lead=[department],
        townships=[township_a], cadence_kind=CadenceKind.EVERY_N_MONTHS, cadence_months=2,
    )  # fmt: skip
    inspection = scheduled_inspection(actor=county_admin, program=program, village=village_a, inspectors=[inspector])
    assessment_services.inspection_scores_save(
        actor=inspector, inspection=inspection, scores=full_scores(inspection, {"1.1": "2"}, rectify=("1.1",))
    )
    assessment_services.inspection_submit(actor=inspector, inspection=inspection)
    assessment_services.inspection_confirm(actor=county_admin, inspection=inspection, today=datetime.date(2019, 12, 10))
    registered(village_a, datetime.date(2024, 2, 1), name="甲")
    # A supervision committee whose term ended in 2023, still in office: overdue for re-election.
    from supervision.models import Committee

    Committee.objects.create(
        village=village_a,
        term_start=datetime.date(2018, 5, 1),
        term_end=datetime.date(2023, 4, 30),
        status="active",
        established_on=datetime.date(2018, 5, 25),
    )
    UserFactory(role=Role.TOWNSHIP, township=township_a, county=county, email="clerk@example.cn")


def test_the_daily_run_counts_are_the_sum_of_its_sources(late_everywhere):
    run = send_due_reminders(today=DAY, now=NOW)

    assert [source.source for source in run.sources] == ["tasks", "assessments", "guardianship", "supervision"]
    assert all(source.created and source.notifications for source in run.sources)
    reminders = (
        Reminder.objects.count()
        + RectificationReminder.objects.count()
        + VisitReminder.objects.count()
        + SupervisionReminder.objects.count()
    )
    assert run.created == sum(source.created for source in run.sources) == reminders
    assert run.notify.reminders == sum(source.reminders for source in run.sources) == reminders
    assert run.notify.notifications == sum(source.notifications for source in run.sources)
    assert run.notify.notifications == Notification.objects.count()
    assert run.as_dict() == {
        "date": DAY.isoformat(),
        "reminders_created": run.created,
        "reminders_notified": run.notify.reminders,
        "notifications": run.notify.notifications,
        "digests_sent": run.digest.sent,
        "digest_items": run.digest.items,
    }

    again = send_due_reminders(today=DAY, now=NOW)
    assert (again.created, again.notify.reminders, again.notify.notifications) == (0, 0, 0)
    assert all((source.created, source.reminders, source.notifications) == (0, 0, 0) for source in again.sources)
