"""`make test-deploy`: the deployment in deploy/ run for real and driven over HTTPS.

nginx with deploy/nginx/pilot-admin.conf (only addresses, ports and paths replaced) in front of
two gunicorn nodes (deploy/gunicorn.conf.py), two Celery workers and one beat, with production
settings, on a fresh PostgreSQL database and Redis databases 10 (cache) and 11 (broker) under
key prefixes of this run. It signs in with the second factor, opens a page, calls the API with
a token, checks the statistics cache is shared between the nodes, kills one node with SIGKILL
while requests are flowing (every one must still succeed, the session still valid), imports a
workbook through the page in the background, and runs the reminders on both workers at once
(each notice recorded once). Everything it started is stopped and removed at the end, on
failure too. Nothing under /etc/nginx is touched; nginx is installed from Debian if missing.
"""

import ast
import base64
import contextlib
import io
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import openpyxl
import psycopg2
import redis
import requests
from django_otp.oath import totp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from deploy.local_stack import (  # noqa: E402 - the repository's root put on the path just above
    StackError,
    ensure_nginx,
    free_port,
    gunicorn_node,
    render_site,
    self_signed_certificate,
    write_nginx,
)

BIN = Path(sys.executable).parent
STARTED = time.monotonic()
PASSWORD = "Badong-2020!"  # the demo accounts' published password (README, 演示账号)


class Failed(Exception):
    pass


def say(message: str) -> None:
    print(f"deploy check [{time.monotonic() - STARTED:5.1f} s]: {message}", flush=True)


def check(condition, message: str) -> None:
    if not condition:
        raise Failed(message)


