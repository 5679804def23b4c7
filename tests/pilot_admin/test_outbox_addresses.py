"""People's addresses and channel choices (我的账户 → 提醒渠道), what the county allows, the
escalations that always reach a channel, masked numbers in lists, and the county's 提醒送达情况
page with its 未送达 people."""

import datetime

import pytest
from django.urls import reverse

from pilot_admin.choices import Channel, NoticeKind, OutboxStatus
from pilot_admin.models import AuditEntry, Notification, OutboxMessage, User
from pilot_admin.notifications.outbox import channels_for, outbox_fill, outbox_run
from pilot_admin.notifications.services import notify
from tests.factories import CountyFactory, UserFactory

NOW = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _console_channels(settings):
    settings.NOTIFY_PROVIDERS = dict.fromkeys(Channel.values, "console")
    settings.NOTIFY_CHANNEL_KINDS = {
        Channel.SMS: [NoticeKind.OVERDUE, NoticeKind.ESCALATE_LEADER, NoticeKind.ESCALATE_COUNTY],
        Channel.WECOM: list(NoticeKind.values),
        Channel.DINGTALK: list(NoticeKind.values),
    }
    settings.NOTIFY_ESCALATION_CHANNELS = [Channel.SMS, Channel.WECOM, Channel.DINGTALK]


def _post(client, **overrides):
    data = {"phone": "13812345678", "wecom_userid": "zhangsan", "dingtalk_userid": "", **overrides}
    return client.post(reverse("accounts:notice_channels"), data)


def test_a_person_sets_their_addresses_and_channels_and_it_is_audited(login, township_a_official):
    client = login(township_a_official)
    page = client.get(reverse("accounts:notice_channels")).content.decode()
    # SMS is offered only for the kinds the county allows on it.
    assert 'name="overdue__sms"' in page and 'name="due_soon__sms"' not in page
    assert 'name="due_soon__wecom"' in page

    response = _post(client, **{"due_soon__wecom": "on", "overdue__sms": "on", "due_soon__sms": "on"})

    assert response.status_code == 302
    user = User.objects.get(pk=township_a_official.pk)
    assert (user.phone, user.wecom_userid, user.dingtalk_userid) == ("13812345678", "zhangsan", "")
    assert user.notice_channels["due_soon"] == ["wecom"]  # the SMS the county does not allow is dropped
    assert user.notice_channels["overdue"] == ["sms"]
    assert user.notice_channels["notice"] == []
    entry = AuditEntry.objects.filter(object_id=str(user.pk)).latest("id")
    assert entry.note == "修改提醒渠道"


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "138123456789", "23812345678", "1381234567a"])
def test_a_mobile_number_that_is_not_chinese_is_refused_in_chinese(login, township_a_official, phone):
    response = _post(login(township_a_official), phone=phone)

    assert response.status_code == 200
    assert User.objects.get(pk=township_a_official.pk).phone == ""
    assert "请填写 11 位中国大陆手机号" in response.content.decode()


def test_the_account_page_shows_the_masked_number_and_where_each_kind_goes(login, township_a_official):
    township_a_official.phone = "13812345678"
    township_a_official.notice_channels = {"due_soon": []}
    township_a_official.save()

    page = login(township_a_official).get(reverse("accounts:account")).content.decode()

    assert "138****5678" in page and "13812345678" not in page
    assert '<td data-label="提醒类别">即将到期</td><td data-label="送达渠道">仅站内消息</td>' in page
    assert '<td data-label="提醒类别">已逾期</td><td data-label="送达渠道">短信</td>' in page


def test_the_account_list_masks_mobile_numbers(login, system_admin, county):
    UserFactory(role="county_viewer", county=county, username="li", phone="13987654321")

    page = login(system_admin).get(reverse("accounts:account_list")).content.decode()

    assert "139****4321" in page
    assert "13987654321" not in page


