# Two commands: `make run` (set up and serve with demo data) and `make test` (the whole suite).
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
PORT ?= 8000
# The portal's own address (links in e-mails, the QR code of signed results, the embedded
# national-portal stand-in): follows PORT unless set. Two servers at once: give each its own
# PORT and VAR_DIR (VAR_DIR=/tmp/portal-8001 PORT=8001 make run).
SITE_URL ?= http://127.0.0.1:$(PORT)
VENV := .venv
PY := $(VENV)/bin/python
UV := .tools/bin/uv
# Development commands run with DEBUG on unless told otherwise: with DEBUG=0 the portal refuses to
# start without the real national portal's address (portal/checks.py).
DEV := DEBUG=$${DEBUG:-1}
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

# Services the suite runs against (override to point elsewhere).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal
TEST_REDIS_URL ?= redis://127.0.0.1:6379/14
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
# The suite runs in parallel processes (pytest-xdist), each on its own test database and Redis
# databases (portal/settings_test.py); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 3

.PHONY: help install run migrate data test test-fast services check lint format bench worker beat messages clean prod prod-stop soak

help:
	@echo "make run      set up (venv, migrations, registry, demo data) and serve on http://127.0.0.1:$(PORT)"
	@echo "make test     the whole suite against PostgreSQL and Redis on 127.0.0.1"
	@echo "make bench    benchmarks in bench/, printing their figures"
	@echo "make lint     ruff check and format check"
	@echo "make worker   Celery worker (queues default, sync) + beat against CELERY_BROKER_URL"
	@echo "make prod     the production shape here: DEBUG=0, gunicorn on PORT, workers, beat, stand-ins"
	@echo "make prod-stop  stop what make prod started"

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(DEV) $(PY) manage.py migrate --noinput

data: migrate
	$(DEV) $(PY) manage.py load_units --former-districts units/data/former_districts_68.csv
	$(DEV) SITE_URL=$(SITE_URL) $(PY) manage.py load_demo

# Beside the server, embedded mode's beat (no broker): it sends what load_demo queued for the
# national portal to the stand-in inside the server, and keeps the report rollups current.
run: data
	@echo ""
	@echo "Serving the portal on $(SITE_URL)  (staff sign-in: /accounts/login/, admin: /admin/)"
	$(DEV) SITE_URL=$(SITE_URL) $(PY) manage.py embedded_beat & beat=$$!; \
	trap 'kill $$beat 2>/dev/null' EXIT; \
	$(DEV) SITE_URL=$(SITE_URL) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Start PostgreSQL and Redis if they are installed here but stopped; fail loudly if absent.
services:
	@bash scripts/ensure-services.sh

check: install
	$(DEV) $(PY) manage.py check
	$(DEV) $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PYTHONPATH=. $(VENV)/bin/lint-imports --no-cache
	bash scripts/check-messages.sh

test: install services check
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(VENV)/bin/pytest -n $(TEST_WORKERS)

# The developer loop: everything but the browser journeys and the whole-system tests.
test-fast: install services
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(VENV)/bin/pytest -n $(TEST_WORKERS) -m "not e2e and not system"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install services
	DATABASE_URL=$(TEST_DATABASE_URL)_bench REDIS_URL=$(TEST_REDIS_URL) API_ANON_RATE=1000000/minute $(PY) bench/run.py
	DATABASE_URL=$(TEST_DATABASE_URL)_bench REDIS_URL=$(TEST_REDIS_URL) $(PY) bench/catalogue.py
	DATABASE_URL=$(TEST_DATABASE_URL)_bench REDIS_URL=$(TEST_REDIS_URL) $(PY) bench/submission.py
	DATABASE_URL=$(TEST_DATABASE_URL)_bench REDIS_URL=$(TEST_REDIS_URL) $(PY) bench/signatures.py
	DATABASE_URL=$(TEST_DATABASE_URL)_bench_sync $(PY) bench/sync.py

worker: install
	$(VENV)/bin/celery -A portal worker -Q default -l INFO --concurrency 4 &
	DB_CONN_MAX_AGE=0 $(VENV)/bin/celery -A portal worker -Q sync -l INFO --pool threads --concurrency 32 -n sync@%h &
	$(VENV)/bin/celery -A portal beat -l INFO

# The production shape on this machine (docs/deployment.md): DEBUG=0 against the local
# PostgreSQL (database portal_prod) and Redis (DBs 12, 13), every Procfile line under
# scripts/supervise, and the development stand-ins (national portal, payment platform, VNeID)
# as processes of their own with credentials of their own. Ctrl-C or `make prod-stop` stops it.
PROD_DIR ?= var/prod
prod: install services
	$(PY) scripts/prod dev-env --dir $(PROD_DIR) --port $(PORT)
	$(PY) scripts/prod setup --env $(PROD_DIR)/env
	@echo ""
	@echo "Serving the production shape on http://127.0.0.1:$(PORT)  (make prod-stop, or Ctrl-C)"
	$(PY) scripts/prod run --dir $(PROD_DIR)/run --env $(PROD_DIR)/env Procfile deploy/Procfile.standins

prod-stop:
	$(PY) scripts/prod stop --dir $(PROD_DIR)/run

# The soak: the production shape under the mixed load, stepping the rate (bench/soak.py).
soak: install services
	$(PY) bench/soak.py

# Beat alone (exactly one per deployment).
beat: install
	$(VENV)/bin/celery -A portal beat -l INFO

messages: install
	$(DEV) $(PY) manage.py makemessages -l vi -l en --no-wrap --ignore=.venv --ignore=.tools --ignore=var --ignore=tests --ignore=bench
	$(DEV) $(PY) manage.py compilemessages --ignore=.venv --ignore=.tools

clean:
	rm -rf $(VENV) .tools var/portal.sqlite3
