"""The ZK contracts as deploy steps: ``CompareVerifier`` (a ``Groth16Verifier`` holding the ``compare`` circuit's
verifying key) and ``CapacityRegistry`` (capacity offered with a proof, over the DIDRegistry and that verifier).

They go after the DIDRegistry (the registry reads its identities and revocations) and before governance, whose setup
hands every earlier contract's ``DEFAULT_ADMIN_ROLE`` to the timelock: in production, trusting a capacity issuer is
a governed decision. The verifier has no roles (it is a pure function of its key). Trusted issuers at deployment:
``capacity_issuers`` from the config if it has that key, else the deployer on dev chains, else none (added later by
``setTrustedIssuer``, i.e. by proposal).

The verifying key is an argument of the verifier's constructor, so a deployments record whose code still matches
may hold an OLD key after the circuit's keys were remade: :func:`check_verifying_key` compares the deployed key's
hash with the committed one (run it after a deploy; ``novacron-chain deploy --force`` redeploys).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_utils import keccak

from ..chain import DeployContext, DeployStep, checksum
from ..config import BlockchainConfig
from ..errors import ConfigError, ContractError
from ._onchain import encode_verifying_key

if TYPE_CHECKING:
    from ..chain import Chain

__all__ = [
    "CAPACITY_CIRCUIT",
    "VERIFIER_STEP",
    "capacity_issuers_for",
    "check_verifying_key",
    "deploy_steps",
    "verifier_constructor_args",
    "verifying_key_bytes",
]

#: the circuit whose verifier the capacity registry uses (public inputs: commitment, op, threshold, context)
CAPACITY_CIRCUIT = "compare"
#: the deployments record name of that verifier
VERIFIER_STEP = "CompareVerifier"

_ARTIFACTS = Path(__file__).with_name("artifacts")


@lru_cache(maxsize=4)
def verifying_key_bytes(circuit: str = CAPACITY_CIRCUIT) -> bytes:
    """The committed verifying key of ``circuit`` (``zk/artifacts/<circuit>.vk.json``) in the encoding the
    Groth16Verifier constructor takes."""
    path = _ARTIFACTS / f"{circuit}.vk.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(
            f"no verifying key for circuit {circuit!r} ({path})",
            hint="the circuits' keys are built by scripts/zk/build.py and shipped in novacron_chain/zk/artifacts",
        ) from exc
    return encode_verifying_key(data)


def verifier_constructor_args(circuit: str = CAPACITY_CIRCUIT) -> dict[str, Any]:
    """What deploying ``circuit``'s verifier with another tool takes: the artifact, the constructor arguments (the
    key, 0x-hex) and the key's hash (what ``verifyingKeyHash()`` answers once deployed)."""
    key = verifying_key_bytes(circuit)
    return {
        "contract": "Groth16Verifier",
        "circuit": circuit,
        "args": ["0x" + key.hex()],
        "verifyingKeyHash": "0x" + keccak(key).hex(),
    }


def check_verifying_key(chain: Chain, address: str, circuit: str = CAPACITY_CIRCUIT) -> None:
    """Raise :class:`ContractError` unless the Groth16Verifier at ``address`` holds ``circuit``'s committed key."""
    verifier = chain.contract("Groth16Verifier", checksum(address, "verifier address"))
    with chain.mapped("reading the verifier's key hash", address=address):
        deployed = bytes(chain.call(verifier.functions.verifyingKeyHash()))
    if deployed != keccak(verifying_key_bytes(circuit)):
        raise ContractError(
            f"the verifier at {address} holds another verifying key than the {circuit!r} circuit's committed one "
            "(the circuit's keys were remade since it was deployed)",
            hint="redeploy the ZK contracts: `novacron-chain deploy --force` (proofs from the new keys fail there)",
        )


def capacity_issuers_for(ctx: DeployContext) -> list[str]:
    """Issuers the CapacityRegistry trusts from deployment: ``capacity_issuers`` if the config has it (and it is
    not empty), else the deployer on dev chains, else none."""
    configured = getattr(ctx.config, "capacity_issuers", None) or []
    if configured:
        return sorted({checksum(a, "capacity_issuers") for a in configured}, key=lambda a: int(a, 16))
    return [ctx.deployer] if ctx.chain.is_dev else []


def _registry_args(ctx: DeployContext) -> tuple[Any, ...]:
    return (
        ctx.deployer,
        ctx.guardian,
        ctx.addresses["DIDRegistry"],
        ctx.addresses[VERIFIER_STEP],
        capacity_issuers_for(ctx),
    )


def _enabled(cfg: BlockchainConfig) -> bool:
    return bool(cfg.enable_did and getattr(cfg, "enable_zk", True))


def deploy_steps(config: BlockchainConfig) -> list[DeployStep]:
    """The compare circuit's verifier and the CapacityRegistry (admin: the deployer until the governance step hands
    it to the timelock; guardian: :attr:`DeployContext.guardian`), when ``enable_did`` is on (and ``enable_zk``,
    if the config has it). Must come after ``DIDRegistry`` and before ``NovaGovernor``."""
    return [
        DeployStep(
            VERIFIER_STEP,
            "Groth16Verifier",
            args=lambda ctx: (verifying_key_bytes(CAPACITY_CIRCUIT),),
            enabled=_enabled,
        ),
        DeployStep("CapacityRegistry", "CapacityRegistry", args=_registry_args, enabled=_enabled),
    ]
