"""The reminder scan, the notify step and the daily digest, on the database they run on in
production: each kind on its day and only then, met obligations left alone, recipients by role,
and every step a no-op when run again."""

import datetime
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pilot_admin.choices import ReminderKind, Role
from pilot_admin.models import DigestDelivery, Notification
from pilot_admin.notifications.services import digest_send
from pilot_admin.reminders.services import send_due_reminders
from pilot_admin.tasks import send_due_reminders_task
from tasks import services
from tasks.choices import CadenceKind
from tasks.models import Reminder, TaskAssignment
from tasks.reminders import reminders_notify, reminders_scan
from tests.factories import DepartmentFactory, UserFactory
from tests.helpers.calendar import every_day_a_working_day
from villages import services as village_services

D = datetime.timedelta
EXACT_DAY_KINDS = {ReminderKind.DUE_SOON, ReminderKind.DUE_TOMORROW}
NOW = datetime.datetime(2017, 6, 29, 7, 30, tzinfo=datetime.UTC)


def offset(program, kind) -> int:
    """Days from the due date to the day a kind first fires, from the program's numbers."""
    return {
        ReminderKind.DUE_SOON: -program.remind_days_before,
        ReminderKind.DUE_TOMORROW: -1,
        ReminderKind.OVERDUE: 1,
        ReminderKind.ESCALATE_LEADER: program.escalate_leader_after_days,
        ReminderKind.ESCALATE_COUNTY: program.escalate_county_after_days,
    }[kind]


def _task(county_admin, program, *, code, lead, townships=(), cooperating=()):
    # Every two months from mid-May: one period, "2017年5–6月", due 2017-06-30.
    return services.task_create(
        actor=county_admin,
        program=program,
        code=code,
        title="建立试点工作台账",
        text="各乡镇建立试点工作台账，实行销号管理。",
        start_date=datetime.date(2017, 5, 16),
        deadline=datetime.date(2017, 6, 30),
        lead=lead,
        cooperating=list(cooperating),
        townships=list(townships),
        cadence_kind=CadenceKind.EVERY_N_MONTHS,
        cadence_months=2,
    )


@pytest.fixture
def world(county, county_admin, program, department, department_user, township_a, township_a_official,
          township_b_official, county_viewer):  # fmt: skip
    """A task led by 县民政局 that 水布垭镇 reports on; numbers on the program that differ from
    the defaults, so a literal in the code would show."""
    program.remind_days_before = 5
    program.escalate_leader_after_days = 2
    program.escalate_county_after_days = 6
    program.save()
    # The kinds' day arithmetic, free of weekends: the county's calendar makes every day of the
    # summer a working day (days off are test_workday_reminders.py's).
    every_day_a_working_day(datetime.date(2017, 5, 1), datetime.date(2017, 8, 31))
    township_leader = UserFactory(
        username="township_a_leader", role=Role.TOWNSHIP, township=township_a, county=county, is_unit_leader=True
    )
    for user in (county_admin, department_user, township_a_official, township_b_official, township_leader,
                 county_viewer):  # fmt: skip
        user.email = f"{user.username}@example.cn"
        user.save()
    task = _task(county_admin, program, code="BD-05-01", lead=[department], townships=[township_a])
    period = task.periods.get()
    government = village_services.township_government_ensure(township=township_a)
    return SimpleNamespace(
        program=program,
        task=task,
        period=period,
        due=period.due_date,
        lead_assignment=task.assignments.get(department=department),
        township_assignment=task.assignments.get(department=government),
        clerk=township_a_official,
        leader=township_leader,
        department_user=department_user,
        county_admin=county_admin,
        outsiders=[township_b_official, county_viewer],
    )


def _recorded(kind=None):
    rows = Reminder.objects.all() if kind is None else Reminder.objects.filter(kind=kind)
    return set(rows.values_list("assignment_id", "period_id", "kind"))


def _every_obligation(world, kind):
    return {(a.pk, world.period.pk, kind) for a in (world.lead_assignment, world.township_assignment)}


