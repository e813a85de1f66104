# The two commands of the README: `make run` and `make test`. Each creates or refreshes
# the local virtual environment itself, so nothing needs installing by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean assets browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# GraphiQL's files, pinned and digest-checked, served from this server (no CDN).
assets: $(STAMP)
	$(BIN)/python scripts/fetch_graphiql.py

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads one).
browser:
	command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

run: $(STAMP) assets
	$(BIN)/helpdesk migrate
	$(BIN)/helpdesk demo
	$(BIN)/helpdesk serve --print-demo-tokens

test: $(STAMP) assets browser
	$(BIN)/python scripts/run_tests.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench.tickets_graphql_vs_json

clean:
	rm -rf $(VENV) var
