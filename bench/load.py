"""Throughput under load: gunicorn with 2 workers on loopback serving the bench database, wrk
with 16 connections for `seconds` on the four stats endpoints (rotated by a small Lua script,
token-authenticated like the province's systems), then the same on their token-authenticated
floors (bench/floors.py TOKEN_FLOORS). Requests per second, p50/p99 latency, errors (any
non-2xx answer, connect, read, write or timeout error), which must be 0.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

LUA = """
local paths = {%(paths)s}
local counter = 0
request = function()
  counter = counter %% #paths + 1
  return wrk.format("GET", paths[counter], {["Authorization"] = "Token %(token)s"})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "max_us": %%d, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass
class LoadSide:
    side: str
    paths: list[str]
    requests: int = 0
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    problem: str | None = None


@dataclass
class LoadResult:
    seconds: int
    connections: int
    workers: int = 2
    sides: list[LoadSide] = field(default_factory=list)
    skipped: str | None = None

    @property
    def problems(self) -> list[str]:
        return [f"load on {s.side}: {s.problem}" for s in self.sides if s.problem]

    def as_dict(self) -> dict:
        return asdict(self)


def wrk_path() -> str | None:
    return shutil.which("wrk")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(base: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"{base}/health/", timeout=2).read()  # noqa: S310 - loopback only
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _warm(base: str, paths: list[str], token: str) -> str | None:
    """Each path a few times (both workers): code paths loaded, answers checked to be 200."""
    for path in paths * 3:
        request = urllib.request.Request(base + path, headers={"Authorization": f"Token {token}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
                response.read()
        except urllib.error.HTTPError as error:
            return f"{path}: HTTP {error.code}"
    return None


def _wrk(base: str, paths: list[str], token: str, seconds: int, connections: int, side: str) -> LoadSide:
    result = LoadSide(side=side, paths=paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % {"paths": ", ".join(json.dumps(p) for p in paths), "token": token})
    try:
        completed = subprocess.run(
            [wrk_path(), "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script.name, base],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    finally:
        os.unlink(script.name)
    line = next((x for x in completed.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        result.problem = f"wrk gave no summary: {(completed.stderr or completed.stdout)[-300:]}"
        return result
    data = json.loads(line.removeprefix("BENCH_JSON "))
    result.requests = data["requests"]
    result.rps = round(data["requests"] / (data["duration_us"] / 1e6), 1)
    result.p50_ms = round(data["p50_us"] / 1000, 1)
    result.p99_ms = round(data["p99_us"] / 1000, 1)
    result.errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    if result.errors:
        kinds = {k: data[k] for k in ("connect", "read", "write", "status", "timeout") if data[k]}
        result.problem = f"{result.errors} errors under load {kinds}"
    return result


def run(*, token: str, program: str, year: int, month: str, seconds: int, connections: int) -> LoadResult:
    result = LoadResult(seconds=seconds, connections=connections)
    if wrk_path() is None:
        result.skipped = "wrk is not installed (apt-get install -y wrk; `make bench` installs it)"
        return result
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DJANGO_DEBUG": "0"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(result.workers), "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning", "bench.wsgi:application"],
        cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        _wait_until_up(base)
        query = f"?program={program}&year={year}&month={month}"
        ours = [f"/api/v1/stats/{name}/{query}" for name in ("pilots", "tasks", "assessments", "guardianship")]
        floors = [
            f"/bench-floor/token/stats/{name}/{query}" for name in ("pilots", "tasks", "assessments", "guardianship")
        ]
        for side, paths in (("stats endpoints", ours), ("floor", floors)):
            problem = _warm(base, paths, token)
            if problem:
                result.sides.append(LoadSide(side=side, paths=paths, problem=problem))
                continue
            result.sides.append(_wrk(base, paths, token, seconds, connections, side))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    return result


def format_table(result: LoadResult) -> str:
    from bench.measure import _table

    header = ("what", "requests/s", "p50 ms", "p99 ms", "requests", "errors", "check")
    rows = [
        (f"load: {s.side}, {result.connections} clients × {result.seconds} s, gunicorn {result.workers} workers",
         f"{s.rps:.1f}", f"{s.p50_ms:.1f}", f"{s.p99_ms:.1f}", f"{s.requests:,}", str(s.errors), s.problem or "ok")
        for s in result.sides
    ]  # fmt: skip
    ours = next((s for s in result.sides if s.side == "stats endpoints"), None)
    floor = next((s for s in result.sides if s.side == "floor"), None)
    if ours and floor and ours.rps:
        rows.append(("load: floor ÷ ours (requests/s)", f"{floor.rps / ours.rps:.1f}x", "", "", "", "", ""))
    return _table(header, rows)
