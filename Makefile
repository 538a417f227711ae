# Two commands from a fresh clone: `make run` and `make test`. Everything else is built on demand.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
CORPUS := $(if $(wildcard $(SHARED)/corpus/GOLD_FORMAT.md),$(SHARED)/corpus,samples)

.PHONY: run test lint typecheck unit score bench clean

$(BIN)/minutesbot: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "fel: $(PYTHON) saknas (Python 3.11 krävs)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

# The embedded default: SQLite and a local folder of minutes (a copy of the example .docx files), no cloud
# account. Drop more minutes into .run/protokoll/ while it runs; `minutesbot items --database …` lists them.
RUN_DIR := .run
run: $(BIN)/minutesbot
	@mkdir -p $(RUN_DIR)/protokoll && cp -n samples/*.docx $(RUN_DIR)/protokoll/ 2>/dev/null || true
	MINUTESBOT_MINUTES_FOLDER=$(RUN_DIR)/protokoll \
	MINUTESBOT_DATABASE_URL=sqlite+aiosqlite:///$(RUN_DIR)/minutesbot.db \
	$(BIN)/minutesbot run

test: lint typecheck unit score

lint: $(BIN)/minutesbot
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/minutesbot
	$(BIN)/mypy minutes cards workflows store graph sources reading bot scheduler

# The Microsoft 365 Agents Playground for the end-to-end test (pinned in tests/e2e/package-lock.json).
E2E_PLAYGROUND := tests/e2e/node_modules/.bin/agentsplayground
$(E2E_PLAYGROUND): tests/e2e/package-lock.json
	@if command -v npm >/dev/null; then npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error; \
	else echo "npm saknas: end-to-end-testet med Agents Playground hoppas över"; fi

# A throwaway PostgreSQL cluster on 127.0.0.1 for the store tests (Debian's package, installed when missing).
unit: $(BIN)/minutesbot $(E2E_PLAYGROUND)
	@eval "$$(scripts/postgres-test.sh start)" && trap 'scripts/postgres-test.sh stop' EXIT && $(BIN)/pytest -q

# Extraction quality over all three formats; fails below the regression floor.
score: $(BIN)/minutesbot
	$(BIN)/python bench/score.py --corpus $(CORPUS) --floor 0.97
	$(BIN)/python bench/score.py --corpus tests/fixtures/heldout --ext docx --floor 0.90
	@# Blind-written batches: a regression gate at 0.80 on each format (first-sight scores: bench/RESULTS.md).
	for batch in tests/fixtures/batch*/; do \
		$(BIN)/python bench/score.py --corpus $$batch --ext md,txt,docx,pdf --floor 0.80 || exit 1; \
	done

bench: $(BIN)/minutesbot
	$(BIN)/python bench/extract.py --corpus $(CORPUS)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
