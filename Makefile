# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-stamp
# The demo writes emails to files under var/mail/ (the demo command says where), and its
# links follow PORT.
DEMO_ENV := DEBUG=1 EMAIL_BACKEND=file PORT=$(PORT)

.PHONY: demo system-packages system-packages-postgres test test-sqlite test-postgres test-browser lint format migrate clean bench-ledger bench-ledger-quick bench-opinion opinion-quality bench-matching bench-reports bench-reports-quick bench-exports bench-exports-quick bench-conversation bench-conversation-quick bench-pages bench-pages-quick bench-matching-db bench-matching-db-quick bench-involvement bench-involvement-quick bench-allocation bench-allocation-quick bench-insight bench-insight-quick

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "No Python 3.12+ found (see above)."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# Quiet: the personas and the demo password come first, then where emails go and the URL.
demo: $(STAMP)
	@$(DEMO_ENV) $(BIN)/coproduce migrate --no-input -v 0
	@$(DEMO_ENV) $(BIN)/coproduce demo
	@$(DEMO_ENV) $(BIN)/coproduce serve

# The Debian packages the tests need, checked before the venv is built so that a missing
# one stops the run at once: installed when run as root, otherwise it says what to run.
system-packages:
	scripts/ensure-system-packages chromium

system-packages-postgres:
	scripts/ensure-system-packages chromium postgresql

# The whole suite on SQLite, browser tests included, on every core.
PYTEST := $(BIN)/pytest -n auto

test: system-packages $(STAMP)
	$(PYTEST)

# The whole suite again on a throw-away PostgreSQL cluster, but for the browser tests:
# they drive the same pages through the same services, and `make test` runs them.
test-postgres: system-packages-postgres $(STAMP)
	$(BIN)/python scripts/with-postgres.py $(PYTEST) -m "not browser"

test-browser: system-packages $(STAMP)
	$(BIN)/pytest -m browser

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/ruff format --check src tests scripts bench

format: $(STAMP)
	$(BIN)/ruff format src tests scripts bench
	$(BIN)/ruff check --fix src tests scripts bench

migrate: $(STAMP)
	$(DEMO_ENV) $(BIN)/coproduce migrate

clean:
	rm -rf $(VENV) $(REDDWARF_VENV) var .pytest_cache

# Ledger throughput and verify speed on SQLite and PostgreSQL (see docs/performance.md).
bench-ledger: $(STAMP)
	$(BIN)/python bench/ledger.py

bench-ledger-quick: $(STAMP)
	$(BIN)/python bench/ledger.py --quick

# Matching: 100k members, 1,000 needs, against a plain loop (see docs/performance.md).
bench-matching: $(STAMP)
	$(BIN)/python bench/matching.py

# "Who could help" from the database: a 10,000-member hub on SQLite and PostgreSQL, 200
# needs, against the old rebuild of every member (see docs/performance.md).
bench-matching-db: system-packages-postgres $(STAMP)
	$(BIN)/python bench/matching_db.py

bench-matching-db-quick: system-packages-postgres $(STAMP)
	$(BIN)/python bench/matching_db.py --quick

bench-opinion: $(STAMP)
	$(BIN)/python bench/opinion.py

# red-dwarf (Polis's method) lives in its own venv so the project never depends on it.
REDDWARF_VENV := .venv-reddwarf
$(REDDWARF_VENV)/.installed: bench/requirements-reddwarf.txt
	@test -n "$(PYTHON)" || { echo "No Python 3.12+ found (see above)."; exit 1; }
	test -x $(REDDWARF_VENV)/bin/python || $(PYTHON) -m venv $(REDDWARF_VENV)
	$(REDDWARF_VENV)/bin/python -m pip install --quiet -r bench/requirements-reddwarf.txt
	touch $@

opinion-quality: $(STAMP) $(REDDWARF_VENV)/.installed
	$(BIN)/python bench/opinion_quality.py --reddwarf-python $(REDDWARF_VENV)/bin/python

# Reports: the Open311 request list and the scorecard over 100,000 reports (see
# docs/performance.md).
bench-reports: $(STAMP)
	$(BIN)/python bench/reports.py

bench-reports-quick: $(STAMP)
	$(BIN)/python bench/reports.py --quick

bench-exports: $(STAMP)
	$(BIN)/python bench/exports.py

bench-exports-quick: $(STAMP)
	$(BIN)/python bench/exports.py --quick

# The involvement packs for every member of a 10,000-member hub, and a big shortlist.
bench-involvement: $(STAMP)
	$(BIN)/python bench/involvement.py

bench-involvement-quick: $(STAMP)
	$(BIN)/python bench/involvement.py --quick

# The count engine: equal shares with completion for 10,000 voters and 200 projects,
# against a plain reference that must fund the same projects (see docs/performance.md).
bench-allocation: $(STAMP)
	$(BIN)/python bench/allocation.py

bench-allocation-quick: $(STAMP)
	$(BIN)/python bench/allocation.py --quick

bench-insight: $(STAMP)
	$(BIN)/python bench/insight.py

bench-insight-quick: $(STAMP)
	$(BIN)/python bench/insight.py --quick

bench-conversation: $(STAMP)
	$(BIN)/python bench/conversation.py

bench-conversation-quick: $(STAMP)
	$(BIN)/python bench/conversation.py --quick

# Every page and API call on a 10,000-member hub (built through the services, cached under
# $$BIGHUB_CACHE or /tmp/coproduce-bighub), served by gunicorn on SQLite and PostgreSQL:
# each page's cost against the sign-in page, and requests per second with 32 clients
# (see docs/performance.md).
bench-pages: $(STAMP)
	$(BIN)/python bench/pages.py

bench-pages-quick: $(STAMP)
	$(BIN)/python bench/pages.py --quick
