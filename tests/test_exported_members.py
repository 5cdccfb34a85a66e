"""The foundation's public surface is deliberate: adding or dropping a name must change this file too.

Domain subpackages keep the same kind of test beside their other tests (tests/storage, tests/metrics, ...).

(Order within ``__all__`` is enforced by ruff's RUF022.)
"""

from __future__ import annotations

import importlib

import pytest

SURFACE = {
    "novacron_chain": {"BlockchainConfig", "NovaChain", "NovaChainError", "NovaConfig", "__version__", "load_config"},
    "novacron_chain.artifacts": {"Artifact", "artifact_names", "load_artifact"},
    "novacron_chain.config": {"KNOWN_CHAIN_IDS", "BlockchainConfig", "NovaConfig", "load_config", "parse_duration"},
    "novacron_chain.chain": {
        "DEV_MNEMONIC",
        "AnvilNode",
        "Chain",
        "ChainBackend",
        "ContractRecord",
        "DeployContext",
        "DeployOutcome",
        "DeployStep",
        "DeploymentsFile",
        "EmbeddedBackend",
        "FeePolicy",
        "Fees",
        "GasStrategy",
        "PendingTx",
        "Receipt",
        "RpcBackend",
        "SignedTx",
        "Signer",
        "TxObserver",
        "TxRequest",
        "UnsignedTx",
        "checksum",
        "code_matches",
        "connect",
        "deploy_plan",
        "dev_signers",
        "encrypt_keystore",
        "load_signer",
    },
}


@pytest.mark.parametrize("module", sorted(SURFACE))
def test_public_surface(module: str) -> None:
    mod = importlib.import_module(module)
    assert set(mod.__all__) == SURFACE[module]
    for name in mod.__all__:
        assert getattr(mod, name) is not None, f"{module}.{name} does not resolve"


def test_every_error_is_a_nova_chain_error() -> None:
    from novacron_chain import errors

    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type):
            assert issubclass(obj, errors.NovaChainError), name
            assert obj.__doc__, f"{name} needs a docstring"
