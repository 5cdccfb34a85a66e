"""``L2Manager``: the seed's L2 manager (``SubmitTransaction``, ``GetTPS``) and the rest of what a user of the layer 2
does: balances, receipts, deposits, withdrawals with their proofs, status and account proofs.

Two kinds of layer 2, chosen by ``l2_network``:

- ``novacron`` (the default): this project's optimistic rollup. Transactions are EIP-712 signed L2 transfers sent to
  the sequencer's HTTP API (``l2_rpc_endpoint``, ``novacron-chain l2 run``), which soft-confirms them in
  milliseconds; deposits, forced withdrawals and the release of withdrawals are L1 transactions on the L2Portal;
  every proof the sequencer hands out is checked here against L1 before it is used.
- an existing L2 (``polygon``, ``arbitrum``, ``optimism``, ``base``, ``rpc``) by JSON-RPC: a transaction is an
  ordinary signed ERC-20 transfer there and the TPS is the network's recent rate (:mod:`._external`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from web3.logs import DISCARD

from ..chain import checksum
from ..errors import NovaValueError
from ..units import is_digits
from ._codec import address_bytes, encode_op, sign_transfer, sign_withdrawal
from ._errors import InvalidTransactionError, L2Error, L2ValueError, UnknownAccountError, UnknownTokenError
from ._pool import wire_bytes
from ._server import decode_results
from ._types import Eip712Domain, StateHeader, Transfer, Withdrawal, WithdrawalProof, WithdrawalRecord

if TYPE_CHECKING:
    from web3.contract import Contract

    from ..chain import Chain, Receipt, Signer
    from ..config import BlockchainConfig
    from ..metrics import BlockchainMetrics
    from ._external import ExternalL2

__all__ = ["TOKEN_NAMES", "L2Manager", "L2Transaction", "SoftConfirmation"]

#: token names the CLI and :meth:`L2Manager.token_id` accept, by token id of a default deployment
TOKEN_NAMES = ("CPU", "MEM", "STO", "NET", "NOVA")


@dataclass(frozen=True)
class L2Transaction:
    """An unsigned payment: ``amount`` base units of ``token`` (a name like ``CPU``, an id, or an L1 address) to
    ``to``, paying ``fee`` (same token) to the operator. :meth:`L2Manager.submit_transaction` signs it with the
    manager's key."""

    to: str
    token: str | int
    amount: int
    fee: int = 0


@dataclass(frozen=True)
class SoftConfirmation:
    """The answer to a submission: the transaction hash and the sequencer's promise (``soft-confirmed``: executed
    and on its disk, in the next batch), with its position in the L2's op sequence and how long it took."""

    tx_hash: str
    status: str
    position: int | None
    latency: float
    network: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "tx_hash": self.tx_hash,
            "status": self.status,
            "position": self.position,
            "latency": round(self.latency, 6),
            "network": self.network,
        }


