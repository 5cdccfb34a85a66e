"""EIP-712 signatures of the orchestrator contracts: oracle violation reports and migration approvals.

Digests are computed locally (they equal the contracts' ``reportDigest`` and ``approvalDigest``; the tests check
both against the chain) and signed with libsecp256k1 through :class:`~novacron_chain.chain.Signer`. A signature is
65 bytes, ``r || s || v`` with ``v`` in {27, 28}, the layout OpenZeppelin's ``ECDSA.tryRecover`` reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import coincurve
from eth_abi import encode as abi_encode
from eth_hash.auto import keccak
from eth_utils import to_checksum_address

from ..chain import Signer, checksum
from ..errors import KeyManagementError
from ._errors import OrchestratorValueError
from ._types import ViolationReport

__all__ = [
    "SLAOracle",
    "migration_approval_digest",
    "recover_signer",
    "report_digest",
    "sign_migration_approval",
    "sort_by_signer",
]

_DOMAIN_TYPEHASH = keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
_REPORT_TYPEHASH = keccak(b"ViolationReport(uint256 slaId,bytes32 guarantee,uint256 actual,uint256 period)")
_APPROVAL_TYPEHASH = keccak(b"MigrationApproval(uint256 vmId,uint256 nonce,bytes32 targetRegion,bytes32 snapshotHash)")
SLA_DOMAIN = (b"NovaCronSLAContract", b"1")
LIFECYCLE_DOMAIN = (b"NovaCronVMLifecycle", b"1")


def _domain_separator(domain: tuple[bytes, bytes], chain_id: int, contract: str) -> bytes:
    name, version = domain
    return keccak(
        abi_encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [_DOMAIN_TYPEHASH, keccak(name), keccak(version), chain_id, checksum(contract, "contract")],
        )
    )


def report_digest(report: ViolationReport, *, contract: str, chain_id: int) -> bytes:
    """The EIP-712 digest of ``report`` for the SLAContract at ``contract`` on ``chain_id``."""
    struct = keccak(
        abi_encode(["bytes32", "uint256", "bytes32", "uint256", "uint256"], [_REPORT_TYPEHASH, *report.struct()])
    )
    return keccak(b"\x19\x01" + _domain_separator(SLA_DOMAIN, chain_id, contract) + struct)


def migration_approval_digest(
    vm_id: int, nonce: int, target_region: bytes, snapshot_hash: bytes, *, contract: str, chain_id: int
) -> bytes:
    """The EIP-712 digest an approver signs to approve request ``nonce`` of VM ``vm_id``."""
    struct = keccak(
        abi_encode(
            ["bytes32", "uint256", "uint256", "bytes32", "bytes32"],
            [_APPROVAL_TYPEHASH, vm_id, nonce, target_region, snapshot_hash],
        )
    )
    return keccak(b"\x19\x01" + _domain_separator(LIFECYCLE_DOMAIN, chain_id, contract) + struct)


def _signature(signer: Signer, digest: bytes) -> bytes:
    v, r, s = signer.sign_hash(digest)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])


def recover_signer(digest: bytes, signature: bytes) -> str:
    """The address that made the 65-byte ``signature`` over ``digest``."""
    if len(signature) != 65 or signature[64] not in (27, 28):
        raise OrchestratorValueError(
            "a signature must be 65 bytes (r, s, v with v 27 or 28)", hint="pass the signature as 0x + 130 hex digits"
        )
    try:
        pub = coincurve.PublicKey.from_signature_and_message(
            signature[:64] + bytes([signature[64] - 27]), digest, hasher=None
        )
    except Exception as exc:  # coincurve raises ValueError/Exception for an invalid point
        raise OrchestratorValueError(f"the signature does not recover to a key: {exc}") from exc
    return str(to_checksum_address(keccak(pub.format(compressed=False)[1:])[-20:]))


def sort_by_signer(digest: bytes, signatures: Iterable[bytes]) -> list[bytes]:
    """``signatures`` ordered by signer address ascending (the order the contracts require), duplicates dropped."""
    by_signer: dict[int, bytes] = {}
    for sig in signatures:
        by_signer.setdefault(int(recover_signer(digest, sig), 16), sig)
    return [by_signer[k] for k in sorted(by_signer)]


def sign_migration_approval(
    key: Signer, vm_id: int, nonce: int, target_region: bytes, snapshot_hash: bytes, *, contract: str, chain_id: int
) -> bytes:
    """An approver's EIP-712 approval of migration request ``nonce`` of VM ``vm_id`` (65 bytes)."""
    return _signature(
        key, migration_approval_digest(vm_id, nonce, target_region, snapshot_hash, contract=contract, chain_id=chain_id)
    )


class SLAOracle:
    """A monitoring oracle: signs :class:`ViolationReport` s with its key (EIP-712, for one SLAContract).

    Oracles never send transactions: any account relays a quorum of their signatures
    (:meth:`ContractOrchestrator.report_violation` with ``signatures=``), so oracle keys need no coins.

    >>> oracle = SLAOracle(key)                                    # a Signer, 32 bytes or hex
    >>> sig = oracle.sign(report, contract=sla_address, chain_id=1337)
    """

    def __init__(self, key: Signer | bytes | str) -> None:
        if isinstance(key, Signer):
            self.signer = key
        elif isinstance(key, bytes | bytearray):
            self.signer = Signer(bytes(key), label="oracle key")
        elif isinstance(key, str):
            try:
                raw = bytes.fromhex(key.strip().removeprefix("0x"))
            except ValueError:
                raw = b""
            if len(raw) != 32:
                raise KeyManagementError("the oracle key is not a private key (expected 64 hex digits)")
            self.signer = Signer(raw, label="oracle key")
        else:
            raise OrchestratorValueError(f"an oracle key must be a Signer, bytes or hex, not {type(key).__name__}")

    @property
    def address(self) -> str:
        """The oracle's address (what the SLAContract's oracle set lists)."""
        return self.signer.address

    def sign(self, report: ViolationReport, *, contract: str, chain_id: int) -> bytes:
        """This oracle's 65-byte signature of ``report``."""
        return _signature(self.signer, report_digest(report, contract=contract, chain_id=chain_id))

    @staticmethod
    def quorum(oracles: Sequence[SLAOracle], report: ViolationReport, *, contract: str, chain_id: int) -> list[bytes]:
        """Signatures of ``report`` by every one of ``oracles``, in the order the contract requires."""
        digest = report_digest(report, contract=contract, chain_id=chain_id)
        return sort_by_signer(digest, (_signature(o.signer, digest) for o in oracles))
