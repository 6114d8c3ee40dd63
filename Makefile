# bandian — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install runtime-deps system-deps run test lint format check bench worker clean

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned dependencies

# Debian packages. Running the application needs only the CJK font the permit PDFs embed (the
# translations' .mo files are committed); the tests and benchmarks also need Chromium (browser
# tests), gettext (compilemessages), poppler-utils (pdftoppm renders the sealed contract in its
# test) and wrk (bench).
RUNTIME_DEBS := fonts-wqy-zenhei
TEST_DEBS := chromium gettext poppler-utils wrk
# Installs the packages of $(1) that dpkg does not list as installed (nothing when all are there).
define apt_install
	@missing="$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done)"; \
	if [ -n "$$missing" ]; then \
	  echo "apt-get install $$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

runtime-deps: ## Install the Debian packages running the application needs: a CJK font (PDFs)
	$(call apt_install,$(RUNTIME_DEBS))

system-deps: runtime-deps ## Also the test/bench packages: Chromium (browser tests), gettext, poppler-utils, wrk (bench)
	$(call apt_install,$(TEST_DEBS))

run: install runtime-deps ## Migrate the SQLite database, load the demo data and serve on http://127.0.0.1:8000
	$(PY) manage.py migrate --no-input
	$(PY) manage.py signing_cert --demo
	$(PY) manage.py demo
	$(PY) manage.py timeline anchor
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: install ## Run the background worker (TASKS_BACKEND=database)
	$(PY) manage.py db_worker

lint: install ## ruff (format and check) and mypy
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

format: install ## Reformat and fix what ruff can
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install system-deps lint ## Linters and the whole test suite (DATABASE_URL picks the database)
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -n 2 -q

bench: install system-deps ## Benchmarks on PostgreSQL db bandian_bench (bench/README.md); prints the figures
	$(PY) -m pip install --quiet -r requirements-bench.txt
	$(PY) -m bench

clean: ## Remove the environment, the database, uploaded files and the cache
	rm -rf $(VENV) db.sqlite3* media staticfiles cache
