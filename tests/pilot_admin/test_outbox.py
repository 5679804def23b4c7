"""The outbox against real HTTP: each provider's client talks to a local server speaking its wire
format (tests/helpers/provider_server.py, which checks the Alibaba Cloud signature and the
access tokens). One message per person, channel and notice; outages and throttling retried
with backoff and delivered once; given up after OUTBOX_MAX_ATTEMPTS; a claim left by a killed
worker expires and the message goes out once; DingTalk's same-content-once-a-day limit."""

import datetime
import json

import pytest
from django.utils import timezone

from pilot_admin.choices import Channel, NoticeKind, OutboxStatus
from pilot_admin.models import Notification, OutboxMessage
from pilot_admin.notifications.outbox import backoff, outbox_claim, outbox_deliver, outbox_fill, outbox_run
from pilot_admin.notifications.providers import aliyun_signature
from pilot_admin.notifications.services import notification_file_as_read, notify
from tests.factories import UserFactory
from tests.helpers import provider_server as ps

NOW = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)


@pytest.fixture
def server(settings):
    with ps.ProviderServer() as running:
        settings.NOTIFY_PROVIDERS = {Channel.SMS: "aliyun", Channel.WECOM: "wecom", Channel.DINGTALK: "dingtalk"}
        settings.NOTIFY_CHANNEL_KINDS = {channel: list(NoticeKind.values) for channel in Channel.values}
        settings.ALIYUN_SMS_ENDPOINT = running.url
        settings.ALIYUN_ACCESS_KEY_ID = ps.ALIYUN_KEY_ID
        settings.ALIYUN_ACCESS_KEY_SECRET = ps.ALIYUN_SECRET
        settings.SMS_SIGN_NAME = "巴东县民政局"
        settings.SMS_TEMPLATES = {kind: f"SMS_{100 + n}" for n, kind in enumerate(NoticeKind.values)}
        settings.WECOM_API_BASE = running.url
        settings.WECOM_CORP_ID = ps.WECOM_CORP_ID
        settings.WECOM_SECRET = ps.WECOM_SECRET
        settings.WECOM_AGENT_ID = 1000002
        settings.DINGTALK_API_BASE = running.url
        settings.DINGTALK_APP_KEY = ps.DINGTALK_APP_KEY
        settings.DINGTALK_APP_SECRET = ps.DINGTALK_APP_SECRET
        settings.DINGTALK_AGENT_ID = 2000001
        settings.OUTBOX_MAX_ATTEMPTS = 4
        settings.OUTBOX_RETRY_SECONDS = 60
        settings.OUTBOX_CLAIM_SECONDS = 300
        settings.NOTIFY_HTTP_TIMEOUT = 5
        yield running


def _person(n, **addresses):
    return UserFactory(role="county_viewer", last_name=f"收件人{n}", **addresses)


def _everywhere(n):
    return _person(n, phone=f"1381234{n:04d}", wecom_userid=f"wecom{n}", dingtalk_userid=f"ding{n}")


def _notify(users, n=1, kind=NoticeKind.OVERDUE, title=None):
    title = title or f"【已逾期】第{n}项任务的报告"
    notify(users=users, source=f"test:{n}", title=title, body="请尽快报送。", link="/tasks/1/")
    Notification.objects.filter(source=f"test:{n}").update(kind=kind)


def test_aliyun_signature_matches_the_documented_example():
    """The example of Alibaba Cloud's SMS signature documentation (GET, secret testSecret)."""
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert aliyun_signature(params, "testSecret", "GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_one_message_per_person_channel_and_notice_however_often_it_runs(db, server):
    people = [_everywhere(n) for n in range(3)]
    _notify(people, 1)
    _notify(people, 1)  # a retried notify() adds nothing
    _notify(people, 2)

    first = outbox_run(now=NOW)
    second = outbox_run(now=NOW + datetime.timedelta(minutes=1))

    assert first["queued"] == 2 * 3 * 3 and first["sent"] == 18
    assert second == {**second, "queued": 0, "sent": 0}
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 18
    for person in people:
        addresses = {"aliyun": person.phone, "wecom": person.wecom_userid, "dingtalk": person.dingtalk_userid}
        for provider, address in addresses.items():
            assert len([d for d in server.delivered(provider) if d.address == address]) == 2
    sms = server.delivered("aliyun")[0].content
    assert sms["SignName"] == "巴东县民政局"
    assert sms["TemplateCode"] == "SMS_102"  # overdue's template
    assert json.loads(sms["TemplateParam"]) == {"kind": "已逾期", "title": "第1项任务的报告"}
    wecom = server.delivered("wecom")[0].content
    assert wecom["agentid"] == 1000002 and wecom["msgtype"] == "text"
    assert "第1项任务的报告" in wecom["text"]["content"] and "/tasks/1/" in wecom["text"]["content"]
    # Each access token was fetched once and reused.
    assert server.state.requests.count(("GET", "/cgi-bin/gettoken")) == 1
    assert server.state.requests.count(("GET", "/gettoken")) == 1


def test_a_wrong_secret_is_refused_by_the_signature_check_and_shown_as_failed(db, server, settings):
    settings.ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"
    person = _person(1, phone="13912345678")
    _notify([person])

    outbox_run(now=NOW)

    row = OutboxMessage.objects.get()
    assert row.status == OutboxStatus.FAILED
    assert "SignatureDoesNotMatch" in row.last_error
    assert server.delivered() == []


def test_an_outage_is_retried_with_backoff_and_delivered_once_when_it_returns(db, server):
    person = _person(1, phone="13912345678")
    _notify([person])
    server.fail_next("aliyun", 2, status=500)

    assert outbox_run(now=NOW)["retried"] == 1
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts, row.next_attempt_at) == (OutboxStatus.PENDING, 1, NOW + backoff(1))
    assert "HTTP 500" in row.last_error
    # Before the backoff has passed nothing is tried.
    assert outbox_run(now=NOW + datetime.timedelta(seconds=59))["retried"] == 0
    second = NOW + datetime.timedelta(seconds=60)
    assert outbox_run(now=second)["retried"] == 1
    row.refresh_from_db()
    assert row.next_attempt_at == second + datetime.timedelta(seconds=120)  # doubled

    third = outbox_run(now=second + datetime.timedelta(seconds=120))

    assert third["sent"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 3, "")
    assert len(server.delivered("aliyun")) == 1
    assert outbox_run(now=second + datetime.timedelta(hours=1))["sent"] == 0
    assert len(server.delivered("aliyun")) == 1


def test_provider_throttling_codes_are_retried_like_an_outage(db, server):
    person = _person(1, phone="13912345678", wecom_userid="zhangsan")
    _notify([person])
    server.fail_next("aliyun", 1, status=200, body={"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控"})
    server.fail_next("wecom", 1, status=200, body={"errcode": 45009, "errmsg": "api freq out of limit"})

    assert outbox_run(now=NOW)["retried"] == 2
    assert outbox_run(now=NOW + datetime.timedelta(minutes=1))["sent"] == 2
    assert len(server.delivered()) == 2


def test_a_permanent_refusal_fails_at_once(db, server):
    person = _person(1, phone="13912345678")
    _notify([person])
    server.fail_next("aliyun", 1, status=200, body={"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"})

    assert outbox_run(now=NOW)["failed"] == 1
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 1)
    assert "isv.MOBILE_NUMBER_ILLEGAL" in row.last_error


def test_given_up_after_the_set_number_of_tries_and_shown_as_failed(db, server, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    person = _person(1, phone="13912345678")
    _notify([person])
    server.fail_next("aliyun", 10, status=503)

    moment = NOW
    for attempt in range(1, 3):
        assert outbox_run(now=moment)["retried"] == 1
        moment += backoff(attempt)
    assert outbox_run(now=moment)["failed"] == 1

    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 3)
    assert "HTTP 503" in row.last_error
    assert outbox_run(now=moment + datetime.timedelta(days=1))["failed"] == 0
    assert server.delivered() == []


def test_an_expired_wecom_token_is_fetched_again_once(db, server):
    person = _person(1, wecom_userid="zhangsan")
    _notify([person], 1)
    outbox_run(now=NOW)
    server.expire_tokens()
    _notify([person], 2)

    assert outbox_run(now=NOW)["sent"] == 1
    assert server.state.requests.count(("GET", "/cgi-bin/gettoken")) == 2
    assert len(server.delivered("wecom")) == 2


def test_two_workers_claim_disjoint_messages(db, server):
    people = [_person(n, phone=f"1391234{n:04d}") for n in range(5)]
    _notify(people)
    outbox_fill(now=NOW)

    _token_a, first = outbox_claim(now=NOW, limit=3)
    _token_b, second = outbox_claim(now=NOW, limit=3)

    assert len(first) == 3 and len(second) == 2
    assert not {row.pk for row in first} & {row.pk for row in second}


def test_a_worker_killed_mid_send_leaves_a_claim_that_expires_and_the_message_goes_out_once(db, server):
    person = _person(1, phone="13912345678")
    _notify([person])
    outbox_fill(now=NOW)
    # A worker claims the message and dies before it records anything.
    _token, claimed = outbox_claim(now=NOW)
    assert len(claimed) == 1

    # Another worker finds nothing to take while the claim holds …
    assert outbox_deliver(now=NOW + datetime.timedelta(seconds=299)).claimed == 0
    # … and sends it once the claim has expired.
    assert outbox_deliver(now=NOW + datetime.timedelta(seconds=301)).sent == 1
    # Marked sent: no later run sends it again, whatever the claims.
    assert outbox_deliver(now=NOW + datetime.timedelta(hours=2)).claimed == 0
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)
    assert len(server.delivered("aliyun")) == 1


def test_a_claim_killed_at_every_try_ends_failed_not_stuck(db, server, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    person = _person(1, phone="13912345678")
    _notify([person])
    outbox_fill(now=NOW)
    moment = NOW
    for _ in range(2):
        outbox_claim(now=moment)
        moment += datetime.timedelta(seconds=301)

    assert outbox_deliver(now=moment).failed == 1
    assert OutboxMessage.objects.get().status == OutboxStatus.FAILED
    assert server.delivered() == []


def test_dingtalk_gets_the_same_content_once_a_day(db, server):
    person = _person(1, dingtalk_userid="ding-zhangsan")
    same = "【已逾期】村务公开报告"
    _notify([person], 1, title=same)
    _notify([person], 2, title=same)
    _notify([person], 3, title="【已逾期】另一项报告")

    result = outbox_run(now=NOW)

    assert (result["sent"], result["skipped"]) == (2, 1)
    assert len(server.delivered("dingtalk")) == 2
    skipped = OutboxMessage.objects.get(status=OutboxStatus.SKIPPED)
    assert "每天只送达一次" in skipped.last_error
    # The next day the same content may go again.
    _notify([person], 4, title=same)
    assert outbox_run(now=NOW + datetime.timedelta(days=1))["sent"] == 1
    assert [d.content["msg"]["text"]["content"].splitlines()[0] for d in server.delivered("dingtalk")].count(same) == 2


def test_dingtalk_frees_the_day_when_a_send_fails_transiently(db, server):
    person = _person(1, dingtalk_userid="ding-zhangsan")
    _notify([person], 1, title="【已逾期】村务公开报告")
    server.fail_next("dingtalk", 1, status=200, body={"errcode": -1, "errmsg": "系统繁忙"})

    assert outbox_run(now=NOW)["retried"] == 1
    assert OutboxMessage.objects.get().limit_day is None
    assert outbox_run(now=NOW + datetime.timedelta(minutes=1))["sent"] == 1
    assert len(server.delivered("dingtalk")) == 1


def test_a_person_without_any_channel_keeps_the_inbox_and_is_marked_undelivered(db, server):
    nowhere = _person(1)
    mailed = _person(2, email="li@example.cn")
    _notify([nowhere, mailed])

    result = outbox_run(now=NOW)

    assert (result["queued"], result["undelivered"]) == (0, 1)
    assert Notification.objects.get(user=nowhere).undelivered is True
    assert Notification.objects.get(user=mailed).undelivered is False  # the digest reaches them
    assert Notification.objects.filter(dispatched_at__isnull=True).count() == 0


def test_notices_written_before_the_outbox_are_not_sent(db, server):
    """A fill only takes what was not dispatched; the migration marks older messages dispatched."""
    person = _person(1, phone="13912345678")
    _notify([person])
    Notification.objects.update(dispatched_at=timezone.now())

    assert outbox_run(now=NOW)["queued"] == 0
    assert server.delivered() == []


@pytest.fixture
def tencent(server, settings):
    settings.NOTIFY_PROVIDERS = {**settings.NOTIFY_PROVIDERS, Channel.SMS: "tencent"}
    settings.TENCENT_SMS_ENDPOINT = server.url
    settings.TENCENT_SECRET_ID = ps.TENCENT_SECRET_ID
    settings.TENCENT_SECRET_KEY = ps.TENCENT_SECRET_KEY
    settings.TENCENT_SMS_SDK_APP_ID = "1400006666"
    return server


def test_tencent_sms_is_signed_with_tc3_and_carries_the_template_parameters(db, tencent):
    person = _person(1, phone="13912345678")
    _notify([person])

    assert outbox_run(now=NOW)["sent"] == 1

    (sms,) = tencent.delivered("tencent")
    assert sms.address == "13912345678"
    assert sms.content["TemplateId"] == "SMS_102"
    assert sms.content["SmsSdkAppId"] == "1400006666"
    assert sms.content["TemplateParamSet"] == ["已逾期", "第1项任务的报告"]
    assert OutboxMessage.objects.get().provider_message_id == "2640:1"


def test_tencent_refuses_a_wrong_key_and_throttling_is_retried(db, tencent, settings):
    person = _person(1, phone="13912345678")
    _notify([person])
    throttled = {"Response": {"Error": {"Code": "RequestLimitExceeded", "Message": "请求的次数超过了频率限制。"}}}
    tencent.fail_next("tencent", 1, status=200, body=throttled)

    assert outbox_run(now=NOW)["retried"] == 1
    settings.TENCENT_SECRET_KEY = "wrong"
    assert outbox_run(now=NOW + datetime.timedelta(minutes=1))["failed"] == 1
    assert "AuthFailure.SignatureFailure" in OutboxMessage.objects.get().last_error
    assert tencent.delivered() == []


def test_messages_a_loader_files_as_read_are_not_sent(db, server):
    """The demo replays past years through the services: what they told people is history."""
    person = _person(1, phone="13912345678")
    _notify([person], 1)
    Notification.objects.update(read_at=timezone.now())  # already read: still not to be texted
    _notify([person], 2)

    notification_file_as_read(created_since=timezone.now() - datetime.timedelta(minutes=5))

    assert outbox_run(now=NOW)["queued"] == 0
    assert server.delivered() == []
