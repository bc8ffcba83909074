# Louage: `make run` sets everything up and starts the app; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.lock | cut -c1-12)
MANAGE := $(BIN)/python manage.py

.PHONY: help install node-tools setup run dev test lint audit bench resilience soak backup restore lock messages clean

help:
	@echo "make run    set up (venv, locked deps, migrations, demo data, static) and start the app"
	@echo "make dev    development server with auto-reload and Django's debug pages"
	@echo "make test   lint and the whole test suite"
	@echo "make audit  known vulnerabilities of the locked dependencies (needs network)"
	@echo "make bench  performance figures"
	@echo "make resilience  the production stack under faults"
	@echo "make backup / make restore BACKUP=file  back the database up / restore it"

$(STAMP): requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

# npm tools of the API contract tests (openapi-typescript, tsc), pinned by the lock file.
NODE_TOOLS := tools/openapi/node_modules/.installed-$(shell sha1sum tools/openapi/package-lock.json | cut -c1-12)
$(NODE_TOOLS): tools/openapi/package-lock.json
	cd tools/openapi && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

node-tools: $(NODE_TOOLS)

# Production (DEBUG=false): quiet recipes, and every output line as JSON (louage.core.logs).
LOGGED = $(BIN)/python -m louage.core.logs

setup: install
	@mkdir -p var
	@$(LOGGED) migrate -- $(MANAGE) migrate --noinput
	@$(LOGGED) seed_demo -- $(MANAGE) seed_demo --unless-production
	@$(LOGGED) collectstatic -- $(MANAGE) collectstatic --noinput --verbosity 0

# Every role builds links from the web's address (louage.core.start fixes SITE_URL), then
# development runs honcho and the Procfile; DEBUG=false: supervisord, each role restarted on
# its own (louage/core/launch.py says why).
run: setup
	@PATH="$(BIN):$$PATH" exec $(BIN)/python -m louage.core.start

# Django's debug pages (tracebacks) only here, never under `make run`.
dev: setup
	DEBUG_PAGES=true $(MANAGE) runserver 127.0.0.1:$${PORT:-8000}

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run --verbosity 0

test: lint node-tools
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Known vulnerabilities of the locked dependencies (pip-audit; needs PyPI's JSON API or OSV).
audit: install
	$(BIN)/pip-audit -r requirements.lock --require-hashes --no-deps --disable-pip --strict --progress-spinner off

# autocannon (constant-rate latency; Debian has no wrk2) from the committed lock, git-ignored.
tools/bench/node_modules/.installed: tools/bench/package-lock.json
	cd tools/bench && npm ci --no-audit --no-fund --silent
	@touch $@

bench: install tools/bench/node_modules/.installed
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

# Mixed load on every process of `make run`, then SIGKILL of all of them (SQLite, PostgreSQL);
# SOAK_SECONDS (default 180); writes docs/benchmarks.md.
soak: install
	$(BIN)/python -m benchmarks.soak

# nginx + two instances + PostgreSQL + Redis + two task workers, under faults (also in `make test`).
resilience: install
	$(BIN)/python -m pytest tests/resilience -s $(PYTEST_ARGS)

# Back the database up while the app runs (SQLite online backup, or pg_dump): var/backups/.
backup: install
	$(MANAGE) backup

# Restore one: `make restore BACKUP=var/backups/louage-….sqlite3` (stop the app first).
restore: install
	@test -n "$(BACKUP)" || (echo "usage: make restore BACKUP=path/to/backup" && exit 2)
	$(MANAGE) restore "$(BACKUP)"

# Regenerate the lock file after editing pyproject.toml (needs network access to PyPI).
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

messages: install
	cd louage && ../.venv/bin/python ../manage.py makemessages -l ar -l en --no-wrap --ignore "*/migrations/*"
	for po in louage/locale/*/LC_MESSAGES/django.po; do msgattrib --no-obsolete --no-wrap -o "$$po" "$$po"; done
	cd louage && ../.venv/bin/python ../manage.py compilemessages

clean:
	rm -rf $(VENV) var staticfiles tools/openapi/node_modules
