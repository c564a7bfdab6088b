# One virtualenv per checkout; every target creates what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-python test-ext lint bench clean system-deps wheel

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## demo: install, then route a mix of calls through a 3-node emulated cluster
demo: $(STAMP)
	$(BIN)/switchy run examples/router.swr --emulate 3 --calls 12

## test: install everything, then run the whole test suite
test: $(STAMP) system-deps test-ext
	$(BIN)/ruff check .
	$(BIN)/pytest -q

## system-deps: Debian packages the tests need (graphviz's dot; chromium for the extension's preview;
## neovim for the editor tests of docs/editors.md)
system-deps:
	@need=""; command -v dot >/dev/null 2>&1 || need="$$need graphviz"; \
	command -v chromium >/dev/null 2>&1 || need="$$need chromium"; \
	command -v nvim >/dev/null 2>&1 || need="$$need neovim"; \
	[ -z "$$need" ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need; \
	  else echo "missing Debian packages:$$need; run 'sudo apt-get install$$need'" >&2; exit 1; fi; }

## test-ext: build and test the VS Code extension (tsc, bundle, unit and grammar tests, switchy.vsix)
test-ext:
	cd vscode-ext && npm ci --no-audit --no-fund && npm test

## wheel: build dist/switchy_cluster-VERSION-py3-none-any.whl (pip install it anywhere)
wheel: $(STAMP)
	$(BIN)/pip wheel --quiet --no-deps --wheel-dir dist .

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/esl_parse.py

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache
