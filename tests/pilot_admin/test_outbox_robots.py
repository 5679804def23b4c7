"""Group robots against real HTTP: a unit's work group hears each notice addressed to the unit
once, through the WeCom group robot webhook or the signed DingTalk custom robot webhook, both
served by tests/helpers/provider_server.py (which recomputes DingTalk's signature and refuses an
expired timestamp). Throttling (20 a minute per robot) is retried and delivered once; a unit
without a robot gets no group message. The page: the county office sets a robot (audited), a
township sees its own masked, never another township's."""

import datetime
import json
import urllib.parse
import urllib.request

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from pilot_admin.choices import AuditAction, GroupRobotKind, NoticeKind, OutboxStatus, Role
from pilot_admin.models import AuditEntry, GroupRobot, Notification, OutboxMessage
from pilot_admin.notifications.outbox import outbox_fill, outbox_run
from pilot_admin.notifications.providers import dingtalk_robot_sign
from pilot_admin.notifications.services import group_robot_save, notify
from tests.factories import DepartmentFactory, UserFactory
from tests.helpers import provider_server as ps
from villages.choices import DepartmentKind

NOW = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)


@pytest.fixture
def server(settings):
    with ps.ProviderServer() as running:
        # The people's own channels are off: what reaches the servers is the groups'.
        settings.NOTIFY_PROVIDERS = {}
        settings.NOTIFY_ROBOT_PROVIDER = "webhook"
        settings.NOTIFY_ROBOT_KINDS = list(NoticeKind.values)
        settings.WECOM_ROBOT_BASE = running.url
        settings.DINGTALK_ROBOT_BASE = running.url
        settings.OUTBOX_MAX_ATTEMPTS = 4
        settings.OUTBOX_RETRY_SECONDS = 60
        settings.NOTIFY_HTTP_TIMEOUT = 5
        yield running


def _government(township):
    return DepartmentFactory(
        county=township.county, name=f"{township.name}人民政府", kind=DepartmentKind.TOWNSHIP, township=township
    )


def _officials(township, count):
    return [
        UserFactory(role=Role.TOWNSHIP, township=township, county=township.county, last_name=f"干部{n}")
        for n in range(count)
    ]


def _notify(users, n=1):
    notify(
        users=users, source=f"test:{n}", title=f"【处理结果】第{n}项报告已退回", body="请修改后重报。", link="/tasks/1/"
    )


def _dingtalk_robot(county_admin, unit, server):
    return group_robot_save(
        actor=county_admin,
        department=unit,
        kind=GroupRobotKind.DINGTALK,
        webhook=f"{server.url}/robot/send?access_token={ps.DINGTALK_ROBOT_TOKEN}",
        secret=ps.DINGTALK_ROBOT_SECRET,
    )


def _wecom_robot(county_admin, unit, server):
    return group_robot_save(
        actor=county_admin,
        department=unit,
        kind=GroupRobotKind.WECOM,
        webhook=f"{server.url}/cgi-bin/webhook/send?key={ps.WECOM_ROBOT_KEY}",
    )


def test_dingtalk_robot_sign_matches_the_server_s_own_computation():
    sign = dingtalk_robot_sign(ps.DINGTALK_ROBOT_SECRET, 1577262236757)
    assert urllib.parse.unquote_plus(sign) == ps.dingtalk_robot_expected_sign("1577262236757", ps.DINGTALK_ROBOT_SECRET)
    assert "%" in sign  # Base64's + / = are URL-encoded, as DingTalk asks


def test_one_group_message_per_notification_even_with_five_members(server, county_admin, township_a):
    unit = _government(township_a)
    _dingtalk_robot(county_admin, unit, server)
    members = _officials(township_a, 5)

    _notify(members)
    outbox_fill(now=NOW)
    _notify(members)  # the same notice again: no second row
    outbox_fill(now=NOW)

    rows = OutboxMessage.objects.filter(robot__isnull=False)
    assert rows.count() == 1
    assert rows.get().channel == GroupRobotKind.DINGTALK
    result = outbox_run(now=NOW)
    assert result["sent"] == 1
    delivered = server.delivered("dingtalk_robot")
    assert len(delivered) == 1
    assert delivered[0].content["msgtype"] == "text"
    assert "第1项报告已退回" in delivered[0].content["text"]["content"]
    assert outbox_run(now=NOW + datetime.timedelta(hours=1))["sent"] == 0
    assert len(server.delivered("dingtalk_robot")) == 1


