# rapport: two commands on a fresh machine.
#   make demo   creates .venv, installs rapport, loads the demo year, serves http://127.0.0.1:8501
#   make test   creates .venv, installs rapport with its test tools, runs the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APP := $(VENV)/.installed-app
TESTS := $(VENV)/.installed-test

.PHONY: demo test install bench docs golden clean

$(APP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $(APP)

$(TESTS): $(APP)
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(TESTS)

install: $(APP)

demo: $(APP)
	$(BIN)/rapport demo

test: $(TESTS)
	GX_ANALYTICS_ENABLED=false $(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(TESTS)
	$(BIN)/rapport bench

docs: $(APP)
	$(BIN)/python -m metrics.docs

clean:
	rm -rf $(VENV) .pytest_cache rapport.duckdb rapport.duckdb.*
