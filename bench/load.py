"""Throughput under load, through the deployment: nginx with deploy/nginx/pilot-admin.conf in
front of two gunicorn nodes started with deploy/gunicorn.conf.py (the pieces of
`make test-deploy`, deploy/local_stack.py), production settings (DJANGO_DEBUG=0, HTTPS behind the
proxy), serving the site plus the floors (bench/wsgi.py) on the bench database.

wrk at each concurrency (16 and 64 connections) for `seconds` on the mix, then on the floors'
mix: every target of the per-request table (bench/measure.py TARGETS: the pages, the API lists,
the statistics and the county dashboard as served) but the cold dashboard, whose cache bump
before each request is not a request; the floors' mix is each target's floor in the same order.
A small Lua script rotates the paths and sends the county admin's session cookie (password and
second factor passed, bench/seed.py sign_in): wrk cannot sign in with a TOTP code itself.
Requests per second, p50/p99 latency, errors (any answer other than 2xx — a redirect to the
sign-in page included — connect, read, write or timeout errors), which must be 0, and how many
requests each node served (nginx's access log), which must be both.

Over HTTPS, not plain HTTP: the site file's port 80 serves /health/ only and sends the rest to
HTTPS, so the bench runs the file as deployed and Django with its production HTTPS settings
(secure cookies, proxy header trusted). wrk keeps its connections open, so each pays the TLS
handshake once; nginx's encryption is paid alike by both mixes.
"""

import contextlib
import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from deploy import local_stack

BASE_DIR = Path(__file__).resolve().parent.parent
NODES = 2
# Two nodes share this machine's cores here; on servers of their own each node runs 2 × cores + 1
# (deploy/gunicorn.conf.py). Sync workers are CPU-bound, so what a worker serves is read per core.
WORKERS_PER_NODE = 2

LUA = """
local paths = {%(paths)s}
local headers = {["Cookie"] = "%(cookie)s"}
local counter = 0
local threads = {}
-- Globals, read from each thread in done(): wrk counts only 4xx/5xx as errors; a 3xx (the sign-in
-- page's redirect, a scope's redirect) is an error here too.
non_2xx = 0
bad_status = 0

setup = function(thread)
  table.insert(threads, thread)
end

request = function()
  counter = counter %% #paths + 1
  return wrk.format("GET", paths[counter], headers)
end

response = function(status, headers, body)
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
    bad_status = status
  end
end

done = function(summary, latency, requests)
  local bad, last = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non_2xx")
    if thread:get("bad_status") ~= 0 then last = thread:get("bad_status") end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "max_us": %%d, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "timeout": %%d, "non_2xx": %%d, "bad_status": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, bad, last))
end
"""
ERROR_KINDS = ("connect", "read", "write", "timeout", "non_2xx")


@dataclass
class LoadSide:
    side: str  # "ours" or "floor"
    connections: int
    paths: list[str]
    requests: int = 0
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    # CPU time per request of the gunicorn nodes (masters, workers, workers replaced during the
    # run) and of the bench database's PostgreSQL backends: what a request costs whatever else
    # the machine was doing, which requests/s on a shared machine does not say.
    app_cpu_ms: float | None = None
    db_cpu_ms: float | None = None
    problem: str | None = None


@dataclass
class LoadResult:
    seconds: int
    connections: list[int]
    nodes: int = NODES
    workers_per_node: int = WORKERS_PER_NODE
    cpu_count: int = field(default_factory=lambda: os.cpu_count() or 1)
    sides: list[LoadSide] = field(default_factory=list)
    # Requests nginx passed to each node (its upstream address), over the whole run.
    served_by: dict[str, int] = field(default_factory=dict)
    skipped: str | None = None
    problem: str | None = None

    @property
    def workers(self) -> int:
        return self.nodes * self.workers_per_node

    def side(self, side: str, connections: int) -> LoadSide | None:
        return next((s for s in self.sides if s.side == side and s.connections == connections), None)

    def ratio(self, connections: int) -> float | None:
        """The floors' requests/s ÷ ours: how many times the floors' mix is served in the time of ours."""
        ours, floor = self.side("ours", connections), self.side("floor", connections)
        if not (ours and floor and ours.rps and floor.rps):
            return None
        return floor.rps / ours.rps

    @property
    def problems(self) -> list[str]:
        found = [f"load: {self.problem}"] if self.problem else []
        return found + [f"load on {s.side}, {s.connections} connections: {s.problem}" for s in self.sides if s.problem]

    def as_dict(self) -> dict:
        return {**asdict(self), "workers": self.workers}


