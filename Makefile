# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test lint format bench vendor clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamps so a second `make run` starts at once; they are redone when the dependencies change.
$(VENV)/.run-deps: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	touch $@

$(VENV)/.test-deps: $(VENV)/.run-deps
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

run: $(VENV)/.run-deps
	$(BIN)/orbat db upgrade
	$(BIN)/orbat seed --if-empty
	$(BIN)/orbat serve --host $(HOST) --port $(PORT)

test: $(VENV)/.test-deps
	bash scripts/system-deps.sh
	$(BIN)/python -m pytest

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.test-deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.test-deps
	bash bench/run_all.sh

vendor:
	bash scripts/vendor.sh

clean:
	rm -rf $(VENV) orbat.db orbat.db-wal orbat.db-shm tests/artifacts
