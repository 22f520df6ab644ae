# The two set-up commands of the README, and the helpers CI uses.
#   make run   - install, migrate, load demo data, serve on http://127.0.0.1:8000/
#                with Celery beat running the schedule next to the server
#   make test  - run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.PHONY: install run test lint format migrate seed fuzz clean bench load

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip setuptools
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py collect_analytics --period daily --days-back 90
	$(PY) manage.py detect_anomalies --days 90

run: seed
	@echo
	@echo "  Meeting Intelligence Analytics is starting at  http://$(HOST):$(PORT)/"
	@echo "  API docs: http://$(HOST):$(PORT)/api/docs/    admin: http://$(HOST):$(PORT)/admin/"
	@echo "  Demo logins (password: demo): admin, manager, member, other"
	@echo "  Celery beat runs the schedule in the background (log: .celerybeat/beat.log)."
	@echo "  Stop with Ctrl-C (stops both)."
	@echo
	@# Beat with no broker configured runs each due task in its own process (Celery
	@# is eager on the embedded default): the same task functions on the same
	@# schedule as production's beat + workers. It is stopped with the server.
	@mkdir -p .celerybeat
	@ANALYTICS_BASE_URL="$${ANALYTICS_BASE_URL:-http://$(HOST):$(PORT)}" \
	  $(VENV)/bin/celery -A config beat --loglevel=info \
	  --schedule .celerybeat/schedule --pidfile= >.celerybeat/beat.log 2>&1 & \
	beat=$$!; \
	trap 'kill $$beat 2>/dev/null; wait $$beat 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(VENV)/bin/pytest

# Fuzz the live API with schemathesis (reseeds the configured database: use a
# throwaway one, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/fuzz make fuzz).
fuzz: install
	bash .ci/fuzz

# Benchmarks against physical baselines (own PostgreSQL database and Redis
# namespace, dropped at the end): make bench SCALE=small|medium|large
SCALE ?= small
bench: install
	$(PY) -m bench --scale $(SCALE)

# A bounded, headless locust run of mixed traffic on 127.0.0.1 (BENCHMARKS.md).
load: install
	$(PY) -m bench.load

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache *.egg-info \
	  .celerybeat artifacts
