#!/usr/bin/env bash
# CI: a virtualenv with requirements.txt only (what production installs) runs the application
# with production settings. In a throwaway folder: install, no test or lint tool installed,
# `check --deploy` without a warning, migrate, collectstatic, every module of the project's apps
# imports and the Celery app loads, then gunicorn serves /health/ and the Chinese sign-in page
# with its stylesheet and the security headers. SQLite and the filesystem broker: what is checked
# is the install and the settings, not the servers (the suite's second run covers PostgreSQL and
# Redis).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

WORK="$(mktemp -d /tmp/pilot-admin-production-check.XXXXXX)"
GUNICORN_PID=""
cleanup() {
  if [ -n "$GUNICORN_PID" ]; then kill "$GUNICORN_PID" 2>/dev/null || true; wait "$GUNICORN_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "production check FAILED: $*" >&2
  [ -f "$WORK/gunicorn.log" ] && tail -n 40 "$WORK/gunicorn.log" >&2
  exit 1
}

echo "production check: python3 -m venv + pip install -r requirements.txt in $WORK"
python3 -m venv "$WORK/venv"
BIN="$WORK/venv/bin"
"$BIN/pip" install --quiet -r requirements.txt >"$WORK/pip.log" 2>&1 || { tail -n 40 "$WORK/pip.log" >&2; fail "pip install"; }
"$BIN/pip" check >/dev/null || fail "pip check: $("$BIN/pip" check)"
for tool in pytest pytest-django playwright schemathesis hypothesis factory-boy ruff bandit pip-audit import-linter; do
  if "$BIN/pip" show --quiet "$tool" >/dev/null 2>&1; then fail "$tool is installed by requirements.txt"; fi
done
echo "production check: $("$BIN/pip" list --format=freeze | grep -vcE '^(pip|setuptools)==') packages installed, no test or lint tool among them"

# Production settings, as a county sets them (README, "配置"): TLS ends at the reverse proxy.
# Secure cookies, the redirect to HTTPS and HSTS are DEBUG-off defaults: not set here, so this
# check fails if the defaults ever change.
unset DATABASE_URL REDIS_URL CELERY_BROKER_URL PILOT_ADMIN_REQUIRE_SERVICES PILOT_ADMIN_ALLOW_DEV_KEY \
  DJANGO_SETTINGS_MODULE CELERY_TASK_ALWAYS_EAGER PILOT_ADMIN_DEMO_SKIP_2FA
export DJANGO_DEBUG=0
DJANGO_SECRET_KEY="$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(50))')"
export DJANGO_SECRET_KEY
# The keys a production install must have (README, "配置"): personal data at rest, backups.
key() { "$BIN/python" -c 'import base64, secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())'; }
PERSONAL_DATA_KEY="$(key)" PERSONAL_DATA_INDEX_KEY="$(key)" BACKUP_ENCRYPTION_KEY="$(key)"
export PERSONAL_DATA_KEY PERSONAL_DATA_INDEX_KEY BACKUP_ENCRYPTION_KEY
export DJANGO_ALLOWED_HOSTS=pilot-admin.example.gov.cn,127.0.0.1
export DJANGO_CSRF_TRUSTED_ORIGINS=https://pilot-admin.example.gov.cn
unset DJANGO_HTTPS DJANGO_SECURE_COOKIES DJANGO_SECURE_SSL_REDIRECT DJANGO_HSTS_SECONDS DJANGO_HSTS_INCLUDE_SUBDOMAINS \
  DJANGO_HSTS_PRELOAD
export DJANGO_SECURE_PROXY_SSL_HEADER=1
export DATABASE_URL="sqlite:///$WORK/db.sqlite3"
export PILOT_ADMIN_VAR_DIR="$WORK/var" DJANGO_STATIC_ROOT="$WORK/static" DJANGO_MEDIA_ROOT="$WORK/media"
export PILOT_ADMIN_REQUIRE_2FA=1 EMAIL_URL=console://
PY="$BIN/python"

echo "production check: manage.py check --deploy --fail-level WARNING"
"$PY" manage.py check --deploy --fail-level WARNING

# `make run`'s switch that opens the demo accounts without a phone is refused in production.
echo "production check: check --deploy refuses PILOT_ADMIN_DEMO_SKIP_2FA=1"
if PILOT_ADMIN_DEMO_SKIP_2FA=1 "$PY" manage.py check --deploy >"$WORK/demo-2fa.log" 2>&1; then
  fail "check --deploy passed with PILOT_ADMIN_DEMO_SKIP_2FA=1 and DJANGO_DEBUG=0"
