"""The providers that carry a notice to a person's phone: one interface (`send(message)` → the
provider's message id, or TransientError / PermanentError), one class per provider, chosen per
channel by settings (NOTIFY_SMS_PROVIDER, NOTIFY_WECOM_PROVIDER, NOTIFY_DINGTALK_PROVIDER; README
"提醒渠道"). The console provider is the default, so a development machine needs no account.

Each client speaks its provider's documented HTTP API with the standard library, its endpoint a
setting, so tests point it at a local server that checks the wire format and the signature."""

import base64
import datetime
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from pilot_admin.choices import Channel, GroupRobotKind, NoticeKind

logger = logging.getLogger(__name__)


class TransientError(Exception):
    """Worth another try later: the provider is down (5xx, timeout) or throttling us."""


class PermanentError(Exception):
    """Another try would fail the same way: a wrong number, an unknown account, a missing template."""


@dataclass(frozen=True)
class Outgoing:
    """One notice for one address, as every provider receives it."""

    address: str
    kind: str
    title: str
    body: str
    link: str

    @property
    def text(self) -> str:
        return "\n".join(part for part in (self.title, self.body, self.link) if part)

    def template_params(self) -> dict[str, str]:
        """SMS content must match an approved template; ours take ${kind} and ${title}. The
        title loses its 【…】 label (the kind says it) and is cut to the 35 characters a template
        variable may hold."""
        title = self.title.split("】", 1)[1] if self.title.startswith("【") and "】" in self.title else self.title
        return {"kind": str(NoticeKind(self.kind).label), "title": title[:35]}


def _masked(address: str) -> str:
    return f"{address[:3]}****{address[-4:]}" if len(address) == 11 and address.isdigit() else address


def _http(method: str, url: str, *, body: bytes | None = None, headers: dict | None = None) -> tuple[int, dict]:
    """One HTTP exchange; the status and the JSON answer. No answer at all is transient."""
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)  # noqa: S310
    try:
        # The URL is built from a setting's endpoint (https in production, a test's local server).
        with urllib.request.urlopen(request, timeout=settings.NOTIFY_HTTP_TIMEOUT) as response:  # noqa: S310  # nosec B310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
        raise TransientError(f"连接服务商失败：{error}") from error
    if status >= 500 or status == 429:
        raise TransientError(f"服务商暂时不可用（HTTP {status}）")
    try:
        return status, json.loads(raw or b"{}")
    except ValueError as error:
        raise TransientError(f"服务商的回答无法解析（HTTP {status}）") from error


class ConsoleProvider:
    """Writes each message to the log: the default, for development and the demo."""

    name = "console"

    def __init__(self, channel: str):
        self.channel = channel

    def send(self, message: Outgoing) -> str:
        logger.info("[%s] → %s：%s", Channel(self.channel).label, _masked(message.address), message.text)
        return f"console-{uuid.uuid4().hex[:12]}"


# --- SMS: Alibaba Cloud (Dysmsapi 2017-05-25, RPC style, HMAC-SHA1) -------------------------

# The codes that mean "later": the per-number frequency limits and the gateway's throttling.
ALIYUN_TRANSIENT_CODES = frozenset(
    {"isv.BUSINESS_LIMIT_CONTROL", "Throttling", "Throttling.User", "Throttling.Api", "ServiceUnavailable"}
)


