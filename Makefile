# Two commands get a newcomer going: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install catalogs run console test lint extract review-pack review-merge

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Compiled catalogs are build output (not committed): made from locales/*/LC_MESSAGES/*.po.
catalogs: install
	$(BIN)/pybabel compile --domain messages --directory locales
	$(BIN)/pybabel compile --domain staff --directory locales

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

# After changing user-facing text: refresh the templates and every catalog, then translate.
# N_() marks what seekers read (every language), S_() what only staff read (sv, en).
EXTRACT := $(BIN)/pybabel extract --mapping-file babel.cfg --sort-by-file --no-wrap \
	--add-comments TRANSLATORS: --project jourbot --copyright-holder "Jourbot contributors" \
	--no-default-keywords
extract: install
	$(EXTRACT) -k N_ -k NP_:1,2 -k _ -k gettext -k ngettext:1,2 --output-file locales/messages.pot .
	$(EXTRACT) -k S_ -k SP_:1,2 --output-file locales/staff.pot .
	$(BIN)/pybabel update --domain messages --input-file locales/messages.pot \
		--output-dir locales --no-wrap --ignore-obsolete
	$(BIN)/pybabel update --domain staff --input-file locales/staff.pot \
		--output-dir locales --no-wrap --ignore-obsolete

# A file a native reviewer reads without tools (make review-pack LANG=ar), and their
# corrections merged back by number (make review-merge LANG=ar FILE=build/review/ar.md).
review-pack: install
	$(BIN)/python -m bot.review_pack write $(LANG) build/review/$(LANG).md

review-merge: install
	$(BIN)/python -m bot.review_pack merge $(LANG) $(FILE)
