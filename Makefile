# pilot_admin — the two commands are `make run` and `make test` (see README).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint format demo migrate bench install clean-venv

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

install: $(BIN)/.installed

# Development server with the Celery worker and beat beside it. Without DATABASE_URL and
# REDIS_URL it uses SQLite and a filesystem broker, so a bare machine with Python runs it.
run: export DJANGO_DEBUG ?= 1
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@mkdir -p "$${PILOT_ADMIN_VAR_DIR:-var}/celery-broker/processed"
	@echo "Starting web server on http://127.0.0.1:8000/ with the Celery worker and beat (Ctrl-C stops all)."
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A pilot_admin worker --loglevel=INFO --concurrency=1 & \
	$(BIN)/celery -A pilot_admin beat --loglevel=INFO & \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

demo: export DJANGO_DEBUG ?= 1
demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo

migrate: install
	$(BIN)/python manage.py migrate --noinput

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The whole suite: lint, migrations in step with the models, then pytest on two workers.
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

clean-venv:
	rm -rf $(VENV)
