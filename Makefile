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

test: install-dev translations
	$(BIN)/pytest $(PYTEST_ARGS)

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
