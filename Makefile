# Every target sets itself up: a fresh machine needs only Python 3.11 and make.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := adcmeet.settings

# PostgreSQL is what `make test` and CI run on; each run creates and drops its own database.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/adcmeet
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: help run worker beat test test-fast lint format check bench backup restore compose-backup compose-restore lock clean browser jsdeps audit loadtest

help:
	@echo "make run     - serve the app on http://127.0.0.1:$(PORT) (SQLite, embedded Celery)"
	@echo "make test    - lint, migrations check and the whole test suite (PostgreSQL, Redis, Chromium)"
	@echo "make bench   - production-like benchmark, writes docs/benchmarks.md"
	@echo "make backup / make restore FILE=... - dump / restore the database"
	@echo "make compose-backup / make compose-restore FILE=... - the same for docker compose"

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements-dev.txt requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Browser and iCalendar-parser tests need Debian's Chromium and npm packages; where we are root
# (CI, the dev machine) we install them, elsewhere those tests skip unless CI=true.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; fi

jsdeps: tests/js/node_modules/.installed
tests/js/node_modules/.installed: tests/js/package.json tests/js/package-lock.json
	@if command -v npm >/dev/null; then cd tests/js && npm ci --silent --no-audit --no-fund && touch node_modules/.installed; \
		else echo "npm not found: ical.js and axe-core checks will skip (they fail under CI=true)"; fi

# A local run is a development server: DEBUG on (dev secret key, demo logins) unless overridden.
run: export DEBUG ?= true
# SITE_URL (settings.py) follows the port served on unless it is set.
run: export PORT := $(PORT)
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_seed --demo-users
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py runserver_embedded 127.0.0.1:$(PORT)

# A Celery worker on Redis, for a developer serving with `manage.py runserver` (`make run` embeds one).
worker: export DEBUG ?= true
worker: export CELERY_BROKER_URL ?= redis://127.0.0.1:6379/0
worker: $(VENV)/.installed
	$(VENV)/bin/celery -A adcmeet worker -l info

# Celery beat on Redis beside `make worker`: run exactly one (the schedule is CELERY_BEAT_SCHEDULE).
beat: export DEBUG ?= true
beat: export CELERY_BROKER_URL ?= redis://127.0.0.1:6379/0
beat: $(VENV)/.installed
	$(VENV)/bin/celery -A adcmeet beat -l info

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Checks run with the development defaults (DEBUG) unless the environment says otherwise.
check: $(VENV)/.installed
	DEBUG=$${DEBUG:-true} $(PY) manage.py makemigrations --check --dry-run
	DEBUG=$${DEBUG:-true} $(PY) manage.py check

test: $(VENV)/.installed browser jsdeps lint check
	DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) \
		$(VENV)/bin/pytest --cov --cov-report=term $(PYTEST_ARGS)
	$(MAKE) --no-print-directory audit

# Known vulnerabilities in the pinned runtime tree (docs/security.md, "Dependencies"): a finding
# always fails; on CI a dependency that could not be checked fails too unless PIP_AUDIT_OPTIONAL,
# and the log says plainly how many were checked (.ci/audit.py).
audit: $(VENV)/.installed
	$(PY) .ci/audit.py $(VENV)/bin/pip-audit

# Quick loop for development: SQLite, no browser/worker tests.
test-fast: $(VENV)/.installed
	$(VENV)/bin/pytest -m "not browser and not worker" -x -q $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(PY) -m bench $(BENCH_ARGS)

# 50 concurrent users for 60 s against gunicorn + PostgreSQL on loopback; writes docs/loadtest.md.
loadtest: $(VENV)/.installed
	$(PY) -m loadtest $(LOADTEST_ARGS)

# Backups of a checkout's own database (DATABASE_URL, else the development SQLite file). A
# checkout with a .env is a docker compose deployment, whose database this cannot see: use
# compose-backup / compose-restore there (docs/operations.md, "Backups").
define not-compose
	@if [ -f .env ] && [ -z "$$DATABASE_URL" ]; then \
		echo "This checkout has a .env (docker compose) and no DATABASE_URL: use make compose-$@" >&2; exit 2; fi
endef

backup: $(VENV)/.installed
	$(not-compose)
	$(PY) manage.py backup $(FILE)

restore: $(VENV)/.installed
	$(not-compose)
	$(PY) manage.py restore $(FILE)

# The compose deployment: pg_dump / pg_restore inside the postgres service, file on the host.
compose-backup:
	deploy/compose-backup.sh backup $(FILE)

compose-restore:
	@[ -n "$(FILE)" ] || { echo "usage: make compose-restore FILE=backups/....dump" >&2; exit 2; }
	deploy/compose-backup.sh restore $(FILE)

# Regenerate the pinned requirements from pyproject.toml.
lock: | $(PY)
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	$(PYTHON) -c 'import tomllib;p=tomllib.load(open("pyproject.toml","rb"))["project"];open(".lockvenv/main.in","w").write("\n".join(p["dependencies"]));open(".lockvenv/dev.in","w").write("\n".join(p["optional-dependencies"]["dev"]))'
	.lockvenv/bin/pip install --quiet -r .lockvenv/main.in
	.lockvenv/bin/pip freeze > requirements.txt
	.lockvenv/bin/pip install --quiet -r .lockvenv/main.in -r .lockvenv/dev.in
	(echo "-r requirements.txt"; .lockvenv/bin/pip freeze | grep -vxFf requirements.txt) > requirements-dev.txt
	rm -rf .lockvenv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache htmlcov tests/js/node_modules
