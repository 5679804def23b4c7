"""The committee's raised matters (R-J13) and its annual report and democratic evaluation
(R-J14): each form posts to one service and leaves an audit entry with the address; another
township's ids are 404; refusals come back on the form; the list pages read in a fixed number
of queries however many rows they show."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pilot_admin.models import AuditEntry
from supervision import services
from supervision.choices import MatterStatus
from supervision.models import AnnualReport, DemocraticEvaluation, RaisedMatter

ADDRESS = "10.9.9.8"


def _post(client, url, data):
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.post(url, data, REMOTE_ADDR=ADDRESS)
    return response, AuditEntry.objects.filter(id__gt=before)


def _audited(entries, user, model):
    assert entries.filter(actor=user).exists()
    assert set(entries.values_list("ip_address", flat=True)) == {ADDRESS}
    assert entries.filter(content_type__model=model._meta.model_name).exists()


def test_raise_a_matter_then_feed_back_to_villagers(client, township_a_official, filed_committee):
    client.force_login(township_a_official)
    response, entries = _post(
        client,
        reverse("supervision:matter_create", args=[filed_committee.pk]),
        {"raised_on": "2022-03-01", "duty": "disclosure", "matter": "村民反映公开栏三个月未更新"},
    )
    assert response.status_code == 302
    matter = RaisedMatter.objects.get()
    assert matter.status == MatterStatus.OPEN and matter.committee == filed_committee
    _audited(entries, township_a_official, RaisedMatter)
    page = client.get(reverse("supervision:matter_list", args=[filed_committee.pk])).content.decode()
    assert "村民反映公开栏三个月未更新" in page and "调查与反馈" in page

    response, entries = _post(
        client,
        reverse("supervision:matter_feedback", args=[matter.pk]),
        {
            "findings": "经查属实，村委会已补公开",
            "feedback": "已在公开栏补公开一季度财务",
            "fed_back_on": "2022-03-20",
            "channel": "notice_board",
        },
    )
    assert response.status_code == 302
    matter.refresh_from_db()
    assert matter.status == MatterStatus.FED_BACK
    assert (matter.fed_back_on, matter.channel) == (datetime.date(2022, 3, 20), "notice_board")
    _audited(entries, township_a_official, RaisedMatter)
    page = client.get(reverse("supervision:matter_list", args=[filed_committee.pk])).content.decode()
    assert "2022-03-20 村务公开栏：已在公开栏补公开一季度财务" in page
    assert "调查与反馈" not in page

    # A second feedback is refused on the form, and nothing changes.
    response = client.post(
        reverse("supervision:matter_feedback", args=[matter.pk]),
        {"findings": "再查", "feedback": "再报", "fed_back_on": "2022-03-25", "channel": "meeting"},
    )
    assert response.status_code == 200
    assert "该事项已反馈" in response.content.decode()
    matter.refresh_from_db()
    assert matter.channel == "notice_board"


def test_feedback_before_the_matter_was_raised_is_refused(client, township_a_official, filed_committee):
    matter = services.matter_raise(
        actor=township_a_official,
        committee=filed_committee,
        raised_on=datetime.date(2022, 3, 1),
        duty="assets",
        matter="集体山林承包费去向",
    )
    client.force_login(township_a_official)
    response = client.post(
        reverse("supervision:matter_feedback", args=[matter.pk]),
        {"findings": "查", "feedback": "复", "fed_back_on": "2022-02-01", "channel": "meeting"},
    )
    assert response.status_code == 200
    assert "反馈日期不能早于受理日期" in response.content.decode()
    matter.refresh_from_db()
    assert matter.status == MatterStatus.OPEN


def test_a_matter_outside_the_committees_term_is_refused(client, township_a_official, filed_committee):
    client.force_login(township_a_official)
    response = client.post(
        reverse("supervision:matter_create", args=[filed_committee.pk]),
        {"raised_on": "2020-01-01", "duty": "other", "matter": "任期前的事项"},
    )
    assert response.status_code == 200
    assert not RaisedMatter.objects.exists()


def test_annual_report_and_evaluation_year_by_year(client, township_a_official, filed_committee):
    client.force_login(township_a_official)
    response, entries = _post(
        client,
        reverse("supervision:annual_report_create", args=[filed_committee.pk]),
        {"year": 2022, "reported_on": "2022-12-20", "assembly": "representatives", "summary": "全年召开会议十二次"},
    )
    assert response.status_code == 302
    assert AnnualReport.objects.get().year == 2022
    _audited(entries, township_a_official, AnnualReport)
    response, entries = _post(
        client,
        reverse("supervision:evaluation_create", args=[filed_committee.pk]),
        {
            "year": 2022,
            "evaluated_on": "2022-12-20",
            "participants": 30,
            "satisfied": 25,
            "basically_satisfied": 4,
            "unsatisfied": 1,
            "published_on": "2022-12-25",
        },
    )
    assert response.status_code == 302
    evaluation = DemocraticEvaluation.objects.get()
    assert (evaluation.satisfied, evaluation.published_on) == (25, datetime.date(2022, 12, 25))
    _audited(entries, township_a_official, DemocraticEvaluation)
    page = client.get(reverse("supervision:annual_list", args=[filed_committee.pk])).content.decode()
    assert "2022-12-20 向村民代表会议报告：全年召开会议十二次" in page
    assert "满意 25、基本满意 4、不满意 1" in page and "2022-12-25" in page

    # The same year twice, and more votes than participants, come back on the form.
    response = client.post(
        reverse("supervision:annual_report_create", args=[filed_committee.pk]),
        {"year": 2022, "reported_on": "2022-12-21", "assembly": "villagers", "summary": "重复"},
    )
    assert response.status_code == 200 and "该年度已有工作报告" in response.content.decode()
    response = client.post(
        reverse("supervision:evaluation_create", args=[filed_committee.pk]),
        {"year": 2023, "evaluated_on": "2023-12-20", "participants": 10, "satisfied": 9, "unsatisfied": 5},
    )
    assert response.status_code == 200 and "评议票数之和不能多于参评人数" in response.content.decode()
    assert AnnualReport.objects.count() == 1 and DemocraticEvaluation.objects.count() == 1


@pytest.mark.parametrize(
    "name", ["matter_list", "matter_create", "annual_list", "annual_report_create", "evaluation_create"]
)
def test_another_townships_committee_is_a_404(client, township_b_official, filed_committee, name):
    client.force_login(township_b_official)
    url = reverse(f"supervision:{name}", args=[filed_committee.pk])
    assert client.get(url).status_code == 404
    if not name.endswith("_list"):
        assert client.post(url, {}).status_code == 404


def test_another_townships_matter_is_a_404(client, township_a_official, township_b_official, filed_committee):
    matter = services.matter_raise(
        actor=township_a_official,
        committee=filed_committee,
        raised_on=datetime.date(2022, 3, 1),
        duty="integrity",
        matter="外乡镇不可见",
    )
    client.force_login(township_b_official)
    url = reverse("supervision:matter_feedback", args=[matter.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"findings": "x", "feedback": "y", "fed_back_on": "2022-03-02"}).status_code == 404
    matter.refresh_from_db()
    assert matter.status == MatterStatus.OPEN


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_pages_read_in_the_same_number_of_queries_at_two_sizes(client, township_a_official, filed_committee):
    client.force_login(township_a_official)
    matters_url = reverse("supervision:matter_list", args=[filed_committee.pk])
    annual_url = reverse("supervision:annual_list", args=[filed_committee.pk])

    def add(year):
        services.matter_raise(
            actor=township_a_official,
            committee=filed_committee,
            raised_on=datetime.date(year, 3, 1),
            duty="decisions",
            matter=f"{year}年事项",
        )
        services.annual_report_record(
            actor=township_a_official,
            committee=filed_committee,
            year=year,
            reported_on=datetime.date(year, 12, 20),
            assembly="villagers",
            summary=f"{year}年报告",
        )
        services.evaluation_record(
            actor=township_a_official,
            committee=filed_committee,
            year=year,
            evaluated_on=datetime.date(year, 12, 20),
            participants=20,
            satisfied=20,
        )

    add(2022)
    _count_queries(client, matters_url), _count_queries(client, annual_url)  # warm the session and caches
    small = (_count_queries(client, matters_url), _count_queries(client, annual_url))
    for year in (2023, 2024, 2025):
        add(year)
    large = (_count_queries(client, matters_url), _count_queries(client, annual_url))
    assert small == large
    assert "2025年事项" in client.get(matters_url).content.decode()
