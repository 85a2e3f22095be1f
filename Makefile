# gitopsctl developer tasks. `make test` is what CI runs; nothing needs to be preinstalled
# but Python >= 3.11 and Go (for the real programs the tests drive: flux, helm, kubeseal, the
# control plane and the controllers).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install tools test lint fmt demo sandbox bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,lint]'
	touch $@

# Real programs built from source through the Go module proxy (cached; warm runs are instant).
tools:
	@if command -v go >/dev/null; then \
		bash tools/build.sh test-tools && bash tools/build.sh control-plane && bash tools/build.sh flux-controllers && \
		bash tools/build.sh flux-cli && bash tools/build.sh image-controllers; \
	else echo "Go is not installed: tests that need helm, kubeseal or the control plane will be skipped"; fi

test: install tools
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check gitopsctl tests benchmarks tools
	$(BIN)/ruff format --check gitopsctl tests benchmarks tools
	$(BIN)/mypy

fmt: install
	$(BIN)/ruff format gitopsctl tests benchmarks tools
	$(BIN)/ruff check --fix gitopsctl tests benchmarks tools

demo: install
	bash examples/demo.sh

# An empty cluster and a GitHub Enterprise host on loopback for trying gitopsctl by hand; Ctrl-C stops it.
sandbox: install tools
	PATH=$(CURDIR)/.tools/bin:$$PATH $(BIN)/python -m tests.harness.sandbox

bench: install tools
	bash benchmarks/startup.sh
	$(BIN)/python benchmarks/seal.py
	$(BIN)/python benchmarks/verify.py
	$(BIN)/python benchmarks/verify_offline.py
	$(BIN)/python benchmarks/image_automation.py
	$(BIN)/python benchmarks/bootstrap.py

clean:
	rm -rf $(VENV) .bench-venv .tools .pytest_cache .mypy_cache .ruff_cache
