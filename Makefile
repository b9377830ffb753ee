# `make demo` and `make test` build .venv from the pinned requirements when it is missing or stale.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
REQ_FILES := requirements.txt requirements-dev.txt functions/requirements.txt pyproject.toml
REQ_HASH := $(shell cat $(REQ_FILES) | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(REQ_HASH)
UV_VERSION := 0.13.8
export AWS_EC2_METADATA_DISABLED := true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: venv demo test synth bench clean

venv: $(STAMP)

$(STAMP):
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode --quiet -r requirements-dev.txt -e .
	touch $@

demo: venv
	$(BIN)/lsc demo $(ARGS)

test: venv
	$(BIN)/python -m pytest $(ARGS)

synth: venv
	rm -rf cdk.out  # no stale templates or assets from an earlier synth
	$(BIN)/python app.py

bench: venv
	$(BIN)/lsc bench $(ARGS)

clean:
	rm -rf $(VENV) cdk.out .pytest_cache
