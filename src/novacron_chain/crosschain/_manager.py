"""``AtomicSwapManager``: HTLC locks on one chain (lock, claim, refund, read), the building block of atomic swaps.

Every write is checked first against the chain's state (the lock exists and is open, the deadline, the secret), so a
refusal comes as a clear :class:`SwapError` without a transaction; a race lost on chain still surfaces as the
contract's custom error with its hint. Every write is idempotent in effect: a lock's id is known before it is sent,
so a lock already made is found instead of made twice, and a claim or refund that already happened is reported as
such.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from web3.logs import DISCARD

from ..chain import ZERO_ADDRESS, Receipt, Signer, checksum
from ._errors import (
    RefundTooEarlyError,
    SwapClosedError,
    SwapExpiredError,
    SwapValueError,
    UnknownSwapError,
    WrongSecretError,
)
from ._types import HtlcLock, LockState, LockStatus, hash_secret

if TYPE_CHECKING:
    from web3.contract import Contract

    from ..chain import Chain

__all__ = ["AtomicSwapManager", "new_secret", "parse_bytes32"]

_ERC20_ABI: list[dict[str, Any]] = [
    {
        "name": "allowance",
        "type": "function",
        "stateMutability": "view",
        "inputs": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    },
    {
        "name": "approve",
        "type": "function",
        "stateMutability": "nonpayable",
        "inputs": [{"name": "spender", "type": "address"}, {"name": "value", "type": "uint256"}],
        "outputs": [{"name": "", "type": "bool"}],
    },
    {
        "name": "balanceOf",
        "type": "function",
        "stateMutability": "view",
        "inputs": [{"name": "account", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    },
]


def new_secret() -> bytes:
    """A fresh 32-byte swap secret from the OS's CSPRNG."""
    return secrets.token_bytes(32)


def parse_bytes32(value: str | bytes, what: str) -> bytes:
    """``value`` (bytes, or 0x + 64 hex digits) as 32 bytes; :class:`SwapValueError` naming ``what`` otherwise."""
    if isinstance(value, bytes):
        raw = value
    else:
        text = value.strip().removeprefix("0x")
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raw = b""
    if len(raw) != 32:
        raise SwapValueError(f"{what} {value!r} is not 32 bytes", hint="give it as 0x followed by 64 hex digits")
    return raw


