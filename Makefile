# Two commands from a fresh clone: `make run` and `make test`. Everything else is built on demand.
# The newest Python 3.11–3.13 on the PATH that actually runs (scripts/pythons.sh probes each: a pyenv shim may
# exist and fail). Empty when there is none; the venv rule then says which Python it needs.
PYTHON ?= $(shell scripts/pythons.sh newest 2>/dev/null)
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
CORPUS := $(if $(wildcard $(SHARED)/corpus/GOLD_FORMAT.md),$(SHARED)/corpus,samples)

.PHONY: run test lint typecheck unit score bench clean test-pythons playground screenshots

# An existing .venv whose Python still runs is kept (re-installed into), so a newer Python on the PATH does not
# rebuild it; `make clean` first to move to another one.
$(BIN)/minutesbot: pyproject.toml
	@if ! $(BIN)/python -c '' 2>/dev/null; then \
		if [ -z "$(PYTHON)" ]; then scripts/pythons.sh newest >/dev/null && echo "fel: PYTHON är tom"; exit 2; fi; \
		echo "$(PYTHON) -m venv $(VENV)"; $(PYTHON) -m venv $(VENV) || exit 2; fi
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

# CI also runs the core tests on every other Python 3.11–3.13 it has (pyenv's on these machines).
test: lint typecheck unit score $(if $(filter true 1 yes,$(CI)),test-pythons)

# The core tests (tests/minutes, tests/cards) on every Python 3.11–3.13 found (scripts/pythons.sh all), each in a
# throwaway venv with the pinned dependencies; fails when any install or test fails.
PYTHONS_DIR := $(or $(TMPDIR),/tmp)/minutesbot-pythons
test-pythons:
	@found="$$(scripts/pythons.sh all)"; [ -n "$$found" ] || { scripts/pythons.sh newest; exit 2; }; \
	for python in $$found; do \
		venv="$(PYTHONS_DIR)/$$($$python -c 'import sys; print("py%d%d" % sys.version_info[:2])')"; \
		echo "== $$python ($$venv)"; rm -rf "$$venv"; \
		$$python -m venv "$$venv" && "$$venv/bin/pip" install --quiet '.[dev]' \
			&& "$$venv/bin/pytest" -q -p no:cacheprovider tests/minutes tests/cards \
			|| { echo "fel: kärntesterna misslyckades på $$python"; rm -rf "$$venv"; exit 1; }; \
		rm -rf "$$venv"; \
	done

lint: $(BIN)/minutesbot
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/minutesbot
	$(BIN)/mypy minutes cards workflows store graph sources reading reports bot scheduler

# The Microsoft 365 Agents Playground for the end-to-end test (pinned in tests/e2e/package-lock.json).
E2E_PLAYGROUND := tests/e2e/node_modules/.bin/agentsplayground
# Node and npm from Debian's packages when they are missing (as root, as CI runs; otherwise a message).
$(E2E_PLAYGROUND): tests/e2e/package-lock.json
	@if ! command -v npm >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installerar Debians nodejs och npm"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >/dev/null || exit 2; fi
	@if command -v npm >/dev/null; then npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error; \
	else echo "npm saknas (installera Debians nodejs och npm): Agents Playground hoppas över"; fi

# The bot in the Agents Playground with the latest FLG example meeting posted in the team's channel
# (tests/e2e/demo.py): prints the address to open. MINUTESBOT_PORT and PLAYGROUND_PORT move the ports.
playground: $(BIN)/minutesbot $(E2E_PLAYGROUND)
	@test -x $(E2E_PLAYGROUND) || { echo "fel: Agents Playground kunde inte installeras (Node 20 och npm krävs)"; exit 2; }
	$(BIN)/python -m tests.e2e.demo

# The browser test's Chromium (Debian's package, installed when missing, as root) and Playwright for Python
# driving that executable (the `browser` extra). Never `playwright install`: it downloads browsers.
$(BIN)/playwright: $(BIN)/minutesbot
	@if ! command -v chromium >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installerar Debians chromium"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || exit 2; fi
	@command -v chromium >/dev/null || echo "chromium saknas (installera Debians chromium): webbläsartestet hoppas över"
	$(BIN)/pip install --quiet -e '.[dev,browser]'

# PNGs of the meeting card, an item card, `mina` and the weekly digest, from the browser test's session, and the
# follow-through report's chart from its web page.
screenshots: $(BIN)/minutesbot $(E2E_PLAYGROUND) $(BIN)/playwright
	SCREENSHOTS_DIR=docs/screenshots $(BIN)/pytest -q -p no:cacheprovider \
		tests/e2e/test_browser.py tests/e2e/test_report_browser.py -k "browser_shows or report"

# A throwaway PostgreSQL cluster on 127.0.0.1 for the store tests (Debian's package, installed when missing).
unit: $(BIN)/minutesbot $(E2E_PLAYGROUND) $(BIN)/playwright
	@eval "$$(scripts/postgres-test.sh start)" && trap 'scripts/postgres-test.sh stop' EXIT && $(BIN)/pytest -q

# Extraction quality over all three formats; fails below the regression floor.
score: $(BIN)/minutesbot
	$(BIN)/python bench/score.py --corpus $(CORPUS) --floor 0.97
	$(BIN)/python bench/score.py --corpus tests/fixtures/heldout --ext docx --floor 0.90
	@# Blind-written batches: 0.90 on f1, owner and due for each format (first-sight scores: bench/RESULTS.md).
	for batch in tests/fixtures/batch*/; do \
		$(BIN)/python bench/score.py --corpus $$batch --ext md,txt,docx,pdf --floor 0.90 || exit 1; \
	done

bench: $(BIN)/minutesbot
	$(BIN)/python bench/extract.py --corpus $(CORPUS)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