class L2Manager:
    """The layer 2 of a :class:`~novacron_chain.NovaChain` (``nc.l2``); see the module docstring.

    ``chain`` is the L1 (deposits, withdrawals, reading the rollup), ``rollup``/``portal`` the recorded contracts
    (rollup kind), ``external`` the connection to an existing L2 (external kind).
    """

    def __init__(
        self,
        config: BlockchainConfig,
        chain: Chain,
        *,
        rollup: Contract | None = None,
        portal: Contract | None = None,
        external: ExternalL2 | None = None,
        token_addresses: dict[str, str] | None = None,
        from_block: int = 0,
        timeout: float = 30.0,
        metrics: BlockchainMetrics | None = None,
    ) -> None:
        self.config = config
        self.chain = chain
        self.rollup = rollup
        self.portal = portal
        self.external = external
        self.network = config.l2_network
        self.endpoint = config.l2_endpoint
        self.from_block = from_block
        self.metrics = metrics
        self._token_addresses = dict(token_addresses or {})
        self._http: httpx.Client | None = None
        self._timeout = timeout
        self._domain: Eip712Domain | None = None
        self._tokens: list[bytes] | None = None

    @classmethod
    def for_nova(cls, nc: Any) -> L2Manager:
        """The layer 2 a :class:`~novacron_chain.NovaChain` is configured for (``nc.l2``)."""
        from ..errors import ConfigError

        bc = nc.config.blockchain
        if not bc.use_layer2:
            raise ConfigError(
                "layer 2 is off (use_layer2: false)",
                hint="set blockchain.use_layer2: true (and l2_network: novacron for this project's rollup, or an "
                "existing L2 with l2_rpc_endpoint)",
            )
        if not bc.is_rollup_l2:
            from ._external import ExternalL2

            return cls(bc, nc.chain, external=ExternalL2(bc), metrics=nc.metrics)
        chain_id = nc.chain.chain_id
        record = nc.deployments.get(chain_id, "L2Portal")
        tokens = {}
        for name, rec in zip(TOKEN_NAMES, ("CPUToken", "MEMToken", "STOToken", "NETToken", "NovaToken"), strict=True):
            r = nc.deployments.get(chain_id, rec)
            if r is not None:
                tokens[name] = r.address
        return cls(
            bc,
            nc.chain,
            rollup=nc.contract("L2Rollup"),
            portal=nc.contract("L2Portal"),
            token_addresses=tokens,
            from_block=record.block if record else 0,
            metrics=nc.metrics,
        )

    # -- plumbing -------------------------------------------------------------------------------------------------

    @property
    def is_rollup(self) -> bool:
        """Whether this is the project's own rollup (else an existing L2 by RPC)."""
        return self.external is None

    def close(self) -> None:
        """Close the HTTP client and the external L2's connection."""
        if self._http is not None:
            self._http.close()
            self._http = None
        if self.external is not None:
            self.external.close()

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(base_url=self.endpoint, timeout=self._timeout)
        return self._http

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._client().request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise L2Error(
                f"the sequencer at {self.endpoint} does not answer ({type(exc).__name__}: {exc})",
                hint="start it with `novacron-chain l2 run`, or point l2_rpc_endpoint at it",
            ) from exc

    def _get(self, path: str, *, allow_404: bool = False) -> dict[str, Any] | None:
        r = self._request("GET", path)
        if r.status_code == 404 and allow_404:
            return None
        if r.status_code >= 400:
            body = _body(r)
            raise L2Error(f"the sequencer refused GET {path}: {body.get('error', r.text)}", hint=body.get("hint"))
        out: dict[str, Any] = r.json()
        return out

    def _rollup_only(self, what: str) -> None:
        if self.external is not None:
            raise L2ValueError(
                f"{what} is part of the NovaCron rollup; l2_network is {self.network!r}",
                hint="use l2_network: novacron for the rollup; on an existing L2 use its own bridge",
            )

    def _contracts(self) -> tuple[Contract, Contract]:
        if self.rollup is None or self.portal is None:
            raise L2Error(
                "the rollup's contracts are not deployed on this chain",
                hint="set use_layer2: true and run `novacron-chain deploy`",
            )
        return self.rollup, self.portal

    def domain(self) -> Eip712Domain:
        """The EIP-712 domain L2 transactions are signed for (read from the L2Rollup on L1)."""
        if self._domain is None:
            rollup, _ = self._contracts()
            chain_id = int(self.chain.call(rollup.functions.l2ChainId()))
            self._domain = Eip712Domain(chain_id, bytes.fromhex(str(rollup.address)[2:]))
        return self._domain

    def tokens(self) -> list[bytes]:
        """The portal's 8 token slots (read from L1)."""
        if self._tokens is None or not all(self._tokens[:4]):
            _, portal = self._contracts()
            self._tokens = [bytes.fromhex(str(a)[2:]) for a in self.chain.call(portal.functions.tokens())]
        return self._tokens

    def token_id(self, token: str | int) -> int:
        """A token id from an id, a name (CPU, MEM, STO, NET, NOVA) or an L1 address; refused when unregistered."""
        tokens = self.tokens()
        if isinstance(token, int) or (isinstance(token, str) and is_digits(token)):
            tid = int(token)
        elif isinstance(token, str) and token.startswith("0x"):
            raw = address_bytes(token, "token")
            if raw not in tokens:
                raise L2ValueError(f"token {token} is not registered in the L2 portal", hint=_TOKEN_HINT)
            tid = tokens.index(raw)
        else:
            name = str(token).upper()
            if name not in TOKEN_NAMES:
                raise L2ValueError(f"unknown token {token!r}", hint=_TOKEN_HINT)
            address = self._token_addresses.get(name)
            if address is None:
                raise UnknownTokenError(TOKEN_NAMES.index(name))
            raw = bytes.fromhex(address[2:])
            if raw not in tokens:
                raise L2ValueError(f"token {name} ({address}) is not registered in the L2 portal", hint=_TOKEN_HINT)
            tid = tokens.index(raw)
        if not 0 <= tid < len(tokens) or not any(tokens[tid]):
            raise UnknownTokenError(tid)
        return tid

    # -- the seed's API -------------------------------------------------------------------------------------------

    def submit_transaction(self, tx: L2Transaction | Transfer | Withdrawal | bytes) -> SoftConfirmation:
        """Send a transaction to the L2 and return its hash with the soft confirmation.

        ``tx``: an :class:`L2Transaction` (signed here with this manager's key, at its account's current nonce), a
        signed :class:`~novacron_chain.l2.Transfer` / :class:`~novacron_chain.l2.Withdrawal` (with ``nonce``, and
        ``to_address`` for a transfer to an existing account), or wire bytes. A refusal raises
        :class:`~novacron_chain.l2.InvalidTransactionError` with the reason (bad signature, wrong nonce, unknown token,
        insufficient balance, ...).
        """
        if self.external is not None:
            if not isinstance(tx, L2Transaction):
                raise L2ValueError(
                    f"an existing L2 ({self.network}) takes an L2Transaction, not {type(tx).__name__}",
                    hint="pass L2Transaction(to, token, amount): it is sent as an ERC-20 transfer",
                )
            sent = self.external.submit_transfer(str(tx.token), tx.to, tx.amount)
            return SoftConfirmation(sent.tx_hash, "sent", None, sent.accepted_after, self.network)
        if isinstance(tx, L2Transaction):
            op: Transfer | Withdrawal = self.sign_transfer(tx.to, tx.token, tx.amount, tx.fee)
            blob = _wire(op)
        elif isinstance(tx, Transfer | Withdrawal):
            blob = _wire(tx)
        else:
            blob = bytes(tx)
        (result,) = self.submit_wire(blob)
        return result

    def submit_wire(self, blob: bytes) -> list[SoftConfirmation]:
        """Submit concatenated wire transactions in one request; the first refusal raises (after the others were
        answered: each result is independent)."""
        started = time.monotonic()
        r = self._request("POST", "/v1/txs", content=blob, headers=_BINARY)
        latency = time.monotonic() - started
        if r.status_code >= 400:
            body = _body(r)
            raise L2Error(f"the sequencer refused the submission: {body.get('error', r.text)}", hint=body.get("hint"))
        malformed = r.headers.get("X-Malformed")
        out = []
        refused: InvalidTransactionError | None = None
        for what, digest, position in decode_results(r.content):
            h = "0x" + digest.hex()
            if what in ("soft-confirmed", "known"):
                out.append(SoftConfirmation(h, "soft-confirmed", position, latency, self.network))
            elif refused is None:
                refused = InvalidTransactionError(what, tx_hash=digest)
        if refused is not None:
            raise refused
        if malformed:
            raise L2ValueError(
                f"malformed transaction: {malformed}", hint="build transactions with the CLI or L2Manager"
            )
        return out

    def get_tps(self) -> float:
        """Transactions per second: the sequencer's soft confirmations over its TPS window (rollup), or the
        network's rate over its recent blocks (existing L2)."""
        if self.external is not None:
            return self.external.tps()
        status = self._get("/v1/status")
        assert status is not None
        return float(status.get("tps") or 0.0)

    # -- reads ----------------------------------------------------------------------------------------------------

    def get_receipt(self, tx_hash: str) -> dict[str, Any] | None:
        """Where a transaction is: ``soft-confirmed`` / ``posted`` (batch, L1 tx) / ``final`` / ``dropped`` (rollup),
        or the L2 receipt (existing L2); None when unknown."""
        if self.external is not None:
            return self.external.receipt(tx_hash)
        h = tx_hash if tx_hash.startswith("0x") else "0x" + tx_hash
        if len(h) != 66:
            raise L2ValueError(f"{tx_hash!r} is not a transaction hash", hint="0x followed by 64 hex digits")
        return self._get(f"/v1/receipts/{h}", allow_404=True)

    def account(self, address: str) -> dict[str, Any] | None:
        """The L2 account of ``address`` (index, nonce, balances per token id), or None."""
        self._rollup_only("an L2 account")
        return self._get(f"/v1/accounts/{checksum(address)}", allow_404=True)

    def get_balance(self, address: str, token: str | int) -> int:
        """Balance of ``token`` of ``address`` on the L2 (0 without an account)."""
        if self.external is not None:
            return self.external.balance(str(token), address)
        tid = self.token_id(token)
        acct = self.account(address)
        return int(acct["balances"][tid]) if acct is not None else 0

    def status(self) -> dict[str, Any]:
        """The sequencer's status and the rollup's L1 view (batches, finality parameters), or the existing L2's."""
        if self.external is not None:
            return self.external.status()
        rollup, _ = self._contracts()
        f = rollup.functions
        count, period, delay, min_bond = self.chain.call_many(
            [f.batchCount(), f.challengePeriod(), f.forceDelay(), f.minBond()]
        )
        l1 = {
            "rollup": str(rollup.address),
            "batches": int(count),
            "challenge_period": int(period),
            "force_inclusion_blocks": int(delay),
            "min_bond": str(min_bond),
        }
        try:
            seq = self._get("/v1/status")
        except L2Error as exc:
            seq = {"error": exc.message}
        return {"network": self.network, "endpoint": self.endpoint, "l1": l1, "sequencer": seq}

    def proof(self, address: str) -> dict[str, Any]:
        """A Merkle proof of ``address``'s account against the current L2 root, checked here: the account's leaf
        hashes up to the header, and whether that header is the latest batch posted on L1."""
        self._rollup_only("an account proof")
        data = self._get(f"/v1/accounts/{checksum(address)}/proof", allow_404=True)
        if data is None:
            raise UnknownAccountError(f"for {checksum(address)}")
        from ._types import Account, AccountProof

        a = data["account"]
        proof = AccountProof(
            Account(
                int(a["index"]), address_bytes(a["address"]), int(a["nonce"]), tuple(int(b) for b in a["balances"])
            ),
            tuple(bytes.fromhex(s[2:]) for s in data["siblings"]),
            _header(data["header"]),
        )
        ok = proof.verify()
        on_l1 = False
        if self.rollup is not None:
            count = int(self.chain.call(self.rollup.functions.batchCount()))
            if count:
                latest = bytes(self.chain.call(self.rollup.functions.stateRoot(count - 1)))
                on_l1 = latest == proof.root
        return {**data, "verified": ok, "root_on_l1": on_l1}

    # -- signing --------------------------------------------------------------------------------------------------

    def _signer(self, signer: Signer | None) -> Signer:
        return signer or self.chain.signer

    def _own_account(self, signer: Signer) -> dict[str, Any]:
        acct = self.account(signer.address)
        if acct is None:
            raise UnknownAccountError(f"for {signer.address}")
        return acct

    def sign_transfer(
        self,
        to: str,
        token: str | int,
        amount: int,
        fee: int = 0,
        *,
        signer: Signer | None = None,
        nonce: int | None = None,
    ) -> Transfer:
        """A signed transfer from ``signer`` (default: this chain's key) to ``to``'s account (or a new one)."""
        key = self._signer(signer)
        me = self._own_account(key)
        recipient = address_bytes(checksum(to, "recipient"))
        other = self.account(checksum(to, "recipient"))
        return sign_transfer(
            key.private_key,
            self.domain(),
            self.tokens(),
            account=int(me["index"]),
            to=int(other["index"]) if other is not None else None,
            to_address=recipient,
            token=self.token_id(token),
            amount=_positive(amount),
            fee=_non_negative(fee),
            nonce=int(me["nonce"]) if nonce is None else nonce,
        )

    def transfer(
        self, to: str, token: str | int, amount: int, fee: int = 0, *, signer: Signer | None = None
    ) -> SoftConfirmation:
        """Sign and submit a transfer; the soft confirmation."""
        if self.external is not None:
            return self.submit_transaction(L2Transaction(to, token, amount, fee))
        return self.submit_transaction(self.sign_transfer(to, token, amount, fee, signer=signer))

    def withdraw(
        self, token: str | int, amount: int, fee: int = 0, *, signer: Signer | None = None
    ) -> SoftConfirmation:
        """Burn ``amount`` of ``token`` on L2 for the account's own address on L1 (released by
        :meth:`finalize_withdrawal` once the batch holding it is final)."""
        self._rollup_only("withdraw")
        key = self._signer(signer)
        me = self._own_account(key)
        op = sign_withdrawal(
            key.private_key,
            self.domain(),
            self.tokens(),
            account=int(me["index"]),
            token=self.token_id(token),
            amount=_positive(amount),
            fee=_non_negative(fee),
            nonce=int(me["nonce"]),
        )
        return self.submit_transaction(op)

    # -- L1 side --------------------------------------------------------------------------------------------------

    def deposit(
        self, token: str | int, amount: int, *, l2_recipient: str | None = None, signer: Signer | None = None
    ) -> dict[str, Any]:
        """Lock ``amount`` of ``token`` in the portal on L1 for ``l2_recipient`` (default: the sender); credited on L2
        once the sequencer includes the queue item (or anyone, after ``l2_force_inclusion_blocks``)."""
        self._rollup_only("deposit")
        _, portal = self._contracts()
        key = self._signer(signer)
        tid = self.token_id(token)
        token_address = checksum("0x" + self.tokens()[tid].hex())
        recipient = checksum(l2_recipient or key.address, "l2 recipient")
        erc20 = self.chain.contract("ResourceToken", token_address)
        value = _positive(amount)
        balance = int(self.chain.call(erc20.functions.balanceOf(key.address)))
        if balance < value:
            raise InvalidTransactionError(
                "insufficient balance", detail=f"{key.address} holds {balance} of token {tid} on L1, needs {value}"
            )
        allowance = int(self.chain.call(erc20.functions.allowance(key.address, portal.address)))
        if allowance < value:
            self.chain.transact(erc20.functions.approve(portal.address, value), sender=key)
        receipt = self.chain.transact(portal.functions.deposit(token_address, value, recipient), sender=key)
        events = portal.events.QueueItemAdded().process_receipt(receipt.raw, errors=DISCARD)
        index = int(events[0]["args"]["index"]) if events else None
        return {"queue_index": index, "l1_tx": receipt.tx_hash, "token": tid, "amount": str(value), "to": recipient}

    def request_withdrawal(self, token: str | int, amount: int, *, signer: Signer | None = None) -> dict[str, Any]:
        """Force an exit from L1 (censorship resistance): the sequencer must include it within
        ``l2_force_inclusion_blocks`` L1 blocks, or anyone may."""
        self._rollup_only("a forced withdrawal")
        _, portal = self._contracts()
        key = self._signer(signer)
        tid = self.token_id(token)
        receipt = self.chain.transact(
            portal.functions.requestWithdrawal(checksum("0x" + self.tokens()[tid].hex()), _positive(amount)),
            sender=key,
        )
        events = portal.events.QueueItemAdded().process_receipt(receipt.raw, errors=DISCARD)
        return {"queue_index": int(events[0]["args"]["index"]) if events else None, "l1_tx": receipt.tx_hash}

    def prove_withdrawal(
        self, index: int, *, batch: int | None = None, from_l1: bool = False
    ) -> tuple[WithdrawalProof, int]:
        """The Merkle proof of withdrawal ``index`` and the batch whose root it is against: from the sequencer
        (checked here against the root on L1), or with ``from_l1`` rebuilt here from L1 data alone (slower, but needs
        nothing from the operator: :meth:`prove_withdrawal_from_l1`)."""
        self._rollup_only("a withdrawal proof")
        if from_l1:
            proof, chosen, _ = self.prove_withdrawal_from_l1(index, batch=batch)
            return proof, chosen
        rollup, _portal = self._contracts()
        query = f"?batch={batch}" if batch is not None else ""
        data = self._get(f"/v1/withdrawals/{int(index)}/proof{query}", allow_404=True)
        if data is None:
            raise L2Error(
                f"no posted batch holds withdrawal {index} yet",
                hint="wait for the next batch (`novacron-chain l2 status`), then prove again",
            )
        w = data["withdrawal"]
        proof = WithdrawalProof(
            WithdrawalRecord(int(w["index"]), address_bytes(w["recipient"]), int(w["token"]), int(w["amount"])),
            tuple(bytes.fromhex(s[2:]) for s in data["siblings"]),
            _header(data["header"]),
        )
        batch_index = int(data["batch"])
        if not proof.verify():
            raise L2Error("the sequencer's withdrawal proof does not verify", hint="ask again, or ask a verifier")
        onchain = bytes(self.chain.call(rollup.functions.stateRoot(batch_index)))
        if onchain != proof.root:
            raise L2Error(
                f"the proof is against root 0x{proof.root.hex()}, but batch {batch_index} on L1 has 0x{onchain.hex()}",
                hint="the batch may have been replaced after a fraud proof: prove again",
            )
        return proof, batch_index

    def prove_withdrawal_from_l1(
        self, index: int, *, batch: int | None = None
    ) -> tuple[WithdrawalProof, int, int | None]:
        """:meth:`prove_withdrawal` from L1 data alone, and the batch of the state snapshot the rebuild started from
        (None: every batch re-executed). The snapshots are those of ``l2 verify`` running with this data dir: read,
        never written, each checked against L1 as the verifier checks it (its batch live with the same post root,
        its state hashing to that root), so a verifier kept running makes this fast after years of batches."""
        from ._l1 import RollupL1
        from ._verifier import Verifier, verifier_dir

        self._rollup_only("a withdrawal proof")
        rollup, portal = self._contracts()
        l1 = RollupL1(self.chain, rollup, portal, from_block=self.from_block)
        snapshots = verifier_dir(self.config.resolved_data_dir, self.chain.chain_id, l1.address)
        verifier = Verifier(l1, None, workers=0, data_dir=snapshots if snapshots.is_dir() else None, snapshot_every=0)
        try:
            verifier.step()
            proof, chosen = verifier.withdrawal_proof(int(index), batch)
        finally:
            verifier.close()
        if bytes(self.chain.call(rollup.functions.stateRoot(chosen))) != proof.root:
            raise L2Error(f"batch {chosen} on L1 is not the root rebuilt here", hint="prove again in a moment")
        return proof, chosen, verifier.snapshot_loaded

    def finalize_withdrawal(self, proof: WithdrawalProof, batch: int, *, signer: Signer | None = None) -> Receipt:
        """Release a withdrawal on L1 (anyone may send it; the tokens go to the recipient). Refused before the batch
        is final (``PortalNotFinal``) and a second time (``PortalAlreadyClaimed``)."""
        self._rollup_only("finalize a withdrawal")
        _, portal = self._contracts()
        w = proof.withdrawal
        fn = portal.functions.finalizeWithdrawal(
            batch,
            proof.header.as_tuple(),
            checksum("0x" + w.recipient.hex()),
            w.token,
            w.amount,
            w.index,
            list(proof.siblings),
        )
        return self.chain.transact(fn, sender=self._signer(signer))