fi
grep -q "pilot_admin.E111" "$WORK/demo-2fa.log" || fail "check --deploy failed without pilot_admin.E111: $(tail -n 5 "$WORK/demo-2fa.log")"

echo "production check: migrate, collectstatic"
"$PY" manage.py migrate --noinput >"$WORK/migrate.log" || { tail -n 40 "$WORK/migrate.log" >&2; fail "migrate"; }
"$PY" manage.py collectstatic --noinput >"$WORK/collectstatic.log" || fail "collectstatic"

echo "production check: every module of the project's apps imports; the Celery app loads"
"$PY" - <<'PYTHON'
import importlib
import os
import pkgutil
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pilot_admin.settings")
import django

django.setup()
from django.apps import apps
from django.conf import settings

count = 0
for config in apps.get_app_configs():
    if not Path(config.path).is_relative_to(settings.BASE_DIR) or "." in config.name:
        continue  # a third-party app, or a sub-app the walk of its parent reaches
    package = importlib.import_module(config.name)
    for module in pkgutil.walk_packages(package.__path__, f"{config.name}."):
        importlib.import_module(module.name)
        count += 1
print(f"production check: {count} modules imported")
PYTHON
"$BIN/celery" -A pilot_admin report >/dev/null || fail "celery -A pilot_admin report"

PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
echo "production check: gunicorn pilot_admin.wsgi on 127.0.0.1:$PORT"
"$BIN/gunicorn" pilot_admin.wsgi --bind "127.0.0.1:$PORT" --workers 2 --chdir "$ROOT" \
  --access-logfile - >"$WORK/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 60); do
  curl -fsS -o /dev/null "$BASE/health/" 2>/dev/null && break
  kill -0 "$GUNICORN_PID" 2>/dev/null || fail "gunicorn exited"
  sleep 0.5
done

# The reverse proxy's headers: the site's name and "this came over HTTPS".
fetch() {
  curl -sS -D "$WORK/headers" -o "$WORK/body" -w '%{http_code}' \
    -H "Host: pilot-admin.example.gov.cn" -H "X-Forwarded-Proto: https" "$BASE$1"
}
expect() { grep -qiF -- "$2" "$WORK/$1" || fail "$3: no '$2' in the $1"; }

status="$(fetch /health/)"
[ "$status" = 200 ] || fail "/health/ answered $status"
expect body '"status": "ok"' "/health/"
echo "production check: /health/ 200 $(cat "$WORK/body")"

status="$(fetch /login/)"
[ "$status" = 200 ] || fail "/login/ answered $status"
expect body '<html lang="zh-hans"' "/login/"
expect body '<title>登录 · 试点工作管理系统</title>' "/login/"
expect body '<h1>登录</h1>' "/login/"
expect body '<label for="id_username">用户名</label>' "/login/"
expect body '<label for="id_password">密码</label>' "/login/"
expect body 'name="csrfmiddlewaretoken"' "/login/"
expect body '<button type="submit" class="button primary">登录</button>' "/login/"
expect headers 'strict-transport-security: max-age=31536000' "/login/"
expect headers 'content-security-policy:' "/login/"
expect headers 'set-cookie: csrftoken=' "/login/"
grep -i '^set-cookie: csrftoken=' "$WORK/headers" | grep -qi 'secure' || fail "/login/: the CSRF cookie is not Secure"
echo "production check: /login/ 200, the sign-in form (登录, 用户名, 密码) with HSTS, CSP and a Secure CSRF cookie"

stylesheet="$(grep -o 'href="/static/css/app[^"]*\.css"' "$WORK/body" | head -n1 | cut -d'"' -f2)"
[ -n "$stylesheet" ] || fail "/login/ links no stylesheet"
status="$(fetch "$stylesheet")"
[ "$status" = 200 ] || fail "$stylesheet answered $status"
expect headers 'content-type: text/css' "$stylesheet"
echo "production check: $stylesheet 200 text/css (collected, served by WhiteNoise)"

status="$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' -H "Host: pilot-admin.example.gov.cn" "$BASE/login/")"
[ "${status%% *}" = 301 ] && [[ "$status" == *"https://pilot-admin.example.gov.cn/login/"* ]] ||
  fail "plain HTTP is not redirected to HTTPS ($status)"
echo "production check: plain HTTP redirected to https://; passed"
