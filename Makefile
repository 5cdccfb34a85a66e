# The two commands of the README: `make demo` and `make test`. Both install what they need first.
VENV ?= .venv
PY := $(VENV)/bin/python
SLITHER_VENV ?= .slither-venv

.PHONY: demo test install lint typecheck contracts-check forge slither pytest bench

$(VENV)/.installed: pyproject.toml package-lock.json
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/novacron-chain demo

lint: install
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

typecheck: install
	$(VENV)/bin/mypy

contracts-check: install
	node scripts/compile.js --check

# the consensus contracts need Prague's BLS12-381 precompiles (EIP-2537): their tests run in the prague profile
forge: install
	HOME=$${TMPDIR:-/tmp} node_modules/.bin/forge test --offline --no-match-path 'test/forge/consensus/*'
	HOME=$${TMPDIR:-/tmp} FOUNDRY_PROFILE=prague node_modules/.bin/forge test --offline --match-path 'test/forge/consensus/*'

$(SLITHER_VENV)/.installed:
	python3 -m venv $(SLITHER_VENV)
	$(SLITHER_VENV)/bin/pip install -q slither-analyzer
	touch $@

# crytic-compile builds through forge (foundry.toml points it at our solc shim); fails on medium or high findings
# except those justified in slither.config.json or by a `slither-disable-next-line` comment at the code
slither: install $(SLITHER_VENV)/.installed
	PATH="$(CURDIR)/node_modules/.bin:$$PATH" HOME=$${TMPDIR:-/tmp} \
		$(SLITHER_VENV)/bin/slither . --config-file slither.config.json --fail-medium

pytest: install
	$(VENV)/bin/python -m pytest

# everything CI checks, in order of speed
test: lint typecheck contracts-check forge slither pytest

bench: install
	$(PY) -m pip install -q -e '.[dev,bench]'
	cd benchmarks && for b in cli_startup cli_commands deploy transfers storage_cid state did tokens orchestrator governance \
		consensus_bls consensus; do \
		../$(PY) $$b.py || exit 1; done
