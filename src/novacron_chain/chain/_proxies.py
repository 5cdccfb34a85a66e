"""ERC-1967 proxies in the deployments: the implementation a proxy runs, its history, and code checks through it.

A contract deployed behind a proxy (``DeployStep(..., proxy=True)``) is recorded at the proxy's address, under the
artifact of the implementation it runs (so its ABI is the one every caller uses), with the proxy's own artifact
(``UUPSProxy``) and the implementations it has run, oldest first. The chain is the authority: the implementation
is read from the ERC-1967 slot, the history from the proxy's ``Upgraded`` events; :func:`sync_proxy_record` brings
a record up to date after a governance upgrade (or rollback) was executed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from eth_hash.auto import keccak

from ..artifacts import artifact_names, load_artifact
from ..errors import ContractError, NovaValueError
from ._chain import checksum

if TYPE_CHECKING:
    from web3.contract import Contract

    from ..artifacts import Artifact
    from ._chain import Chain, Receipt
    from ._deployments import ContractRecord, DeploymentsFile
    from ._keys import Signer

__all__ = [
    "IMPLEMENTATION_SLOT",
    "PROXY_ARTIFACT",
    "UPGRADED_TOPIC",
    "deploy_behind_proxy",
    "implementation_history",
    "implementation_of",
    "record_code_matches",
    "sync_proxy_record",
]

#: ERC-1967's implementation slot: ``keccak256("eip1967.proxy.implementation") - 1``
IMPLEMENTATION_SLOT = int.from_bytes(keccak(b"eip1967.proxy.implementation")) - 1
#: the proxy every upgradeable contract of ours is deployed behind
PROXY_ARTIFACT = "UUPSProxy"
#: ``Upgraded(address indexed implementation)``, emitted by the proxy at deployment and at every upgrade
UPGRADED_TOPIC = keccak(b"Upgraded(address)")


def deploy_behind_proxy(
    chain: Chain, artifact: str | Artifact, *init_args: Any, sender: Signer | None = None
) -> tuple[Contract, Receipt, Receipt]:
    """Deploy ``artifact`` as an implementation and a ``UUPSProxy`` to it whose constructor runs
    ``initialize(*init_args)`` (one transaction: nobody can initialize it in between). Returns the contract at the
    proxy's address with the implementation's ABI, and the two receipts (implementation, proxy)."""
    implementation, impl_receipt = chain.deploy(artifact, sender=sender)
    try:
        init = implementation.encode_abi("initialize", args=list(init_args))
    except (TypeError, ValueError) as exc:
        raise NovaValueError(f"bad initialize arguments for {implementation.address}: {exc}") from exc
    _, receipt = chain.deploy(PROXY_ARTIFACT, implementation.address, bytes.fromhex(init[2:]), sender=sender)
    art = load_artifact(artifact) if isinstance(artifact, str) else artifact
    return chain.contract(art, receipt.contract_address or ""), impl_receipt, receipt


def implementation_of(chain: Chain, address: str) -> str | None:
    """The implementation in ``address``'s ERC-1967 slot, or None (not a proxy: the slot is empty)."""
    addr = checksum(address)
    with chain.mapped("reading the ERC-1967 implementation slot", address=addr):
        word = bytes(chain.w3.eth.get_storage_at(addr, IMPLEMENTATION_SLOT))  # type: ignore[arg-type]
    value = int.from_bytes(word)
    return checksum("0x" + value.to_bytes(20).hex()) if value else None


def implementation_history(chain: Chain, address: str, from_block: int = 0) -> list[str]:
    """Every implementation the proxy at ``address`` has run, oldest first (its ``Upgraded`` events)."""
    from ._events import event_indexer

    logs = event_indexer(chain).logs(checksum(address), UPGRADED_TOPIC, from_block=from_block)
    return [checksum("0x" + bytes(log["topics"][1])[-20:].hex()) for log in logs]


def identify(chain: Chain, address: str) -> str | None:
    """The artifact whose runtime code is at ``address`` (immutables masked), or None."""
    from ._deployments import code_matches

    code = chain.code(address)
    if not code:
        return None
    for name in artifact_names():
        if code_matches(load_artifact(name), code):
            return name
    return None


def record_code_matches(chain: Chain, record: ContractRecord) -> bool:
    """Whether the code at ``record`` is what it claims: the artifact's; for a proxy, the proxy artifact's at the
    address and the recorded artifact's at the implementation the ERC-1967 slot names."""
    from ._deployments import code_matches

    try:
        if not record.proxy:
            return code_matches(load_artifact(record.artifact), chain.code(record.address))
        if not code_matches(load_artifact(record.proxy), chain.code(record.address)):
            return False
        implementation = implementation_of(chain, record.address)
        return implementation is not None and code_matches(load_artifact(record.artifact), chain.code(implementation))
    except ContractError:
        return False


def sync_proxy_record(chain: Chain, deployments: DeploymentsFile, record: ContractRecord) -> ContractRecord:
    """``record`` brought up to date with the chain when it is a proxy whose implementation changed since it was
    written (a governance upgrade or rollback was executed): the implementation, its artifact (identified by its
    code; unchanged when no artifact matches) and the history. Saved when anything changed; other records are
    returned as they are."""
    if not record.proxy or not chain.code(record.address):
        return record
    current = implementation_of(chain, record.address)
    if current is None or current == record.implementation:
        return record
    history = implementation_history(chain, record.address, record.block) or [*record.implementations, current]
    artifact = identify(chain, current) or record.artifact
    updated = replace(
        record,
        artifact=artifact,
        artifact_hash=load_artifact(artifact).artifact_hash,
        implementation=current,
        implementations=tuple(history),
    )
    deployments.put(chain.chain_id, updated)
    return updated
