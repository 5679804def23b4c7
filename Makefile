# pilot_admin — the two commands are `make run` and `make test` (see README).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test checks test-faults test-deploy audit lint format demo migrate bench install install-dev clean-venv

# What production runs (requirements.txt) for run, demo and migrate; the test, lint and audit
# tools on top of it (requirements-dev.txt) for the rest. Each stamp follows its files.
$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# axe-core for the browser tests' accessibility checks, from the npm registry at the version
# package-lock.json pins; the tests load it into the page from node_modules/ (no CDN).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: $(BIN)/.installed
install-dev: $(BIN)/.installed-dev node_modules/.installed

# Development server with the Celery worker and beat beside it. Without DATABASE_URL and
# REDIS_URL it uses SQLite and a filesystem broker, so a bare machine with Python runs it.
# The demo accounts open without enrolling a phone authenticator (PILOT_ADMIN_DEMO_SKIP_2FA,
# honoured with DJANGO_DEBUG=1 only); honcho runs the Procfile's web, worker and beat and Ctrl-C
# stops the three. The venv's bin first on PATH: the Procfile names `python` and `celery`.
PORT ?= 8000
run: export DJANGO_DEBUG ?= 1
run: export PILOT_ADMIN_DEMO_SKIP_2FA ?= 1
run: export PYTHONUNBUFFERED ?= 1
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@mkdir -p "$${PILOT_ADMIN_VAR_DIR:-var}/celery-broker/processed"
	@echo "Starting http://127.0.0.1:$(PORT)/ with the Celery worker and beat (Ctrl-C stops all three)."
	@PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho start -p $(PORT)

demo: export DJANGO_DEBUG ?= 1
demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo

migrate: install
	$(BIN)/python manage.py migrate --noinput

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The whole suite: the checks (lint, the layers contract, static analysis, migrations in step
# with the models), then pytest on two workers. CHECKS=0 leaves the checks out, for a second
# run of the same code on another database (.ci/run). The fault tests (marker `faults`) stop the servers the others use:
# they run alone, in `make test-faults`.
CHECKS ?= 1
test: install-dev $(if $(filter 1,$(CHECKS)),checks)
	DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python -m pytest -n 2 --dist loadfile -m "not faults" $(PYTEST_ARGS)

checks: install-dev audit
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python manage.py makemigrations --check --dry-run

# Restarts PostgreSQL, stops Redis and kills Celery workers: serially, against the real servers
# (DATABASE_URL, REDIS_URL, CELERY_BROKER_URL), and never beside another test run.
test-faults: install-dev
	DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python -m pytest -p no:xdist -m faults tests/faults $(PYTEST_ARGS)

# The deployment in deploy/ run for real: nginx (Debian's, installed when missing) with a
# self-signed certificate in front of two gunicorn nodes, two Celery workers and one beat, on a
# fresh PostgreSQL database and Redis databases 10 and 11 (DATABASE_URL, REDIS_URL name the
# servers), driven over HTTPS; one node is killed mid-run (.ci/deploy_check.py).
test-deploy: install-dev
	$(BIN)/python .ci/deploy_check.py

# Static analysis: bandit (no HIGH finding in the project's code; config in pyproject.toml) and
# pip-audit over the pinned requirements, production's and the tools' (.ci/audit_dependencies.py
# says when it cannot audit).
audit: install-dev
	$(BIN)/bandit -c pyproject.toml -r . -q --severity-level high
	$(BIN)/python .ci/audit_dependencies.py requirements.txt requirements-dev.txt

# The load test needs wrk (Debian package); installed here when missing (as root, apt-get
# update only when the first install fails). Without it the bench runs and says the load was skipped.
# nginx, which the load test runs in front of two gunicorn nodes, is installed by it like make test-deploy does.
bench: install-dev
	@command -v wrk >/dev/null 2>&1 || apt-get install -y -q wrk >/dev/null 2>&1 || \
		(apt-get update -q >/dev/null 2>&1 && apt-get install -y -q wrk >/dev/null 2>&1) || \
		echo "bench: could not install wrk; the load test will be skipped"
	$(BIN)/python -m bench $(BENCH_ARGS)

clean-venv:
	rm -rf $(VENV)
