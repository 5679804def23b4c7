"""`make run` as a new user lives it, over real HTTP: the Procfile that `make run` hands to honcho
starts the web server, the Celery worker and beat; the demo's county_admin signs in with the
README's password and sees the county dashboard without enrolling a phone; Ctrl-C (SIGINT to
honcho's process group, as the terminal sends it) stops all three, leaves no process behind and
prints a few lines, not thousands.

The same steps as the Makefile's `run` (migrate, load_demo, the broker folder, `honcho start`
with the venv's bin first on PATH) on a throwaway SQLite file, var folder and free port, with the
production settings module and DJANGO_DEBUG=1 as `make run` sets them. No server is needed: the
database is a file and the broker is the filesystem one, in both CI runs."""

import os
import re
import signal
import socket
import subprocess  # nosec B404
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEMO_PASSWORD = "Badong-2020!"  # README, "演示账号"
# Its own SQLite file and filesystem broker in either CI run: run once, in the embedded one.
pytestmark = pytest.mark.embedded_run

PROCESSES = {"web": "runserver", "worker": " worker ", "beat": " beat "}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _make_run_env(tmp: Path) -> dict:
    """The environment `make run` gives its commands on a bare machine: none of the suite's or
    CI's service variables (DATABASE_URL, REDIS_URL, CELERY_BROKER_URL, tests.settings)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PILOT_ADMIN_", "CELERY_", "DATABASE_URL", "REDIS_URL")) and k != "PORT"
    }
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        PILOT_ADMIN_VAR_DIR=str(tmp / "var"),
        DJANGO_MEDIA_ROOT=str(tmp / "media"),
        # What the Makefile's run target exports.
        DJANGO_DEBUG="1",
        PILOT_ADMIN_DEMO_SKIP_2FA="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def _makefile_run_recipe() -> str:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return text[text.index("\nrun: install") : text.index("\ndemo:")]


def _our_processes(marker: str) -> dict[int, str]:
    """Every live process started with our var folder in its environment, reparented or not."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
            if f"PILOT_ADMIN_VAR_DIR={marker}".encode() not in environ:
                continue
            if (proc / "stat").read_text().split(") ", 1)[1].startswith("Z"):
                continue  # a zombie is gone, waiting for its parent to read its status
            found[int(proc.name)] = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return found


class _Output:
    """honcho's lines as they come, so the test can count those printed after Ctrl-C."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for line in iter(stream.readline, ""):
            self.lines.append(line.rstrip("\n"))

    def join(self):
        self._thread.join(timeout=10)


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory):
    """The Makefile's first steps: migrate and load the demo county (about a minute on SQLite)."""
    tmp = tmp_path_factory.mktemp("make-run")
    env = _make_run_env(tmp)
    for command in (["migrate", "--noinput"], ["load_demo"]):
        subprocess.run(  # nosec B603
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
    (tmp / "var" / "celery-broker" / "processed").mkdir(parents=True, exist_ok=True)
    return tmp


def test_the_makefile_runs_the_procfile_with_honcho():
    """The test below starts what `make run` starts: keep the two in step."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "run: export DJANGO_DEBUG ?= 1" in makefile
    assert "run: export PILOT_ADMIN_DEMO_SKIP_2FA ?= 1" in makefile
    recipe = _makefile_run_recipe()
    assert "manage.py migrate --noinput" in recipe and "manage.py load_demo" in recipe
    assert "celery-broker/processed" in recipe
    assert 'PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho start -p $(PORT)' in recipe
    procfile = (ROOT / "Procfile").read_text(encoding="utf-8")
    assert {m.group(1) for m in re.finditer(r"^(\w+):", procfile, re.M)} == set(PROCESSES)


def test_make_run_shows_the_dashboard_without_a_phone_and_ctrl_c_stops_everything(demo_database):
    tmp = demo_database
    port = _free_port()
    marker = str(tmp / "var")
    started = time.monotonic()
    honcho = subprocess.Popen(  # nosec B603
        [str(BIN / "honcho"), "start", "-p", str(port)],
        cwd=ROOT,
        env=_make_run_env(tmp),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Its own process group, as a terminal's foreground job: Ctrl-C goes to the group.
        start_new_session=True,
    )
    output = _Output(honcho.stdout)
    base = f"http://127.0.0.1:{port}"
    try:
        session = requests.Session()
        deadline = started + 60
        while True:
            assert honcho.poll() is None, "\n".join(output.lines)
            try:
                login_page = session.get(f"{base}/login/", timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "no answer within a minute:\n" + "\n".join(output.lines)
                time.sleep(0.3)
        first_page_seconds = time.monotonic() - started
        assert login_page.status_code == 200
        assert "<h1>登录</h1>" in login_page.text

        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text).group(1)
        signed_in = session.post(
            f"{base}/login/",
            data={"username": "county_admin", "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{base}/login/"},
            timeout=60,
        )
        # The county dashboard of the demo's program, not the authenticator's set-up page.
        assert signed_in.status_code == 200
        assert signed_in.url == f"{base}/", signed_in.url
        assert "<h1>两步验证</h1>" not in signed_in.text
        assert "年工作概况</h1>" in signed_in.text
        assert 'id="quota-section"' in signed_in.text

        # The three run side by side (each in its own session, started by honcho).
        running = _our_processes(marker)
        for name, needle in PROCESSES.items():
            assert any(needle in cmdline for cmdline in running.values()), (name, running)
        assert not any(re.search(r"\b(web|worker|beat)\.1 stopped", line) for line in output.lines), output.lines

        before = len(output.lines)
        os.killpg(honcho.pid, signal.SIGINT)
        honcho.wait(timeout=30)
        output.join()
        after_interrupt = output.lines[before:]
        # Gone once honcho has returned, give or take the kernel reaping a process that is exiting.
        deadline = time.monotonic() + 3
        while _our_processes(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        left_behind = _our_processes(marker)
    finally:
        if honcho.poll() is None:
            os.killpg(honcho.pid, signal.SIGKILL)
            honcho.wait()
        for pid in _our_processes(marker):  # only when the test failed: never leave a server running
            os.kill(pid, signal.SIGKILL)

    print(f"first page after {first_page_seconds:.1f}s; {len(after_interrupt)} lines after Ctrl-C")
    assert any("SIGINT received" in line for line in after_interrupt), after_interrupt
    assert len(after_interrupt) < 20, "\n".join(after_interrupt)
    assert sum("Warm shutdown" in line for line in after_interrupt) <= 1
    for name in PROCESSES:
        assert any(f"{name}.1 stopped" in line for line in after_interrupt), (name, after_interrupt)
    assert left_behind == {}
