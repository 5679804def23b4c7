"""The change record as people read it: on a record's page (修改记录) and on the audit log,
times in local time to the minute, choice labels (lists too), 是/否, and on the log each
record by its name (a person's masked) with a link that opens."""

import datetime
import html
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from guardianship.models import Agreement
from pilot_admin.audit import services as audit
from pilot_admin.choices import AuditAction
from pilot_admin.models import AuditEntry
from tasks import services as task_services
from tests.factories import PersonFactory, UserFactory, bimonthly_task
from villages import services as village_services
from villages.models import Village

pytestmark = pytest.mark.django_db

LOG = reverse("audit_log")
MACHINE_TIME = re.compile(r"\d{2}:\d{2}:\d{2}(\.\d+)?(\+00:00)?")


def _log_section(page: str) -> str:
    return page[page.index('id="audit-log"') :]


def test_a_reports_history_shows_local_minutes_and_labels(login, county_admin, program, department, township_a):
    village_services.township_government_ensure(township=township_a)
    today = timezone.localdate()
    task = bimonthly_task(
        actor=county_admin,
        program=program,
        lead=[department],
        townships=[township_a],
        start_date=today - datetime.timedelta(days=70),
        deadline=today + datetime.timedelta(days=200),
    )
    period = task.periods.get(start__lte=today, due_date__gte=today)
    official = UserFactory(role="township", township=township_a, county=township_a.county)
    report = task_services.report_save(actor=official, period=period, submit=True, text="已召开动员会")
    report = task_services.report_accept(actor=county_admin, report=report)

    page = _log_section(login(county_admin).get(report.get_absolute_url()).content.decode())

    assert f"{timezone.localtime(report.submitted_at):%Y-%m-%d %H:%M}" in page
    assert f"{timezone.localtime(report.reviewed_at):%Y-%m-%d %H:%M}" in page
    assert not MACHINE_TIME.search(page)
    assert "<del>已提交</del> → 已采纳" in page


def _agreement_entry(actor, changes, action=AuditAction.CREATE):
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=str(actor),
        action=action,
        content_type=ContentType.objects.get_for_model(Agreement),
        object_id="7",
        object_repr="张三丰（亲属） 2026-12-01",
        changes=changes,
    )


def test_the_log_shows_list_choices_booleans_and_times_as_labels(login, audit_admin, county_admin):
    # As audit.record stores a JSON list of duties, and as an older page printed it into text.
    _agreement_entry(
        county_admin,
        {
            "duties": {"label": "监护照料职责", "old": "", "new": ["daily_watch", "living_care"]},
            "signed_at": {"label": "签订时间", "old": "", "new": "2026-12-06 09:10:10.510304+00:00"},
            "flag": {"label": "已核实", "old": "", "new": True},
        },
    )
    _agreement_entry(
        county_admin,
        {"duties": {"label": "监护照料职责", "old": "['represent']", "new": "['daily_watch', 'living_care']"}},
        action=AuditAction.UPDATE,
    )

    page = html.unescape(login(audit_admin).get(LOG).content.decode())

    assert "监护照料职责</strong>：日常看护、生活照料" in page
    assert "<del>代理实施民事法律行为</del> → 日常看护、生活照料" in page
    assert "daily_watch" not in page
    assert "签订时间</strong>：2026-12-06 17:10" in page
    assert "已核实</strong>：是" in page
    assert not MACHINE_TIME.search(page.split('id="audit-entries"')[1].split("</table>")[0])


def test_the_log_names_the_record_masks_a_person_and_links_to_its_history(
    login, audit_admin, county_admin, township_a_official, village_a
):
    village_services.village_update(actor=county_admin, village=village_a, households=412)
    person = PersonFactory(village=village_a, name="李秀英")
    audit.record(actor=township_a_official, instance=person, action=AuditAction.CREATE)
    village_kind = ContentType.objects.get_for_model(Village).pk

    page = html.unescape(login(audit_admin).get(LOG).content.decode())

    assert f'<a href="{LOG}?kind={village_kind}&object_id={village_a.pk}">{village_a.name}</a>' in page
    (person_row,) = [row for row in page.split("<tr>") if f"object_id={person.pk}" in row and "特困人员" in row]
    assert ">李**</a></span></td>" in person_row
    # The link opens: the record's whole history in the log, for a reader who sees no village pages.
    history = login(audit_admin).get(LOG, {"kind": village_kind, "object_id": village_a.pk})
    assert history.status_code == 200 and "<del>300</del> → 412" in history.content.decode()


def test_an_export_is_logged_as_its_file_not_as_the_user_who_made_it(login, audit_admin, county_admin):
    AuditEntry.objects.create(
        actor=county_admin,
        actor_name=str(county_admin),
        action=AuditAction.EXPORT,
        # How record_export stored an export of no single kind: the exporting user as its record.
        content_type=ContentType.objects.get_for_model(county_admin),
        object_id=str(county_admin.pk),
        object_repr="任务台账",
        note="导出 任务台账，12 行（筛选：无）",
    )

    page = login(audit_admin).get(LOG).content.decode()
    (row,) = [row for row in page.split("<tr>") if "任务台账" in row]

    assert '<td data-label="记录类型"><span>—</span></td>' in row
    assert '<td data-label="记录"><span>任务台账</span></td>' in row
    assert f"#{county_admin.pk}" not in row and ">用户<" not in row