# --- the scan -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ReminderKind.values)
def test_each_kind_fires_on_its_day_and_not_the_day_before(world, kind):
    day = world.due + D(days=offset(world.program, kind))
    expected = {-1: False, 0: True, 1: kind not in EXACT_DAY_KINDS}  # overdue kinds catch up later
    for delta, fires in expected.items():
        Reminder.objects.all().delete()
        reminders_scan(today=day + D(days=delta))
        assert _recorded(kind) == (_every_obligation(world, kind) if fires else set()), (kind, delta)


def test_a_daily_scan_records_each_kind_once_on_its_day(world):
    first = world.due + D(days=offset(world.program, ReminderKind.DUE_SOON) - 1)
    last = world.due + D(days=offset(world.program, ReminderKind.ESCALATE_COUNTY) + 2)
    day = first
    while day <= last:
        reminders_scan(today=day)
        day += D(days=1)

    assert Reminder.objects.count() == 2 * len(ReminderKind.values)
    for kind in ReminderKind.values:
        scan_dates = set(Reminder.objects.filter(kind=kind).values_list("scan_date", "due_date"))
        assert scan_dates == {(world.due + D(days=offset(world.program, kind)), world.due)}, kind


def test_a_finished_programs_old_periods_remind_no_one(world):
    """十三五 ended in 2020: its unmet 2017 report is history in 2026, not 2,700 messages."""
    years_later = datetime.date(world.program.end_year + 6, 12, 7)

    assert reminders_scan(today=years_later) == 0
    reminders_notify(now=NOW)
    assert not Notification.objects.exists()
    # While the program ran, the same catch-up scan records every late kind.
    assert reminders_scan(today=datetime.date(world.program.end_year, 12, 31)) == 2 * 3


def test_an_ended_programs_period_is_reminded_until_its_county_escalation_day(world):
    # The program's last year is the period's year before: it has ended when the period falls due.
    world.program.end_year = world.program.start_year = world.due.year - 1
    world.program.cumulative_by_year = world.program.end_year
    world.program.save()
    last_day = world.due + D(days=world.program.escalate_county_after_days)

    assert _recorded(ReminderKind.ESCALATE_COUNTY) == set()
    assert reminders_scan(today=last_day + D(days=1)) == 0
    reminders_scan(today=last_day)
    assert _recorded(ReminderKind.ESCALATE_COUNTY) == _every_obligation(world, ReminderKind.ESCALATE_COUNTY)


def test_catching_up_after_missed_days_records_overdue_and_escalations_once(world):
    late = world.due + D(days=offset(world.program, ReminderKind.ESCALATE_COUNTY) + 5)

    created = reminders_scan(today=late)

    overdue_kinds = set(ReminderKind.values) - EXACT_DAY_KINDS
    assert created == 2 * len(overdue_kinds)
    assert {kind for _, _, kind in _recorded()} == overdue_kinds
    assert reminders_scan(today=late + D(days=1)) == 0


def test_a_second_scan_the_same_day_adds_nothing(world):
    day = world.due + D(days=offset(world.program, ReminderKind.ESCALATE_COUNTY))
    first = reminders_scan(today=day)
    before = list(Reminder.objects.order_by("pk").values_list("pk", "kind", "scan_date"))

    assert first == len(before) > 0
    assert reminders_scan(today=day) == 0
    assert list(Reminder.objects.order_by("pk").values_list("pk", "kind", "scan_date")) == before


@pytest.mark.parametrize("accept", [False, True], ids=["submitted", "accepted"])
def test_no_reminder_for_a_submitted_or_accepted_report(world, accept):
    report = services.report_save(
        actor=world.clerk, period=world.period, submit=True, text="台账已建立。", percent_complete=60,
        today=world.due - D(days=2),
    )  # fmt: skip
    if accept:
        services.report_accept(actor=world.county_admin, report=report)

    reminders_scan(today=world.due - D(days=1))
    reminders_scan(today=world.due + D(days=offset(world.program, ReminderKind.ESCALATE_COUNTY)))

    recorded = {(assignment, kind) for assignment, _, kind in _recorded()}
    assert {assignment for assignment, _ in recorded} == {world.lead_assignment.pk}
    assert (world.lead_assignment.pk, ReminderKind.DUE_TOMORROW) in recorded


