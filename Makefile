# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup install install-dev translations messages lint format db clean

run: install translations db
	$(FLASK) run --host $(HOST) --port $(PORT)

# The suite in two processes side by side (one per core): the PostgreSQL half in the
# background, its output printed after everything else's. SPLIT=0: one process.
SPLIT ?= 1
test: install-dev translations
ifeq ($(SPLIT),0)
	$(BIN)/pytest $(PYTEST_ARGS)
else
	@mkdir -p build
	@TEST_REDIS_URL=$${TEST_REDIS_URL:+$${TEST_REDIS_URL%/*}/14} \
	  $(BIN)/pytest $(PYTEST_ARGS) -m postgres --basetemp=build/pytest-postgres \
	  > build/test-postgres.log 2>&1 & pg=$$!; \
	$(BIN)/pytest $(PYTEST_ARGS) -m "not postgres" --basetemp=build/pytest-rest; rest=$$?; \
	wait $$pg; postgres=$$?; \
	echo; echo "== the PostgreSQL half (build/test-postgres.log)"; cat build/test-postgres.log; \
	echo "== exit: $$rest (SQLite, browser and the rest), $$postgres (PostgreSQL)"; \
	case "$$rest $$postgres" in "0 0"|"0 5"|"5 0") ;; *) exit 1 ;; esac
endif

# Database: migrate, seed the districts, lay out the next 12 Days (all idempotent).
db: install translations
	$(FLASK) db upgrade
	$(FLASK) seed
	$(FLASK) days generate

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Compile the Russian and Kazakh catalogs (.po -> .mo).
translations: install
	$(BIN)/pybabel -q compile -d app/translations

# After changing user-visible text: extract and merge into both catalogs.
messages: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_ngettext:1,2 --no-location --sort-output -o app/translations/messages.pot .
	$(BIN)/pybabel -q update -N -w 100 -i app/translations/messages.pot -d app/translations

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
