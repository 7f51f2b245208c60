# Two commands get a newcomer going: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install catalogs run console test lint extract

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Compiled catalogs are build output (not committed): made from locales/*/LC_MESSAGES/*.po.
catalogs: install
	$(BIN)/pybabel compile --domain messages --directory locales

run: catalogs
	$(BIN)/jourbot run

console: catalogs
	$(BIN)/jourbot console

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: catalogs lint
	$(BIN)/pytest

# After changing user-facing text: refresh the template and every catalog, then translate.
extract: install
	$(BIN)/pybabel extract --mapping-file babel.cfg --sort-by-file --no-wrap \
		--add-comments TRANSLATORS: --project jourbot --copyright-holder "Jourbot contributors" \
		--output-file locales/messages.pot .
	$(BIN)/pybabel update --domain messages --input-file locales/messages.pot \
		--output-dir locales --no-wrap --ignore-obsolete
