# Groundswell: `make run` to try it, `make test` to test it. Needs Python 3.11 and make.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000

# `make run` checks its port before anything else (even installing), so a busy
# port costs one plain line and a non-zero exit.
ifneq ($(and $(filter run,$(MAKECMDGOALS)),$(PYTHON)),)
PORT_BUSY := $(shell $(PYTHON) core/port_check.py $(PORT))
ifneq ($(PORT_BUSY),)
$(error $(PORT_BUSY))
endif
endif

.PHONY: run test install install-dev messages lint format migrate seed bench bench-smoke clean

$(BIN)/activate:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found; set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime messages

install-dev: $(VENV)/.dev messages

# Compile the .po translations (pure Python, so gettext need not be installed).
messages: $(VENV)/.runtime
	@if ls locale/*/LC_MESSAGES/django.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile --use-fuzzy -d locale -D django --statistics; fi

migrate: install
	DEBUG=1 $(PY) manage.py migrate --noinput

seed: migrate
	DEBUG=1 $(PY) manage.py seed_demo

## run: install, migrate, seed the demo and start web + worker + beat on http://127.0.0.1:$(PORT)/ (PORT=8000)
# BIND reaches all three processes (honcho gives each its own PORT), and the
# settings derive SITE_URL from it: links in emails name the same port.
run: seed
	@echo "Starting web (http://127.0.0.1:$(PORT)/), Celery worker and beat. Ctrl-C stops all three."
	PATH="$(CURDIR)/$(BIN):$$PATH" DEBUG=1 BIND=127.0.0.1:$(PORT) $(BIN)/honcho start

## test: install test dependencies and run the whole suite
test: install-dev
	@if command -v chromium >/dev/null 2>&1; then echo "Chromium found: browser tests will run."; \
	else echo "NOTE: Chromium not found, so the browser tests are SKIPPED (apt-get install -y chromium to run them)."; fi
	$(BIN)/pytest -n $${TEST_WORKERS:-2} --dist loadgroup $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache

# wrk drives the sign-up surge; installed from Debian when missing.
define ensure_wrk
	@command -v wrk >/dev/null 2>&1 || { echo "Installing wrk (load generator)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; } || \
	  echo "NOTE: wrk could not be installed; the sign-up surge is reported as not available."; }
endef

# The sign-up surge runs through PgBouncer (transaction mode); installed from
# Debian when missing, else the surge runs direct and results.json says so.
define ensure_pgbouncer
	@command -v pgbouncer >/dev/null 2>&1 || test -x /usr/sbin/pgbouncer || { echo "Installing pgbouncer"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgbouncer >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgbouncer >/dev/null; } || \
	  echo "NOTE: pgbouncer could not be installed; the surge runs without it."; }
endef

## bench: 100k supporters, 1M actions against PostgreSQL + Redis; writes bench/results.json and bench/RESULTS.md
bench: install-dev
	$(ensure_wrk)
	$(ensure_pgbouncer)
	$(PY) -m bench.run

## bench-smoke: the same harness at tiny size (seconds), results in var/bench-smoke/
bench-smoke: install-dev
	$(ensure_wrk)
	$(ensure_pgbouncer)
	$(PY) -m bench.run --smoke --out var/bench-smoke
