"""gunicorn in production (deploy/systemd/pilot-admin-web.service): `gunicorn -c
deploy/gunicorn.conf.py pilot_admin.wsgi`. The application's own settings (gunicorn.conf.py at the
root) are read first; this file adds what one node behind nginx needs. GUNICORN_BIND and
GUNICORN_WORKERS come from the unit's EnvironmentFile."""

import multiprocessing
import os
import runpy
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
globals().update({k: v for k, v in runpy.run_path(str(_ROOT / "gunicorn.conf.py")).items() if not k.startswith("_")})

chdir = str(_ROOT)
# Each node listens on the private network; nginx (deploy/nginx/pilot-admin.conf) is its only client.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
# Sync workers: the pages are CPU-bound Django and the database, with no long-polling.
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
# An export or a dashboard of a whole province may take a minute; nginx waits 130 s, longer
# than this, so a request stuck past it is ended (and logged) by gunicorn, not cut by nginx.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 30
keepalive = 75
# A worker is replaced after about a thousand requests, so slow leaks never reach production's memory.
max_requests = 1000
max_requests_jitter = 100
# nginx sets X-Forwarded-For/Proto; only its address may (DJANGO_SECURE_PROXY_SSL_HEADER also says so).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
# Workers load the application after the fork: a SIGKILLed worker's replacement starts clean,
# and the database connections are never shared across processes.
preload_app = False
# systemd manages the node by signals (deploy/systemd/pilot-admin-web.service); gunicorn's control
# socket would sit at one path in the home folder, shared by every node on the machine.
control_socket_disable = True
