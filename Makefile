# learn: the two commands (and a benchmark).
#   make run   - install, migrate, import the shipped course, ensure an admin, serve on :5000
#   make test  - install what the tests need (PostgreSQL and Chromium too, as root on Debian),
#                run the whole suite on SQLite and PostgreSQL and in Chromium
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 5000

.PHONY: run test install install-test system-packages bench lint messages clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/activate
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/activate
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

# Plain http on 127.0.0.1: browsers may drop Secure cookies there. Behind TLS, set both to true.
run: export LEARN_SESSION_COOKIE_SECURE ?= false
run: export LEARN_REMEMBER_COOKIE_SECURE ?= false
run: install
	$(VENV)/bin/learn init
	$(VENV)/bin/learn content import
	$(VENV)/bin/learn ensure-admin
	PORT=$(PORT) $(VENV)/bin/learn serve

# Debian packages the tests need; installed only when missing, and only as root.
system-packages:
	@scripts/system-packages.sh chromium=chromium '/usr/lib/postgresql/*/bin/initdb=postgresql' \
	  pdftotext=poppler-utils zbarimg=zbar-tools

install-test: system-packages $(VENV)/.installed-test

test: install-test
	scripts/test.sh

# The benchmark's load generator is Debian's wrk.
bench: install-test
	@scripts/system-packages.sh wrk=wrk
	$(PY) bench/run.py

lint: install-test
	$(VENV)/bin/ruff check learn tests bench
	$(VENV)/bin/ruff format --check learn tests bench

# Re-extract UI strings and compile the catalogues (run after changing any UI text).
messages: install-test
	$(PY) scripts/messages.py

clean:
	rm -rf $(VENV) instance
