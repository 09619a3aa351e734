# flowlog-operator developer entry points. Every target installs what it needs itself.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PYTEST_ARGS ?=

.PHONY: help venv lint unit cloud e2e test demo bench control-plane clean

help:
	@echo "make demo        run the main job on its embedded default (the emulator)"
	@echo "make test        lint, type-check, import contracts, then every test tier"
	@echo "make lint        ruff, mypy --strict, import-linter"
	@echo "make unit        pure unit tests"
	@echo "make cloud       our client and the official SDK against the emulator over HTTP"
	@echo "make e2e         end-to-end tests on a real control plane (built on first use)"
	@echo "make bench       benchmarks (print a table, write JSON under benchmarks/results/)"
	@echo "make control-plane  build or reuse the cached kube-apiserver, etcd, kubectl, helm"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

lint: venv
	$(BIN)/ruff check operator tests benchmarks tools
	$(BIN)/ruff format --check operator tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

unit: venv control-plane
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

cloud: venv
	$(BIN)/pytest tests/cloud $(PYTEST_ARGS)

control-plane: venv
	$(BIN)/python tests/controlplane/build.py

e2e: venv control-plane
	$(BIN)/pytest tests/e2e $(PYTEST_ARGS)

test: lint control-plane
	$(BIN)/pytest tests $(PYTEST_ARGS)

demo: venv control-plane
	$(BIN)/python tools/demo.py $(DEMO_ARGS)

bench: venv control-plane
	$(BIN)/python -c "import matplotlib" 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[test,dev,bench]'
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
