# shebao: `make demo` to try it, `make test` to test it. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SHEBAO := $(VENV)/bin/shebao
STAMP := $(VENV)/.installed-stamp
DEMO_DB := var/shebao.sqlite3
DEMO_STAMP := var/.demo-data
PYTEST_ARGS ?=
# The demo's business date (shebao.core.clock): inside the emergency, so sample cases are not all overdue.
DEMO_TODAY ?= 2020-02-20
# The demo runs with DEBUG on, explicitly: the settings' default is production (DEBUG off, which needs a
# real SECRET_KEY and ALLOWED_HOSTS).
DEMO_ENV := DEBUG=true

.PHONY: install demo demo-data test test-sqlite test-postgres bench lint clean mutation

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	# axe-core: the accessibility engine the portal's browser tests inject (node_modules/, never committed).
	npm install --silent --no-save --no-package-lock --no-audit --no-fund axe-core@4
	touch $(STAMP)

install: $(STAMP)

# Built once: migrations always run (a no-op when up to date), data only if not yet generated.
demo-data: install
	@mkdir -p var
	$(DEMO_ENV) $(SHEBAO) migrate --verbosity 0
	@if [ ! -f $(DEMO_STAMP) ]; then \
	  $(DEMO_ENV) $(SHEBAO) generate --employers 400 --persons 20000 --from 2019-07 --months 8 --seed 2020 && \
	  touch $(DEMO_STAMP); fi
	$(DEMO_ENV) SHEBAO_TODAY=$(DEMO_TODAY) $(SHEBAO) demo_setup

# Beside the server run the outbox's worker, so the applications' messages are "sent" as the sign-in
# codes are (on a demo copy to var/outbox/*.jsonl, which /portal/demo/sms/ (演示短信收件箱) shows), and the
# identity provider's stand-in (port 8001, where DEBUG settings point the portal), so the residents'
# pension and the card can pass the identity check (6.1); both end when the server does.
DEMO_ADDR := 127.0.0.1:8000
demo: demo-data
	$(DEMO_ENV) SHEBAO_TODAY=$(DEMO_TODAY) $(SHEBAO) deliver --interval 3 & deliver=$$!; \
	$(DEMO_ENV) $(SHEBAO) identity_standin --portal http://$(DEMO_ADDR) & standin=$$!; \
	trap 'kill $$deliver $$standin 2>/dev/null' EXIT INT TERM; \
	$(DEMO_ENV) SHEBAO_TODAY=$(DEMO_TODAY) $(SHEBAO) runserver $(DEMO_ADDR)

# The two databases run side by side (one core each): each run has its own test database (settings: one
# SQLite file per process; tests.pgtemp starts its own server), and --output-sync prints each run's output
# whole when it ends. Run one after the other the suite took 76 minutes in CI, whose limit is 90.
test: install
	$(MAKE) lint
	$(MAKE) -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: install
	@echo "== tests on SQLite =="
	env -u DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: install
	@echo "== tests on PostgreSQL =="
	$(PY) -m tests.pgtemp -- $(PY) -m pytest $(PYTEST_ARGS)

# Opt-in, not part of `make test`: mutants of the rules core and collection's money code, each tested
# in a fresh process (tests/mutation). Hours for every mutant; MUTATION_ARGS="--sample 100" samples,
# e.g. MUTATION_ARGS="src/shebao/rules/dates.py --sample 100 --jobs 2". Results: var/mutation/.
MUTATION_ARGS ?=
mutation: install
	nice -n 10 $(PY) -m tests.mutation $(MUTATION_ARGS)

bench: install
	$(PY) bench/run_all.py

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(DEMO_ENV) $(SHEBAO) makemigrations --check --dry-run

clean:
	rm -rf var test-artifacts
