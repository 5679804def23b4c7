"""A report is submitted only with something to read (进展情况 text or an attachment), and a
half-year or year summary only signed by the unit's principal leader (R-G5). Drafts may be
incomplete. The same refusal on the page and in the service."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tasks import services
from tasks.choices import ReportStatus
from tasks.models import ProgressReport
from tests.factories import bimonthly_task
from villages import services as village_services

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n"
NEEDS_TEXT = "请填写进展情况或上传附件后再提交（只填完成进度不能提交）。"
NEEDS_SIGNATURE = "半年总结和年度总结须经单位主要领导签字后提交，请签字后勾选“经主要领导签字”。"


@pytest.fixture
def government_a(township_a):
    return village_services.township_government_ensure(township=township_a)


@pytest.fixture
def ledger_period(county_admin, program, department, government_a, township_a):
    task = bimonthly_task(actor=county_admin, program=program, lead=[department], townships=[township_a])
    return task.periods.order_by("due_date").first()


@pytest.fixture
def summary_period(county_admin, program, department, government_a, township_a):
    """A task reporting by the half-year (06-15) and year (11-30) summaries of R-G5."""
    task = bimonthly_task(
        actor=county_admin,
        program=program,
        lead=[department],
        townships=[township_a],
        code="BD-01-01",
        cadence_kind="fixed_dates",
        cadence_months=None,
        cadence_dates=["06-15", "11-30"],
    )
    return task.periods.get(due_date=datetime.date(2018, 6, 15))


def test_only_a_percentage_is_not_a_report(ledger_period, township_a_official):
    with pytest.raises(ValidationError) as error:
        services.report_save(
            actor=township_a_official,
            period=ledger_period,
            submit=True,
            text="  ",
            percent_complete=30,
            today=ledger_period.due_date,
        )
    assert error.value.message_dict == {"text": [NEEDS_TEXT]}
    assert not ProgressReport.objects.exists()


def test_a_draft_may_hold_only_a_percentage(ledger_period, township_a_official):
    report = services.report_save(
        actor=township_a_official, period=ledger_period, submit=False, percent_complete=30, today=ledger_period.due_date
    )
    assert report.status == ReportStatus.DRAFT


def test_an_attachment_alone_is_a_report(ledger_period, township_a_official):
    draft = services.report_save(
        actor=township_a_official, period=ledger_period, submit=False, today=ledger_period.due_date
    )
    services.attachment_add(
        actor=township_a_official, report=draft, upload=SimpleUploadedFile("台账.pdf", PDF, "application/pdf")
    )
    report = services.report_save(
        actor=township_a_official,
        period=ledger_period,
        submit=True,
        percent_complete=30,
        version=draft.version,
        today=ledger_period.due_date,
    )
    assert report.status == ReportStatus.SUBMITTED


def test_a_summary_needs_the_principal_leaders_signature(summary_period, township_a_official):
    with pytest.raises(ValidationError) as error:
        services.report_save(
            actor=township_a_official,
            period=summary_period,
            submit=True,
            text="上半年总结",
            today=summary_period.due_date,
        )
    assert error.value.message_dict == {"signed_by_principal": [NEEDS_SIGNATURE]}

    report = services.report_save(
        actor=township_a_official,
        period=summary_period,
        submit=True,
        text="上半年总结",
        signed_by_principal=True,
        today=summary_period.due_date,
    )
    assert report.status == ReportStatus.SUBMITTED


def test_a_ledger_report_is_accepted_unsigned(ledger_period, township_a_official):
    report = services.report_save(
        actor=township_a_official, period=ledger_period, submit=True, text="已建台账", today=ledger_period.due_date
    )
    assert (report.status, report.signed_by_principal) == (ReportStatus.SUBMITTED, False)


def test_the_page_shows_both_refusals_at_once_and_keeps_nothing(
    county_admin, program, department, government_a, township_a, township_a_official, login
):
    due = timezone.localdate() + datetime.timedelta(days=5)
    task = bimonthly_task(
        actor=county_admin,
        program=program,
        lead=[department],
        townships=[township_a],
        code="BD-01-02",
        start_date=due - datetime.timedelta(days=60),
        deadline=due,
        cadence_kind="fixed_dates",
        cadence_months=None,
        cadence_dates=[f"{due:%m-%d}"],
    )
    period = task.periods.get(due_date=due)
    client = login(township_a_official)
    form = client.get(reverse("tasks:report_edit", args=[period.pk])).content.decode()
    assert "本期为半年总结或年度总结，须经单位主要领导签字后提交。" in form
    assert "提交时须填写进展情况或上传附件" in form
    response = client.post(
        reverse("tasks:report_edit", args=[period.pk]),
        {"text": "", "percent_complete": "30", "version": "0", "action": "submit"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert NEEDS_TEXT in page
    assert "半年总结和年度总结须经单位主要领导签字后提交" in page
    assert not ProgressReport.objects.exists()
