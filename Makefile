# matcher: the two commands are `make run` and `make test` (see README.md).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 8000

CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser)
AXE := node_modules/axe-core/axe.min.js

.PHONY: run test lint install install-test serve clean

$(VENV)/.installed: pyproject.toml setup.py matcher/matching/_kernels.pyx
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "matcher needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm is not installed: the browser journeys need it for axe-core (apt-get install npm)."; fi

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## make run: install, migrate the SQLite database, seed the demo, serve on http://127.0.0.1:8000
## with the worker (long jobs, the introductions tick, mail printed to the console)
run: install
	@MATCHER_ENV=development $(FLASK) db upgrade
	@MATCHER_ENV=development $(FLASK) seed-demo
	@$(MAKE) --no-print-directory serve

serve:
	@export MATCHER_ENV=development; \
	$(FLASK) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	echo "matcher is running at http://$(HOST):$(PORT)/ with its worker (Ctrl-C stops both)"; \
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --threads 4 \
		--access-logfile - --error-logfile - wsgi:app

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml --severity-level medium -r matcher config.py wsgi.py

## make test: install the test dependencies, lint (ruff, bandit), run every test on SQLite
## (the browser journeys in Chromium included), and again on PostgreSQL when TEST_DATABASE_URL
## names one; then the log-in limit across two gunicorn processes, and two workers, sharing a
## real Redis, when redis-server is installed; last, sqlmap on every form of a demo server, as
## each role (CI does all of it; see .ci/run).
test: lint $(AXE)
	@echo "== every test on SQLite, with coverage"
	@if [ -n "$(CHROMIUM)" ] && [ -f $(AXE) ]; then \
		TEST_DATABASE_URL= $(BIN)/pytest --cov --cov-report=term -m "not redis"; \
	elif [ -n "$$CI" ]; then \
		echo "CI needs Chromium and axe-core for the browser journeys (.ci/run installs them)."; exit 1; \
	else \
		echo "== Browser journeys NOT run: they need Debian's Chromium and axe-core from npm."; \
		echo "   Install them with: sudo apt-get install chromium npm && npm ci"; \
		echo "   (or set CHROMIUM=/path/to/chromium), then run make test again."; \
		TEST_DATABASE_URL= $(BIN)/pytest --cov --cov-report=term -m "not redis and not browser"; \
	fi
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== the database tests again, on PostgreSQL ($${TEST_DATABASE_URL%%@*}@...)"; \
		$(BIN)/pytest -p no:cacheprovider --ignore=tests/matching -m "not redis and not browser"; \
	else \
		echo "PostgreSQL run skipped: set TEST_DATABASE_URL=postgresql://user:pass@host/db to run it (.ci/run does)."; \
	fi
	@if command -v redis-server >/dev/null 2>&1; then \
		echo "== the log-in limit across two gunicorn processes, and two workers, sharing Redis ($$(command -v redis-server))"; \
		$(BIN)/pytest -p no:cacheprovider -m redis tests/test_ratelimit_redis.py tests/test_worker.py tests/faults/test_queue_worker_killed.py; \
	else \
		echo "Redis check NOT run: redis-server is not installed. Install it (apt-get install redis-server;"; \
		echo "  .ci/run does) and run make test again, or: $(BIN)/pytest -m redis tests/test_ratelimit_redis.py tests/test_worker.py tests/faults/test_queue_worker_killed.py"; \
	fi
	@echo "== sqlmap on every form of a demo server as each role: BEU, EU on create-style forms (security/sqlmap_forms.py)"
	$(BIN)/python security/sqlmap_forms.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage htmlcov node_modules test-artifacts