def test_channels_follow_the_choice_within_what_the_county_allows(db):
    person = UserFactory(phone="13812345678", wecom_userid="zs", dingtalk_userid="ding-zs")

    assert channels_for(person, NoticeKind.DUE_SOON) == ["wecom", "dingtalk"]  # never chosen: all allowed
    assert channels_for(person, NoticeKind.OVERDUE) == ["sms", "wecom", "dingtalk"]
    person.notice_channels = {"due_soon": ["dingtalk", "sms"], "notice": []}
    assert channels_for(person, NoticeKind.DUE_SOON) == ["dingtalk"]
    assert channels_for(person, NoticeKind.NOTICE) == []


def test_escalations_always_reach_a_configured_channel(db, settings):
    person = UserFactory(wecom_userid="zs", dingtalk_userid="ding-zs")
    person.notice_channels = {kind: [] for kind in NoticeKind.values}

    # No mobile number: the first escalation channel they can be reached by.
    assert channels_for(person, NoticeKind.ESCALATE_LEADER) == ["wecom"]
    assert channels_for(person, NoticeKind.OVERDUE) == ["wecom"]
    assert channels_for(person, NoticeKind.DUE_TOMORROW) == []
    settings.NOTIFY_PROVIDERS = {**settings.NOTIFY_PROVIDERS, Channel.WECOM: "off"}
    assert channels_for(person, NoticeKind.ESCALATE_COUNTY) == ["dingtalk"]


def test_a_reminder_notification_carries_its_kind_into_the_outbox(db):
    person = UserFactory(wecom_userid="zs")
    person.notice_channels = {"due_soon": [], "escalate_leader": ["wecom"]}
    person.save()
    notify(users=[person], source="a", title="【处理结果】已采纳")
    Notification.objects.create(user=person, source="b", title="【即将到期】报告", kind=NoticeKind.DUE_SOON)
    Notification.objects.create(user=person, source="c", title="【逾期升级】报告", kind=NoticeKind.ESCALATE_LEADER)

    outbox_fill(now=NOW)

    assert sorted(OutboxMessage.objects.values_list("kind", "channel")) == [
        ("escalate_leader", "wecom"),
        ("notice", "wecom"),
    ]


def test_the_county_page_shows_undelivered_people_and_failures_of_its_own_county(
    login, county_admin, county, township_a_official, settings
):
    settings.NOTIFY_PROVIDERS = {**settings.NOTIFY_PROVIDERS, Channel.SMS: "aliyun"}
    settings.SMS_TEMPLATES = {}  # a kind without a template: refused at once
    township_a_official.phone = "13812345678"
    township_a_official.save()
    nowhere = UserFactory(role="county_viewer", county=county, username="nowhere", last_name="王无渠道")
    other_county = CountyFactory(name="建始县", admin_code="422822")
    elsewhere = UserFactory(role="county_viewer", county=other_county, username="far", last_name="外县人")
    notify(users=[township_a_official, nowhere, elsewhere], source="x", title="【已逾期】村务公开报告")
    Notification.objects.update(kind=NoticeKind.OVERDUE)

    outbox_run(now=NOW)

    assert OutboxMessage.objects.get().status == OutboxStatus.FAILED
    page = login(county_admin).get(reverse("notification_delivery")).content.decode()
    undelivered = page.split('id="undelivered"', 1)[1].split('id="failures"', 1)[0]
    assert "王无渠道" in undelivered and "未送达" in undelivered
    assert "外县人" not in page
    failures = page.split('id="failures"', 1)[1]
    assert "138****5678" in failures and "13812345678" not in page
    assert "未配置“已逾期”的短信模板编号" in failures
    # The person is still told in the inbox.
    assert Notification.objects.filter(user=nowhere, undelivered=True).exists()


def test_the_delivery_page_is_the_county_office_s(login, township_a_official, county_viewer):
    assert login(township_a_official).get(reverse("notification_delivery")).status_code == 403
    assert login(county_viewer).get(reverse("notification_delivery")).status_code == 403
