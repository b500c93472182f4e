# Two commands matter: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-pg lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: set up, migrate, load the demo county if the database is empty, start the bot
run: $(STAMP)
	@$(BIN)/liandong run --demo-if-empty

## test: set up and run the whole suite (on SQLite; on PostgreSQL instead when LIANDONG_TEST_DATABASE_URL is set)
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

## test-pg: the whole suite against PostgreSQL (LIANDONG_TEST_DATABASE_URL, default 127.0.0.1:5432) in a throwaway schema; fails if it is absent
test-pg: $(STAMP)
	LIANDONG_TEST_DATABASE_URL=$${LIANDONG_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
	LIANDONG_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m bench.cases
	$(BIN)/python -m bench.sweep
	$(BIN)/python -m bench.charts
	$(BIN)/python -m bench.briefing
	$(BIN)/python -m bench.surveys
	$(BIN)/python -m bench.broadcast
	$(BIN)/python -m bench.activities

clean:
	rm -rf $(VENV) data .pytest_cache