_BINARY = {"Content-Type": "application/octet-stream", "Accept": "application/octet-stream"}
_TOKEN_HINT = "use CPU, MEM, STO, NET or NOVA (ids 0..4 on a default deployment), or a registered token's address"


def _wire(op: Transfer | Withdrawal) -> bytes:
    if op.nonce is None:
        raise L2ValueError("the signed op carries no nonce", hint="sign it with the account's nonce")
    to = op.to_address if isinstance(op, Transfer) and op.to is not None else None
    if isinstance(op, Transfer) and op.to is not None and to is None:
        raise L2ValueError("a transfer to an account index needs the recipient's address", hint="set to_address")
    return wire_bytes(encode_op(op), op.nonce, to)


def _body(r: httpx.Response) -> dict[str, Any]:
    try:
        data = r.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _header(h: dict[str, Any]) -> StateHeader:
    return StateHeader(
        bytes.fromhex(str(h["accounts_root"])[2:]),
        int(h["account_count"]),
        bytes.fromhex(str(h["withdrawals_root"])[2:]),
        int(h["withdrawal_count"]),
        int(h["queue_processed"]),
    )


def _positive(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise NovaValueError(
            f"amount {value!r} must be a positive integer of base units", hint="e.g. 10**18 for 1 token"
        )
    return value


def _non_negative(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise NovaValueError(f"fee {value!r} must be a non-negative integer of base units", hint="0 pays no fee")
    return value