def test_a_draft_is_not_a_report(world):
    services.report_save(actor=world.clerk, period=world.period, submit=False, text="草稿", today=world.due)

    reminders_scan(today=world.due + D(days=1))

    assert _recorded(ReminderKind.OVERDUE) == _every_obligation(world, ReminderKind.OVERDUE)


def test_a_returned_report_gets_reminders_again(world):
    report = services.report_save(
        actor=world.clerk, period=world.period, submit=True, text="台账已建立。", today=world.due - D(days=3)
    )
    reminders_scan(today=world.due - D(days=1))
    assert world.township_assignment.pk not in {a for a, _, _ in _recorded()}

    services.report_return(actor=world.county_admin, report=report, reason="缺少村级台账，请补充。")
    reminders_scan(today=world.due + D(days=1))

    assert (world.township_assignment.pk, world.period.pk, ReminderKind.OVERDUE) in _recorded()


def test_a_closed_out_task_leaves_the_scan_and_comes_back_when_reopened(world):
    services.task_close_out(actor=world.county_admin, task=world.task, note="已全部完成，验收合格。")
    day = world.due + D(days=1)

    assert reminders_scan(today=world.due - D(days=1)) == 0
    assert reminders_scan(today=day) == 0
    assert not Reminder.objects.exists()

    services.task_reopen(actor=world.county_admin, task=world.task, reason="验收发现问题，重新整改。")
    assert reminders_scan(today=day) == 2


def test_the_scan_runs_the_same_queries_for_2_or_12_tasks(county_admin, program, department, township_a,
                                                          township_b):  # fmt: skip
    def scan_queries():
        Reminder.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            created = reminders_scan(today=datetime.date(2017, 7, 20))
        return len(queries), created

    for i in range(2):
        _task(county_admin, program, code=f"S-{i}", lead=[department], townships=[township_a])
    small, small_created = scan_queries()
    for i in range(2, 12):
        _task(county_admin, program, code=f"S-{i}", lead=[department], townships=[township_a, township_b])
    large, large_created = scan_queries()

    assert large_created > small_created > 0
    assert large == small
    # One pass: a single INSERT records every kind (the obligations are read once, not per kind).
    inserts = [q["sql"] for q in queries_of_one_scan() if "INSERT" in q["sql"]]
    assert len(inserts) == 1
    assert all(f"'{kind}'" in inserts[0] for kind in ReminderKind.values)


def queries_of_one_scan():
    with CaptureQueriesContext(connection) as queries:
        reminders_scan(today=datetime.date(2017, 7, 21))
    return queries.captured_queries


# --- notify ---------------------------------------------------------------------------------


def _messages():
    return {
        (n.user.username, n.title.split("】")[0] + "】", n.source) for n in Notification.objects.select_related("user")
    }


def test_notify_sends_each_reminder_once_to_the_right_people(world, department):
    only_leader = DepartmentFactory(county=department.county, name="县委组织部")
    boss = UserFactory(username="org_head", role=Role.DEPARTMENT, department=only_leader, is_unit_leader=True)
    world.task.assignments.create(department=only_leader, role="cooperating")
    reminders_scan(today=world.due - D(days=1))
    reminders_scan(today=world.due + D(days=offset(world.program, ReminderKind.ESCALATE_COUNTY)))
    reminder = {
        (r.assignment.department_id, r.kind): f"reminder:{r.pk}" for r in Reminder.objects.select_related("assignment")
    }
    lead, town = world.lead_assignment.department_id, world.township_assignment.department_id

    result = reminders_notify(now=NOW)

    clerk, leader, dept, admin = (
        world.clerk.username,
        world.leader.username,
        world.department_user.username,
        world.county_admin.username,
    )
    expected = {
        # Before and at the due date: the unit's clerks, not its leader.
        (clerk, "【明天到期】", reminder[town, ReminderKind.DUE_TOMORROW]),
        (dept, "【明天到期】", reminder[lead, ReminderKind.DUE_TOMORROW]),
        (clerk, "【已逾期】", reminder[town, ReminderKind.OVERDUE]),
        (dept, "【已逾期】", reminder[lead, ReminderKind.OVERDUE]),
        # A unit whose only account is its leader: the leader gets everything.
        ("org_head", "【明天到期】", reminder[only_leader.pk, ReminderKind.DUE_TOMORROW]),
        ("org_head", "【已逾期】", reminder[only_leader.pk, ReminderKind.OVERDUE]),
        # Escalation to the unit's leader (a unit without a leader account: its users).
        (leader, "【逾期升级：单位负责人】", reminder[town, ReminderKind.ESCALATE_LEADER]),
        (dept, "【逾期升级：单位负责人】", reminder[lead, ReminderKind.ESCALATE_LEADER]),
        ("org_head", "【逾期升级：单位负责人】", reminder[only_leader.pk, ReminderKind.ESCALATE_LEADER]),
        # Escalation to the county: the lead unit and the county office, for every late unit.
        *((user, "【逾期升级：县牵头单位和县办】", reminder[unit, ReminderKind.ESCALATE_COUNTY])
          for user in (dept, admin) for unit in (lead, town, only_leader.pk)),
    }  # fmt: skip
    assert _messages() == expected
    assert result.reminders == Reminder.objects.count() == len(reminder)
    assert result.notifications == len(expected)
    assert not Reminder.objects.filter(notified_at__isnull=True).exists()
    assert boss.notifications.count() == 3
    assert not Notification.objects.filter(user__in=world.outsiders).exists()

    again = reminders_notify(now=NOW + D(minutes=5))
    assert (again.reminders, again.notifications) == (0, 0)
    assert Notification.objects.count() == len(expected)


