# rapport: two commands on a fresh machine.
#   make demo   creates .venv, installs rapport, loads the demo year, serves http://127.0.0.1:8501
#   make test   creates .venv, installs rapport with its test tools, runs the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install bench docs golden clean

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/rapport demo

test: $(STAMP)
	GX_ANALYTICS_ENABLED=false $(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/rapport bench

docs: $(STAMP)
	$(BIN)/python -m metrics.docs

clean:
	rm -rf $(VENV) .pytest_cache rapport.duckdb rapport.duckdb.*
