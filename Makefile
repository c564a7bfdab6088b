# One virtualenv per checkout; every target creates what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-python test-ext lint bench clean system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## demo: install, then route a mix of calls through a 3-node emulated cluster
demo: $(STAMP)
	$(BIN)/switchy demo --nodes 3 --calls 12

## test: install everything, then run the whole test suite
test: $(STAMP) system-deps
	$(BIN)/ruff check .
	$(BIN)/pytest -q

## system-deps: Debian packages the tests need (graphviz's dot)
system-deps:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz; \
	  else echo "graphviz's 'dot' is missing: run 'sudo apt-get install graphviz'" >&2; exit 1; fi; }

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/esl_parse.py

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache
