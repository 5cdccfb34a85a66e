"""Records of the L2 rollup: signed ops, L1 queue items, the state header, accounts, proofs and receipts.

Inside the core, addresses are raw 20-byte ``bytes``, hashes and roots raw 32-byte ``bytes``, amounts exact ``int``
base units, tokens their id (0..7) and accounts their index (0..2**24-1). ``to_dict()`` gives the JSON form:
checksummed ``0x`` addresses, ``0x`` hex bytes, amounts as decimal strings (JSON numbers lose precision above 2**53).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from eth_utils import to_checksum_address

from ._tree import compute_root, keccak

__all__ = [
    "ACCOUNT_DEPTH",
    "DEPOSIT",
    "FORCED_WITHDRAWAL",
    "MAX_ACCOUNTS",
    "REASONS",
    "TOKENS",
    "WITHDRAWAL_DEPTH",
    "ZERO_ADDRESS",
    "Account",
    "AccountProof",
    "Eip712Domain",
    "LeafDiff",
    "Op",
    "QueueItem",
    "QueueOp",
    "Receipt",
    "StateHeader",
    "Transfer",
    "Withdrawal",
    "WithdrawalProof",
    "WithdrawalRecord",
]

ACCOUNT_DEPTH = 24
"""Depth of the account tree: at most ``2**24`` accounts."""
MAX_ACCOUNTS = 1 << ACCOUNT_DEPTH
WITHDRAWAL_DEPTH = 32
"""Depth of the append-only withdrawal tree."""
TOKENS = 8
"""Token slots per account (token ids 0..7, assigned by the portal's registry)."""
DEPOSIT = 1
"""Queue item kind: a deposit from L1."""
FORCED_WITHDRAWAL = 2
"""Queue item kind: a withdrawal requested on L1 (forced exit)."""
ZERO_ADDRESS = bytes(20)

REASONS = (
    "unknown account",
    "bad signature",
    "wrong nonce",
    "unknown token",
    "bad amount",
    "insufficient balance",
    "unknown recipient",
    "recipient mismatch",
    "zero recipient",
    "account tree full",
    "queue empty",
)
"""Every reason the state transition gives for refusing an op (a receipt's ``reason``)."""

_W0 = bytes(32)
_Z12 = bytes(12)


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big") if value else _W0


def _hex_address(value: bytes) -> str:
    return str(to_checksum_address(value))


# amounts, shown as decimal strings
_AMOUNTS = frozenset({"amount", "fee", "balances"})


def _plain(name: str, value: Any) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return str(value) if name in _AMOUNTS else value
    if isinstance(value, bytes):
        return _hex_address(value) if len(value) == 20 else "0x" + value.hex()
    if isinstance(value, tuple | list):
        return [_plain(name, v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return value.to_dict() if isinstance(value, _Jsonable) else dataclasses.asdict(value)
    return value


class _Jsonable:
    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: addresses checksummed, bytes as ``0x`` hex, amounts as decimal strings."""
        assert dataclasses.is_dataclass(self)
        return {f.name: _plain(f.name, getattr(self, f.name)) for f in dataclasses.fields(self)}


@dataclass(frozen=True, slots=True)
class Eip712Domain(_Jsonable):
    """The EIP-712 domain every L2 signature is bound to: ``{name: "NovaCron L2", version: "1", chainId,
    verifyingContract}`` (``chain_id`` is the rollup's ``l2ChainId``, ``verifying_contract`` the L2Rollup)."""

    chain_id: int
    verifying_contract: bytes

    NAME: ClassVar[str] = "NovaCron L2"
    VERSION: ClassVar[str] = "1"

    @property
    def separator(self) -> bytes:
        """The domain separator (``hashStruct(EIP712Domain)``)."""
        return keccak(
            keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
            + keccak(self.NAME.encode())
            + keccak(self.VERSION.encode())
            + self.chain_id.to_bytes(32, "big")
            + _Z12
            + self.verifying_contract
        )


@dataclass(frozen=True, slots=True)
class Transfer(_Jsonable):
    """A signed transfer: op ``0x01`` to the existing account ``to``, or ``0x02`` (``to is None``) creating an
    account for ``to_address``.

    ``to_address`` and ``nonce`` are part of the signed message but not of the calldata of op ``0x01`` (``nonce``
    of no op): ops decoded from L1 carry ``None`` there and the state transition takes them from the state.
    """

    account: int
    to: int | None
    to_address: bytes | None
    token: int
    amount: int
    fee: int
    nonce: int | None
    signature: bytes

    @property
    def kind(self) -> int:
        """The op type byte: 1 (to an existing account) or 2 (to a new account)."""
        return 1 if self.to is not None else 2


@dataclass(frozen=True, slots=True)
class Withdrawal(_Jsonable):
    """A signed withdrawal (op ``0x03``) of ``amount`` of ``token`` to the account's own address on L1."""

    account: int
    token: int
    amount: int
    fee: int
    nonce: int | None
    signature: bytes

    kind: ClassVar[int] = 3


@dataclass(frozen=True, slots=True)
class QueueOp(_Jsonable):
    """Op ``0x04``: include the next L1 queue item; ``hint`` is the account index it credits or debits."""

    hint: int

    kind: ClassVar[int] = 4


Op = Transfer | Withdrawal | QueueOp
"""Any op of a batch."""


@dataclass(frozen=True, slots=True)
class QueueItem(_Jsonable):
    """An item of the portal's L1 queue: a deposit (kind 1) or a forced withdrawal (kind 2), with its index and
    the L1 block that enqueued it."""

    index: int
    kind: int
    account: bytes
    token: int
    amount: int
    l1_block: int

    @property
    def hash(self) -> bytes:
        """``keccak256(abi.encode(uint8 kind, address account, uint8 tokenId, uint256 amount))``."""
        return keccak(self.encode())

    def encode(self) -> bytes:
        """``abi.encode(uint8 kind, address account, uint8 tokenId, uint256 amount)``."""
        return _word(self.kind) + _Z12 + self.account + _word(self.token) + _word(self.amount)


@dataclass(frozen=True, slots=True)
class StateHeader(_Jsonable):
    """The five fields the state root commits to."""

    accounts_root: bytes
    account_count: int
    withdrawals_root: bytes
    withdrawal_count: int
    queue_processed: int

    def encode(self) -> bytes:
        """``abi.encode(bytes32, uint32, bytes32, uint64, uint64)`` of the fields."""
        return (
            self.accounts_root
            + self.account_count.to_bytes(32, "big")
            + self.withdrawals_root
            + self.withdrawal_count.to_bytes(32, "big")
            + self.queue_processed.to_bytes(32, "big")
        )

    @property
    def root(self) -> bytes:
        """The state root: ``keccak256(abi.encode(header))``."""
        return keccak(self.encode())

    def as_tuple(self) -> tuple[bytes, int, bytes, int, int]:
        """The header as the Solidity struct tuple (for web3 calls)."""
        return (
            self.accounts_root,
            self.account_count,
            self.withdrawals_root,
            self.withdrawal_count,
            self.queue_processed,
        )


@dataclass(frozen=True, slots=True)
class Account(_Jsonable):
    """An L2 account: its index, address, nonce and one balance per token slot."""

    index: int
    address: bytes
    nonce: int
    balances: tuple[int, ...]

    def encode(self) -> bytes:
        """``abi.encode(address addr, uint64 nonce, uint256[8] balances)``."""
        return _Z12 + self.address + _word(self.nonce) + b"".join([_word(b) for b in self.balances])

    @property
    def leaf(self) -> bytes:
        """The account's leaf in the account tree."""
        return keccak(self.encode())


@dataclass(frozen=True, slots=True)
class WithdrawalRecord(_Jsonable):
    """A withdrawal burnt on L2, claimable on L1 by anyone for ``recipient`` once its batch is final."""

    index: int
    recipient: bytes
    token: int
    amount: int

    def encode(self) -> bytes:
        """``abi.encode(address recipient, uint8 token, uint256 amount)``."""
        return _Z12 + self.recipient + _word(self.token) + _word(self.amount)

    @property
    def leaf(self) -> bytes:
        """The withdrawal's leaf in the withdrawal tree."""
        return keccak(self.encode())


@dataclass(frozen=True, slots=True)
class AccountProof(_Jsonable):
    """An account with the siblings of its leaf and the header whose hash is the state root: anyone can check it
    against a root posted on L1 (``l2 proof ADDRESS``)."""

    account: Account
    siblings: tuple[bytes, ...]
    header: StateHeader

    @property
    def root(self) -> bytes:
        """The state root this proof is for."""
        return self.header.root

    def verify(self) -> bool:
        """Whether the account's leaf hashes up to the header's accounts root."""
        if len(self.siblings) != ACCOUNT_DEPTH or self.account.index >= self.header.account_count:
            return False
        return compute_root(self.account.leaf, self.account.index, self.siblings) == self.header.accounts_root


@dataclass(frozen=True, slots=True)
class WithdrawalProof(_Jsonable):
    """A withdrawal with the siblings of its leaf and the header: the arguments of the portal's
    ``finalizeWithdrawal`` (with the batch index of a final batch whose post root is ``root``)."""

    withdrawal: WithdrawalRecord
    siblings: tuple[bytes, ...]
    header: StateHeader

    @property
    def root(self) -> bytes:
        """The state root this proof is for."""
        return self.header.root

    def verify(self) -> bool:
        """Whether the withdrawal's leaf hashes up to the header's withdrawals root."""
        if len(self.siblings) != WITHDRAWAL_DEPTH or self.withdrawal.index >= self.header.withdrawal_count:
            return False
        return compute_root(self.withdrawal.leaf, self.withdrawal.index, self.siblings) == self.header.withdrawals_root


@dataclass(frozen=True, slots=True)
class Receipt(_Jsonable):
    """What happened to one op: ``ok`` (applied) or not with the ``reason`` (state unchanged).

    ``tx_hash`` is the EIP-712 digest of a signed op (the queue item's hash for op ``0x04``); ``new_account`` the
    index an op created, ``withdrawal_index`` the withdrawal it appended.
    """

    tx_hash: bytes
    ok: bool
    reason: str | None
    kind: int
    account: int | None
    new_account: int | None = None
    withdrawal_index: int | None = None


@dataclass(frozen=True, slots=True)
class LeafDiff:
    """The leaves that changed since the previous ``L2State.seal()`` and the header counters: enough for a
    :class:`~._tree.RootTracker` in another process to compute the state root (picklable, a few KB a segment)."""

    accounts: tuple[tuple[int, bytes], ...]
    account_count: int
    withdrawals: tuple[tuple[int, bytes], ...]
    withdrawal_count: int
    queue_processed: int