class Stack:
    """The processes, database and Redis keys of this run, and their removal."""

    def __init__(self):
        self.work = Path(tempfile.mkdtemp(prefix="pilot-admin-deploy-check."))
        self.work.chmod(0o755)  # nginx's workers (nobody) read the static files under it
        self.processes: dict[str, subprocess.Popen] = {}
        self.database = f"pilot_admin_deploy_{secrets.token_hex(4)}"
        self.prefix = f"deploy-check-{secrets.token_hex(4)}"
        server = urlparse(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/pilot_admin")
        self.server_url = server
        self.database_url = urlunparse(server._replace(path=f"/{self.database}"))
        redis_url = urlparse(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
        self.cache_url = urlunparse(redis_url._replace(path="/10"))
        self.broker_url = urlunparse(redis_url._replace(path="/11"))
        self.database_created = False

    def admin_connection(self):
        connection = psycopg2.connect(
            host=self.server_url.hostname,
            port=self.server_url.port or 5432,
            user=self.server_url.username or "postgres",
            password=self.server_url.password or None,
            dbname="postgres",
        )
        connection.autocommit = True
        return connection

    def admin_execute(self, sql: str) -> None:
        # Not `with connection`: psycopg2 would open a transaction, which CREATE DATABASE refuses.
        connection = self.admin_connection()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def create_database(self):
        self.admin_execute(f'CREATE DATABASE "{self.database}"')
        self.database_created = True

    def query(self, sql: str, params=()) -> list[tuple]:
        with psycopg2.connect(self.database_url) as connection, connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def start(self, name: str, command: list[str], env: dict) -> subprocess.Popen:
        log = open(self.work / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        # Its own session: a node is killed whole (master and workers) as a machine that dies.
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[name] = process
        return process

    def kill(self, name: str, sig=signal.SIGKILL) -> None:
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def log(self, name: str) -> str:
        path = self.work / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def teardown(self, failed: bool) -> None:
        for name, process in reversed(self.processes.items()):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM if name != "nginx" else signal.SIGQUIT)
                    process.wait(timeout=15)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
        if failed:
            for name in self.processes:
                print(f"---- {name}.log (last lines) ----\n{self.log(name)[-2500:]}", file=sys.stderr)
            for name in ("error.log", "access.log"):
                path = self.work / "nginx" / name
                if path.exists():
                    print(f"---- nginx {name} ----\n{path.read_text(errors='replace')[-2500:]}", file=sys.stderr)
        if self.database_created:
            self.admin_execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        for url in (self.cache_url, self.broker_url):
            client = redis.Redis.from_url(url)
            keys = list(client.scan_iter(match=f"{self.prefix}*"))
            if keys:
                client.delete(*keys)
            client.close()
        shutil.rmtree(self.work, ignore_errors=True)


def wait_for(what: str, condition, *, seconds: float = 60, processes=()) -> object:
    deadline = time.monotonic() + seconds
    last = None
    while True:
        try:
            value = condition()
        except (requests.ConnectionError, OSError) as error:
            value, last = None, error
        if value:
            return value
        for process in processes:
            check(process.poll() is None, f"{what}: a process exited (status {process.returncode})")
        check(time.monotonic() < deadline, f"waited {seconds} s for {what} ({last!r})")
        time.sleep(0.25)


def run(stack: Stack) -> None:
    nginx = ensure_nginx(say)
    https, http, node_a, node_b = (free_port() for _ in range(4))
    base = f"https://localhost:{https}"
    cert, key = self_signed_certificate(stack.work)
    say(f"self-signed certificate for localhost; nginx on :{https} (HTTPS) and :{http}, nodes on :{node_a} :{node_b}")

    def fernet_key() -> str:
        return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()

    totp_key = secrets.token_hex(20)
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "PILOT_ADMIN_"))}
    env = {
        **keep,
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "DJANGO_SETTINGS_MODULE": "pilot_admin.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DJANGO_CSRF_TRUSTED_ORIGINS": base,
        "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
        "DJANGO_TRUST_X_FORWARDED_FOR": "1",
        "DJANGO_STATIC_ROOT": str(stack.work / "static"),
        "DJANGO_STATIC_HASHED_NAMES": "1",
        "DJANGO_MEDIA_ROOT": str(stack.work / "media"),
        "PILOT_ADMIN_VAR_DIR": str(stack.work / "var"),
        "PILOT_ADMIN_REQUIRE_2FA": "1",
        "PERSONAL_DATA_KEY": fernet_key(),
        "PERSONAL_DATA_INDEX_KEY": fernet_key(),
        "BACKUP_ENCRYPTION_KEY": fernet_key(),
        "DATABASE_URL": stack.database_url,
        "REDIS_URL": stack.cache_url,
        "CACHE_KEY_PREFIX": stack.prefix,
        "CELERY_BROKER_URL": stack.broker_url,
        "CELERY_BROKER_KEY_PREFIX": f"{stack.prefix}:",
        "EMAIL_URL": "console://",
        # A five-row workbook goes to a worker, as a county's thousand-row one does.
        "IMPORT_BACKGROUND_ROWS": "3",
        "PYTHONUNBUFFERED": "1",
    }
    python = str(BIN / "python")

    def manage(*args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [python, "manage.py", *args], env=env, cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=300
        )
        check(
            result.returncode == 0,
            f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}",
        )
        return result.stdout

    for folder in ("var", "media"):
        (stack.work / folder).mkdir()
    stack.create_database()
    say(f"database {stack.database} created; migrate, collectstatic")
    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput")
    static = stack.work / "static"
    for path in [static, *static.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)

    # The web nodes, workers and beat start while the demo county is loaded.
    for name, port in (("node-a", node_a), ("node-b", node_b)):
        stack.start(
            name,
            gunicorn_node("pilot_admin.wsgi"),
            {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2"},
        )
    for name in ("worker-1", "worker-2"):
        stack.start(
            name,
            [
                str(BIN / "celery"),
                "-A",
                "pilot_admin",
                "worker",
                "--loglevel=INFO",
                f"--hostname={name}@%h",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
            ],
            env,
        )
    stack.start("beat", [str(BIN / "celery"), "-A", "pilot_admin", "beat", "--loglevel=INFO"], env)
    site = render_site(https=https, http=http, node_ports=[node_a, node_b], cert=cert, key=key, static=static)
    nginx_command = write_nginx(nginx, stack.work / "nginx", site)
    stack.start("nginx", nginx_command, env)

    say("load_demo --allow-production (the demo county: accounts, villages, tasks)")
    manage("load_demo", "--allow-production")
    say("demo county loaded")
    # The county admin's phone: a confirmed authenticator whose secret this check knows.
    manage(
        "shell",
        stdin=f"""
from django_otp.plugins.otp_totp.models import TOTPDevice
from pilot_admin.models import User
user = User.objects.get(username="county_admin")
TOTPDevice.objects.filter(user=user).delete()
TOTPDevice.objects.create(user=user, name="手机验证器", key="{totp_key}", confirmed=True)
""",
    )

    web = [stack.processes[name] for name in ("node-a", "node-b", "nginx")]

    def https_session() -> requests.Session:
        session = requests.Session()
        # Not trust_env: requests would let REQUESTS_CA_BUNDLE (the system's CAs) override this
        # certificate, and a proxy variable could route localhost elsewhere.
        session.trust_env = False
        session.verify = str(cert)
        return session

    tls = https_session()
    wait_for("nginx and both nodes", lambda: tls.get(f"{base}/health/", timeout=5).status_code == 200, processes=web)
    for port in (node_a, node_b):
        wait_for(
            f"node :{port}", lambda port=port: tls.get(f"http://127.0.0.1:{port}/health/", timeout=5).ok, processes=web
        )
    say("nginx answers over HTTPS with both nodes up")

    # --- the site as nginx serves it ---------------------------------------------------------
    redirect = tls.get(f"http://localhost:{http}/login/", allow_redirects=False, timeout=10)
    check(
        redirect.status_code == 301 and redirect.headers["Location"] == f"{base}/login/",
        f"plain HTTP is not sent to HTTPS: {redirect.status_code} {redirect.headers.get('Location')}",
    )
    version = subprocess.run(
        ["curl", "-sS", "--http2", "--cacert", str(cert), "-o", "/dev/null", "-w", "%{http_version}", f"{base}/login/"],
        capture_output=True,
        text=True,
    )
    check(version.stdout.strip() == "2", f"HTTP/2 not negotiated: {version.stdout!r} {version.stderr}")
    login_page = tls.get(f"{base}/login/", timeout=10)
    check(login_page.status_code == 200 and "<h1>登录</h1>" in login_page.text, "the sign-in page")
    check("max-age=31536000" in login_page.headers.get("Strict-Transport-Security", ""), "HSTS on the sign-in page")
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', login_page.text)
    check(stylesheet, "the sign-in page links no hashed stylesheet (DJANGO_STATIC_HASHED_NAMES)")
    hashed = tls.get(base + stylesheet.group(1), timeout=10)
    check(hashed.status_code == 200 and "text/css" in hashed.headers["Content-Type"], "the hashed stylesheet")
    check("Content-Security-Policy" not in hashed.headers, "the stylesheet came from Django, not from nginx's alias")
    cache_control = hashed.headers.get("Cache-Control", "")
    check(
        "max-age=315360000" in cache_control and "immutable" in cache_control,
        f"hashed static names not cached for good: {cache_control!r}",
    )
    plain = tls.get(f"{base}/static/css/app.css", timeout=10)
    check(
        plain.status_code == 200 and plain.headers.get("Cache-Control") == "max-age=3600",
        f"a plain static name: {plain.status_code} {plain.headers.get('Cache-Control')!r}",
    )
    too_large = tls.post(f"{base}/login/", data=b"x" * (26 * 1024 * 1024), timeout=30)
    check(
        too_large.status_code == 413 and too_large.json()["detail"] == "请求体过大。",
        "a 26 MB body: nginx's 413 in JSON",
    )
    say(f"HTTP→HTTPS 301, HTTP/2, HSTS; static from nginx: hashed '{cache_control}', plain 'max-age=3600'; 26 MB → 413")

    # --- sign in with the second factor --------------------------------------------------------
    browser = https_session()
    browser.headers["Origin"] = base  # what a browser sends with a form POST

    def form_token(html: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    page = browser.get(f"{base}/login/", timeout=10)
    step = browser.post(
        f"{base}/login/",
        data={"csrfmiddlewaretoken": form_token(page.text), "username": "county_admin", "password": PASSWORD},
        timeout=30,
    )
    check("/account/two-factor/verify/" in step.url, f"password accepted → the code page, got {step.url}")
    code = f"{totp(bytes.fromhex(totp_key)):06d}"
    home = browser.post(step.url, data={"csrfmiddlewaretoken": form_token(step.text), "code": code}, timeout=30)
    check(home.status_code == 200 and urlparse(home.url).path == "/", f"the code accepted → home, got {home.url}")
    check("退出" in home.text, "home page after sign-in")
    say("signed in as county_admin with password and TOTP code over HTTPS")

    villages = browser.get(f"{base}/villages/", timeout=30)
    check(villages.status_code == 200 and "水布垭镇" in villages.text, "the village list page")
    token = tls.post(f"{base}/api/v1/auth/token/", data={"username": "api_client", "password": PASSWORD}, timeout=30)
    check(token.status_code == 200, f"POST /api/v1/auth/token/: {token.status_code} {token.text[:300]}")
    api = https_session()
    api.headers["Authorization"] = f"Token {token.json()['token']}"
    listed = api.get(f"{base}/api/v1/villages/", timeout=30)
    check(listed.status_code == 200 and listed.json()["count"] >= 300, f"GET /api/v1/villages/: {listed.status_code}")
    say(f"page /villages/ 200; API token for api_client, GET /api/v1/villages/ → {listed.json()['count']} villages")

    # --- the statistics cache is one for both nodes ----------------------------------------------
    cache = redis.Redis.from_url(stack.cache_url)
    cookie = {"sessionid": browser.cookies["sessionid"]}
    forwarded = {"Host": "localhost", "X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}

    def dashboard_keys() -> set[bytes]:
        return set(cache.scan_iter(match=f"{stack.prefix}:*county_dashboard*"))

    # The entries so far dropped: node A computes the dashboard afresh and caches it; node B must
    # find that entry in Redis, not compute its own.
    if dashboard_keys():
        cache.delete(*dashboard_keys())
    before = set()
    first = tls.get(f"http://127.0.0.1:{node_a}/", headers=forwarded, cookies=cookie, timeout=30)
    check(
        first.status_code == 200 and "退出" in first.text, f"home page on node A with the session: {first.status_code}"
    )
    computed = dashboard_keys() - before
    check(len(computed) == 1, f"node A cached one county dashboard in Redis, found {len(computed)} new entries")
    (entry,) = computed
    ttl = cache.pttl(entry)
    time.sleep(1.1)
    second = tls.get(f"http://127.0.0.1:{node_b}/", headers=forwarded, cookies=cookie, timeout=30)
    check(
        second.status_code == 200 and "退出" in second.text,
        f"home page on node B with the session: {second.status_code}",
    )
    check(dashboard_keys() - before == computed, "node B computed the dashboard again instead of reading Redis")
    check(cache.pttl(entry) < ttl - 1000, "node B rewrote the cached dashboard")
    before = dashboard_keys()
    say("session and county dashboard cache shared: both nodes read the same Redis entry, neither recomputed")

    # --- a node dies while requests are flowing ----------------------------------------------
    outcomes: list[tuple[str, int]] = []
    stop = threading.Event()

    def traffic():
        while not stop.is_set():
            for session, path in ((browser, "/villages/"), (api, "/api/v1/villages/?page_size=5"), (browser, "/")):
                try:
                    outcomes.append((path, session.get(base + path, timeout=30, allow_redirects=False).status_code))
                except requests.RequestException as error:
                    outcomes.append((path, repr(error)))

    sender = threading.Thread(target=traffic)
    sender.start()
    try:
        wait_for("traffic through both nodes", lambda: len(outcomes) >= 12, seconds=60)
        served_before = len(outcomes)
        stack.kill("node-a")
        say(f"node :{node_a} killed (SIGKILL, master and workers) after {served_before} requests")
        wait_for("traffic after the kill", lambda: len(outcomes) >= served_before + 15, seconds=60)
    finally:
        stop.set()
        sender.join(timeout=60)
    failures = [outcome for outcome in outcomes if outcome[1] != 200]
    check(not failures, f"{len(failures)} of {len(outcomes)} requests failed across the kill: {failures[:5]}")
    upstreams = Path(stack.work / "nginx" / "access.log").read_text().splitlines()
    check(any(f"127.0.0.1:{node_a}" in line for line in upstreams), "nginx never sent a request to node A")
    check(any(f"127.0.0.1:{node_b}" in line for line in upstreams), "nginx never sent a request to node B")
    retried = [line for line in upstreams if f"127.0.0.1:{node_a}, 127.0.0.1:{node_b}" in line]
    say(f"{len(outcomes)} requests across the kill, all 200 ({len(retried)} passed on from the dead node by nginx)")
    again = browser.get(f"{base}/", timeout=30, allow_redirects=False)
    check(
        again.status_code == 200, f"the session outlived its node: {again.status_code} {again.headers.get('Location')}"
    )
    check(dashboard_keys() == before, "the surviving node recomputed the cached dashboard")

    # --- a background import through the page, on the surviving node -------------------------
    template = browser.get(f"{base}/imports/villages/template/", timeout=30)
    check(template.status_code == 200, f"the import template: {template.status_code}")
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    rows = []
    for i in range(5):
        values = {
            "乡镇": "水布垭镇",
            "村名": f"部署检查{i}村",
            "户数": 10 + i,
            "人口": 40 + i,
            "设立日期": "建档前已有",
        }
        rows.append([values.get(header) for header in headers])
    sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        sheet.append(row)
    upload = io.BytesIO()
    book.save(upload)
    form = browser.get(f"{base}/imports/villages/", timeout=30)
    posted = browser.post(
        f"{base}/imports/villages/",
        data={"csrfmiddlewaretoken": form_token(form.text)},
        files={
            "file": (
                "村名单.xlsx",
                upload.getvalue(),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        },
        timeout=60,
        allow_redirects=False,
    )
    location = posted.headers.get("Location", "")
    run_id = re.search(r"/imports/runs/(\d+)/", location)
    check(
        posted.status_code == 302 and run_id,
        f"upload → the run's page: {posted.status_code} {location} {posted.text[-500:]}",
    )
    workers = [stack.processes["worker-1"], stack.processes["worker-2"]]
    run = wait_for(
        "the import run to finish",
        lambda: (
            (r := browser.get(f"{base}/api/v1/imports/runs/{run_id.group(1)}/", timeout=30).json())["status"]
            not in ("queued", "running")
            and r
        ),
        seconds=90,
        processes=workers,
    )
    check(run["status"] == "done" and run["created"] == 5, f"the import run: {run}")
    names = {name for (name,) in stack.query("SELECT name FROM villages_village WHERE name LIKE '部署检查%%'")}
    check(len(names) == 5, f"5 villages imported, found {sorted(names)}")
    page = browser.get(f"{base}/imports/runs/{run_id.group(1)}/", timeout=30)
    check(page.status_code == 200 and 'id="created-count">5<' in page.text, "the run's page shows 5 created")
    say(f"import run {run_id.group(1)}: 5 rows imported by a worker in the background")

    # --- the reminder run on both workers at once ----------------------------------------------
    def task_results() -> list[dict]:
        results = []
        for name in ("worker-1", "worker-2"):
            for line in stack.log(name).splitlines():
                # Production logs one JSON object a line (LOG_FORMAT=json, pilot_admin/request_log.py);
                # Celery's "succeeded" record carries the task's name and its return value there.
                try:
                    record = json.loads(line)
                except ValueError:
                    record = None
                if isinstance(record, dict):
                    data = record.get("data") or {}
                    if data.get("name", "").endswith("send_due_reminders_task") and "return_value" in data:
                        results.append((name, ast.literal_eval(data["return_value"])))
                    continue
                match = re.search(r"send_due_reminders_task\[[^\]]+\] succeeded in [\d.]+s: (\{.*\})", line)
                if match:
                    results.append((name, ast.literal_eval(match.group(1))))
        return results

    (notifications_before,) = stack.query("SELECT count(*) FROM pilot_admin_notification")[0]
    manage(
        "shell",
        stdin="""
from pilot_admin.tasks import send_due_reminders_task
send_due_reminders_task.delay()
send_due_reminders_task.delay()
""",
    )
    results = wait_for(
        "both reminder runs", lambda: len(task_results()) >= 2 and task_results(), seconds=90, processes=workers
    )
    check({name for name, _ in results} == {"worker-1", "worker-2"}, f"the two runs went to one worker: {results}")
    (notifications,) = stack.query("SELECT count(*) - %s FROM pilot_admin_notification", [notifications_before])[0]
    created = sum(result["notifications"] for _, result in results)
    check(notifications > 0, "the reminder run created no notification")
    check(created == notifications, f"the two runs report {created} notifications, the table holds {notifications} new")
    doubled = stack.query("SELECT user_id, source FROM pilot_admin_notification GROUP BY 1, 2 HAVING count(*) > 1")
    check(not doubled, f"notifications doubled: {doubled[:5]}")
    say(f"reminders run twice at once on two workers: {notifications} notifications, each once ({results})")
    check(
        all(process.poll() is None for process in [*workers, stack.processes["beat"], stack.processes["node-b"]]),
        "a worker, beat or the surviving node exited",
    )
    check("beat: Starting" in stack.log("beat"), f"beat did not start: {stack.log('beat')[-500:]}")


def main() -> int:
    stack = Stack()
    failed = True

    def interrupted(signum, frame):
        raise SystemExit(f"deploy check interrupted by signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    try:
        run(stack)
        failed = False
    except (Failed, StackError) as error:
        print(f"deploy check FAILED: {error}", file=sys.stderr)
    finally:
        stack.teardown(failed)
        outcome = "FAILED" if failed else "passed"
        say(f"{outcome}; everything stopped and removed; took {time.monotonic() - STARTED:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