def test_a_notification_names_the_task_the_unit_and_the_period_and_links_to_the_task(world):
    reminders_scan(today=world.due - D(days=1))
    reminders_notify(now=NOW)

    message = Notification.objects.get(user=world.clerk)
    assert message.title == "【明天到期】BD-05-01 建立试点工作台账：水布垭镇人民政府 2017年5–6月 报告"
    assert message.body == (
        "水布垭镇人民政府：《BD-05-01 建立试点工作台账》2017年5–6月 的进度报告将于 2017-06-30 截止，目前尚未提交。"
    )
    assert message.link == reverse("tasks:task_detail", args=[world.task.pk])
    assert (message.read_at, message.emailed_at) == (None, None)


def test_an_escalation_states_the_programs_number_of_days(world):
    reminders_scan(today=world.due + D(days=world.program.escalate_leader_after_days))
    reminders_notify(now=NOW)

    message = Notification.objects.get(user=world.leader)
    assert f"逾期 {world.program.escalate_leader_after_days} 天以上仍未提交" in message.body
    assert "2017-06-30" in message.body


def test_a_task_closed_between_scan_and_notify_sends_nothing(world):
    reminders_scan(today=world.due - D(days=1))
    services.task_close_out(actor=world.county_admin, task=world.task, note="提前完成。")

    result = reminders_notify(now=NOW)

    assert (result.reminders, result.notifications) == (2, 0)
    assert not Notification.objects.exists()


# --- digest ---------------------------------------------------------------------------------


def test_the_digest_sends_one_mail_per_user_per_day_with_all_items(world):
    today = world.due + D(days=offset(world.program, ReminderKind.ESCALATE_COUNTY))
    reminders_scan(today=today)
    reminders_notify(now=NOW)
    world.clerk.email = ""
    world.clerk.save()

    result = digest_send(today=today, now=NOW)

    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert len(mail.outbox) == len(by_recipient) == result.sent == 3
    assert set(by_recipient) == {
        f"{u.username}@example.cn" for u in (world.leader, world.department_user, world.county_admin)
    }
    admin_mail = by_recipient[f"{world.county_admin.username}@example.cn"]
    admin_items = list(Notification.objects.filter(user=world.county_admin))
    assert admin_mail.subject == f"试点工作提醒（{today:%Y-%m-%d}）：{len(admin_items)} 条"
    for item in admin_items:
        assert item.title in admin_mail.body
        assert item.emailed_at is not None
    html = admin_mail.alternatives[0][0]
    assert reverse("tasks:task_detail", args=[world.task.pk]) in html
    # No address: nothing mailed, everything still in the inbox, nothing marked e-mailed.
    assert Notification.objects.filter(user=world.clerk, emailed_at__isnull=True).count() == 1
    assert result.items == Notification.objects.filter(emailed_at__isnull=False).count()

    mail.outbox.clear()
    assert digest_send(today=today, now=NOW) == type(result)(sent=0, items=0)
    assert mail.outbox == []
    assert DigestDelivery.objects.filter(date=today).count() == 3


