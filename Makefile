# labelaudit — `make demo` and `make test` work on a fresh machine (they create .venv).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test install dev lint format bench clean services

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# runtime install (re-run when pyproject.toml changes)
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# dev extras: test tools, import-linter, Label Studio SDK, Dask, fast language id, Playwright client
$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed

# screenshots of the report (desktop and phone) need Playwright and Chromium, which only
# `make test` installs: without them the demo still runs, and says what it skipped
demo: install
	$(BIN)/labelaudit demo --out reports/demo
	@if $(BIN)/python -c "import playwright" 2>/dev/null && command -v chromium >/dev/null; then \
		$(BIN)/python tools/report_screenshots.py reports/demo/report.html; \
	else \
		echo "make demo: no screenshots (they need Playwright and Chromium: run make test once to install both)"; \
	fi

# services the test suite needs: a Label Studio server in its own venv (started and
# stopped by the tests themselves) and Debian's headless Chromium for the report tests
services:
	bash .ci/install-labelstudio.sh
	bash .ci/install-chromium.sh

# the stage contract first (pyproject.toml [tool.importlinter]): a back-arrow fails fast
test: dev services
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

lint: dev
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools

format: dev
	$(BIN)/ruff format src tests benchmarks tools

# the 1M benchmarks (minutes); the 10M commands are in benchmarks/README.md
bench: dev
	$(BIN)/python benchmarks/bench_agreement.py
	$(BIN)/python benchmarks/bench_langid.py
	$(BIN)/python benchmarks/bench_audit.py --sizes 1000000 --dask

clean:
	rm -rf $(VENV) .venv-ls reports/demo .pytest_cache