class AtomicSwapManager:
    """HTLC locks of the native coin and ERC-20s on one chain, through its ``HashedTimelock``.

    >>> m = AtomicSwapManager(chain, nc.contract("HashedTimelock"))
    >>> secret = new_secret()
    >>> status = m.lock(hash_secret(secret), deadline, bob, 10**18)       # native coin; token=... for an ERC-20
    >>> m.claim(status.lock.id, secret)                                    # anyone; pays bob
    """

    def __init__(self, chain: Chain, htlc: Contract, *, from_block: int = 0, signer: Signer | None = None) -> None:
        self.chain = chain
        self.htlc = htlc
        self.from_block = from_block
        self._signer = signer

    @property
    def signer(self) -> Signer:
        """Who this manager sends as: the ``signer`` given, else the chain's default signer."""
        return self._signer or self.chain.signer

    @property
    def account(self) -> str:
        """The address this manager sends from (this side's account on this chain)."""
        return self.signer.address

    @property
    def chain_id(self) -> int:
        """The chain this manager locks on."""
        return self.chain.chain_id

    def now(self) -> int:
        """Chain time: the latest block's timestamp (the one deadlines are compared with)."""
        return self.chain.timestamp()

    # -- reads ----------------------------------------------------------------------------------------------------

    def state_of(self, lock_id: bytes) -> LockState:
        """The state of lock ``lock_id`` (``NONE`` when no such lock was made)."""
        return LockState(int(self.chain.call(self.htlc.functions.stateOf(lock_id))))

    def get_lock(self, lock_id: bytes | str) -> LockStatus:
        """Lock ``lock_id`` with its fields (from its ``Locked`` event), state and, once claimed, the preimage;
        :class:`UnknownSwapError` when no lock has that id here."""
        lid = parse_bytes32(lock_id, "lock id")
        with self.chain.mapped("reading HTLC locks", address=self.htlc.address):
            logs = self.htlc.events.Locked.get_logs(from_block=self.from_block, argument_filters={"id": lid})
        if not logs:
            raise UnknownSwapError(f"lock 0x{lid.hex()}", chain_id=self.chain_id)
        return self._status(logs[0])

    def find_locks(self, hash_: bytes, *, recipient: str | None = None) -> list[LockStatus]:
        """Every lock made under ``hash_`` (to ``recipient`` only, if given), oldest first."""
        filters: dict[str, Any] = {"hash": hash_}
        if recipient is not None:
            filters["recipient"] = checksum(recipient, "recipient")
        with self.chain.mapped("reading HTLC locks", address=self.htlc.address):
            logs = self.htlc.events.Locked.get_logs(from_block=self.from_block, argument_filters=filters)
        return [self._status(log) for log in logs]

    def find_preimage(self, hash_: bytes) -> bytes | None:
        """The preimage of ``hash_`` if any lock under it was claimed on this chain (the secret made public)."""
        with self.chain.mapped("reading HTLC claims", address=self.htlc.address):
            logs = self.htlc.events.Claimed.get_logs(from_block=self.from_block, argument_filters={"hash": hash_})
        for log in logs:
            preimage = bytes(log["args"]["preimage"])
            if hash_secret(preimage) == hash_:
                return preimage
        return None

    def _status(self, log: Any) -> LockStatus:
        a = log["args"]
        token = str(a["token"])
        lock = HtlcLock(
            sender=str(a["sender"]),
            recipient=str(a["recipient"]),
            token=None if token == ZERO_ADDRESS else token,
            amount=int(a["amount"]),
            hash=bytes(a["hash"]),
            deadline=int(a["deadline"]),
        )
        state = self.state_of(lock.id)
        preimage = None
        if state is LockState.CLAIMED:
            with self.chain.mapped("reading HTLC claims", address=self.htlc.address):
                claims = self.htlc.events.Claimed.get_logs(
                    from_block=int(log["blockNumber"]), argument_filters={"id": lock.id}
                )
            preimage = bytes(claims[0]["args"]["preimage"]) if claims else None
        return LockStatus(self.chain_id, lock, state, int(log["blockNumber"]), preimage)

    # -- writes ---------------------------------------------------------------------------------------------------

    def lock(
        self,
        hash_: bytes,
        deadline: int,
        recipient: str,
        amount: int,
        *,
        token: str | None = None,
        sender: Signer | None = None,
    ) -> LockStatus:
        """Lock ``amount`` (wei, or the token's units) for ``recipient`` until ``deadline`` (unix seconds, chain
        time) under ``hash_ = sha256(secret)``. For an ERC-20 the contract is approved first when the allowance is
        short. A lock with these exact fields that exists already is returned, not made twice."""
        signer = sender or self.signer
        hash_ = parse_bytes32(hash_, "hash")
        if hash_ == bytes(32):
            raise SwapValueError("the hash is zero", hint="lock under sha256 of a fresh 32-byte secret")
        if amount <= 0:
            raise SwapValueError(f"amount {amount} is not positive", hint="lock a positive amount")
        now = self.now()
        if deadline <= now:
            raise SwapValueError(
                f"deadline {deadline} is not after chain time {now}", hint="use a deadline in the future"
            )
        lock = HtlcLock(
            signer.address,
            checksum(recipient, "recipient"),
            checksum(token, "token") if token else None,
            amount,
            hash_,
            int(deadline),
        )
        if self.state_of(lock.id) is not LockState.NONE:
            return self.get_lock(lock.id)  # resent after a crash: it is the same lock
        if lock.token is not None:
            erc20 = self.chain.w3.eth.contract(address=lock.token, abi=_ERC20_ABI)  # type: ignore[call-overload]
            allowance = int(self.chain.call(erc20.functions.allowance(signer.address, self.htlc.address)))
            if allowance < amount:
                self.chain.transact(erc20.functions.approve(self.htlc.address, amount), sender=signer)
        fn = self.htlc.functions.lock(hash_, lock.deadline, lock.recipient, lock.token or ZERO_ADDRESS, amount)
        receipt = self.chain.transact(fn, value=0 if lock.token else amount, sender=signer)
        return LockStatus(self.chain_id, lock, LockState.OPEN, receipt.block_number)

    def claim(self, lock_id: bytes | str, preimage: bytes | str, *, sender: Signer | None = None) -> Receipt | None:
        """Claim lock ``lock_id`` with ``preimage``: its amount goes to its recipient (anyone may send this).

        Refused before sending when the secret is wrong (:class:`WrongSecretError`), the deadline passed
        (:class:`SwapExpiredError`) or the lock is refunded (:class:`SwapClosedError`); returns None when it is
        already claimed (the goal is reached)."""
        status = self.get_lock(lock_id)
        secret = parse_bytes32(preimage, "secret")
        if hash_secret(secret) != status.lock.hash:
            raise WrongSecretError(status.lock.id_hex, status.lock.hash)
        if status.state is LockState.CLAIMED:
            return None
        if status.state is not LockState.OPEN:
            raise SwapClosedError(status.lock.id_hex, status.state.name.lower())
        now = self.now()
        if now >= status.lock.deadline:
            raise SwapExpiredError(status.lock.id_hex, status.lock.deadline, now)
        return self.chain.transact(
            self.htlc.functions.claim(status.lock.as_tuple(), secret), sender=sender or self.signer
        )

    def refund(self, lock_id: bytes | str, *, sender: Signer | None = None) -> Receipt | None:
        """Refund lock ``lock_id`` to its sender from its deadline on (anyone may send this).

        Refused before sending when the deadline has not come (:class:`RefundTooEarlyError`) or the lock was
        claimed (:class:`SwapClosedError`); returns None when it is already refunded."""
        status = self.get_lock(lock_id)
        if status.state is LockState.REFUNDED:
            return None
        if status.state is not LockState.OPEN:
            raise SwapClosedError(status.lock.id_hex, status.state.name.lower())
        now = self.now()
        if now < status.lock.deadline:
            raise RefundTooEarlyError(status.lock.id_hex, status.lock.deadline, now)
        return self.chain.transact(self.htlc.functions.refund(status.lock.as_tuple()), sender=sender or self.signer)

    def events_of(self, receipt: Receipt, name: str) -> list[Any]:
        """The ``name`` events (``Locked``, ``Claimed``, ``Refunded``) in ``receipt``."""
        return list(self.htlc.events[name]().process_receipt(receipt.raw, errors=DISCARD))