def wrk_path() -> str | None:
    return shutil.which("wrk")


def mix(*, program: str, year: int, month: str) -> tuple[list[str], list[str]]:
    """Our paths and their floors', in the same order (Django configured with bench.urls)."""
    from bench.measure import TARGETS, _urls, target_query

    ours, floors = [], []
    for target in TARGETS:
        if target.before_each is not None:
            continue
        urls = _urls(target, target_query(target, program=program, year=year, month=month))
        if urls is not None:
            ours.append(urls[0])
            floors.append(urls[1])
    return ours, floors


def lua_script(paths: list[str], cookie: str) -> str:
    return LUA % {"paths": ", ".join(json.dumps(p) for p in paths), "cookie": cookie}


def parse_wrk(stdout: str, side: LoadSide) -> LoadSide:
    line = next((x for x in stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        side.problem = f"wrk gave no summary: {stdout[-300:]}"
        return side
    data = json.loads(line.removeprefix("BENCH_JSON "))
    side.requests = data["requests"]
    side.rps = round(data["requests"] / (data["duration_us"] / 1e6), 1)
    side.p50_ms = round(data["p50_us"] / 1000, 1)
    side.p99_ms = round(data["p99_us"] / 1000, 1)
    side.errors = sum(data[k] for k in ERROR_KINDS)
    if side.errors:
        kinds = {k: data[k] for k in ERROR_KINDS if data[k]}
        if data["non_2xx"]:
            kinds["last non-2xx status"] = data["bad_status"]
        side.problem = f"{side.errors} errors under load {kinds}"
    return side


def _measured(stack: "_Stack", url: str, side: LoadSide, cookie: str, seconds: int) -> LoadSide:
    """wrk on one side, with the CPU the nodes and the database spent meanwhile."""
    nodes = [process.pid for name, process in stack.processes.items() if name.startswith("node-")]
    app_before, db_before = tree_cpu_seconds(nodes), database_backends()
    _wrk(url, side, cookie, seconds)
    app_after, db_after = tree_cpu_seconds(nodes), database_backends()
    if side.requests:
        side.app_cpu_ms = round((app_after - app_before) * 1000 / side.requests, 1)
        if db_after:
            db = sum(after - db_before.get(pid, 0.0) for pid, after in db_after.items())
            side.db_cpu_ms = round(db * 1000 / side.requests, 1)
    return side


def _wrk(url: str, side: LoadSide, cookie: str, seconds: int) -> LoadSide:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(side.paths, cookie))
    try:
        threads = min(2, side.connections)
        command = [wrk_path(), f"-t{threads}", f"-c{side.connections}", f"-d{seconds}s", "--timeout", "10s"]
        completed = subprocess.run(
            [*command, "-s", script.name, url], capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    finally:
        os.unlink(script.name)
    return parse_wrk(completed.stdout + completed.stderr, side)


TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The fields after the command, which is in parentheses and may hold spaces: state is [0],
    # ppid [1], utime [11], stime [12], cutime [13], cstime [14].
    return text[text.rindex(")") + 2 :].split()


def tree_cpu_seconds(roots: list[int]) -> float:
    """CPU time of each root, its finished children it reaped (gunicorn reaps the workers it
    replaces) and its living children."""
    ticks = 0
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    for root in roots:
        fields = _stat(root)
        if fields:
            ticks += sum(int(x) for x in fields[11:15])
        for child in children.get(root, []):
            fields = _stat(child)
            if fields:
                ticks += int(fields[11]) + int(fields[12])
    return ticks / TICKS


def database_backends() -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend on the bench database but the bench's own
    (the nodes' connections); empty when the server is not on this machine."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [pid for (pid,) in cursor.fetchall()]
    found = {}
    for pid in pids:
        fields = _stat(pid)
        if fields:
            found[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    return found


def count_upstreams(access_log: str) -> dict[str, int]:
    """Requests per node address in nginx's access log ('$status $request_method $uri
    $upstream_addr $upstream_status', deploy/local_stack.py write_nginx); a request nginx passed
    on from one node to the other counts for both."""
    counts: dict[str, int] = {}
    for line in access_log.splitlines():
        for address in line.split(" ")[3:]:
            address = address.rstrip(",")
            if address.startswith("127.0.0.1:"):
                counts[address] = counts.get(address, 0) + 1
    return counts


class _Stack:
    """nginx and the two nodes of one load run, in a folder of their own, stopped and removed at the end."""

    def __init__(self):
        self.work = Path(tempfile.mkdtemp(prefix="pilot-admin-bench-load."))
        self.work.chmod(0o755)  # nginx's workers (nobody) traverse it
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str], env: dict) -> None:
        log = open(self.work / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen(
            command, env=env, cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def exited(self) -> str | None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                return f"{name} exited (status {process.returncode}): {self.log(name)[-800:]}"
        return None

    def log(self, name: str) -> str:
        path = self.work / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def served_by(self) -> dict[str, int]:
        path = self.work / "nginx" / "access.log"
        return count_upstreams(path.read_text(errors="replace") if path.exists() else "")

    def stop(self) -> None:
        for name, process in reversed(self.processes.items()):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
        shutil.rmtree(self.work, ignore_errors=True)


def node_environment(*, origin: str, static: Path, var: Path, bind: str) -> dict:
    """Production settings for a node (deploy/pilot-admin.env.example), on the bench's database,
    Redis and keys: the session cookie the bench made is signed with its DJANGO_SECRET_KEY, and
    the register decrypts persons with its PERSONAL_DATA_KEY. Not the bench process's
    DJANGO_HTTPS=0: behind nginx the site runs with its HTTPS defaults. Static names are not
    hashed (that needs a 17-second collectstatic): wrk fetches no static file, and a page only
    spells a file's name."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "pilot_admin.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ["DJANGO_SECRET_KEY"],
        "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DJANGO_CSRF_TRUSTED_ORIGINS": origin,
        "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
        "DJANGO_TRUST_X_FORWARDED_FOR": "1",
        "DJANGO_STATIC_ROOT": str(static),
        "PILOT_ADMIN_VAR_DIR": str(var),
        "GUNICORN_BIND": bind,
        "GUNICORN_WORKERS": str(WORKERS_PER_NODE),
    }


def _get(port: int, path: str, context: ssl.SSLContext | None, cookie: str = "") -> tuple[int, bytes]:
    connection = (
        http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=60)
        if context
        else http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    )
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _wait_until_up(
    stack: _Stack, ports: list[int], context: ssl.SSLContext | None = None, timeout: float = 90.0
) -> str | None:
    """Each port answers /health/ (a node directly over HTTP, nginx over HTTPS with `context`)."""
    deadline = time.monotonic() + timeout
    waiting = list(ports)
    while waiting:
        exited = stack.exited()
        if exited:
            return exited
        try:
            if _get(waiting[0], "/health/", context)[0] == 200:
                waiting.pop(0)
                continue
        except OSError:
            pass
        if time.monotonic() > deadline:
            return f":{waiting[0]} did not answer /health/ within {timeout:.0f} s"
        time.sleep(0.3)
    return None


def _warm(port: int, paths: list[str], cookie: str, context: ssl.SSLContext, rounds: int) -> str | None:
    """Each path `rounds` times through nginx (so every worker of both nodes has likely loaded its
    code paths), every answer checked to be 200: a path that fails is named here, not hidden in
    wrk's totals."""
    for _ in range(rounds):
        for path in paths:
            try:
                status, body = _get(port, path, context, cookie)
            except OSError as error:
                return f"{path}: {error!r}"
            if status != 200:
                return f"{path}: HTTP {status} {body[:200]!r}"
    return None


def run(*, cookie: str, program: str, year: int, month: str, seconds: int, connections: list[int]) -> LoadResult:
    """`cookie`: the signed-in county admin's, 'name=value'."""
    result = LoadResult(seconds=seconds, connections=connections)
    if wrk_path() is None:
        result.skipped = "wrk is not installed (apt-get install -y wrk; `make bench` installs it)"
        return result
    ours, floors = mix(program=program, year=year, month=month)
    stack = _Stack()
    try:
        nginx = local_stack.ensure_nginx(lambda message: print(message, end=" ", flush=True))
        https, http_port, *node_ports = (local_stack.free_port() for _ in range(2 + NODES))
        cert, key = local_stack.self_signed_certificate(stack.work)
        static, var = stack.work / "static", stack.work / "var"
        static.mkdir()
        var.mkdir()
        origin = f"https://localhost:{https}"
        for index, port in enumerate(node_ports):
            env = node_environment(origin=origin, static=static, var=var, bind=f"127.0.0.1:{port}")
            stack.start(f"node-{index + 1}", local_stack.gunicorn_node("bench.wsgi:application"), env)
        site = local_stack.render_site(
            https=https, http=http_port, node_ports=node_ports, cert=cert, key=key, static=static
        )
        # Each client connection takes one to nginx and one to a node.
        command = local_stack.write_nginx(nginx, stack.work / "nginx", site, worker_connections=4 * max(connections))
        stack.start("nginx", command, dict(os.environ))
        context = ssl.create_default_context(cafile=str(cert))
        result.problem = _wait_until_up(stack, node_ports) or _wait_until_up(stack, [https], context=context)
        if result.problem:
            return result
        for side, paths in (("ours", ours), ("floor", floors)):
            problem = _warm(https, paths, cookie, context, rounds=NODES * WORKERS_PER_NODE)
            if problem:
                result.problem = f"warming {side}: {problem}"
                return result
        # ours, floor at the first concurrency, floor, ours at the next…: a machine getting busier
        # or quieter during the run weighs on both sides alike.
        for turn, clients in enumerate(connections):
            sides = [("ours", ours), ("floor", floors)]
            for side, paths in sides if turn % 2 == 0 else reversed(sides):
                url = f"https://127.0.0.1:{https}"
                measured = _measured(stack, url, LoadSide(side, clients, paths), cookie, seconds)
                result.sides.append(measured)
                if stack.exited():
                    result.problem = stack.exited()
                    return result
        result.served_by = stack.served_by()
        idle = [f"127.0.0.1:{port}" for port in node_ports if not result.served_by.get(f"127.0.0.1:{port}")]
        if idle:
            result.problem = f"nginx passed no request to {', '.join(idle)}"
    except local_stack.StackError as error:
        result.problem = str(error)
    finally:
        if result.problem:
            for name in stack.processes:
                print(f"---- {name}.log (last lines) ----\n{stack.log(name)[-1500:]}")
        stack.stop()
    return result


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def format_table(result: LoadResult) -> str:
    from bench.measure import _table

    header = ("what", "requests/s", "p50 ms", "p99 ms", "requests", "errors", "app CPU ms/req", "db CPU ms/req",
              "check")  # fmt: skip
    rows = []
    for clients in result.connections:
        for side in ("ours", "floor"):
            s = result.side(side, clients)
            if s is None:
                continue
            what = f"load: {'our mix' if side == 'ours' else 'floors’ mix'} ({len(s.paths)} paths), {clients} clients"
            rows.append(
                (f"{what} × {result.seconds} s", f"{s.rps:.1f}", f"{s.p50_ms:.1f}", f"{s.p99_ms:.1f}",
                 f"{s.requests:,}", str(s.errors), _ms(s.app_cpu_ms), _ms(s.db_cpu_ms), s.problem or "ok")
            )  # fmt: skip
        ratio = result.ratio(clients)
        ours, floor = result.side("ours", clients), result.side("floor", clients)
        if ratio is not None:
            cpu = f"{ours.app_cpu_ms / floor.app_cpu_ms:.1f}x" if ours.app_cpu_ms and floor.app_cpu_ms else "-"
            rows.append(
                (f"load: floors ÷ ours, {clients} clients", f"{ratio:.1f}x", "", "", "", "", cpu, "",
                 f"ours: {ours.rps / result.workers:.1f} requests/s per worker")
            )  # fmt: skip
    served = ", ".join(f"{address} {count:,}" for address, count in sorted(result.served_by.items()))
    return (
        f"{_table(header, rows)}\n"
        f"nginx → {result.nodes} gunicorn nodes × {result.workers_per_node} workers on {result.cpu_count} CPUs "
        f"shared with nginx, PostgreSQL and wrk; requests served per node: {served or '-'}"
    )
