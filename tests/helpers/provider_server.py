"""A local HTTP server that speaks the notice providers' wire formats, for the outbox tests: the
Alibaba Cloud SMS RPC endpoint (checking the HMAC-SHA1 signature), the WeCom gettoken and
message/send pair, and the DingTalk gettoken and work-notice pair (checking the access token), the WeCom group robot
webhook (checking its key) and the DingTalk custom robot webhook (recomputing its 加签 signature
and refusing a timestamp more than an hour off, as DingTalk does).
It records what it delivered; `fail_next` makes the next sends answer with an outage or a
throttling code, `hold_next` keeps the next send waiting (a worker killed mid-send)."""

import base64
import datetime
import hashlib
import hmac
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ALIYUN_KEY_ID = "test-access-key-id"
ALIYUN_SECRET = "test-access-key-secret"
WECOM_CORP_ID = "ww-test-corp"
WECOM_SECRET = "wecom-test-secret"
TENCENT_SECRET_ID = "AKIDtestsecretid"
TENCENT_SECRET_KEY = "tencent-test-secret-key"
DINGTALK_APP_KEY = "ding-test-app"
DINGTALK_APP_SECRET = "dingtalk-test-secret"
WECOM_ROBOT_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK_ROBOT_TOKEN = "f2d3c4b5a6978877665544332211ffeeddccbbaa99887766554433221100aabb"
DINGTALK_ROBOT_SECRET = "SEC" + "0123456789abcdef" * 4
# DingTalk refuses a signed call whose timestamp is more than an hour from its own clock.
DINGTALK_ROBOT_WINDOW_MS = 3600 * 1000
ALIYUN_REQUIRED = {
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "PhoneNumbers",
    "SignName",
    "TemplateCode",
    "TemplateParam",
    "Signature",
}