def aliyun_percent(value: str) -> str:
    """Alibaba Cloud's POP encoding: RFC 3986, space as %20, * as %2A, ~ kept."""
    return urllib.parse.quote(str(value), safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    """The RPC signature: HMAC-SHA1 over METHOD&%2F&encoded(sorted, encoded query), key secret&."""
    query = "&".join(f"{aliyun_percent(key)}={aliyun_percent(params[key])}" for key in sorted(params))
    string_to_sign = f"{method}&{aliyun_percent('/')}&{aliyun_percent(query)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsProvider:
    """SendSms with the county's approved signature and the notice kind's template code."""

    name = "aliyun"

    def send(self, message: Outgoing) -> str:
        template = settings.SMS_TEMPLATES.get(message.kind)
        if not template:
            raise PermanentError(f"未配置“{NoticeKind(message.kind).label}”的短信模板编号（SMS_TEMPLATES）。")
        params = {
            "Action": "SendSms",
            "Version": "2017-05-25",
            "Format": "JSON",
            "RegionId": "cn-hangzhou",
            "AccessKeyId": settings.ALIYUN_ACCESS_KEY_ID,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "SignatureNonce": uuid.uuid4().hex,
            "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "PhoneNumbers": message.address,
            "SignName": settings.SMS_SIGN_NAME,
            "TemplateCode": template,
            "TemplateParam": json.dumps(message.template_params(), ensure_ascii=False, separators=(",", ":")),
        }
        params["Signature"] = aliyun_signature(params, settings.ALIYUN_ACCESS_KEY_SECRET)
        body = "&".join(f"{aliyun_percent(key)}={aliyun_percent(value)}" for key, value in params.items())
        _status, answer = _http(
            "POST",
            settings.ALIYUN_SMS_ENDPOINT.rstrip("/") + "/",
            body=body.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        code = answer.get("Code", "")
        if code == "OK":
            return answer.get("BizId", "")
        error = f"阿里云短信：{code} {answer.get('Message', '')}".strip()
        if code in ALIYUN_TRANSIENT_CODES:
            raise TransientError(error)
        raise PermanentError(error)


# --- SMS: Tencent Cloud (SMS 2021-01-11, TC3-HMAC-SHA256) ---------------------------------

# The codes that mean "later": API and per-number frequency limits, the service's own trouble.
TENCENT_TRANSIENT_PREFIXES = (
    "RequestLimitExceeded",
    "InternalError",
    "LimitExceeded.PhoneNumber",
    "ServiceUnavailable",
)


def _hmac_sha256(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def tencent_authorization(*, secret_id: str, secret_key: str, host: str, payload: bytes, timestamp: int) -> str:
    """The TC3-HMAC-SHA256 Authorization header of a JSON POST to / on `host` (service sms)."""
    date = datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:application/json; charset=utf-8\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    scope = f"{date}/sms/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = _hmac_sha256(_hmac_sha256(_hmac_sha256(f"TC3{secret_key}".encode(), date), "sms"), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"


class TencentSmsProvider:
    """SendSms with the county's SDK app, signature and the notice kind's template id."""

    name = "tencent"

    def send(self, message: Outgoing) -> str:
        template = settings.SMS_TEMPLATES.get(message.kind)
        if not template:
            raise PermanentError(f"未配置“{NoticeKind(message.kind).label}”的短信模板编号（SMS_TEMPLATES）。")
        params = message.template_params()
        payload = json.dumps(
            {
                "PhoneNumberSet": [f"+86{message.address}"],
                "SmsSdkAppId": settings.TENCENT_SMS_SDK_APP_ID,
                "SignName": settings.SMS_SIGN_NAME,
                "TemplateId": template,
                "TemplateParamSet": [params["kind"], params["title"]],
            },
            ensure_ascii=False,
        ).encode()
        endpoint = settings.TENCENT_SMS_ENDPOINT.rstrip("/")
        host = urllib.parse.urlsplit(endpoint).netloc
        timestamp = int(datetime.datetime.now(datetime.UTC).timestamp())
        _status, answer = _http(
            "POST",
            endpoint + "/",
            body=payload,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Host": host,
                "X-TC-Action": "SendSms",
                "X-TC-Version": "2021-01-11",
                "X-TC-Region": settings.TENCENT_SMS_REGION,
                "X-TC-Timestamp": str(timestamp),
                "Authorization": tencent_authorization(
                    secret_id=settings.TENCENT_SECRET_ID,
                    secret_key=settings.TENCENT_SECRET_KEY,
                    host=host,
                    payload=payload,
                    timestamp=timestamp,
                ),
            },
        )
        response = answer.get("Response", {})
        error = response.get("Error")
        if error is None:
            statuses = response.get("SendStatusSet") or [{}]
            error = statuses[0] if statuses[0].get("Code") != "Ok" else None
            if error is None:
                return statuses[0].get("SerialNo", "")
        code = error.get("Code", "")
        text = f"腾讯云短信：{code} {error.get('Message', '')}".strip()
        if code.startswith(TENCENT_TRANSIENT_PREFIXES):
            raise TransientError(text)
        raise PermanentError(text)


# --- access tokens (WeCom, DingTalk) ---------------------------------------------------------


class _TokenClient:
    """gettoken once per expiry (the providers limit how often it may be called), kept in the
    cache; a message refused for an expired token fetches a new one and tries once more."""

    token_errors: frozenset[int] = frozenset()
    transient_errors: frozenset[int] = frozenset()
    label = ""

    def _cache_key(self) -> str:
        return f"notify-token:{self.name}:{self._credentials()[0]}"

    def _credentials(self) -> tuple[str, str]:
        raise NotImplementedError

    def _token_url(self) -> str:
        raise NotImplementedError

    def _token(self, *, fresh: bool = False) -> str:
        key = self._cache_key()
        token = None if fresh else cache.get(key)
        if token:
            return token
        _status, answer = _http("GET", self._token_url())
        self._check(answer)
        token = answer["access_token"]
        cache.set(key, token, max(60, int(answer.get("expires_in", 7200)) - 300))
        return token

    def _check(self, answer: dict) -> None:
        code = answer.get("errcode", 0)
        if code == 0:
            return
        error = f"{self.label}：{code} {answer.get('errmsg', '')}".strip()
        if code in self.transient_errors:
            raise TransientError(error)
        raise PermanentError(error)

    def _post(self, url: str, payload: dict) -> dict:
        for fresh in (False, True):
            _status, answer = _http(
                "POST",
                f"{url}?access_token={urllib.parse.quote(self._token(fresh=fresh))}",
                body=json.dumps(payload, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
            if answer.get("errcode", 0) not in self.token_errors:
                break
        self._check(answer)
        return answer


class WeComAppProvider(_TokenClient):
    """企业微信 application message: gettoken, then message/send to the person's UserID."""

    name = "wecom"
    label = "企业微信"
    # 40014/42001: the token is invalid or expired; -1 system busy; 45009/45033 frequency limits.
    token_errors = frozenset({40014, 42001})
    transient_errors = frozenset({-1, 45009, 45033})

    def _credentials(self) -> tuple[str, str]:
        return settings.WECOM_CORP_ID, settings.WECOM_SECRET

    def _token_url(self) -> str:
        query = urllib.parse.urlencode({"corpid": settings.WECOM_CORP_ID, "corpsecret": settings.WECOM_SECRET})
        return f"{settings.WECOM_API_BASE.rstrip('/')}/cgi-bin/gettoken?{query}"

    def send(self, message: Outgoing) -> str:
        answer = self._post(
            f"{settings.WECOM_API_BASE.rstrip('/')}/cgi-bin/message/send",
            {
                "touser": message.address,
                "msgtype": "text",
                "agentid": settings.WECOM_AGENT_ID,
                "text": {"content": message.text},
            },
        )
        if answer.get("invaliduser"):
            raise PermanentError(f"企业微信：账号 {answer['invaliduser']} 不存在或不在应用可见范围内。")
        return str(answer.get("msgid", ""))


class DingTalkWorkNoticeProvider(_TokenClient):
    """钉钉 work notice: gettoken, then asyncsend_v2 to the person's userid. DingTalk delivers the
    same content to a person once a day; the outbox holds to that (outbox.py, limit_day)."""

    name = "dingtalk"
    label = "钉钉"
    # 40014/42001: the token is invalid or expired; -1 system busy; 90002/90006/90018 frequency limits.
    token_errors = frozenset({40014, 42001})
    transient_errors = frozenset({-1, 90002, 90006, 90018})

    def _credentials(self) -> tuple[str, str]:
        return settings.DINGTALK_APP_KEY, settings.DINGTALK_APP_SECRET

    def _token_url(self) -> str:
        query = urllib.parse.urlencode({"appkey": settings.DINGTALK_APP_KEY, "appsecret": settings.DINGTALK_APP_SECRET})
        return f"{settings.DINGTALK_API_BASE.rstrip('/')}/gettoken?{query}"

    def send(self, message: Outgoing) -> str:
        answer = self._post(
            f"{settings.DINGTALK_API_BASE.rstrip('/')}/topapi/message/corpconversation/asyncsend_v2",
            {
                "agent_id": settings.DINGTALK_AGENT_ID,
                "userid_list": message.address,
                "msg": {"msgtype": "text", "text": {"content": message.text}},
            },
        )
        return str(answer.get("task_id", ""))


# --- group robots (a unit's work group): WeCom group robot, DingTalk custom robot -------------

# Robots take 20 messages a minute each: 45009 (WeCom) and 130101 (DingTalk) mean "later", as
# does -1 (system busy).
WECOM_ROBOT_TRANSIENT = frozenset({-1, 45009})
DINGTALK_ROBOT_TRANSIENT = frozenset({-1, 130101})


def dingtalk_robot_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: HMAC-SHA256 of "timestamp\nsecret" keyed by the secret, Base64, URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


class _RobotProvider:
    label = ""
    transient_errors: frozenset[int] = frozenset()

    def __init__(self, robot):
        self.robot = robot

    def _url(self) -> str:
        return self.robot.webhook_url

    def send(self, message: Outgoing) -> str:
        _status, answer = _http(
            "POST",
            self._url(),
            body=json.dumps({"msgtype": "text", "text": {"content": message.text}}, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        code = answer.get("errcode", 0)
        if code == 0:
            return ""
        error = f"{self.label}：{code} {answer.get('errmsg', '')}".strip()
        if code in self.transient_errors:
            raise TransientError(error)
        raise PermanentError(error)


class WeComRobotProvider(_RobotProvider):
    """企业微信群机器人: POST {"msgtype": "text", …} to the webhook with its key."""

    name = "wecom_robot"
    label = "企业微信群机器人"
    transient_errors = WECOM_ROBOT_TRANSIENT


class DingTalkRobotProvider(_RobotProvider):
    """钉钉自定义机器人, signed: the webhook plus &timestamp=…&sign=… (valid for an hour)."""

    name = "dingtalk_robot"
    label = "钉钉群机器人"
    transient_errors = DINGTALK_ROBOT_TRANSIENT

    def _url(self) -> str:
        timestamp = int(datetime.datetime.now(datetime.UTC).timestamp() * 1000)
        sign = dingtalk_robot_sign(self.robot.secret, timestamp)
        return f"{self.robot.webhook_url}&timestamp={timestamp}&sign={sign}"


class ConsoleRobotProvider:
    name = "console"

    def __init__(self, robot):
        self.robot = robot

    def send(self, message: Outgoing) -> str:
        logger.info("[%s] → %s：%s", self.robot.get_kind_display(), self.robot.department, message.text)
        return f"console-{uuid.uuid4().hex[:12]}"


ROBOT_PROVIDERS = {GroupRobotKind.WECOM: WeComRobotProvider, GroupRobotKind.DINGTALK: DingTalkRobotProvider}


def robots_enabled() -> bool:
    return settings.NOTIFY_ROBOT_PROVIDER != "off"


def robot_provider_for(robot):
    """The provider that posts to `robot`'s group (NOTIFY_ROBOT_PROVIDER), or None when off."""
    name = settings.NOTIFY_ROBOT_PROVIDER
    if name == "off":
        return None
    if name == "console":
        return ConsoleRobotProvider(robot)
    if name == "webhook":
        return ROBOT_PROVIDERS[robot.kind](robot)
    raise ImproperlyConfigured(f"群机器人没有名为 {name} 的服务商（console、webhook 或 off）。")


PROVIDERS = {
    Channel.SMS: {"aliyun": AliyunSmsProvider, "tencent": TencentSmsProvider},
    Channel.WECOM: {"wecom": WeComAppProvider},
    Channel.DINGTALK: {"dingtalk": DingTalkWorkNoticeProvider},
}


def provider_for(channel: str):
    """The provider the settings choose for `channel`, or None when the channel is off."""
    name = settings.NOTIFY_PROVIDERS.get(channel, "off")
    if name == "off":
        return None
    if name == "console":
        return ConsoleProvider(channel)
    try:
        return PROVIDERS[channel][name]()
    except KeyError as error:
        raise ImproperlyConfigured(f"渠道 {channel} 没有名为 {name} 的服务商。") from error


def enabled_channels() -> list[str]:
    return [channel for channel in Channel.values if settings.NOTIFY_PROVIDERS.get(channel, "off") != "off"]
