"""The write rules of the tasks app: close-out and reopening, the report state machine, locking
after the due date and unlocking, one reviewer winning, attachment checks, and the township
boundary. Each test checks the database, then the message."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from pilot_admin import uploads
from pilot_admin.models import AuditEntry
from tasks import services
from tasks.choices import ReportStatus, TaskStatus
from tasks.models import ProgressReport, ReportAttachment, ReportUnlock
from tests.factories import bimonthly_task
from villages import services as village_services

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture
def government_a(township_a):
    return village_services.township_government_ensure(township=township_a)


@pytest.fixture
def task(county_admin, program, department, township_a, government_a):
    return bimonthly_task(actor=county_admin, program=program, lead=[department], townships=[township_a])


@pytest.fixture
def period(task):
    """2018年1–2月, due 2018-02-28."""
    return task.periods.order_by("due_date").first()


@pytest.fixture
def in_time(period):
    """A day on which the period is open for reports (its due date)."""
    return period.due_date


def _submit(user, period, today, **fields):
    fields.setdefault("text", "服务站台账已建立。")
    fields.setdefault("percent_complete", 40)
    return services.report_save(actor=user, period=period, submit=True, today=today, **fields)


def _audit(instance):
    return AuditEntry.objects.filter(object_id=str(instance.pk), object_repr=str(instance)[:200])


# --- close-out -------------------------------------------------------------------------------


def test_close_out_requires_a_note(county_admin, task):
    with pytest.raises(ValidationError) as raised:
        services.task_close_out(actor=county_admin, task=task, note="   ")
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.closed_out_at is None
    assert raised.value.message_dict == {"note": ["销号须填写说明。"]}


def test_a_closed_out_task_refuses_reports(county_admin, township_a_official, task, period, in_time):
    services.task_close_out(actor=county_admin, task=task, note="服务站全部建成，验收合格。")
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED_OUT
    assert task.closed_out_by == county_admin and task.close_out_note == "服务站全部建成，验收合格。"

    with pytest.raises(ValidationError) as raised:
        _submit(township_a_official, period, in_time)
    assert not ProgressReport.objects.exists()
    assert raised.value.messages == ["该任务已销号，不再接收报告。"]


def test_reopening_needs_a_reason_and_is_audited(county_admin, township_a_official, task, period, in_time):
    services.task_close_out(actor=county_admin, task=task, note="已完成。")
    with pytest.raises(ValidationError) as raised:
        services.task_reopen(actor=county_admin, task=task, reason="")
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED_OUT
    assert raised.value.message_dict == {"reason": ["撤销销号须填写原因。"]}

    services.task_reopen(actor=county_admin, task=task, reason="督查发现两个村服务站未挂牌。")
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.closed_out_at is None and task.closed_out_by is None
    entry = _audit(task).order_by("-id").first()
    assert entry.actor == county_admin
    assert entry.note == "撤销销号：督查发现两个村服务站未挂牌。"
    assert entry.changes["status"] == {"label": "状态", "old": "已销号", "new": "进行中"}
    # Reopened, the task takes reports again.
    assert _submit(township_a_official, period, in_time).status == ReportStatus.SUBMITTED


def test_only_the_county_office_closes_out(department_user, task):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.task_close_out(actor=department_user, task=task, note="完成")
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


# --- the report state machine ------------------------------------------------------------------


def test_a_returned_report_can_be_edited_and_resubmitted(county_admin, township_a_official, period, in_time):
    report = _submit(township_a_official, period, in_time)
    first_submission = report.first_submitted_at
    services.report_return(actor=county_admin, report=report, reason="请附服务站照片。")
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED and report.return_reason == "请附服务站照片。"

    again = _submit(township_a_official, period, in_time, text="已补充照片。", percent_complete=60)
    assert again.pk == report.pk
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert (report.text, report.percent_complete) == ("已补充照片。", 60)
    # Timeliness is judged on the first submission, not the resubmission.
    assert report.first_submitted_at == first_submission
    assert report.submitted_at >= first_submission


def test_a_submitted_report_waits_for_review(township_a_official, period, in_time):
    _submit(township_a_official, period, in_time)
    with pytest.raises(ValidationError) as raised:
        _submit(township_a_official, period, in_time, text="改一下")
    assert ProgressReport.objects.get().text == "服务站台账已建立。"
    assert raised.value.messages == ["报告已提交，不能修改。"]


def test_an_accepted_report_cannot_be_edited(county_admin, township_a_official, period, in_time):
    report = _submit(township_a_official, period, in_time)
    services.report_accept(actor=county_admin, report=report)
    with pytest.raises(ValidationError) as raised:
        services.report_save(actor=township_a_official, period=period, submit=False, text="改为草稿", today=in_time)
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and report.text == "服务站台账已建立。"
    assert raised.value.messages == ["报告已采纳，不能修改。"]
    with pytest.raises(ValidationError):
        services.report_return(actor=county_admin, report=report, reason="再看看")
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED


def test_returning_needs_a_reason(county_admin, township_a_official, period, in_time):
    report = _submit(township_a_official, period, in_time)
    with pytest.raises(ValidationError) as raised:
        services.report_return(actor=county_admin, report=report, reason=" ")
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert raised.value.message_dict == {"reason": ["退回须填写原因。"]}


def test_two_reviewers_accepting_at_once_exactly_one_wins(county_admin, township_a_official, period, in_time, county):
    from pilot_admin.choices import Role
    from tests.factories import UserFactory

    colleague = UserFactory(role=Role.COUNTY_ADMIN, county=county)
    report = _submit(township_a_official, period, in_time)
    # Both loaded the report while it was 已提交.
    seen_by_first = ProgressReport.objects.get(pk=report.pk)
    seen_by_second = ProgressReport.objects.get(pk=report.pk)
    services.report_accept(actor=county_admin, report=seen_by_first)
    with pytest.raises(ValidationError) as raised:
        services.report_return(actor=colleague, report=seen_by_second, reason="数据不全")
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and report.reviewed_by == county_admin
    assert report.return_reason == ""
    assert raised.value.messages == ["只有“已提交”的报告可以审核（可能已被他人处理）。"]
    with pytest.raises(ValidationError):
        services.report_accept(actor=colleague, report=seen_by_second)
    report.refresh_from_db()
    assert report.reviewed_by == county_admin
    assert _audit(report).filter(actor=colleague).count() == 0


# --- locking after the due date ------------------------------------------------------------------


def test_reports_lock_the_day_after_report_lock_days(program, township_a_official, period):
    lock_days = program.report_lock_days
    last_open_day = period.due_date + datetime.timedelta(days=lock_days)
    assert services.lock_date(period) == last_open_day

    # Day N after the due date: still open.
    draft = services.report_save(actor=township_a_official, period=period, submit=False, today=last_open_day)
    assert draft.status == ReportStatus.DRAFT
    # Day N + 1: locked, even for the unit's own draft.
    with pytest.raises(ValidationError) as raised:
        _submit(township_a_official, period, last_open_day + datetime.timedelta(days=1))
    assert ProgressReport.objects.get().status == ReportStatus.DRAFT
    assert raised.value.messages == [f"本期已于 {last_open_day:%Y-%m-%d} 锁定，如需补报请联系县领导小组办公室解锁。"]


def test_the_lock_follows_the_programs_setting(program, township_a_official, period):
    program.report_lock_days = 3
    program.save()
    day_four = period.due_date + datetime.timedelta(days=4)
    with pytest.raises(ValidationError):
        _submit(township_a_official, period, day_four)
    program.report_lock_days = 4
    program.save()
    period.refresh_from_db()
    assert _submit(township_a_official, period, day_four).status == ReportStatus.SUBMITTED


def test_an_unlock_lets_one_unit_report_until_its_date(
    county_admin, department_user, department, township_a_official, government_a, period
):
    today = timezone.localdate()
    until = today + datetime.timedelta(days=5)
    assert services.is_locked(period=period, department=government_a, today=today)

    with pytest.raises(ValidationError) as raised:
        services.period_unlock(actor=county_admin, period=period, department=government_a, reason="", until=until)
    assert not ReportUnlock.objects.exists()
    assert raised.value.message_dict == {"reason": ["解锁须填写原因。"]}

    unlock = services.period_unlock(
        actor=county_admin, period=period, department=government_a, reason="乡镇换届，补报台账。", until=until
    )
    assert AuditEntry.objects.filter(object_id=str(unlock.pk), note="乡镇换届，补报台账。").exists()

    # The township may report until the date, inclusive …
    assert _submit(township_a_official, period, until).status == ReportStatus.SUBMITTED
    # … the lead department, not unlocked, may not.
    with pytest.raises(ValidationError):
        _submit(department_user, period, today)
    assert not ProgressReport.objects.filter(department=department).exists()
    # And after the date the township is locked out again.
    assert services.is_locked(period=period, department=government_a, today=until + datetime.timedelta(days=1))


def test_an_unlock_cannot_end_in_the_past(county_admin, government_a, period):
    with pytest.raises(ValidationError) as raised:
        services.period_unlock(
            actor=county_admin,
            period=period,
            department=government_a,
            reason="补报",
            until=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert not ReportUnlock.objects.exists()
    assert raised.value.message_dict == {"until": ["解锁截止日期不能早于今天。"]}


# --- attachments ---------------------------------------------------------------------------------


@pytest.fixture
def draft(township_a_official, period, in_time):
    return services.report_save(actor=township_a_official, period=period, submit=False, text="草稿", today=in_time)


def test_a_pdf_attachment_is_stored_and_audited(township_a_official, draft):
    attachment = services.attachment_add(
        actor=township_a_official, report=draft, upload=SimpleUploadedFile("台账.pdf", PDF)
    )
    assert attachment.original_name == "台账.pdf" and attachment.size == len(PDF)
    with attachment.file.open("rb") as handle:
        assert handle.read() == PDF
    assert uploads.content_type_for(attachment.original_name) == "application/pdf"
    assert AuditEntry.objects.filter(object_id=str(attachment.pk), note="报告附件：台账.pdf").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", b"MZ\x90\x00", "不支持的附件类型“.exe”，请上传 PDF、图片、Word 或 Excel 文件。"),
        ("照片.pdf", PNG, "文件“照片.pdf”的内容与扩展名不符。"),
        ("无扩展名", PDF, "不支持的附件类型“无扩展名”，请上传 PDF、图片、Word 或 Excel 文件。"),
    ],
)
def test_attachments_are_checked_by_type_and_first_bytes(township_a_official, draft, name, content, message):
    with pytest.raises(ValidationError) as raised:
        services.attachment_add(actor=township_a_official, report=draft, upload=SimpleUploadedFile(name, content))
    assert not ReportAttachment.objects.exists()
    assert raised.value.messages == [message]


def test_attachments_are_checked_by_size(township_a_official, draft):
    limit = 1024 * 1024
    at_limit = PDF + b"0" * (limit - len(PDF))
    with override_settings(REPORT_ATTACHMENT_MAX_BYTES=limit):
        services.attachment_add(actor=township_a_official, report=draft, upload=SimpleUploadedFile("a.pdf", at_limit))
        with pytest.raises(ValidationError) as raised:
            services.attachment_add(
                actor=township_a_official, report=draft, upload=SimpleUploadedFile("b.pdf", at_limit + b"0")
            )
    assert list(ReportAttachment.objects.values_list("original_name", flat=True)) == ["a.pdf"]
    assert raised.value.messages == ["附件不能超过 1 MB。"]


def test_a_submitted_report_takes_no_more_attachments(township_a_official, period, in_time):
    report = _submit(township_a_official, period, in_time)
    with pytest.raises(ValidationError) as raised:
        services.attachment_add(actor=township_a_official, report=report, upload=SimpleUploadedFile("a.pdf", PDF))
    assert not ReportAttachment.objects.exists()
    assert raised.value.messages == ["报告已提交，不能再添加附件。"]


def test_another_unit_cannot_attach_to_a_report(department_user, draft):
    with pytest.raises(ValidationError) as raised:
        services.attachment_add(actor=department_user, report=draft, upload=SimpleUploadedFile("a.pdf", PDF))
    assert not ReportAttachment.objects.exists()
    assert raised.value.messages == ["报告不存在或不属于您的单位。"]


# --- the township boundary -------------------------------------------------------------------------


def test_a_township_cannot_report_for_a_task_not_assigned_to_it(
    township_b_official, township_b, period, in_time, task, client
):
    village_services.township_government_ensure(township=township_b)
    with pytest.raises(ValidationError) as raised:
        _submit(township_b_official, period, in_time)
    assert not ProgressReport.objects.exists()
    assert raised.value.messages == ["该任务不在您单位的职责范围内。"]

    # Nor see it: every page of the task is a 404 for township B.
    client.force_login(township_b_official)
    for url in (
        reverse("tasks:task_detail", args=[task.pk]),
        reverse("tasks:report_edit", args=[period.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert task.title not in response.content.decode()
    response = client.post(reverse("tasks:report_edit", args=[period.pk]), {"percent_complete": 10, "action": "submit"})
    assert response.status_code == 404
    assert not ProgressReport.objects.exists()


def test_a_report_is_written_for_the_users_own_unit(township_a_official, government_a, period, in_time):
    report = _submit(township_a_official, period, in_time)
    assert report.department == government_a and report.task == period.task
    assert report.submitted_by == township_a_official


def test_the_report_form_upload_is_all_or_nothing(county_admin, township_a_official, government_a, period, client):
    """A bad file among the uploads keeps the text unsaved too: the page's save is one
    transaction over report_save and attachment_add."""
    services.period_unlock(
        actor=county_admin, period=period, department=government_a, reason="补报", until=timezone.localdate()
    )
    client.force_login(township_a_official)
    good = io.BytesIO(PDF)
    good.name = "台账.pdf"
    bad = io.BytesIO(b"MZ")
    bad.name = "病毒.exe"
    response = client.post(
        reverse("tasks:report_edit", args=[period.pk]),
        {"text": "台账", "percent_complete": 30, "attachments": [good, bad], "action": "submit"},
    )
    assert response.status_code == 200
    assert not ProgressReport.objects.exists()
    assert not ReportAttachment.objects.exists()
    assert "不支持的附件类型“.exe”" in response.content.decode()