def pop_encode(value: str) -> str:
    """Alibaba Cloud's documented encoding, written here apart from the client's: unreserved
    characters A-Z a-z 0-9 - _ . ~ as they are, every other byte as %XX."""
    out = []
    for byte in value.encode():
        char = chr(byte)
        if char.isascii() and (char.isalnum() or char in "-_.~"):
            out.append(char)
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def aliyun_expected_signature(params: dict[str, str], secret: str, method: str) -> str:
    canonical = "&".join(f"{pop_encode(k)}={pop_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&%2F&{pop_encode(canonical)}"
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


def dingtalk_robot_expected_sign(timestamp: str, secret: str) -> str:
    """DingTalk's documented 加签, written apart from the client's: the Base64 HMAC-SHA256 of
    "timestamp\nsecret" (compared after the query string is decoded)."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def tencent_expected_authorization(*, host: str, payload: bytes, timestamp: str, secret_id: str, key: str) -> str:
    """TC3-HMAC-SHA256 as Tencent Cloud's API documentation derives it, written apart from the client."""
    date = datetime.datetime.fromtimestamp(int(timestamp), datetime.UTC).date().isoformat()
    canonical_request = (
        f"POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:{host}\n\ncontent-type;host\n"
        + hashlib.sha256(payload).hexdigest()
    )
    string_to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            timestamp,
            f"{date}/sms/tc3_request",
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    secret = ("TC3" + key).encode()
    for part in (date, "sms", "tc3_request"):
        secret = hmac.new(secret, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(secret, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{date}/sms/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


@dataclass
class Delivered:
    provider: str
    address: str
    content: dict


@dataclass
class ProviderState:
    delivered: list[Delivered] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    # Per provider, the answers the next sends get instead of success: (HTTP status, JSON body).
    failures: dict[str, list[tuple[int, dict]]] = field(default_factory=dict)
    hold: dict[str, threading.Event] = field(default_factory=dict)
    held: threading.Event = field(default_factory=threading.Event)
    wecom_tokens: set[str] = field(default_factory=set)
    dingtalk_tokens: set[str] = field(default_factory=set)
    token_calls: int = 0


class ProviderServer:
    def __init__(self):
        self.state = ProviderState()
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: dict):
                raw = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                server.state.requests.append(("GET", url.path))
                if url.path == "/cgi-bin/gettoken":
                    if query.get("corpid") != WECOM_CORP_ID or query.get("corpsecret") != WECOM_SECRET:
                        return self._answer(200, {"errcode": 40001, "errmsg": "invalid credential"})
                    token = server.new_token("wecom")
                    return self._answer(200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})
                if url.path == "/gettoken":
                    if query.get("appkey") != DINGTALK_APP_KEY or query.get("appsecret") != DINGTALK_APP_SECRET:
                        return self._answer(200, {"errcode": 40089, "errmsg": "不合法的corpid或corpsecret"})
                    token = server.new_token("dingtalk")
                    return self._answer(200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})
                return self._answer(404, {"errcode": 404})

            def do_POST(self):
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.state.requests.append(("POST", url.path))
                provider = {
                    "/": "aliyun",
                    "/cgi-bin/message/send": "wecom",
                    "/topapi/message/corpconversation/asyncsend_v2": "dingtalk",
                    "/cgi-bin/webhook/send": "wecom_robot",
                    "/robot/send": "dingtalk_robot",
                }.get(url.path)
                if provider == "aliyun" and self.headers.get("X-TC-Action"):
                    provider = "tencent"
                if provider is None:
                    return self._answer(404, {"errcode": 404})
                hold = server.state.hold.pop(provider, None)
                if hold is not None:
                    server.state.held.set()
                    hold.wait(30)
                    return self._answer(504, {"Code": "Timeout"})
                with server.lock:
                    queue = server.state.failures.get(provider) or []
                    failure = queue.pop(0) if queue else None
                if failure is not None:
                    return self._answer(*failure)
                return getattr(self, f"_{provider}")(query, raw)

            def _aliyun(self, query, raw):
                params = dict(urllib.parse.parse_qsl(raw.decode(), keep_blank_values=True))
                missing = ALIYUN_REQUIRED - params.keys()
                if missing:
                    return self._answer(400, {"Code": "MissingParameter", "Message": ",".join(sorted(missing))})
                signature = params.pop("Signature")
                if params["AccessKeyId"] != ALIYUN_KEY_ID or signature != aliyun_expected_signature(
                    params, ALIYUN_SECRET, "POST"
                ):
                    return self._answer(400, {"Code": "SignatureDoesNotMatch", "Message": "signature is not matched"})
                if params["Action"] != "SendSms" or params["Version"] != "2017-05-25":
                    return self._answer(400, {"Code": "InvalidAction"})
                server.record("aliyun", params["PhoneNumbers"], params)
                return self._answer(200, {"Code": "OK", "Message": "OK", "BizId": "9006197469364^0", "RequestId": "r"})

            def _tencent(self, query, raw):
                expected = tencent_expected_authorization(
                    host=self.headers["Host"],
                    payload=raw,
                    timestamp=self.headers.get("X-TC-Timestamp", "0"),
                    secret_id=TENCENT_SECRET_ID,
                    key=TENCENT_SECRET_KEY,
                )
                if self.headers.get("Authorization") != expected:
                    error = {
                        "Code": "AuthFailure.SignatureFailure",
                        "Message": "The provided credentials could not be validated.",
                    }
                    return self._answer(200, {"Response": {"Error": error, "RequestId": "r"}})
                if self.headers.get("X-TC-Version") != "2021-01-11" or self.headers.get("X-TC-Action") != "SendSms":
                    return self._answer(200, {"Response": {"Error": {"Code": "InvalidAction"}, "RequestId": "r"}})
                body = json.loads(raw)
                phone = body["PhoneNumberSet"][0]
                server.record("tencent", phone.removeprefix("+86"), body)
                status = {"SerialNo": "2640:1", "PhoneNumber": phone, "Fee": 1, "Code": "Ok", "Message": "send success"}
                return self._answer(200, {"Response": {"SendStatusSet": [status], "RequestId": "r"}})

            def _wecom(self, query, raw):
                if query.get("access_token") not in server.state.wecom_tokens:
                    return self._answer(200, {"errcode": 42001, "errmsg": "access_token expired"})
                body = json.loads(raw)
                server.record("wecom", body["touser"], body)
                return self._answer(200, {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": "msg-1"})

            def _dingtalk(self, query, raw):
                if query.get("access_token") not in server.state.dingtalk_tokens:
                    return self._answer(200, {"errcode": 88, "sub_code": "40014", "errmsg": "不合法的access_token"})
                body = json.loads(raw)
                server.record("dingtalk", body["userid_list"], body)
                return self._answer(200, {"errcode": 0, "errmsg": "ok", "task_id": 256271667526, "request_id": "r"})

            def _wecom_robot(self, query, raw):
                if query.get("key") != WECOM_ROBOT_KEY:
                    return self._answer(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
                body = json.loads(raw)
                if body.get("msgtype") not in ("text", "markdown") or body.get("msgtype") not in body:
                    return self._answer(200, {"errcode": 40008, "errmsg": "invalid message type"})
                server.record("wecom_robot", query["key"], body)
                return self._answer(200, {"errcode": 0, "errmsg": "ok"})

            def _dingtalk_robot(self, query, raw):
                if query.get("access_token") != DINGTALK_ROBOT_TOKEN:
                    return self._answer(200, {"errcode": 300001, "errmsg": "token is not exist"})
                timestamp = query.get("timestamp", "")
                now_ms = int(datetime.datetime.now(datetime.UTC).timestamp() * 1000)
                if not timestamp.isdigit() or abs(now_ms - int(timestamp)) > DINGTALK_ROBOT_WINDOW_MS:
                    return self._answer(200, {"errcode": 310000, "errmsg": "sign not match, timestamp is invalid"})
                if query.get("sign") != dingtalk_robot_expected_sign(timestamp, DINGTALK_ROBOT_SECRET):
                    return self._answer(200, {"errcode": 310000, "errmsg": "sign not match"})
                body = json.loads(raw)
                if body.get("msgtype") not in ("text", "markdown") or body.get("msgtype") not in body:
                    return self._answer(200, {"errcode": 40035, "errmsg": "缺少参数 msgtype"})
                server.record("dingtalk_robot", query["access_token"], body)
                return self._answer(200, {"errcode": 0, "errmsg": "ok"})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def new_token(self, provider: str) -> str:
        with self.lock:
            self.state.token_calls += 1
            token = f"{provider}-token-{self.state.token_calls}"
            getattr(self.state, f"{provider}_tokens").add(token)
        return token

    def expire_tokens(self):
        self.state.wecom_tokens.clear()
        self.state.dingtalk_tokens.clear()

    def record(self, provider: str, address: str, content: dict):
        with self.lock:
            self.state.delivered.append(Delivered(provider, address, content))

    def delivered(self, provider: str | None = None) -> list[Delivered]:
        return [item for item in self.state.delivered if provider is None or item.provider == provider]

    def fail_next(self, provider: str, count: int, status: int = 500, body: dict | None = None):
        with self.lock:
            self.state.failures.setdefault(provider, []).extend([(status, body or {"Code": "InternalError"})] * count)

    def hold_next(self, provider: str) -> threading.Event:
        """The next send to `provider` waits until the returned event is set, then answers 504."""
        event = threading.Event()
        self.state.hold[provider] = event
        return event

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        for event in self.state.hold.values():
            event.set()
        self.httpd.shutdown()
        self.httpd.server_close()
