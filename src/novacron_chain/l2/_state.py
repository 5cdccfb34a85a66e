"""The L2 state and its state-transition function (the spec's ``apply_segment``, one op at a time).

:class:`L2State` keeps accounts by index in flat lists (address, nonce, and per account a list of its 8 balances,
so a leaf's data sits together) with an address -> first index map, the withdrawals, the L1 queue items it knows and
how many it consumed, and the two Merkle trees. :meth:`L2State.apply` is total: every op either applies (returns
``None``) or is a no-op that leaves the state exactly as it was and returns the reason (``'bad signature'``,
``'wrong nonce'``, ...). Leaves and tree nodes are only rehashed by :meth:`L2State.commit`, for the accounts touched
since the previous commit.

Signature recovery (~60 µs) dominates the cost of an op: a sequencer runs :func:`~._codec.recover_sender` in
worker processes and passes the result as ``sender=``; the state then checks that the op's signed nonce and
recipient are the state's, which makes the worker's digest the one the contract would compute.

:meth:`L2State.checkpoint` / :meth:`L2State.rollback` undo everything since a mark (an undo journal, kept only
while a checkpoint is open); :meth:`L2State.copy` gives an independent state. Segment roots can be computed in
another process: :meth:`L2State.seal` hands the changed leaves to a :class:`~._tree.RootTracker`. Not thread-safe:
one thread applies, commits and proves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

from ._codec import is_packable_amount, is_packable_fee, recover, transfer_digest, withdrawal_digest
from ._errors import L2StateError, L2ValueError, UnknownAccountError
from ._snapshot import StateImage, paused_gc
from ._tree import NATIVE, MerkleTree, keccak
from ._types import (
    ACCOUNT_DEPTH,
    DEPOSIT,
    FORCED_WITHDRAWAL,
    MAX_ACCOUNTS,
    TOKENS,
    WITHDRAWAL_DEPTH,
    ZERO_ADDRESS,
    Account,
    AccountProof,
    Eip712Domain,
    LeafDiff,
    Op,
    QueueItem,
    QueueOp,
    Receipt,
    StateHeader,
    Transfer,
    Withdrawal,
    WithdrawalProof,
    WithdrawalRecord,
)

__all__ = ["RECOVER", "L2State", "Tracer"]


class _Recover:
    __slots__ = ()

    def __repr__(self) -> str:
        return "RECOVER"


RECOVER: Final = _Recover()
"""Default of ``sender=``: recover the signer inside :meth:`L2State.apply` from the state's own fields."""

Tracer = Callable[[str, int], None]
"""``tracer(kind, index)`` is called at each point where the contract's re-execution reads a witness item, in the
contract's order (spec, Changes C1.1): ``'account'`` (an existing account leaf, against the root current then),
``'slot-account'`` (the empty leaf of a new account), ``'slot-withdrawal'`` (the empty withdrawal slot being
appended), ``'queue'`` (the preimage of queue item ``index``). The fraud-proof witness builder commits and records a
proof there."""

_W0 = bytes(32)
_Z12 = bytes(12)


def _w(value: int) -> bytes:
    return value.to_bytes(32, "big") if value else _W0


def _amounts_ok(amount: int, fee: int) -> bool:
    # what calldata can carry: decoded ops always pass; a wallet op that fails could never be put in a batch
    if type(amount) is not int or type(fee) is not int:
        return False
    if 0 <= amount < 34359738368 and 0 <= fee < 2048:  # 2**35, 2**11: packable as they are
        return True
    return is_packable_amount(amount) and is_packable_fee(fee)