def test_messages_arriving_after_the_days_digest_wait_for_the_next_day(world):
    today = world.due - D(days=1)
    reminders_scan(today=today)
    reminders_notify(now=NOW)
    digest_send(today=today, now=NOW)
    mail.outbox.clear()
    Notification.objects.create(user=world.clerk, source="test:late", title="【已逾期】补充提醒")

    assert digest_send(today=today).sent == 0
    tomorrow = digest_send(today=today + D(days=1))

    assert tomorrow.sent == 1 and tomorrow.items == 1
    assert mail.outbox[0].to == [world.clerk.email]
    assert "【已逾期】补充提醒" in mail.outbox[0].body


def test_a_failed_mail_is_sent_again_on_the_next_run(world, settings):
    today = world.due - D(days=1)
    reminders_scan(today=today)
    reminders_notify(now=NOW)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens

    with pytest.raises(OSError):
        digest_send(today=today, now=NOW)
    assert not DigestDelivery.objects.exists()
    assert not Notification.objects.filter(emailed_at__isnull=False).exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert digest_send(today=today, now=NOW).sent == 2


# --- the whole run: service, command, Celery task -------------------------------------------


def test_the_daily_run_scans_notifies_and_mails(world):
    run = send_due_reminders(today=world.due - D(days=1), now=NOW)

    assert run.as_dict() == {
        "date": "2017-06-29",
        "reminders_created": 2,
        "reminders_notified": 2,
        "notifications": 2,
        "digests_sent": 2,
        "digest_items": 2,
    }
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.clerk.email, world.department_user.email])


def test_the_command_runs_the_same_service_and_reports_in_chinese(world, capsys):
    day = world.due + D(days=1)
    call_command("send_reminders", "--date", day.isoformat())
    out = capsys.readouterr().out

    assert f"{day:%Y-%m-%d} 提醒扫描完成：新增提醒 2 条" in out
    assert "生成站内消息 2 条" in out
    assert set(Reminder.objects.values_list("kind", flat=True)) == {ReminderKind.OVERDUE}

    assert "部门任务：新增 已逾期 2 条" in out

    call_command("send_reminders", "--date", day.isoformat())
    again = capsys.readouterr().out
    assert "新增提醒 0 条" in again
    assert "部门任务：" not in again
    with pytest.raises(CommandError, match="格式不对"):
        call_command("send_reminders", "--date", "2017-13-01")


def test_the_celery_task_runs_the_daily_service(world):
    result = send_due_reminders_task.apply(kwargs={"date_iso": (world.due - D(days=1)).isoformat()}).get()

    assert result["reminders_created"] == 2
    assert Reminder.objects.filter(kind=ReminderKind.DUE_TOMORROW).count() == 2
    assert send_due_reminders_task.acks_late is True


def test_unit_users_are_department_and_township_users_only(world):
    """A county viewer or an inspector of the county never receives a unit's reminders."""
    reminders_scan(today=world.due + D(days=1))
    reminders_notify(now=NOW)

    recipients = set(Notification.objects.values_list("user__username", flat=True))
    assert recipients == {world.clerk.username, world.department_user.username}
    assert TaskAssignment.objects.filter(task=world.task).count() == 2


# --- the benchmark's machinery at a tiny size ---------------------------------------------------


def test_the_bench_floor_selects_exactly_what_the_scan_records(db):
    from bench import reminders as bench_reminders

    result = bench_reminders.run(obligations=2_000, runs=1)

    assert result.problem is None
    assert result.obligations == 2_000
    assert result.scan_created == result.floor_created == result.floor_rows > 0
    assert result.repeat_created == result.floor_repeat_created == 0
    assert result.daily_created == result.floor_daily_created
    assert result.scan_queries == 2  # the working-day calendar and the one INSERT
    assert all(ms > 0 for ms in (result.floor_ms, result.floor_daily_ms, result.select_floor_ms))
