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
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	command -v zbarimg >/dev/null || missing="$$missing zbar-tools"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "FAILED: the tests need$$missing; install them (apt-get install$$missing)" >&2; exit 1; \
	  fi; \
	fi

install-test: system-packages $(VENV)/.installed-test

test: install-test
	scripts/test.sh

bench: install-test
	$(PY) bench/run.py

lint: install-test
	$(VENV)/bin/ruff check learn tests bench
	$(VENV)/bin/ruff format --check learn tests bench

# Re-extract UI strings and compile the catalogues (run after changing any UI text).
messages: install-test
	$(PY) scripts/messages.py

clean:
	rm -rf $(VENV) instance
