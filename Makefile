# Townhall: `make run` sets everything up and serves the site; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
# The demo's staff and moderator sign in with the password alone; `make run
# TOWNHALL_REQUIRE_STAFF_2FA=1` asks them for an authenticator app, as production does.
TOWNHALL_REQUIRE_STAFF_2FA ?= 0
# Where `make reload` finds the running `make serve-prod` (its supervisor's pid).
SERVE_PROD_PID := .serve-prod.pid

.PHONY: install run serve-prod reload test lint format browser messages clean

# The virtualenv and the runtime requirements, re-installed when requirements.txt changes.
$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# Test and lint tools on top.
$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

## install: virtualenv, requirements, database and static files; also what production runs
install: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

## run: install, load the demo data, and serve with Daphne on http://$(HOST):$(PORT)
run: install
	DEMO_SITE_URL=http://$(HOST):$(PORT)/ TOWNHALL_REQUIRE_STAFF_2FA=$(TOWNHALL_REQUIRE_STAFF_2FA) \
	  $(BIN)/python manage.py seed_demo
	TOWNHALL_REQUIRE_STAFF_2FA=$(TOWNHALL_REQUIRE_STAFF_2FA) \
	  $(BIN)/python -m townhall.serve --bind $(HOST) --port $(PORT) townhall.asgi:application

## serve-prod: WORKERS Daphne processes on PORT, PORT+1, ... sharing DATABASE_URL and REDIS_URL,
## for a proxy to balance (README, "Production"), and the task worker that sends e-mails, under
## townhall/supervisor.py; `make reload` restarts them one at a time; Ctrl-C stops them all
serve-prod: install
	@test -n "$$REDIS_URL" || { echo "serve-prod needs REDIS_URL (and DATABASE_URL): the workers share events through Redis"; exit 1; }
	$(BIN)/python -m townhall.supervisor --host $(HOST) --port $(PORT) --workers $(WORKERS) \
	  --pid-file $(SERVE_PROD_PID)

## reload: deploy to a running `make serve-prod`: install (requirements, migrations, static files),
## then restart its workers one at a time, each after the last one's replacement answers; their
## viewers reconnect to the others with ?since= and lose nothing (README, "Rolling restarts")
reload: install
	@test -f $(SERVE_PROD_PID) || { echo "No make serve-prod runs from here ($(SERVE_PROD_PID) is missing)"; exit 1; }
	kill -HUP $$(cat $(SERVE_PROD_PID))
	@echo "Restarting the workers one at a time: make serve-prod's output says when it is done"

## browser: Debian's Chromium for the Playwright tests (installed when missing)
browser:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@test -x /usr/bin/chromium || { echo "chromium is missing: apt-get install -y chromium"; exit 1; }

## node_modules: axe-core for the accessibility check, from the npm registry, at the versions
## package-lock.json pins (npm ci); re-installed when the lock changes
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { \
	  echo "Installing Debian's nodejs and npm for the accessibility check"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

## test: every test, twice: embedded (SQLite, in-memory layer), then production mode
## (PostgreSQL and Redis, with the integration tier) when they answer. TOWNHALL_REQUIRE_SERVICES=1
## turns a missing PostgreSQL or Redis into a failure instead of a skipped pass.
test: $(VENV)/.installed-dev browser node_modules/.installed
	$(BIN)/python -m pytest
	@status=0; TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) \
	  $(BIN)/python -m tests.service_check || status=$$?; \
	if [ $$status = 0 ]; then \
	  echo "Production mode: PostgreSQL at $(TEST_DATABASE_URL), Redis at $(TEST_REDIS_URL)"; \
	  DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python -m pytest; \
	elif [ $$status = 1 ]; then exit 1; fi

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## messages: refresh the Danish catalogue after changing a marked string, then translate and rerun
messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages -l da --no-location --no-obsolete \
	  --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench
	$(BIN)/python manage.py compilemessages -l da --ignore=.venv

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3 .pytest_cache .ruff_cache