def test_wecom_group_robot_posts_json_text(server, county_admin, department, department_user):
    _wecom_robot(county_admin, department, server)
    _notify([department_user], n=7)

    outbox_run(now=NOW)

    delivered = server.delivered("wecom_robot")
    assert [item.address for item in delivered] == [ps.WECOM_ROBOT_KEY]
    assert delivered[0].content == {"msgtype": "text", "text": {"content": delivered[0].content["text"]["content"]}}
    assert "第7项报告已退回" in delivered[0].content["text"]["content"]
    assert OutboxMessage.objects.get(robot__isnull=False).status == OutboxStatus.SENT


def test_each_unit_s_group_hears_its_own_notice_once(server, county_admin, township_a, township_b):
    _dingtalk_robot(county_admin, _government(township_a), server)
    _wecom_robot(county_admin, _government(township_b), server)
    _notify(_officials(township_a, 2) + _officials(township_b, 3))

    outbox_run(now=NOW)

    assert len(server.delivered("dingtalk_robot")) == 1
    assert len(server.delivered("wecom_robot")) == 1


@pytest.mark.parametrize(
    ("kind", "provider", "throttled"),
    [
        (
            GroupRobotKind.DINGTALK,
            "dingtalk_robot",
            {"errcode": 130101, "errmsg": "send too fast, exceed 20 times/min"},
        ),
        (GroupRobotKind.WECOM, "wecom_robot", {"errcode": 45009, "errmsg": "api freq out of limit"}),
    ],
)
def test_throttled_robot_is_retried_with_backoff_and_delivered_once(
    server, county_admin, township_a, kind, provider, throttled
):
    unit = _government(township_a)
    if kind == GroupRobotKind.DINGTALK:
        _dingtalk_robot(county_admin, unit, server)
    else:
        _wecom_robot(county_admin, unit, server)
    _notify(_officials(township_a, 3))
    server.fail_next(provider, 1, status=200, body=throttled)

    first = outbox_run(now=NOW)

    row = OutboxMessage.objects.get(robot__isnull=False)
    assert first["retried"] == 1
    assert row.status == OutboxStatus.PENDING
    assert str(throttled["errcode"]) in row.last_error
    assert row.next_attempt_at == NOW + datetime.timedelta(seconds=60)
    assert outbox_run(now=NOW + datetime.timedelta(seconds=59))["sent"] == 0  # not before its time

    assert outbox_run(now=NOW + datetime.timedelta(seconds=60))["sent"] == 1
    assert len(server.delivered(provider)) == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT
    assert row.attempts == 2


