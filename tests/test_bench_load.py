"""The benchmark's load test (bench/load.py) in its parts: the mix it sends, the wrk script's
error count (a redirect is an error, which wrk alone does not count), the CPU accounting of a
process tree, nginx's per-node counts, the site rendered from deploy/ and the targets' verdicts.
The whole stack (nginx, two nodes, wrk) runs in `make bench`."""

import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench import load as bench_load
from bench import targets as bench_targets
from bench.measure import TARGETS, Result
from deploy import local_stack

WRK = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make bench installs it)")


def test_the_load_test_is_skipped_with_a_reason_without_wrk(monkeypatch):
    monkeypatch.setattr(bench_load, "wrk_path", lambda: None)

    result = bench_load.run(cookie="sessionid=x", program="p", year=2019, month="2019-06", seconds=1, connections=[1])

    assert result.sides == []
    assert "wrk" in result.skipped


def test_the_mix_is_every_target_but_the_cold_dashboard_each_with_its_floor(settings):
    settings.ROOT_URLCONF = "bench.urls"

    ours, floors = bench_load.mix(program="bench-001", year=2019, month="2019-06")

    assert len(ours) == len(floors) == len(TARGETS) - 1
    # Pages, API lists and statistics, not only the cached statistics.
    assert "/villages/" in ours
    assert "/api/v1/villages/" in ours
    assert "/api/v1/stats/tasks/?program=bench-001&year=2019" in ours
    assert "/guardianship/?month=2019-06" in ours
    assert ours.count("/?program=bench-001&year=2019&month=2019-06") == 1  # the dashboard once: as served
    assert all(path.startswith("/bench-floor/") for path in floors)
    assert floors[ours.index("/api/v1/stats/tasks/?program=bench-001&year=2019")] == (
        "/bench-floor/stats/tasks/?program=bench-001&year=2019"
    )


def test_the_script_rotates_the_paths_with_the_session_cookie():
    script = bench_load.lua_script(["/a/", "/b/"], "sessionid=abc")

    assert 'local paths = {"/a/", "/b/"}' in script
    assert "counter = counter % #paths + 1" in script
    assert '{["Cookie"] = "sessionid=abc"}' in script
    assert "latency:percentile(99)" in script


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - the name http.server calls
        status = 302 if self.path == "/redirect/" else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        if status == 302:
            self.send_header("Location", "/login/")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def little_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@WRK
def test_wrk_counts_every_answer_that_is_not_2xx_as_an_error(little_server):
    clean = bench_load._wrk(little_server, bench_load.LoadSide("ours", 2, ["/a/", "/b/"]), "sessionid=x", 1)
    assert clean.requests > 10
    assert clean.rps > 0 and clean.p99_ms >= clean.p50_ms > 0
    assert (clean.errors, clean.problem) == (0, None)

    # Every other request is redirected (as to the sign-in page): half of them errors.
    mixed = bench_load._wrk(little_server, bench_load.LoadSide("ours", 2, ["/a/", "/redirect/"]), "sessionid=x", 1)
    assert mixed.requests > 10
    assert mixed.requests // 3 < mixed.errors < mixed.requests
    assert "'non_2xx'" in mixed.problem and "'last non-2xx status': 302" in mixed.problem


def test_a_summary_with_a_timeout_is_an_error():
    line = (
        'BENCH_JSON {"requests": 200, "duration_us": 2000000, "p50_us": 1500, "p99_us": 9000, "max_us": 10000, '
        '"connect": 0, "read": 0, "write": 0, "timeout": 3, "non_2xx": 0, "bad_status": 0}'
    )

    side = bench_load.parse_wrk(f"Running 2s test\n{line}\n", bench_load.LoadSide("floor", 16, ["/x/"]))

    assert (side.requests, side.rps, side.p50_ms, side.p99_ms, side.errors) == (200, 100.0, 1.5, 9.0, 3)
    assert side.problem == "3 errors under load {'timeout': 3}"
    assert "gave no summary" in bench_load.parse_wrk("unable to connect", bench_load.LoadSide("ours", 1, [])).problem


def _children(pid: int) -> list[str]:
    names = []
    for entry in Path("/proc").iterdir():
        fields = bench_load._stat(int(entry.name)) if entry.name.isdigit() else None
        if fields and fields[1] == str(pid):
            names.append((entry / "comm").read_text().strip())
    return names


def test_cpu_of_a_process_tree_counts_the_children_it_reaped():
    spin = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass"
    # A shell that runs a CPU-bound child to its end, reaps it, then sleeps: like a gunicorn
    # master whose worker was replaced during the run.
    parent = subprocess.Popen(["sh", "-c", f'"{sys.executable}" -c "{spin}"; exec sleep 30'])
    try:
        deadline = time.monotonic() + 30
        # Once sh has become sleep, it has waited for (reaped) the spinning child.
        while "sleep" not in Path(f"/proc/{parent.pid}/comm").read_text():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert _children(parent.pid) == []
        assert 0.35 < bench_load.tree_cpu_seconds([parent.pid]) < 5
    finally:
        parent.kill()
        parent.wait()


