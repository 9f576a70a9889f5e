# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test lint install chat bench-install bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## make run: install, migrate the SQLite default, load the demo directory, serve on 127.0.0.1:8000
run: $(STAMP)
	$(BIN)/smsbot db upgrade
	$(BIN)/smsbot directory demo
	$(BIN)/smsbot serve --host 127.0.0.1 --port 8000

## make test: install, lint, check the wording packs, run the whole suite (SQLite, and PostgreSQL when it answers)
test: $(STAMP)
	@command -v chromium >/dev/null || echo "make test: Chromium not found; the real-browser tests (tests/test_browser.py) will be SKIPPED (apt-get install -y chromium)"
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports --no-cache
	$(BIN)/smsbot content check
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff format --check src tests bench

chat: $(STAMP)
	$(BIN)/smsbot db upgrade
	$(BIN)/smsbot chat

## make bench-install: what the benchmarks need besides the tests (flask, gunicorn, matplotlib: the `bench` extra)
bench-install: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'

## make bench: every benchmark (inbound, dispatch, nearby; SQLite and PostgreSQL) -> bench/results/latest.{md,png,json}
## (about half an hour; needs wrk and a reachable PostgreSQL; run it on an otherwise idle machine)
bench: bench-install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