def test_a_robot_gets_at_most_its_per_minute_limit_and_the_rest_next_minute(server, settings, county_admin, township_a):
    settings.NOTIFY_ROBOT_PER_MINUTE = 20
    _dingtalk_robot(county_admin, _government(township_a), server)
    members = _officials(township_a, 2)
    for n in range(21):
        _notify(members, n=n)

    first = outbox_run(now=NOW)

    assert (first["sent"], first["retried"]) == (20, 1)
    assert len(server.delivered("dingtalk_robot")) == 20
    waiting = OutboxMessage.objects.get(robot__isnull=False, status=OutboxStatus.PENDING)
    assert waiting.attempts == 0  # waiting for the minute is not a failed try
    assert "每分钟最多发送 20 条" in waiting.last_error
    # A minute later (the sent rows' times moved back, as the limit counts the wall clock).
    OutboxMessage.objects.filter(status=OutboxStatus.SENT).update(
        sent_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    assert outbox_run(now=NOW + datetime.timedelta(minutes=1))["sent"] == 1
    assert len(server.delivered("dingtalk_robot")) == 21


def test_robot_given_up_after_max_attempts(server, county_admin, township_a):
    _dingtalk_robot(county_admin, _government(township_a), server)
    _notify(_officials(township_a, 1))
    server.fail_next("dingtalk_robot", 4, status=503)

    moment = NOW
    for _ in range(4):
        outbox_run(now=moment)
        moment += datetime.timedelta(hours=2)

    row = OutboxMessage.objects.get(robot__isnull=False)
    assert row.status == OutboxStatus.FAILED
    assert server.delivered("dingtalk_robot") == []


def test_a_wrong_secret_is_refused_by_the_server_and_fails_the_row(server, county_admin, township_a):
    robot = _dingtalk_robot(county_admin, _government(township_a), server)
    robot.secret = "SEC" + "f" * 64
    robot.save()
    _notify(_officials(township_a, 1))

    result = outbox_run(now=NOW)

    row = OutboxMessage.objects.get(robot__isnull=False)
    assert result["failed"] == 1
    assert row.status == OutboxStatus.FAILED
    assert "310000" in row.last_error
    assert server.delivered("dingtalk_robot") == []


def _raw_dingtalk_post(server, timestamp: int, sign: str) -> dict:
    query = urllib.parse.urlencode({"access_token": ps.DINGTALK_ROBOT_TOKEN, "timestamp": timestamp, "sign": sign})
    request = urllib.request.Request(
        f"{server.url}/robot/send?{query}",
        data=json.dumps({"msgtype": "text", "text": {"content": "测试"}}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - the local test server
        return json.loads(response.read())


def test_server_refuses_a_bad_sign_and_a_timestamp_over_an_hour_old(server):
    now_ms = int(datetime.datetime.now(datetime.UTC).timestamp() * 1000)
    good = ps.dingtalk_robot_expected_sign(str(now_ms), ps.DINGTALK_ROBOT_SECRET)
    assert _raw_dingtalk_post(server, now_ms, good)["errcode"] == 0
    assert _raw_dingtalk_post(server, now_ms, good[:-4] + "AAA=")["errcode"] == 310000
    stale = now_ms - 3601 * 1000
    stale_sign = ps.dingtalk_robot_expected_sign(str(stale), ps.DINGTALK_ROBOT_SECRET)
    assert _raw_dingtalk_post(server, stale, stale_sign)["errcode"] == 310000
    recent = now_ms - 3590 * 1000
    recent_sign = ps.dingtalk_robot_expected_sign(str(recent), ps.DINGTALK_ROBOT_SECRET)
    assert _raw_dingtalk_post(server, recent, recent_sign)["errcode"] == 0


def test_a_unit_without_robot_gets_nothing_queued(server, county_admin, township_a, township_b):
    _dingtalk_robot(county_admin, _government(township_a), server)
    _government(township_b)
    _notify(_officials(township_b, 3))

    outbox_fill(now=NOW)

    assert not OutboxMessage.objects.exists()
    assert Notification.objects.filter(dispatched_at__isnull=False).count() == 3


def test_robot_off_queues_nothing(server, settings, county_admin, township_a):
    _dingtalk_robot(county_admin, _government(township_a), server)
    settings.NOTIFY_ROBOT_PROVIDER = "off"
    _notify(_officials(township_a, 2))

    outbox_fill(now=NOW)

    assert not OutboxMessage.objects.exists()


def test_notice_kinds_outside_notify_robot_kinds_stay_out_of_the_group(server, settings, county_admin, township_a):
    _dingtalk_robot(county_admin, _government(township_a), server)
    settings.NOTIFY_ROBOT_KINDS = [NoticeKind.OVERDUE]
    _notify(_officials(township_a, 2))  # kind "notice"

    outbox_fill(now=NOW)

    assert not OutboxMessage.objects.exists()


# --- the service: webhook checks, secrets stored encrypted, audit ----------------------------


@pytest.mark.parametrize(
    ("kind", "url", "message"),
    [
        (GroupRobotKind.WECOM, "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", "https://"),
        (GroupRobotKind.WECOM, "https://qyapi.example.com/cgi-bin/webhook/send?key=abc", "企业微信群机器人"),
        (GroupRobotKind.WECOM, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=", "企业微信群机器人"),
        (GroupRobotKind.DINGTALK, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", "钉钉群机器人"),
        (GroupRobotKind.DINGTALK, "https://oapi.dingtalk.com/robot/send?token=abc", "钉钉群机器人"),
    ],
)
def test_a_webhook_not_of_the_provider_is_refused_in_chinese(county_admin, township_a, kind, url, message):
    with pytest.raises(ValidationError) as error:
        group_robot_save(actor=county_admin, department=_government(township_a), kind=kind, webhook=url, secret="SECx")
    assert message in error.value.message_dict["webhook"][0]
    assert not GroupRobot.objects.exists()


def test_provider_webhooks_are_accepted_and_stored_encrypted(county_admin, township_a):
    from django.db import connection

    robot = group_robot_save(
        actor=county_admin,
        department=_government(township_a),
        kind=GroupRobotKind.DINGTALK,
        webhook="https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789",
        secret="SEC0123456789abcdef",
    )
    assert robot.webhook_url == "https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789"
    with connection.cursor() as cursor:
        cursor.execute("SELECT token, secret FROM pilot_admin_grouprobot")
        token, secret = cursor.fetchone()
    assert "abcdef0123456789" not in token
    assert "SEC0123456789abcdef" not in secret
    assert robot.masked_secret == "SEC0********cdef"


def test_dingtalk_robot_needs_a_sec_secret(county_admin, township_a):
    with pytest.raises(ValidationError) as error:
        group_robot_save(
            actor=county_admin,
            department=_government(township_a),
            kind=GroupRobotKind.DINGTALK,
            webhook="https://oapi.dingtalk.com/robot/send?access_token=abc",
            secret="0123456789",
        )
    assert "SEC" in error.value.message_dict["secret"][0]


# --- the pages -------------------------------------------------------------------------------


@pytest.fixture
def robot_a(county_admin, township_a):
    return group_robot_save(
        actor=county_admin,
        department=_government(township_a),
        kind=GroupRobotKind.DINGTALK,
        webhook="https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789abcdef",
        secret="SECabcdefghijklmnopqrstuvwxyz0123456789",
    )


def test_county_office_sets_a_robot_and_the_save_is_audited(client, county_admin, township_a):
    unit = _government(township_a)
    client.force_login(county_admin)

    response = client.post(
        reverse("group_robot_edit", args=[unit.pk]),
        {"kind": GroupRobotKind.WECOM, "webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k-0123456789"},
    )

    assert response.status_code == 302
    robot = GroupRobot.objects.get(department=unit)
    assert robot.token == "k-0123456789"
    entry = AuditEntry.objects.get(object_id=str(robot.pk), content_type__model="grouprobot")
    assert entry.action == AuditAction.CREATE
    assert entry.actor == county_admin
    assert "k-0123456789" not in json.dumps(entry.changes, ensure_ascii=False)


def test_a_bad_webhook_on_the_page_shows_the_error_summary(client, county_admin, township_a):
    unit = _government(township_a)
    client.force_login(county_admin)

    response = client.post(
        reverse("group_robot_edit", args=[unit.pk]),
        {"kind": GroupRobotKind.DINGTALK, "webhook": "https://example.com/robot/send?access_token=x", "secret": "SECx"},
    )

    assert response.status_code == 200
    assert "不是钉钉群机器人的 webhook 地址" in response.content.decode()
    assert not GroupRobot.objects.exists()


def test_an_empty_secret_keeps_the_stored_one(client, county_admin, robot_a):
    client.force_login(county_admin)

    response = client.post(reverse("group_robot_edit", args=[robot_a.department_id]), {"kind": robot_a.kind})

    assert response.status_code == 302
    robot_a.refresh_from_db()
    assert robot_a.secret == "SECabcdefghijklmnopqrstuvwxyz0123456789"
    assert robot_a.token == "abcdef0123456789abcdef"


def test_the_page_shows_the_secret_masked(client, township_a_official, robot_a):
    client.force_login(township_a_official)

    response = client.get(reverse("group_robot_edit", args=[robot_a.department_id]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "SECa********6789" in page
    assert "SECabcdefghijklmnopqrstuvwxyz0123456789" not in page
    assert "abcdef0123456789abcdef" not in page
    assert 'name="webhook"' not in page  # no edit form for a township
    listing = client.get(reverse("group_robot_list")).content.decode()
    assert "SECa********6789" in listing
    assert "SECabcdefghijklmnopqrstuvwxyz0123456789" not in listing


def test_another_township_s_robot_is_a_404(client, township_b_official, robot_a):
    client.force_login(township_b_official)

    assert client.get(reverse("group_robot_edit", args=[robot_a.department_id])).status_code == 404
    assert (
        client.post(reverse("group_robot_edit", args=[robot_a.department_id]), {"kind": "wecom_robot"}).status_code
        == 404
    )
    assert robot_a.department.name not in client.get(reverse("group_robot_list")).content.decode()


def test_a_township_official_cannot_edit_its_own_robot(client, township_a_official, robot_a):
    client.force_login(township_a_official)

    response = client.post(
        reverse("group_robot_edit", args=[robot_a.department_id]),
        {"kind": GroupRobotKind.WECOM, "webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=stolen"},
    )

    assert response.status_code == 403
    robot_a.refresh_from_db()
    assert robot_a.kind == GroupRobotKind.DINGTALK
    with pytest.raises(PermissionDenied):
        group_robot_save(actor=township_a_official, department=robot_a.department, kind=GroupRobotKind.WECOM)


def test_the_county_office_removes_a_robot_audited(client, county_admin, robot_a):
    client.force_login(county_admin)

    response = client.post(reverse("group_robot_edit", args=[robot_a.department_id]), {"action": "delete"})

    assert response.status_code == 302
    assert not GroupRobot.objects.exists()
    assert AuditEntry.objects.filter(content_type__model="grouprobot", action=AuditAction.DELETE).count() == 1