def test_requests_per_node_come_from_nginx_upstream_addresses():
    log = "\n".join(
        [
            "200 GET /villages/ 127.0.0.1:8001 200",
            "200 GET /villages/ 127.0.0.1:8002 200",
            "200 GET /api/v1/villages/ 127.0.0.1:8001, 127.0.0.1:8002 502, 200",
            "200 GET /static/css/app.css - -",
        ]
    )

    assert bench_load.count_upstreams(log) == {"127.0.0.1:8001": 2, "127.0.0.1:8002": 2}


def test_the_site_is_deploys_own_file_with_this_machines_addresses(tmp_path, monkeypatch):
    site = local_stack.render_site(
        https=18443, http=18080, node_ports=[18001, 18002], cert=tmp_path / "c.pem", key=tmp_path / "k.pem",
        static=tmp_path / "static",
    )  # fmt: skip

    assert "server 127.0.0.1:18001 max_fails=3" in site and "server 127.0.0.1:18002 max_fails=3" in site
    assert "listen 127.0.0.1:18443 ssl http2;" in site
    assert "10.0.0.1" not in site and "[::]" not in site
    assert "proxy_next_upstream error timeout http_502 http_503;" in site  # the rest of the file as deployed

    changed = tmp_path / "pilot-admin.conf"
    changed.write_text(local_stack.SITE.read_text().replace("listen 443 ssl http2;", "listen 443 ssl;"))
    monkeypatch.setattr(local_stack, "SITE", changed)
    with pytest.raises(local_stack.StackError, match="listen 443 ssl http2;"):
        local_stack.render_site(https=1, http=2, node_ports=[3, 4], cert=tmp_path, key=tmp_path, static=tmp_path)


def _load(ours_rps: float, floor_rps: float, errors: int = 0) -> bench_load.LoadResult:
    result = bench_load.LoadResult(seconds=20, connections=[16])
    ours = bench_load.LoadSide("ours", 16, ["/a/"], requests=100, rps=ours_rps, errors=errors)
    if errors:
        ours.problem = f"{errors} errors under load"
    result.sides = [ours, bench_load.LoadSide("floor", 16, ["/f/"], requests=300, rps=floor_rps)]
    return result


def test_the_load_targets_are_zero_errors_and_within_twice_the_floors_throughput():
    met = bench_targets.verdicts(results=[], load=_load(ours_rps=40.0, floor_rps=79.0))
    assert [(v.what, v.ratio, v.met) for v in met] == [
        ("errors under load (our mix, 16 clients)", "", True),
        ("errors under load (floors’ mix, 16 clients)", "", True),
        ("throughput under load, 16 clients (floors’ requests/s ÷ ours)", "2.0x", True),
    ]

    missed = bench_targets.verdicts(results=[], load=_load(ours_rps=20.0, floor_rps=80.0, errors=2))
    assert [(v.ratio, v.met) for v in missed] == [("", False), ("", True), ("4.0x", False)]
    assert missed[0].held_back == "2 errors under load"
    assert missed[2].held_back == bench_targets.HELD_BACK["load"]

    # With the per-request table: the mix's heaviest paths at province scale, the cold dashboard left out.
    table = [
        Result("province", "village_list_page", "village list page", "/villages/", True, ours_ms=190, floor_ms=31),
        Result("province", "api_villages", "GET /api/v1/villages/", "/api/v1/villages/", True, ours_ms=78, floor_ms=26),
        Result("province", "dashboard_cold", "dashboard, cold", "/", True, ours_ms=1625, floor_ms=200),
        Result("county", "register_page", "person register", "/guardianship/", True, ours_ms=900, floor_ms=30),
    ]
    explained = bench_targets.verdicts(results=table, load=_load(ours_rps=20.0, floor_rps=80.0))[-1]
    assert explained.held_back == (
        f"{bench_targets.HELD_BACK['load']}; heaviest in the mix: village list page 190 ms (floor 31), "
        "GET /api/v1/villages/ 78 ms (floor 26)"
    )
    assert "load through nginx" not in bench_targets.format_table(missed)

    broken = _load(ours_rps=20.0, floor_rps=80.0)
    broken.problem = "nginx passed no request to 127.0.0.1:18002"
    rows = bench_targets.verdicts(results=[], load=broken)
    assert (rows[0].what, rows[0].met, rows[0].held_back) == ("load through nginx", False, broken.problem)
    assert broken.problems == ["load: nginx passed no request to 127.0.0.1:18002"]
