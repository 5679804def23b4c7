"""The pieces of deploy/ run on this machine, shared by `make test-deploy` (.ci/deploy_check.py)
and the benchmark's load test (bench/load.py), so both exercise the same site file and the same
gunicorn settings: Debian's nginx (installed when missing), a self-signed certificate,
deploy/nginx/pilot-admin.conf with only addresses, ports and paths replaced, a minimal nginx.conf
around it under a folder of the caller's (nothing under /etc/nginx is touched), and the gunicorn
command of one node (deploy/gunicorn.conf.py).
"""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "pilot-admin.conf"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"


class StackError(Exception):
    """The site file changed under the replacements, or nginx refused the rendered configuration."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ensure_nginx(say=print) -> str:
    found = shutil.which("nginx") or (Path("/usr/sbin/nginx").exists() and "/usr/sbin/nginx")
    if found:
        return str(found)
    say("installing Debian's nginx")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "nginx"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True, capture_output=True)
        subprocess.run(install, env=env, check=True, capture_output=True)
    # Debian starts the packaged site on port 80; callers run their own nginx only.
    subprocess.run(["service", "nginx", "stop"], capture_output=True)
    return shutil.which("nginx") or "/usr/sbin/nginx"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A two-day certificate for localhost and 127.0.0.1; (certificate, key)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def render_site(*, https: int, http: int, node_ports: list[int], cert: Path, key: Path, static: Path) -> str:
    """deploy/nginx/pilot-admin.conf with this machine's addresses; every line replaced must be there."""
    text = SITE.read_text(encoding="utf-8")
    replacements = [
        ("server 10.0.0.11:8000", f"server 127.0.0.1:{node_ports[0]}"),
        ("server 10.0.0.12:8000", f"server 127.0.0.1:{node_ports[1]}"),
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        ("server_name pilot-admin.example.gov.cn;", "server_name localhost;"),
        ("return 301 https://$host$request_uri;", f"return 301 https://$host:{https}$request_uri;"),
        ("/etc/ssl/pilot-admin/fullchain.pem", str(cert)),
        ("/etc/ssl/pilot-admin/privkey.pem", str(key)),
        ("/srv/pilot-admin/staticfiles/", f"{static}/"),
    ]
    for old, new in replacements:
        if old not in text:
            raise StackError(f"{SITE} no longer has '{old}'; update deploy/local_stack.py's render_site with it")
        text = text.replace(old, new)
    return text


def write_nginx(nginx: str, folder: Path, site: str, *, worker_connections: int = 256) -> list[str]:
    """nginx.conf and site.conf under `folder` (its logs and temporary files there too), checked
    with `nginx -t`; the command that runs it in the foreground."""
    folder.mkdir(exist_ok=True)
    (folder / "site.conf").write_text(site, encoding="utf-8")
    (folder / "nginx.conf").write_text(
        f"""daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections {worker_connections}; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    log_format upstream '$status $request_method $uri $upstream_addr $upstream_status';
    access_log {folder}/access.log upstream;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
""",
        encoding="utf-8",
    )
    command = [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf")]
    tested = subprocess.run([*command, "-t"], capture_output=True, text=True)
    if tested.returncode != 0:
        raise StackError(f"nginx -t refused the rendered deploy/nginx/pilot-admin.conf:\n{tested.stderr}")
    return command


def gunicorn_node(application: str = "pilot_admin.wsgi") -> list[str]:
    """One web node as its systemd unit starts it; GUNICORN_BIND and GUNICORN_WORKERS from the environment."""
    return [str(Path(sys.executable).parent / "gunicorn"), "-c", str(GUNICORN_CONF), application]
