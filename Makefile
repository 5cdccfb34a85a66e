# The two commands of the README: `make demo` and `make test`. Both install what they need first.
VENV ?= .venv
PY := $(VENV)/bin/python
SLITHER_VENV ?= .slither-venv
HALMOS_VENV ?= .halmos-venv

.PHONY: demo test install lint typecheck contracts-check zk-check zk-verify-setup forge slither slither-findings halmos pytest bench

$(VENV)/.installed: pyproject.toml setup.py src/novacron_chain/l2/_native.c package-lock.json
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

# upgrade safety of the UUPS contracts by OpenZeppelin's upgrades-core (unsafe patterns; storage layout against the
# released one in contracts/layouts/); the Python port in security/_layout.py checks the same at run time
contracts-check: install
	node scripts/compile.js --check
	node scripts/vendor_web.js --check
	node scripts/check_layouts.js

# the ZK circuits, keys and witness generators: the committed artifacts must equal a rebuild (circom2 at build time
# only), the Poseidon constants the Grain LFSR output; zk-verify-setup re-checks the trusted-setup ceremony transcript
zk-check: install
	$(PY) scripts/zk/poseidon_params.py --check --selftest
	$(PY) scripts/zk/build.py --check

zk-verify-setup: install
	$(PY) scripts/zk/build.py --verify-setup

# the consensus and zk contracts need Prague's BLS12-381 precompiles (EIP-2537): their tests run in the prague profile
forge: install
	HOME=$${TMPDIR:-/tmp} node_modules/.bin/forge test --offline --no-match-path 'test/forge/{consensus,zk}/*'
	HOME=$${TMPDIR:-/tmp} FOUNDRY_PROFILE=prague node_modules/.bin/forge test --offline --match-path 'test/forge/{consensus/*,zk/*,BridgeCheckpointGas.t.sol}'

$(SLITHER_VENV)/.installed:
	python3 -m venv $(SLITHER_VENV)
	$(SLITHER_VENV)/bin/pip install -q slither-analyzer
	touch $@

# One Slither run (crytic-compile builds through forge; foundry.toml points it at our solc shim) that records every
# finding of every severity per shipped contract in src/novacron_chain/security/slither-findings.json (audits read
# it; no Slither at run time). `slither` fails when the committed record differs from this run, or on a medium or
# high finding not justified in slither.config.json or by a `slither-disable-next-line` comment at the code;
# `slither-findings` rewrites the record (then commit it).
slither: install $(SLITHER_VENV)/.installed
	$(PY) scripts/slither_findings.py --check --slither $(SLITHER_VENV)/bin/slither

slither-findings: install $(SLITHER_VENV)/.installed
	$(PY) scripts/slither_findings.py --slither $(SLITHER_VENV)/bin/slither

$(HALMOS_VENV)/.installed-solvers:
	python3 -m venv $(HALMOS_VENV)
	$(HALMOS_VENV)/bin/pip install -q halmos==0.3.3 cvc5==1.4.2 bitwuzla==0.9.1
	touch $@

# symbolic proofs of the money math in test/halmos (halmos is AGPL-3.0: a test-time tool in its own venv, never a
# package dependency). Built through forge with the test folder and output redirected so the forge runs above never
# see these suites; every solver query has a time limit and the whole run one more. Then the integer lemmas the
# halmos suites link to (test/halmos/lemmas/*.smt2, proven by cvc5; see test/halmos/lemmas.py).
halmos: install $(HALMOS_VENV)/.installed-solvers
	PATH="$(CURDIR)/node_modules/.bin:$$PATH" HOME=$${TMPDIR:-/tmp} FOUNDRY_TEST=test/halmos \
		FOUNDRY_OUT=cache/halmos/out FOUNDRY_CACHE_PATH=cache/halmos/cache timeout 900 \
		$(HALMOS_VENV)/bin/halmos --forge-build-out cache/halmos/out --loop 4 --solver-timeout-assertion 180s \
		--solver-command "$(CURDIR)/$(HALMOS_VENV)/bin/python $(CURDIR)/test/halmos/solver.py"
	$(HALMOS_VENV)/bin/python test/halmos/sqrt_lemmas.py --check
	timeout 300 $(HALMOS_VENV)/bin/python test/halmos/lemmas.py

# on both cores, a worker per domain folder at a time (tests/conftest.py groups them); then the tests marked serial
# (sensitive to a loaded machine) on their own
pytest: install
	$(VENV)/bin/python -m pytest -n 2 --dist loadgroup --durations=25 -m "not serial"
	$(VENV)/bin/python -m pytest --durations=5 -m serial

# everything CI checks, in order of speed
test: lint typecheck contracts-check zk-check forge slither halmos pytest

bench: install
	$(PY) -m pip install -q -e '.[dev,bench]'
	cd benchmarks && for b in cli_startup cli_commands deploy transfers storage_cid state did tokens orchestrator governance \
		consensus_bls consensus events crosschain zk api web l2; do \
		../$(PY) $$b.py || exit 1; done