class L2State:
    """Accounts, withdrawals and the L1 queue position of the rollup, with the state transition and proofs."""

    __slots__ = (
        "_acct_tree",
        "_addr",
        "_bal",
        "_dirty",
        "_header",
        "_index",
        "_journal",
        "_marks",
        "_nonce",
        "_wd",
        "_wd_tree",
        "domain",
        "queue",
        "queue_processed",
        "tokens",
        "tracer",
    )

    def __init__(self, domain: Eip712Domain, tokens: Sequence[bytes]) -> None:
        """An empty state (no fee account): use :meth:`genesis`."""
        if len(tokens) > TOKENS:
            raise L2ValueError(f"{len(tokens)} token slots given, at most {TOKENS}", hint="one address per token id")
        self.domain = domain
        self.tokens: list[bytes] = [bytes(t) for t in tokens] + [ZERO_ADDRESS] * (TOKENS - len(tokens))
        self._addr: list[bytes] = []
        self._nonce: list[int] = []
        self._bal: list[list[int]] = []  # per account: its balance per token slot
        self._index: dict[bytes, int] = {}
        self._wd: list[tuple[bytes, int, int]] = []
        self._acct_tree = MerkleTree(ACCOUNT_DEPTH)
        self._wd_tree = MerkleTree(WITHDRAWAL_DEPTH)
        self._dirty: set[int] = set()
        self.queue: list[QueueItem] = []
        self.queue_processed = 0
        self._journal: list[tuple[int, int, int, int]] | None = None
        self._marks: list[int] = []
        self._header: StateHeader | None = None
        self.tracer: Tracer | None = None

    @classmethod
    def genesis(cls, fee_recipient: bytes, domain: Eip712Domain, tokens: Sequence[bytes]) -> L2State:
        """The genesis state: account 0 = the fee account of ``fee_recipient``, nothing else."""
        if len(fee_recipient) != 20 or fee_recipient == ZERO_ADDRESS:
            raise L2ValueError("the fee recipient must be a non-zero 20-byte address", hint="set the fee recipient")
        state = cls(domain, tokens)
        state._create(fee_recipient)
        state.commit()
        return state

    # -- reads --------------------------------------------------------------------------------------------------

    @property
    def account_count(self) -> int:
        """Number of accounts (the next new account's index)."""
        return len(self._addr)

    @property
    def withdrawal_count(self) -> int:
        """Number of withdrawals ever appended."""
        return len(self._wd)

    def index_of(self, address: bytes) -> int | None:
        """The first account index of ``address``, or None."""
        return self._index.get(address)

    def _check_index(self, index: int) -> None:
        if not 0 <= index < len(self._addr):
            raise UnknownAccountError(f"with index {index} (there are {len(self._addr)})")

    def account(self, index: int) -> Account:
        """The account at ``index`` (:class:`UnknownAccountError` if none)."""
        self._check_index(index)
        return Account(index, self._addr[index], self._nonce[index], tuple(self._bal[index]))

    def address(self, index: int) -> bytes:
        """The address of the account at ``index``."""
        self._check_index(index)
        return self._addr[index]

    def balance(self, index: int, token: int) -> int:
        """Balance of ``token`` of the account at ``index``."""
        self._check_index(index)
        if not 0 <= token < TOKENS:
            raise L2ValueError(f"token id {token} is out of range", hint="token ids are 0..7")
        return self._bal[index][token]

    def nonce(self, index: int) -> int:
        """The nonce the next op of the account at ``index`` must sign."""
        self._check_index(index)
        return self._nonce[index]

    def withdrawal(self, index: int) -> WithdrawalRecord:
        """The withdrawal at ``index``."""
        if not 0 <= index < len(self._wd):
            raise L2ValueError(f"no withdrawal {index} (there are {len(self._wd)})", hint="check the index")
        recipient, token, amount = self._wd[index]
        return WithdrawalRecord(index, recipient, token, amount)

    def set_token(self, token: int, address: bytes) -> None:
        """Register the L1 address of token id ``token`` (as the portal registered it)."""
        if not 0 <= token < TOKENS or len(address) != 20:
            raise L2ValueError(f"bad token registration {token} -> {address!r}", hint="token ids are 0..7")
        self.tokens[token] = bytes(address)

    def add_queue_item(self, item: QueueItem) -> None:
        """Record the next L1 queue item (indices must follow on from ``len(queue)``)."""
        if item.index != len(self.queue):
            raise L2StateError(
                f"queue item {item.index} does not follow item {len(self.queue) - 1}",
                hint="feed the portal's QueueItemAdded events in order, from index 0, each once",
            )
        self.queue.append(item)

    # -- mutation primitives (journaled while a checkpoint is open) ----------------------------------------------

    # journal entries: (code, a, b, c): 0 nonce (index, old), 1 balance (token, index, old), 2 account created
    # (count before), 3 withdrawal appended (count before), 4 queue_processed (old)

    def _create(self, address: bytes) -> int:
        index = len(self._addr)
        if self._journal is not None:
            self._journal.append((2, index, 0, 0))
        self._addr.append(address)
        self._nonce.append(0)
        self._bal.append([0] * TOKENS)
        if address != ZERO_ADDRESS:
            self._index.setdefault(address, index)
        self._dirty.add(index)
        return index

    def _append_withdrawal(self, recipient: bytes, token: int, amount: int) -> int:
        index = len(self._wd)
        if self._journal is not None:
            self._journal.append((3, index, 0, 0))
        self._wd.append((recipient, token, amount))
        self._wd_tree.set_leaf(index, keccak(_Z12 + recipient + _w(token) + _w(amount)))
        return index

    # -- the state transition -----------------------------------------------------------------------------------

    def apply(self, op: Op, *, sender: bytes | _Recover | None = RECOVER, queue_limit: int | None = None) -> str | None:
        """Apply one op by the spec's rules: None when it applied, else the reason it is a no-op.

        ``sender``: the address a worker recovered from the op's own signed fields (None: recovery failed); by
        default the signer is recovered here from the state's nonce and recipient, as the contract does.
        ``queue_limit``: queue items at this index and above count as not enqueued (the batch's ``queueEnd``).
        """
        if type(op) is Transfer:
            return self.apply_transfer(
                op.account, op.to, op.to_address, op.token, op.amount, op.fee, op.nonce, op.signature, sender
            )
        if type(op) is QueueOp:
            return self._queue_op(op, queue_limit)
        if type(op) is Withdrawal:
            return self._withdraw(op, sender)
        raise L2ValueError(f"not an L2 op: {type(op).__name__}", hint="pass a Transfer, Withdrawal or QueueOp")

    @property
    def wire_transfers_in_c(self) -> bool:
        """Whether :meth:`apply_wire_transfers` can run: the C extension is there, and no tracer or journal watches
        the state (those need each step in Python)."""
        return NATIVE is not None and self.tracer is None and self._journal is None

    def apply_wire_transfers(
        self,
        blob: bytes,
        pos: int,
        recovered: bytes,
        i: int,
        count: int,
        limit: int,
        known: dict[bytes, int],
        position: int,
        results: list[Any],
        log: bytearray,
        result_type: type,
        op_kind: int,
    ) -> tuple[int, int, list[bytes]]:
        """The sequencer's hot path: :meth:`apply_transfer` of wire transactions (``._pool`` layouts) ``i``, ``i+1``,
        ... of ``blob`` (transaction ``i`` at byte ``pos``; ``recovered``: digest and signer per transaction) in C,
        while they are valid plain transfers between existing accounts; at most ``limit``. Stops, changing nothing
        for it, at the first one that is anything else (the caller's Python path answers it). For each one applied it
        records what the sequencer records (``known[digest] = position``, the log's OP frame, ``result_type(digest,
        position, None, False)`` in ``results``) and returns ``(applied, next pos, the ops' batch bytes)``. Needs
        :attr:`wire_transfers_in_c`."""
        if not self.wire_transfers_in_c:
            raise L2StateError("the compiled transfer path is off", hint="check wire_transfers_in_c first")
        assert NATIVE is not None
        out: tuple[int, int, list[bytes]] = NATIVE.apply_transfers(
            blob,
            pos,
            recovered,
            i,
            count,
            limit,
            self._addr,
            self._nonce,
            self._bal,
            self.tokens,
            self._dirty,
            known,
            position,
            results,
            log,
            result_type,
            op_kind,
        )
        if out[0]:
            self._header = None
        return out

    def apply_transfer(
        self,
        a: int,
        to: int | None,
        to_address: bytes | None,
        tok: int,
        amount: int,
        fee: int,
        signed_nonce: int | None,
        signature: bytes,
        sender: bytes | _Recover | None = RECOVER,
    ) -> str | None:
        """:meth:`apply` of ``Transfer(a, to, to_address, tok, amount, fee, signed_nonce, signature)`` without
        building the op (the sequencer's hot path reads the fields from the wire bytes)."""
        addrs = self._addr
        n = len(addrs)
        if not 0 <= a < n:
            return "unknown account"
        if not 0 <= tok < TOKENS or self.tokens[tok] == ZERO_ADDRESS:
            return "unknown token"
        if not _amounts_ok(amount, fee):
            return "bad amount"
        reason: str | None = None
        if to is not None:
            if not 0 <= to < n:
                return "unknown recipient"
            to_addr = addrs[to]
            if to_address is not None and to_address != to_addr:
                reason = "recipient mismatch"
        else:
            to_addr = to_address  # type: ignore[assignment]
            if to_addr is None or to_addr == ZERO_ADDRESS:
                return "zero recipient"
            if n >= MAX_ACCOUNTS:
                return "account tree full"
        nonces = self._nonce
        nonce = nonces[a]
        bals = self._bal
        total = amount + fee
        if reason is not None:
            pass
        elif signed_nonce is not None and signed_nonce != nonce:
            reason = "wrong nonce"
        else:
            if type(sender) is _Recover or signed_nonce is None:
                signer = recover(
                    transfer_digest(self.domain, a, to_addr, self.tokens[tok], amount, fee, nonce), signature
                )
            else:
                signer = sender  # type: ignore[assignment]
            if signer is None or signer != addrs[a]:
                reason = "bad signature"
            elif bals[a][tok] < total:
                reason = "insufficient balance"
        tr = self.tracer
        if reason is not None:
            if tr is not None:  # the contract reads from (and to, for 0x01) before it knows validity
                tr("account", a)
                if to is not None:
                    tr("account", to)
            return reason
        # valid: from.nonce += 1; from.balance -= amount + fee; to.balance += amount; fee account += fee
        j = self._journal
        dirty = self._dirty
        if tr is not None:
            tr("account", a)
        if j is not None:
            j.append((0, a, nonce, 0))
            j.append((1, tok, a, bals[a][tok]))
        nonces[a] = nonce + 1
        bals[a][tok] -= total
        dirty.add(a)
        if to is not None:
            if tr is not None:
                tr("account", to)
            if j is not None:
                j.append((1, tok, to, bals[to][tok]))
            bals[to][tok] += amount
            dirty.add(to)
        else:
            if tr is not None:
                tr("slot-account", n)
            bals[self._create(to_addr)][tok] = amount
        if tr is not None:
            tr("account", 0)
        if j is not None:
            j.append((1, tok, 0, bals[0][tok]))
        bals[0][tok] += fee
        dirty.add(0)
        self._header = None
        return None

    def _withdraw(self, op: Withdrawal, sender: bytes | _Recover | None) -> str | None:
        addrs = self._addr
        a = op.account
        if not 0 <= a < len(addrs):
            return "unknown account"
        tok = op.token
        if not 0 <= tok < TOKENS or self.tokens[tok] == ZERO_ADDRESS:
            return "unknown token"
        if not _amounts_ok(op.amount, op.fee):
            return "bad amount"
        nonces = self._nonce
        nonce = nonces[a]
        amount = op.amount
        fee = op.fee
        bal = self._bal[a]
        total = amount + fee
        reason: str | None = None
        if op.nonce is not None and op.nonce != nonce:
            reason = "wrong nonce"
        else:
            if type(sender) is _Recover or op.nonce is None:
                signer = recover(withdrawal_digest(self.domain, a, self.tokens[tok], amount, fee, nonce), op.signature)
            else:
                signer = sender  # type: ignore[assignment]
            if signer is None or signer != addrs[a]:
                reason = "bad signature"
            elif bal[tok] < total:
                reason = "insufficient balance"
        tr = self.tracer
        if tr is not None:
            tr("account", a)
        if reason is not None:
            return reason
        j = self._journal
        if j is not None:
            j.append((0, a, nonce, 0))
            j.append((1, tok, a, bal[tok]))
        nonces[a] = nonce + 1
        bal[tok] -= total
        self._dirty.add(a)
        if tr is not None:
            tr("slot-withdrawal", len(self._wd))
        self._append_withdrawal(addrs[a], tok, amount)
        if tr is not None:
            tr("account", 0)
        fee_bal = self._bal[0]
        if j is not None:
            j.append((1, tok, 0, fee_bal[tok]))
        fee_bal[tok] += fee
        self._dirty.add(0)
        self._header = None
        return None

    def _queue_op(self, op: QueueOp, queue_limit: int | None) -> str | None:
        q = self.queue_processed
        limit = len(self.queue) if queue_limit is None else min(queue_limit, len(self.queue))
        if q >= limit:
            return "queue empty"
        item = self.queue[q]
        hint = op.hint
        addrs = self._addr
        n = len(addrs)
        tr = self.tracer
        j = self._journal
        dirty = self._dirty
        if tr is not None:
            tr("queue", q)
        done = False
        if 0 <= hint < n:
            if tr is not None:
                tr("account", hint)
            if addrs[hint] == item.account and item.token < TOKENS:
                bal = self._bal[hint]
                tok = item.token
                if item.kind == DEPOSIT:
                    if j is not None:
                        j.append((1, tok, hint, bal[tok]))
                    bal[tok] += item.amount
                    dirty.add(hint)
                    done = True
                elif item.kind == FORCED_WITHDRAWAL and bal[tok] >= item.amount:
                    if j is not None:
                        j.append((1, tok, hint, bal[tok]))
                    bal[tok] -= item.amount
                    dirty.add(hint)
                    done = True
        if item.kind == DEPOSIT and not done:
            if n >= MAX_ACCOUNTS:  # not consumed (an honest sequencer never builds this)
                return "account tree full"
            if tr is not None:
                tr("slot-account", n)
            index = self._create(item.account)
            if item.token < TOKENS:
                self._bal[index][item.token] = item.amount
        if j is not None:
            j.append((4, q, 0, 0))
        self.queue_processed = q + 1
        if item.kind == FORCED_WITHDRAWAL and done:
            if tr is not None:
                tr("slot-withdrawal", len(self._wd))
            self._append_withdrawal(item.account, item.token, item.amount)
        self._header = None
        return None

    def apply_receipt(
        self,
        op: Op,
        *,
        sender: bytes | _Recover | None = RECOVER,
        queue_limit: int | None = None,
        tx_hash: bytes | None = None,
    ) -> Receipt:
        """:meth:`apply` with a :class:`Receipt` (``tx_hash`` computed when not given: the EIP-712 digest of a
        signed op, the queue item's hash for op ``0x04``)."""
        count = len(self._addr)
        wds = len(self._wd)
        if tx_hash is None:
            tx_hash = self.tx_hash(op)
        reason = self.apply(op, sender=sender, queue_limit=queue_limit)
        account = (op.hint if 0 <= op.hint < count else None) if isinstance(op, QueueOp) else op.account
        new = count if len(self._addr) > count else None
        if new is not None and isinstance(op, QueueOp):
            account = new
        return Receipt(
            tx_hash=tx_hash,
            ok=reason is None,
            reason=reason,
            kind=op.kind,
            account=account,
            new_account=new,
            withdrawal_index=wds if len(self._wd) > wds else None,
        )

    def tx_hash(self, op: Op) -> bytes:
        """The hash of an op: the EIP-712 digest (from the op's own nonce/recipient, else the state's), or the
        hash of the queue item an op ``0x04`` would take now (zero if none is waiting)."""
        if isinstance(op, QueueOp):
            q = self.queue_processed
            return self.queue[q].hash if q < len(self.queue) else _W0
        nonce = op.nonce
        a = op.account
        if nonce is None:
            nonce = self._nonce[a] if a < len(self._addr) else 0
        token_address = self.tokens[op.token] if op.token < TOKENS else ZERO_ADDRESS
        if isinstance(op, Transfer):
            to_addr = op.to_address
            if to_addr is None:
                to_addr = self._addr[op.to] if op.to is not None and op.to < len(self._addr) else ZERO_ADDRESS
            return transfer_digest(self.domain, a, to_addr, token_address, op.amount, op.fee, nonce)
        return withdrawal_digest(self.domain, a, token_address, op.amount, op.fee, nonce)

    # -- commitment ---------------------------------------------------------------------------------------------

    def leaf_of(self, index: int) -> bytes:
        """The current (uncommitted) leaf of the account at ``index``."""
        b = self._bal[index]
        return keccak(
            b"".join(
                [
                    _Z12,
                    self._addr[index],
                    _w(self._nonce[index]),
                    _w(b[0]),
                    _w(b[1]),
                    _w(b[2]),
                    _w(b[3]),
                    _w(b[4]),
                    _w(b[5]),
                    _w(b[6]),
                    _w(b[7]),
                ]
            )
        )

    def _hash_leaves(self) -> None:
        dirty = self._dirty
        if not dirty:
            return
        touched = list(dirty)
        dirty.clear()  # in place: apply() holds a reference while a tracer commits mid-op
        tree = self._acct_tree
        addr = self._addr
        nonce = self._nonce
        bals = self._bal
        set_leaf = tree.set_leaf
        join = b"".join
        n = len(addr)
        if NATIVE is not None:  # the same leaves in C (_native.c), ~1 µs each less
            live = [i for i in touched if i < n]  # an index past the end: created, then rolled back
            for i, leaf in zip(live, NATIVE.account_leaves(live, addr, nonce, bals), strict=True):
                set_leaf(i, leaf)
            return
        for i in touched:
            if i >= n:  # created, then rolled back
                continue
            b = bals[i]
            set_leaf(
                i,
                keccak(
                    join(
                        [
                            _Z12,
                            addr[i],
                            _w(nonce[i]),
                            _w(b[0]),
                            _w(b[1]),
                            _w(b[2]),
                            _w(b[3]),
                            _w(b[4]),
                            _w(b[5]),
                            _w(b[6]),
                            _w(b[7]),
                        ]
                    )
                ),
            )

    def commit(self) -> bytes:
        """Rehash what changed since the last commit; the state root."""
        if self._dirty or self._header is None or self._acct_tree.dirty or self._wd_tree.dirty:
            self._hash_leaves()
            self._header = StateHeader(
                self._acct_tree.commit(),
                len(self._addr),
                self._wd_tree.commit(),
                len(self._wd),
                self.queue_processed,
            )
        return self._header.root

    def root_tracker_args(self) -> tuple[list[bytes], list[bytes]]:
        """``(account leaves, withdrawal leaves)`` to build a :class:`~._tree.RootTracker` (in a worker process)
        mirroring this state now; from here on :meth:`seal` returns the changes to feed it."""
        self.commit()
        for tree in (self._acct_tree, self._wd_tree):
            tree.track_changes()
            tree.take_changes()  # the mirror starts from the leaves as they are now
        return list(self._acct_tree.leaves), list(self._wd_tree.leaves)

    def seal(self) -> LeafDiff:
        """Hash the leaves changed since the last seal into the trees (not the inner nodes, which are left to the
        next :meth:`commit`) and return them with the header counters, for a :class:`~._tree.RootTracker`.

        A sequencer that seals every segment and lets a worker's RootTracker compute the roots spends ~2 leaf hashes
        per transfer here instead of ~30 node hashes. Needs :meth:`root_tracker_args` first.
        """
        if self._acct_tree._changed is None:
            raise L2StateError(
                "the state is not tracking changes for a root tracker",
                hint="call state.root_tracker_args() and build the RootTracker from what it returns first",
            )
        self._hash_leaves()
        self._header = None
        return LeafDiff(
            tuple(self._acct_tree.take_changes()),
            len(self._addr),
            tuple(self._wd_tree.take_changes()),
            len(self._wd),
            self.queue_processed,
        )

    @property
    def root(self) -> bytes:
        """The state root (commits first)."""
        return self.commit()

    def header(self) -> StateHeader:
        """The state header (commits first)."""
        self.commit()
        assert self._header is not None
        return self._header

    def account_proof(self, index: int) -> AccountProof:
        """The account at ``index`` with its Merkle proof against the current root."""
        account = self.account(index)
        header = self.header()
        return AccountProof(account, tuple(self._acct_tree.proof(index)), header)

    def account_siblings(self, index: int) -> list[bytes]:
        """Siblings of account leaf ``index`` (also for an unused index, whose leaf is zero) after a commit."""
        self.commit()
        return self._acct_tree.proof(index)

    def withdrawal_proof(self, index: int) -> WithdrawalProof:
        """The withdrawal at ``index`` with its Merkle proof against the current root."""
        record = self.withdrawal(index)
        header = self.header()
        return WithdrawalProof(record, tuple(self._wd_tree.proof(index)), header)

    def withdrawal_siblings(self, index: int) -> list[bytes]:
        """Siblings of withdrawal slot ``index`` (the next free slot too) after a commit."""
        self.commit()
        return self._wd_tree.proof(index)

    def full_root(self) -> bytes:
        """The state root recomputed from scratch (every leaf and node; slow, for checks)."""
        acct = MerkleTree(ACCOUNT_DEPTH)
        for i in range(len(self._addr)):
            acct.set_leaf(i, self.leaf_of(i))
        wd = MerkleTree(WITHDRAWAL_DEPTH)
        for recipient, token, amount in self._wd:
            wd.append(keccak(_Z12 + recipient + _w(token) + _w(amount)))
        return StateHeader(acct.full_root(), len(self._addr), wd.full_root(), len(self._wd), self.queue_processed).root

    # -- checkpoints --------------------------------------------------------------------------------------------

    def checkpoint(self) -> int:
        """Open a checkpoint; :meth:`rollback` to it undoes every change made after, :meth:`release` forgets it."""
        if self._journal is None:
            self._journal = []
        self._marks.append(len(self._journal))
        return len(self._marks) - 1

    def _pop_to(self, mark: int) -> int:
        if not 0 <= mark < len(self._marks):
            raise L2StateError(f"no open checkpoint {mark}", hint="checkpoints close in reverse order of opening")
        pos = self._marks[mark]
        del self._marks[mark:]
        return pos

    def rollback(self, mark: int) -> None:
        """Undo every change since checkpoint ``mark`` (and close it and the ones opened after it)."""
        pos = self._pop_to(mark)
        j = self._journal
        assert j is not None
        dirty = self._dirty
        for code, a, b, c in reversed(j[pos:]):
            if code == 0:
                self._nonce[a] = b
                dirty.add(a)
            elif code == 1:
                self._bal[b][a] = c
                dirty.add(b)
            elif code == 2:
                address = self._addr.pop()
                self._nonce.pop()
                self._bal.pop()
                if self._index.get(address) == a:
                    del self._index[address]
                self._acct_tree.truncate(a)
                dirty.discard(a)
            elif code == 3:
                self._wd.pop()
                self._wd_tree.truncate(a)
            else:
                self.queue_processed = a
        del j[pos:]
        if not self._marks:
            self._journal = None
        self._header = None

    def release(self, mark: int) -> None:
        """Close checkpoint ``mark`` (and later ones) keeping the changes."""
        self._pop_to(mark)
        if not self._marks:
            self._journal = None

    # -- copies -------------------------------------------------------------------------------------------------

    def copy(self) -> L2State:
        """An independent copy (no open checkpoints, no tracer)."""
        out = L2State.__new__(L2State)
        out.domain = self.domain
        out.tokens = list(self.tokens)
        out._addr = list(self._addr)
        out._nonce = list(self._nonce)
        out._bal = [list(b) for b in self._bal]
        out._index = dict(self._index)
        out._wd = list(self._wd)
        out._acct_tree = self._acct_tree.copy()
        out._wd_tree = self._wd_tree.copy()
        out._dirty = set(self._dirty)
        out.queue = list(self.queue)
        out.queue_processed = self.queue_processed
        out._journal = None
        out._marks = []
        out._header = self._header
        out.tracer = None
        return out

    def image(self, copy: bool = True) -> StateImage:
        """Plain copies of the accounts, withdrawals and queue position (for a snapshot; see :mod:`._snapshot`); with
        ``copy=False`` the state's own lists, for a forked writer (:func:`~._snapshot.fork_writer`) only: they change
        with the next transaction."""
        if not copy:
            return StateImage(self._addr, self._nonce, self._bal, self._wd, self.queue_processed)
        with paused_gc():
            return StateImage(
                list(self._addr), list(self._nonce), [list(b) for b in self._bal], list(self._wd), self.queue_processed
            )

    @classmethod
    def from_image(cls, domain: Eip712Domain, tokens: Sequence[bytes], image: StateImage) -> L2State:
        """The state an :meth:`image` was taken of (its trees rebuilt; the queue items are the caller's to add, from
        index 0). Refuses an image whose shape is not a state's."""
        state = cls(domain, tokens)
        n = len(image.addresses)
        if not (n == len(image.nonces) == len(image.balances)) or any(len(b) != TOKENS for b in image.balances):
            raise L2StateError("the state image is malformed", hint="take images with L2State.image()")
        with paused_gc():
            state._addr = [bytes(a) for a in image.addresses]
            state._nonce = list(image.nonces)
            state._bal = [list(b) for b in image.balances]
        for i in range(n - 1, -1, -1):  # the first index of an address wins, as _create keeps it
            if state._addr[i] != ZERO_ADDRESS:
                state._index[state._addr[i]] = i
        state._dirty = set(range(n))
        for recipient, token, amount in image.withdrawals:
            state._append_withdrawal(bytes(recipient), token, amount)
        state.queue_processed = image.queue_processed
        state.commit()
        return state

    def __repr__(self) -> str:
        return (
            f"L2State(accounts={len(self._addr)}, withdrawals={len(self._wd)}, "
            f"queue={self.queue_processed}/{len(self.queue)})"
        )
