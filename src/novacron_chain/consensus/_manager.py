"""``BlockchainConsensus``: the validator registry, slashing and jailing, and BLS checkpoints final with more than
2/3 of an epoch's stake (seed §7)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from web3.logs import DISCARD

from ..chain import EmbeddedBackend, Receipt, checksum, event_indexer
from ..errors import ChainError, ContractCustomError, NovaChainError, NovaValueError
from ..units import is_digits
from ._bls import (
    POP_DST,
    BlsPublicKey,
    BlsSecretKey,
    BlsSignature,
    aggregate_signatures,
    checkpoint_digest,
    pop_message,
    verify,
)
from ._domains import domain_label, parse_domain
from ._errors import (
    AlreadyJailedError,
    AlreadyRegisteredError,
    BadCheckpointSignatureError,
    CheckpointEpochError,
    CheckpointHeightError,
    ConsensusValueError,
    DowntimeProofError,
    EnoughSignedError,
    InsufficientSignedStakeError,
    InsufficientStakeTokensError,
    InvalidEvidenceError,
    InvalidProofOfPossessionError,
    JailNotOverError,
    NotActiveError,
    NothingToWithdrawError,
    NotJailedError,
    NotRegisteredError,
    PubkeyTakenError,
    StakeBelowMinimumError,
    TombstonedError,
    UnbondExceedsBondedError,
    UnknownCheckpointError,
    UnknownValidatorError,
    ValidatorSetFullError,
    WithdrawTooEarlyError,
)
from ._types import (
    Checkpoint,
    CheckpointSignature,
    CheckpointSubmission,
    ConsensusParameters,
    ConsensusStatus,
    DoubleSignEvidence,
    JailResult,
    Registration,
    SlashResult,
    Validator,
    ValidatorStatus,
    ValidatorUpdate,
)

if TYPE_CHECKING:
    from web3.contract import Contract
    from web3.contract.contract import ContractFunction

    from ..chain import Chain, Signer
    from ..metrics import BlockchainMetrics
    from ._protection import SlashingProtection

__all__ = ["BlockchainConsensus"]

_UINT64 = 2**64 - 1
_UINT96 = 2**96 - 1  # the StakeManager keeps stakes in uint96
_BPS = 10_000


def _amount(value: object, what: str = "amount") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConsensusValueError(
            f"{what} must be an integer number of NOVA base units, not {type(value).__name__} {value!r}",
            hint="amounts are exact integers: 1 NOVA is 10**18 base units",
        )
    if not 0 < value <= _UINT96:
        raise ConsensusValueError(f"{what} must be positive and at most 2**96 - 1 base units, not {value}")
    return value


def _uint64(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _UINT64:
        raise ConsensusValueError(f"{what} must be an integer from 0 to 2**64 - 1, not {value!r}")
    return value


def _root(value: bytes | str) -> bytes:
    if isinstance(value, str):
        text = value[2:] if value[:2].lower() == "0x" else value
        try:
            value = bytes.fromhex(text)
        except ValueError:
            raise ConsensusValueError(f"root {value!r} is not hex") from None
    if not isinstance(value, (bytes, bytearray)) or len(value) != 32:
        raise ConsensusValueError(f"a checkpoint root is 32 bytes, not {value!r}")
    if not any(value):
        raise ConsensusValueError("a checkpoint root must not be zero", hint="checkpoint the root of real data")
    return bytes(value)


def _address(value: str, what: str) -> str:
    try:
        return checksum(value, what)
    except NovaValueError as exc:
        raise ConsensusValueError(exc.message, hint=exc.hint) from exc


def _hex(raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw if raw.startswith("0x") else "0x" + raw
    return "0x" + bytes(raw).hex()


class _Scan:
    """The events of one event (optionally filtered by indexed arguments) from ``from_block``, through the chain's
    event indexer: paged to the endpoint's limits, cached incrementally, rolled back when a reorg (or a dev chain
    reverted to a snapshot) removes the blocks they were in, so readers never see events of a history that no
    longer exists."""

    def __init__(self, chain: Chain, contract: Contract, event: str, from_block: int, filters: dict[str, Any]):
        self.chain, self.contract, self.event = chain, contract, event
        self.from_block, self.filters = from_block, filters

    def events(self) -> list[dict[str, Any]]:
        found = event_indexer(self.chain).events(
            self.contract, self.event, from_block=self.from_block, argument_filters=self.filters or None
        )
        return [
            {**dict(log["args"]), "_tx": _hex(bytes(log["transactionHash"])), "_block": int(log["blockNumber"])}
            for log in found
        ]


class BlockchainConsensus:
    """Proof of stake on one chain: the StakeManager (NOVA stake, BLS keys, slashing, jailing) and the
    CheckpointVerifier (checkpoints ``(domain, height, root)`` final with more than 2/3 of an epoch's stake).

    Validators bond NOVA and register a BLS12-381 key with a proof of possession (:meth:`register_validator`); each
    checks a root from public data and signs it (:meth:`sign_checkpoint`, which asks its slashing-protection record
    first); an aggregator combines the signatures (:meth:`aggregate`) and submits them (:meth:`submit_checkpoint`);
    other contracts and programs ask :meth:`is_final`. Anyone can report a double sign (:meth:`report_double_sign`:
    10% of the stake slashed, the reporter rewarded, the validator tombstoned) and jail a validator that missed too
    many checkpoints (:meth:`jail`).

    Every change to the validator set takes effect at the next epoch, so a checkpoint is always checked against one
    fixed set. Amounts are exact integers in NOVA base units (``10**18`` per NOVA). Writes are sent by ``sender``
    (a :class:`~novacron_chain.chain.Signer`; default: the chain's account), who is the validator's owner for the
    owner's operations. Mistakes are checked before anything is sent and raise
    :class:`~novacron_chain.consensus.ConsensusError` subclasses carrying the numbers involved; the contracts stay
    the authority, and a revert that slips through (another transaction got there first) is mapped to the same
    errors. ``metrics`` receives the validator counts, checkpoint gas and finality, and slashing events.
    """

    def __init__(
        self,
        chain: Chain,
        stake_manager: Contract,
        verifier: Contract,
        *,
        metrics: BlockchainMetrics | None = None,
        from_block: int = 0,
    ) -> None:
        self.chain = chain
        self.stake_manager = stake_manager
        self.verifier = verifier
        self.metrics = metrics
        self.from_block = from_block
        self._token: Contract | None = None
        self._registered = _Scan(chain, stake_manager, "ValidatorRegistered", from_block, {})
        self._finalized: dict[bytes, _Scan] = {}
        # weights by epoch, for epochs that have begun (they never change after): epoch -> (check, {index: weight})
        self._weights: dict[int, tuple[tuple[bytes, int], dict[int, int]]] = {}
        # registered BLS keys by index: a validator's key never changes, so they are read once (in batches)
        self._keys: list[BlsPublicKey] = []
        self._keys_lock = threading.Lock()

    # -- plumbing ---------------------------------------------------------------------------------------------------

    def _read(self, fn: ContractFunction) -> Any:
        try:
            return self.chain.call(fn)
        except ContractCustomError as exc:
            mapped = self._translate(exc)
            if mapped is exc:
                raise
            raise mapped from exc

    def _read_many(self, fns: Sequence[ContractFunction]) -> list[Any]:
        """Many reads in JSON-RPC batches (:meth:`Chain.call_many`), errors mapped as :meth:`_read` maps them."""
        try:
            return self.chain.call_many(fns)
        except ContractCustomError as exc:
            mapped = self._translate(exc)
            if mapped is exc:
                raise
            raise mapped from exc

    def _send(
        self,
        fn: ContractFunction,
        sender: Signer | None,
        *,
        gas: int | None = None,
        max_gas: int | None = None,
        index: int | None = None,
    ) -> Receipt:
        try:
            return self.chain.transact(fn, sender=sender, gas=gas, max_gas=max_gas)
        except ContractCustomError as exc:
            mapped = self._translate(exc, index=index)
            if mapped is exc:
                raise
            raise mapped from exc

    def _send_pairing(
        self, fn: ContractFunction, sender: Signer | None, *, max_gas: int | None = None, index: int | None = None
    ) -> Receipt:
        """Send a call that verifies BLS signatures on chain (EIP-2537 pairings).

        The embedded chain's py-evm runs those precompiles in pure Python (about a second a pairing) and estimates
        gas by a binary search of a dozen executions: there, one call first (a revert becomes its typed error),
        then the transaction with the gas cap as its limit (unused gas is not charged). Elsewhere the estimate.
        """
        if not isinstance(self.chain.backend, EmbeddedBackend):
            return self._send(fn, sender, max_gas=max_gas, index=index)
        try:
            self.chain.call(fn, sender=self._sender(sender).address)
        except ContractCustomError as exc:
            mapped = self._translate(exc, index=index)
            if mapped is exc:
                raise
            raise mapped from exc
        gas = max_gas if max_gas is not None else self.chain.max_gas_per_tx
        return self._send(fn, sender, gas=gas, max_gas=max_gas, index=index)

    def _translate(self, exc: ContractCustomError, *, index: int | None = None) -> NovaChainError:
        """A contract error a user can cause, as the typed error the checks before sending raise."""
        a, name = exc.error_args, exc.error_name
        simple: dict[str, Any] = {
            "StakeManagerStakeBelowMinimum": lambda: StakeBelowMinimumError(int(a["amount"]), int(a["minimum"])),
            "StakeManagerAlreadyRegistered": lambda: AlreadyRegisteredError(checksum(a["owner"]), int(a["index"])),
            "StakeManagerNotRegistered": lambda: NotRegisteredError(checksum(a["owner"])),
            "StakeManagerUnknownValidator": lambda: UnknownValidatorError(int(a["index"]), int(a["count"])),
            "StakeManagerInvalidPubkey": lambda: InvalidProofOfPossessionError(
                "the BLS public key is not a valid G1 point (EIP-2537, 128 bytes, not infinity)"
            ),
            "StakeManagerBadProofOfPossession": lambda: InvalidProofOfPossessionError(
                "the proof of possession does not verify for this key, owner, signer and StakeManager"
            ),
            "StakeManagerPubkeyTaken": lambda: PubkeyTakenError(int(a["index"])),
            "StakeManagerValidatorSetFull": lambda: ValidatorSetFullError(int(a["maxValidators"])),
            "StakeManagerTombstoned": lambda: TombstonedError(int(a["index"])),
            "StakeManagerUnbondExceedsBonded": lambda: UnbondExceedsBondedError(int(a["amount"]), int(a["bonded"])),
            "StakeManagerNothingToWithdraw": lambda: NothingToWithdrawError(int(a["index"])),
            "StakeManagerWithdrawTooEarly": lambda: WithdrawTooEarlyError(
                int(a["index"]), int(a["withdrawableAt"]), self.chain.timestamp()
            ),
            "StakeManagerNotActive": lambda: NotActiveError(int(a["index"]), int(a["epoch"])),
            "StakeManagerEvidenceSameRoot": lambda: InvalidEvidenceError(
                f"both signatures are over the root {_hex(a['root'])}", index=index
            ),
            "StakeManagerBadEvidenceSignature": lambda: InvalidEvidenceError(
                f"signature {'AB'[int(a['which'])]} is not the validator's over its checkpoint digest",
                index=index,
                which=int(a["which"]),
            ),
            "StakeManagerAlreadyJailed": lambda: AlreadyJailedError(int(a["index"])),
            "StakeManagerNotJailed": lambda: NotJailedError(int(a["index"])),
            "StakeManagerJailNotOver": lambda: JailNotOverError(
                int(a["index"]), int(a["jailedUntil"]), self.chain.timestamp()
            ),
            "CheckpointInsufficientStake": lambda: InsufficientSignedStakeError(
                int(a["signedStake"]), int(a["totalStake"])
            ),
            "CheckpointHeightNotIncreasing": lambda: CheckpointHeightError(
                domain_label(bytes(a["domain"])), int(a["height"]), int(a["latestHeight"])
            ),
            "CheckpointEpochNotRecent": lambda: CheckpointEpochError(int(a["epoch"]), int(a["currentEpoch"])),
            "CheckpointBadSignature": lambda: BadCheckpointSignatureError(
                [], hint="the aggregate does not verify: re-check each signature against its validator's key"
            ),
            "CheckpointZeroRoot": lambda: ConsensusValueError("a checkpoint root must not be zero"),
        }
        if name in simple:
            out: NovaChainError = simple[name]()
            return out
        if name == "StakeManagerEnoughSigned" and index is not None:
            params = self.parameters()
            return EnoughSignedError(index, int(a["signed"]), int(a["window"]), params.downtime_min_signed_bps)
        if name.startswith("StakeManagerWindow") or name in (
            "StakeManagerBadDowntimeWindow",
            "StakeManagerNonSignersMismatch",
            "StakeManagerUnknownCheckpoint",
        ):
            return DowntimeProofError(exc.message, index=index if index is not None else -1, hint=exc.hint)
        return exc

    @staticmethod
    def _event(contract: Contract, name: str, receipt: Receipt) -> dict[str, Any]:
        events = contract.events[name]().process_receipt(receipt.raw, errors=DISCARD)
        if not events:
            raise ChainError(f"{name} was not emitted by {contract.address} in {receipt.tx_hash}")
        return dict(events[-1]["args"])

    @property
    def token(self) -> Contract:
        """The stake token (NOVA) the StakeManager bonds."""
        if self._token is None:
            address = str(self._read(self.stake_manager.functions.stakeToken()))
            self._token = self.chain.contract("NovaToken", address)
        return self._token

    def _approve(self, owner: Signer, amount: int) -> int | None:
        """Let the StakeManager move ``amount`` of ``owner``'s NOVA (exactly; nothing sent when the allowance
        covers it); the approval's gas, or None."""
        spender = self.stake_manager.address
        allowance = int(self.chain.call(self.token.functions.allowance(owner.address, spender)))
        if allowance >= amount:
            return None
        return self.chain.transact(self.token.functions.approve(spender, amount), sender=owner).gas_used

    def _require_balance(self, owner: str, amount: int) -> None:
        balance = int(self.chain.call(self.token.functions.balanceOf(owner)))
        if balance < amount:
            raise InsufficientStakeTokensError(owner, balance, amount)

    def _sender(self, sender: Signer | None) -> Signer:
        return sender or self.chain.signer

    # -- reads --------------------------------------------------------------------------------------------------------

    def parameters(self) -> ConsensusParameters:
        """The StakeManager's parameters (minimum stake, limits, rates, durations, treasury) and epoch length."""
        p = self._read(self.stake_manager.functions.parameters())
        _anchor_epoch, _anchor_time, epoch_length = self._read(self.stake_manager.functions.epochClock())
        return ConsensusParameters(
            min_stake=int(p[0]),
            max_validators=int(p[1]),
            min_validators=int(p[2]),
            unbonding_period=int(p[3]),
            slashing_rate_bps=int(p[4]),
            reporter_reward_bps=int(p[5]),
            downtime_window=int(p[6]),
            downtime_min_signed_bps=int(p[7]),
            jail_duration=int(p[8]),
            treasury=checksum(str(p[9])),
            epoch_length=int(epoch_length),
        )

    def current_epoch(self) -> int:
        """The current epoch (changes to the validator set count from the next one)."""
        return int(self._read(self.stake_manager.functions.currentEpoch()))

    def get_validator_count(self) -> int:
        """Validators with weight in the CURRENT epoch (seed: ``GetValidatorCount``): registered, bonded, not jailed
        or tombstoned, and active since an earlier epoch. Ever registered: :attr:`ConsensusStatus.validators`."""
        return int(self._read(self.stake_manager.functions.activeValidatorCount()))

    def validator_index(self, public_key: BlsPublicKey) -> int:
        """The index of the validator registered with BLS key ``public_key``; :class:`NotRegisteredError` if none."""
        found = self._pubkey_index(public_key)
        if found is None:
            raise NotRegisteredError(f"BLS key {public_key.hex()}")
        return found

    def _pubkey_index(self, public_key: BlsPublicKey) -> int | None:
        wanted = public_key.to_eip2537()
        for ev in self._registered.events():
            if bytes(ev["pubkey"]) == wanted:
                return int(ev["index"])
        return None

    def _raw_validator(self, index: int) -> tuple[Any, ...]:
        index = _uint64(index, "validator index")
        count = int(self._read(self.stake_manager.functions.validatorCount()))
        if not 0 <= index < count:
            raise UnknownValidatorError(index, count)
        return tuple(self._read(self.stake_manager.functions.validator(index)))

    def _index_of_owner(self, owner: str) -> int:
        addr = _address(owner, "owner")
        if not self._read(self.stake_manager.functions.isRegistered(addr)):
            raise NotRegisteredError(addr)
        return int(self._read(self.stake_manager.functions.indexOf(addr)))

    def get_validator(self, ref: int | str) -> Validator:
        """Validator ``ref``: its index, or its owner's address."""
        index = self._index_of_owner(ref) if isinstance(ref, str) and not is_digits(ref.strip()) else int(ref)
        return self._validator(index, self._raw_validator(index), self.current_epoch())

    def _validator(self, index: int, raw: Sequence[Any], epoch: int) -> Validator:
        owner, signer, pubkey, bonded, unbonding, withdrawable_at, jailed_until, rejoin, jailed, tombstoned = raw
        weight = int(self._read(self.stake_manager.functions.stakeAt(index, epoch)))
        next_weight = int(self._read(self.stake_manager.functions.stakeAt(index, epoch + 1)))
        status: ValidatorStatus
        if tombstoned:
            status = "tombstoned"
        elif jailed:
            status = "jailed"
        elif weight and next_weight:
            status = "active"
        elif next_weight:
            status = "joining"
        elif weight:
            status = "leaving"
        else:
            status = "inactive"
        return Validator(
            index=index,
            owner=checksum(str(owner)),
            signer=checksum(str(signer)),
            pubkey=BlsPublicKey.from_eip2537(bytes(pubkey)),
            bonded=int(bonded),
            unbonding=int(unbonding),
            withdrawable_at=int(withdrawable_at),
            jailed_until=int(jailed_until),
            rejoin_epoch=int(rejoin),
            jailed=bool(jailed),
            tombstoned=bool(tombstoned),
            weight=weight,
            next_weight=next_weight,
            status=status,
        )

    def list_validators(self) -> list[Validator]:
        """Every validator ever registered, by index, with its weight now and in the next epoch."""
        count = int(self._read(self.stake_manager.functions.validatorCount()))
        epoch = self.current_epoch()
        out = [
            self._validator(i, tuple(self._read(self.stake_manager.functions.validator(i))), epoch)
            for i in range(count)
        ]
        self._feed_validators(count, sum(1 for v in out if v.weight), None)
        return out

    def status(self) -> ConsensusStatus:
        """Epoch, validator counts, the epoch's stake, and whether the network is under-decentralised (fewer active
        validators than ``min_validators``: a warning names the numbers)."""
        sm = self.stake_manager.functions
        params = self.parameters()
        epoch = self.current_epoch()
        count = int(self._read(sm.validatorCount()))
        active = int(self._read(sm.activeValidatorCountAt(epoch)))
        under = active < params.min_validators
        warning = None
        if under:
            warning = (
                f"under-decentralised: {active} active validators, fewer than the {params.min_validators} "
                "(min_validators) the network needs to call itself decentralised"
            )
        self._feed_validators(count, active, params.min_validators)
        return ConsensusStatus(
            epoch=epoch,
            epoch_length=params.epoch_length,
            next_epoch_at=int(self._read(sm.nextEpochAt())),
            validators=count,
            active_validators=active,
            next_epoch_validators=int(self._read(sm.activeValidatorCountAt(epoch + 1))),
            total_stake=int(self._read(sm.totalStakeAt(epoch))),
            min_validators=params.min_validators,
            max_validators=params.max_validators,
            under_decentralised=under,
            warning=warning,
            stake_manager=self.stake_manager.address,
            checkpoint_verifier=self.verifier.address,
        )

    def refresh_metrics(self) -> None:
        """Push the validator counts (registered, active now, the under-decentralised threshold) to ``metrics``."""
        if self.metrics is not None:
            self.status()

    def _feed_validators(self, total: int, active: int, minimum: int | None) -> None:
        if self.metrics is not None:
            self.metrics.update_validators(total, min(active, total), minimum=minimum)

    # -- stake ----------------------------------------------------------------------------------------------------

    def register_validator(
        self,
        address: str,
        stake: int,
        *,
        bls_key: BlsSecretKey | BlsPublicKey,
        proof_of_possession: BlsSignature | None = None,
        sender: Signer | None = None,
    ) -> Registration:
        """Register a validator (seed: ``RegisterValidator(ctx, address, stake)``).

        ``address`` is the validator's address: the signer its process uses on the ECDSA side (registered with it,
        informational on chain). ``sender`` (default: the chain's account) becomes the validator's OWNER: it pays
        ``stake`` base units of NOVA (approved for exactly that, first), and only it can top up, unbond, withdraw
        and unjail. ``bls_key`` is the validator's BLS secret key, which makes the proof of possession here; or its
        public key, with ``proof_of_possession`` made where the secret is kept (checked here before sending).

        The validator has weight from the next epoch. Refused before sending: a stake below the minimum, a second
        registration of the owner, a key already registered, a bad proof, too little NOVA.
        """
        signer_address = _address(address, "validator address")
        stake = _amount(stake, "stake")
        owner = self._sender(sender)
        params = self.parameters()
        if stake < params.min_stake:
            raise StakeBelowMinimumError(stake, params.min_stake)
        sm = self.stake_manager.functions
        if self._read(sm.isRegistered(owner.address)):
            raise AlreadyRegisteredError(owner.address, int(self._read(sm.indexOf(owner.address))))
        public_key = bls_key.public_key() if isinstance(bls_key, BlsSecretKey) else bls_key
        if not isinstance(public_key, BlsPublicKey):
            raise ConsensusValueError(f"bls_key must be a BlsSecretKey or BlsPublicKey, not {type(bls_key).__name__}")
        taken = self._pubkey_index(public_key)
        if taken is not None:
            raise PubkeyTakenError(taken, public_key.hex())
        message = pop_message(
            self.chain.chain_id, self.stake_manager.address, owner.address, signer_address, public_key
        )
        if proof_of_possession is None:
            if not isinstance(bls_key, BlsSecretKey):
                raise ConsensusValueError(
                    "registering a public key needs its proof of possession",
                    hint="pass proof_of_possession, signed where the secret key is kept",
                )
            proof = bls_key.sign(message, POP_DST)
        else:
            proof = proof_of_possession
            if not verify(public_key, message, proof, POP_DST):
                raise InvalidProofOfPossessionError(
                    f"the proof of possession does not verify for key {public_key.hex()}, owner {owner.address}, "
                    f"signer {signer_address} on this StakeManager"
                )
        scheduled = int(self._read(sm.activeValidatorCountAt(self.current_epoch() + 1)))
        if scheduled >= params.max_validators:
            raise ValidatorSetFullError(params.max_validators)
        self._require_balance(owner.address, stake)
        approve_gas = self._approve(owner, stake)
        fn = sm.register(signer_address, public_key.to_eip2537(), proof.to_eip2537(), stake)
        receipt = self._send_pairing(fn, owner)
        ev = self._event(self.stake_manager, "ValidatorRegistered", receipt)
        self.refresh_metrics()
        return Registration(
            index=int(ev["index"]),
            owner=checksum(str(ev["owner"])),
            signer=checksum(str(ev["signer"])),
            pubkey=public_key,
            amount=int(ev["amount"]),
            effective_epoch=int(ev["effectiveEpoch"]),
            tx_hash=receipt.tx_hash,
            block=receipt.block_number,
            gas_used=receipt.gas_used,
            approve_gas_used=approve_gas,
        )

    def _own(self, sender: Signer | None) -> tuple[Signer, int, tuple[Any, ...]]:
        owner = self._sender(sender)
        index = self._index_of_owner(owner.address)
        return owner, index, self._raw_validator(index)

    def top_up(self, amount: int, *, sender: Signer | None = None) -> ValidatorUpdate:
        """Add ``amount`` base units of NOVA to the sender's validator (approved first); counts from the next epoch.
        Also brings back a fully unbonded validator (bonded stake must end at least the minimum)."""
        amount = _amount(amount)
        owner, index, raw = self._own(sender)
        if raw[9]:
            raise TombstonedError(index)
        minimum = self.parameters().min_stake
        if int(raw[3]) + amount < minimum:
            raise StakeBelowMinimumError(int(raw[3]) + amount, minimum)
        self._require_balance(owner.address, amount)
        approve_gas = self._approve(owner, amount)
        receipt = self._send(self.stake_manager.functions.topUp(amount), owner)
        ev = self._event(self.stake_manager, "ValidatorToppedUp", receipt)
        self.refresh_metrics()
        return ValidatorUpdate(
            "top-up",
            index,
            int(ev["amount"]),
            int(ev["bonded"]),
            int(raw[4]),
            int(raw[5]) or None,
            int(ev["effectiveEpoch"]),
            receipt.tx_hash,
            receipt.block_number,
            receipt.gas_used,
            approve_gas,
        )

    def unbond(self, amount: int, *, sender: Signer | None = None) -> ValidatorUpdate:
        """Move ``amount`` base units of the sender's validator's bonded stake to unbonding: it stops counting from
        the next epoch and is withdrawable after the unbonding period (which restarts for anything already
        unbonding). What stays bonded must be zero or at least the minimum stake. Unbonding stake stays slashable."""
        amount = _amount(amount)
        owner, index, raw = self._own(sender)
        bonded = int(raw[3])
        if amount > bonded:
            raise UnbondExceedsBondedError(amount, bonded)
        minimum = self.parameters().min_stake
        if 0 < bonded - amount < minimum:
            raise StakeBelowMinimumError(bonded - amount, minimum, unbonding=amount, bonded=bonded)
        receipt = self._send(self.stake_manager.functions.unbond(amount), owner)
        ev = self._event(self.stake_manager, "ValidatorUnbonded", receipt)
        self.refresh_metrics()
        return ValidatorUpdate(
            "unbond",
            index,
            int(ev["amount"]),
            int(ev["bonded"]),
            int(ev["unbonding"]),
            int(ev["withdrawableAt"]),
            int(ev["effectiveEpoch"]),
            receipt.tx_hash,
            receipt.block_number,
            receipt.gas_used,
        )

    def withdraw(self, *, sender: Signer | None = None) -> ValidatorUpdate:
        """Pay the sender's validator's unbonding stake to the sender, once the unbonding period has passed.
        :class:`WithdrawTooEarlyError` says when it will have."""
        owner, index, raw = self._own(sender)
        unbonding, withdrawable_at = int(raw[4]), int(raw[5])
        if unbonding == 0:
            raise NothingToWithdrawError(index)
        now = self.chain.timestamp()
        if now < withdrawable_at:
            # the next block is at least a second later: refuse only what the contract is sure to refuse
            try:
                self.chain.call(self.stake_manager.functions.withdraw(), sender=owner.address)
            except ContractCustomError as exc:
                if exc.error_name == "StakeManagerWithdrawTooEarly":
                    raise WithdrawTooEarlyError(index, withdrawable_at, now, unbonding) from exc
                raise
        receipt = self._send(self.stake_manager.functions.withdraw(), owner)
        ev = self._event(self.stake_manager, "StakeWithdrawn", receipt)
        self.refresh_metrics()
        return ValidatorUpdate(
            "withdraw",
            index,
            int(ev["amount"]),
            int(raw[3]),
            0,
            None,
            None,
            receipt.tx_hash,
            receipt.block_number,
            receipt.gas_used,
        )

    def unjail(self, *, sender: Signer | None = None) -> ValidatorUpdate:
        """Unjail the sender's validator once its jail time is over; it has weight again from the next epoch."""
        owner, index, raw = self._own(sender)
        if raw[9]:
            raise TombstonedError(index)
        if not raw[8]:
            raise NotJailedError(index)
        receipt = self._send(self.stake_manager.functions.unjail(), owner)
        ev = self._event(self.stake_manager, "ValidatorUnjailed", receipt)
        self.refresh_metrics()
        return ValidatorUpdate(
            "unjail",
            index,
            0,
            int(raw[3]),
            int(raw[4]),
            int(raw[5]) or None,
            int(ev["effectiveEpoch"]),
            receipt.tx_hash,
            receipt.block_number,
            receipt.gas_used,
        )

    # -- evidence -----------------------------------------------------------------------------------------------

    def report_double_sign(self, evidence: DoubleSignEvidence, *, sender: Signer | None = None) -> SlashResult:
        """Report validator ``evidence.index`` for signing two roots for one ``(domain, height)``: it loses the
        slashing rate of its stake (bonded and unbonding) and is tombstoned; the sender gets the reporter's share,
        the treasury the rest. Both signatures are checked here against the validator's registered key before
        anything is sent (:class:`InvalidEvidenceError` for evidence that proves nothing); a validator already
        slashed is refused (:class:`TombstonedError`)."""
        e = evidence
        if e.root_a == e.root_b:
            raise InvalidEvidenceError(f"both signatures are over the root {_hex(e.root_a)}", index=e.index)
        raw = self._raw_validator(e.index)
        if raw[9]:
            raise TombstonedError(e.index)
        public_key = BlsPublicKey.from_eip2537(bytes(raw[2]))
        for which, (root, epoch, signature) in enumerate(
            ((e.root_a, e.epoch_a, e.signature_a), (e.root_b, e.epoch_b, e.signature_b))
        ):
            digest = self.checkpoint_digest(e.domain, e.height, root, epoch)
            if not verify(public_key, digest, signature):
                raise InvalidEvidenceError(
                    f"signature {'AB'[which]} is not validator {e.index}'s over the digest of root {_hex(root)} in "
                    f"epoch {epoch}",
                    index=e.index,
                    which=which,
                )
        fn = self.stake_manager.functions.reportDoubleSign(
            e.index,
            e.domain,
            _uint64(e.height, "height"),
            e.root_a,
            _uint64(e.epoch_a, "epoch"),
            e.signature_a.to_eip2537(),
            e.root_b,
            _uint64(e.epoch_b, "epoch"),
            e.signature_b.to_eip2537(),
        )
        receipt = self._send_pairing(fn, sender, index=e.index)
        ev = self._event(self.stake_manager, "ValidatorSlashed", receipt)
        if self.metrics is not None:
            self.metrics.record_slashing()
        self.refresh_metrics()
        slashed, reward = int(ev["slashed"]), int(ev["reward"])
        return SlashResult(
            index=int(ev["index"]),
            reporter=checksum(str(ev["reporter"])),
            domain=bytes(ev["domain"]),
            height=int(ev["height"]),
            root_a=bytes(ev["rootA"]),
            root_b=bytes(ev["rootB"]),
            slashed=slashed,
            reward=reward,
            treasury_share=slashed - reward,
            tx_hash=receipt.tx_hash,
            block=receipt.block_number,
            gas_used=receipt.gas_used,
        )

    def jail(
        self, index: int, domain: str | bytes, *, sender: Signer | None = None, max_gas: int | None = None
    ) -> JailResult:
        """Jail validator ``index`` for downtime in ``domain``: the proof is built from the CheckpointVerifier's
        ``CheckpointFinalized`` events, the domain's latest ``downtime_window`` checkpoints with their non-signer
        lists. Refused before sending when the domain has too few checkpoints, when some are from before the
        validator (re)joined, or when it signed enough of them (:class:`EnoughSignedError`, with the numbers).

        The proof's gas grows with the window (roughly 17,000 a checkpoint on top of about 250,000): the default
        window of 100 needs about 2 million, above the default ``max_gas_per_tx``; ``max_gas`` raises the cap for
        this one transaction."""
        d = parse_domain(domain)
        raw = self._raw_validator(index)
        if raw[9]:
            raise TombstonedError(index)
        if raw[8]:
            raise AlreadyJailedError(index)
        params = self.parameters()
        window = params.downtime_window
        events = sorted(self._finalized_events(d), key=lambda ev: int(ev["seq"]))
        label = domain_label(d)
        if len(events) < window:
            raise DowntimeProofError(
                f"{label} has {len(events)} final checkpoints; a downtime proof covers the latest {window}",
                index=index,
                hint="wait for more checkpoints (downtime_window is a governance parameter)",
            )
        last = events[-window:]
        rejoin = int(raw[7])
        early = [ev for ev in last if int(ev["epoch"]) < rejoin]
        if early:
            raise DowntimeProofError(
                f"{len(early)} of the latest {window} checkpoints of {label} are from before validator {index} "
                f"(re)joined in epoch {rejoin}: they cannot count against it",
                index=index,
                hint=f"wait for {len(early)} more checkpoints",
            )
        missed = sum(1 for ev in last if index in {int(i) for i in ev["nonSigners"]})
        signed = window - missed
        if signed * _BPS >= params.downtime_min_signed_bps * window:
            raise EnoughSignedError(index, signed, window, params.downtime_min_signed_bps)
        fn = self.stake_manager.functions.jail(
            index, d, [int(ev["height"]) for ev in last], [[int(i) for i in ev["nonSigners"]] for ev in last]
        )
        receipt = self._send(fn, sender, max_gas=max_gas, index=index)
        ev = self._event(self.stake_manager, "ValidatorJailed", receipt)
        if self.metrics is not None:
            self.metrics.record_jailing()
        self.refresh_metrics()
        return JailResult(
            index=int(ev["index"]),
            reporter=checksum(str(ev["reporter"])),
            domain=bytes(ev["domain"]),
            missed=int(ev["missed"]),
            window=int(ev["window"]),
            jailed_until=int(ev["jailedUntil"]),
            effective_epoch=int(ev["effectiveEpoch"]),
            tx_hash=receipt.tx_hash,
            block=receipt.block_number,
            gas_used=receipt.gas_used,
        )

    # -- checkpoints ----------------------------------------------------------------------------------------------

    def checkpoint_digest(self, domain: str | bytes, height: int, root: bytes | str, epoch: int) -> bytes:
        """The 32 bytes validators sign for ``(domain, height, root)`` in ``epoch`` on this chain and verifier (the
        same as ``CheckpointVerifier.checkpointDigest``)."""
        return checkpoint_digest(
            self.chain.chain_id,
            self.verifier.address,
            parse_domain(domain),
            _uint64(height, "height"),
            _root(root),
            _uint64(epoch, "epoch"),
        )

    def sign_checkpoint(
        self,
        domain: str | bytes,
        height: int,
        root: bytes | str,
        bls_key: BlsSecretKey,
        protection: SlashingProtection,
        *,
        epoch: int | None = None,
        index: int | None = None,
    ) -> CheckpointSignature:
        """Sign checkpoint ``(domain, height, root)`` of ``epoch`` (default: the current one) as the validator
        registered with ``bls_key``.

        Asks ``protection`` (the key's slashing-protection record) first, which refuses a second root for a
        ``(domain, height)`` this key signed and records the new one on disk before the signature exists: check the
        root from public data BEFORE calling this. Refused too when the validator has no weight in the epoch (its
        signature would not count). ``index`` skips the lookup of the key's validator index (checked against the
        chain).
        """
        d, height, r = parse_domain(domain), _uint64(height, "height"), _root(root)
        public_key = bls_key.public_key()
        if protection.pubkey != public_key:
            raise ConsensusValueError(
                f"the slashing-protection record {protection.path} is for key {protection.pubkey.hex()}, not "
                f"{public_key.hex()}",
                hint="open the record of the key that signs (SlashingProtection.open(directory, key.public_key()))",
            )
        epoch = self.current_epoch() if epoch is None else _uint64(epoch, "epoch")
        if index is None:
            index = self.validator_index(public_key)
        else:
            on_chain = bytes(self._raw_validator(index)[2])
            if on_chain != public_key.to_eip2537():
                raise ConsensusValueError(
                    f"validator {index} is registered with another BLS key than {public_key.hex()}"
                )
        if not int(self._read(self.stake_manager.functions.stakeAt(index, epoch))):
            raise NotActiveError(index, epoch)
        protection.check_and_record(d, height, r)
        digest = checkpoint_digest(self.chain.chain_id, self.verifier.address, d, height, r, epoch)
        return CheckpointSignature(d, height, r, epoch, index, public_key, bls_key.sign(digest), time.time())

    def epoch_weights(self, epoch: int, *, fresh: bool = False) -> dict[int, int]:
        """``{index: weight}`` of the validators with weight in ``epoch`` (their stake at its start).

        The stakes are read in JSON-RPC batches (one ``stakeAt`` per registered validator, a few round trips for a
        thousand). Cached for epochs that have begun (their set never changes), keyed also by the epoch's aggregate
        key and total stake, which a different history (a reorg, a dev chain reverted) changes: a cached epoch costs
        one batch of four reads. ``fresh`` reads the stakes again."""
        sm = self.stake_manager.functions
        epoch = _uint64(epoch, "epoch")
        aggregate_key, total, count, current = self._read_many(
            [sm.aggregatePubkeyAt(epoch), sm.totalStakeAt(epoch), sm.validatorCount(), sm.currentEpoch()]
        )
        check = (bytes(aggregate_key), int(total))
        cached = self._weights.get(epoch)
        if cached is not None and cached[0] == check and not fresh:
            return cached[1]
        stakes = self._read_many([sm.stakeAt(i, epoch) for i in range(int(count))])
        weights = {i: int(w) for i, w in enumerate(stakes) if int(w)}
        if epoch <= int(current):
            self._weights[epoch] = (check, weights)
        return weights

    def pubkey_of(self, index: int, *, fresh: bool = False) -> BlsPublicKey:
        """The BLS public key validator ``index`` registered (:class:`UnknownValidatorError` when there is none).

        Keys are kept for the life of this object: a validator's key never changes. A miss reads the keys of every
        validator registered since the last read, in JSON-RPC batches. ``fresh`` reads this one again from the chain
        (a dev chain reverted to a snapshot can give an index another key)."""
        index = _uint64(index, "validator index")
        pubkey_of = self.stake_manager.functions.pubkeyOf
        with self._keys_lock:
            if index < len(self._keys) and not fresh:
                return self._keys[index]
            count = int(self._read(self.stake_manager.functions.validatorCount()))
            if index >= count:
                del self._keys[count:]  # a shorter history than the one the keys were read from
                raise UnknownValidatorError(index, count)
            if index < len(self._keys):
                self._keys[index] = BlsPublicKey.from_eip2537(bytes(self._read(pubkey_of(index))))
            else:
                raw = self._read_many([pubkey_of(i) for i in range(len(self._keys), count)])
                self._keys.extend(BlsPublicKey.from_eip2537(bytes(r)) for r in raw)
            return self._keys[index]

    def _fresh_keys(self, indices: Sequence[int]) -> dict[int, BlsPublicKey]:
        """The registered keys of ``indices`` read from the chain now (one batch), and remembered."""
        raw = self._read_many([self.stake_manager.functions.pubkeyOf(i) for i in indices])
        keys = {i: BlsPublicKey.from_eip2537(bytes(r)) for i, r in zip(indices, raw, strict=True)}
        with self._keys_lock:
            for i, key in keys.items():
                if i < len(self._keys):
                    self._keys[i] = key
        return keys

    def aggregate(
        self, signatures: Iterable[CheckpointSignature], *, available_at: float | None = None
    ) -> CheckpointSubmission:
        """Combine validators' signatures of one checkpoint into a submission: the aggregate signature and the
        sorted list of the epoch's active validators that did not sign.

        Checks before anything is sent: all signatures are for one ``(domain, height, root, epoch)``; each signer
        has weight in the epoch; the signers hold MORE than 2/3 of the epoch's stake
        (:class:`InsufficientSignedStakeError` with the stake on each side); and, with the StakeManager's
        ``signingSet`` for the same non-signer list, that the aggregate verifies against the signers' aggregate key
        (:class:`BadCheckpointSignatureError` names the signatures that do not). Duplicates of one validator's
        signature are dropped. ``available_at`` (unix time the root became available; default: the earliest
        signature's) starts the finality measurement.
        """
        sigs = list(signatures)
        if not sigs:
            raise ConsensusValueError("no signatures to aggregate")
        first = sigs[0]
        key = (first.domain, first.height, first.root, first.epoch)
        by_index: dict[int, CheckpointSignature] = {}
        for s in sigs:
            if (s.domain, s.height, s.root, s.epoch) != key:
                raise ConsensusValueError(
                    f"the signatures are for different checkpoints: ({domain_label(s.domain)}, {s.height}, "
                    f"{_hex(s.root)}, epoch {s.epoch}) and ({domain_label(first.domain)}, {first.height}, "
                    f"{_hex(first.root)}, epoch {first.epoch})",
                    hint="aggregate the signatures of one (domain, height, root, epoch) at a time",
                )
            seen = by_index.get(s.validator_index)
            if seen is not None and seen.signature != s.signature:
                raise ConsensusValueError(
                    f"validator {s.validator_index} appears twice with different signatures of the same checkpoint",
                    hint="keep the one that verifies (a BLS signature of one message by one key is unique)",
                )
            by_index[s.validator_index] = s
        domain, height, root, epoch = key
        digest = checkpoint_digest(self.chain.chain_id, self.verifier.address, domain, height, root, epoch)
        signature = aggregate_signatures([by_index[i].signature for i in sorted(by_index)])
        for attempt in (0, 1):
            weights = self.epoch_weights(epoch, fresh=attempt == 1)
            outside = sorted(set(by_index) - set(weights))
            if outside:
                raise NotActiveError(outside[0], epoch)
            non_signers = tuple(sorted(set(weights) - set(by_index)))
            total = sum(weights.values())
            signed = sum(weights[i] for i in by_index)
            if 3 * signed <= 2 * total:
                raise InsufficientSignedStakeError(signed, total, signers=len(by_index), active=len(weights))
            aggregate_key, chain_signed, chain_total = self._read(
                self.stake_manager.functions.signingSet(epoch, list(non_signers))
            )
            if (int(chain_signed), int(chain_total)) == (signed, total) and verify(
                BlsPublicKey.from_eip2537(bytes(aggregate_key)), digest, signature
            ):
                break
        else:
            keys = self._fresh_keys(sorted(by_index))
            bad = [i for i in sorted(by_index) if not verify(keys[i], digest, by_index[i].signature)]
            raise BadCheckpointSignatureError(bad)
        return CheckpointSubmission(
            domain=domain,
            height=height,
            root=root,
            epoch=epoch,
            signers=tuple(sorted(by_index)),
            non_signers=non_signers,
            signature=signature,
            signed_stake=signed,
            total_stake=total,
            available_at=available_at if available_at is not None else min(s.signed_at for s in sigs),
        )

    def submit_checkpoint(
        self, submission: CheckpointSubmission, *, sender: Signer | None = None, max_gas: int | None = None
    ) -> Checkpoint:
        """Send an aggregated checkpoint to the CheckpointVerifier; returns it final, with the gas used and the
        finality time (root available to final) when the submission knows when the root became available.

        Checked before sending: the epoch is the current or the previous one, the height is above the domain's
        latest final height, the root is not zero (the contract also re-checks the stake and the signature).
        ``max_gas`` raises the gas cap for this one submission: each non-signer costs a few thousand gas, so a
        large set with many non-signers can need more than ``max_gas_per_tx``. The result carries a ``warning``
        while the network is under-decentralised.
        """
        s = submission
        _root(s.root)
        vf = self.verifier.functions
        current = self.current_epoch()
        if s.epoch not in (current, current - 1):
            raise CheckpointEpochError(s.epoch, current)
        if int(self._read(vf.checkpointCount(s.domain))):
            latest = int(self._read(vf.latestHeight(s.domain)))
            if s.height <= latest:
                raise CheckpointHeightError(domain_label(s.domain), s.height, latest)
        fn = vf.submitCheckpoint(s.domain, s.height, s.root, s.epoch, list(s.non_signers), s.signature.to_eip2537())
        receipt = self._send_pairing(fn, sender, max_gas=max_gas)
        final_at = time.time()
        finality = max(final_at - s.available_at, 0.0) if s.available_at is not None else None
        ev = self._event(self.verifier, "CheckpointFinalized", receipt)
        stored = self._read(vf.checkpoint(s.domain, s.height))
        warning = None
        if self._read(self.stake_manager.functions.underDecentralised()):
            st = self.status()
            warning = st.warning
        if self.metrics is not None:
            self.metrics.record_checkpoint(receipt.gas_used, finality)
        return Checkpoint(
            domain=s.domain,
            height=s.height,
            root=bytes(stored[0]),
            epoch=int(stored[1]),
            seq=int(stored[2]),
            submitted_at=int(stored[3]),
            signed_stake=int(stored[4]),
            total_stake=int(stored[5]),
            non_signers_hash=bytes(stored[6]),
            non_signers=tuple(int(i) for i in ev["nonSigners"]),
            tx_hash=receipt.tx_hash,
            block=receipt.block_number,
            gas_used=receipt.gas_used,
            finality_seconds=finality,
            warning=warning,
        )

    def is_final(self, domain: str | bytes, height: int, root: bytes | str) -> bool:
        """Whether checkpoint ``(domain, height, root)`` is final (what other contracts ask the verifier)."""
        d, height, r = parse_domain(domain), _uint64(height, "height"), _root(root)
        return bool(self._read(self.verifier.functions.isFinal(d, height, r)))

    def latest_height(self, domain: str | bytes) -> int | None:
        """The domain's latest final height, or None when it has no checkpoint yet."""
        d = parse_domain(domain)
        if not int(self._read(self.verifier.functions.checkpointCount(d))):
            return None
        return int(self._read(self.verifier.functions.latestHeight(d)))

    def _finalized_events(self, domain: bytes) -> list[dict[str, Any]]:
        scan = self._finalized.get(domain)
        if scan is None:
            scan = self._finalized[domain] = _Scan(
                self.chain, self.verifier, "CheckpointFinalized", self.from_block, {"domain": domain}
            )
        return scan.events()

    @staticmethod
    def _from_event(domain: bytes, ev: dict[str, Any], submitted_at: int, nonsigners_hash: bytes) -> Checkpoint:
        return Checkpoint(
            domain=domain,
            height=int(ev["height"]),
            root=bytes(ev["root"]),
            epoch=int(ev["epoch"]),
            seq=int(ev["seq"]),
            submitted_at=submitted_at,
            signed_stake=int(ev["signedStake"]),
            total_stake=int(ev["totalStake"]),
            non_signers_hash=nonsigners_hash,
            non_signers=tuple(int(i) for i in ev["nonSigners"]),
            tx_hash=str(ev["_tx"]),
            block=int(ev["_block"]),
        )

    def get_checkpoint(self, domain: str | bytes, height: int) -> Checkpoint:
        """The final checkpoint of ``domain`` at ``height``, with its non-signers and transaction;
        :class:`UnknownCheckpointError` when none is final there."""
        d, height = parse_domain(domain), _uint64(height, "height")
        stored = self._read(self.verifier.functions.checkpoint(d, height))
        if not int(stored[3]):
            raise UnknownCheckpointError(domain_label(d), height, self.latest_height(d))
        for ev in self._finalized_events(d):
            if int(ev["height"]) == height:
                return self._from_event(d, ev, int(stored[3]), bytes(stored[6]))
        return Checkpoint(
            d, height, bytes(stored[0]), int(stored[1]), int(stored[2]), int(stored[3]), int(stored[4]),
            int(stored[5]), bytes(stored[6]),
        )  # fmt: skip

    def list_checkpoints(self, domain: str | bytes) -> list[Checkpoint]:
        """Every final checkpoint of ``domain``, oldest first (from the verifier's ``CheckpointFinalized`` events)."""
        d = parse_domain(domain)
        out = []
        for ev in sorted(self._finalized_events(d), key=lambda e: int(e["seq"])):
            stored = self._read(self.verifier.functions.checkpoint(d, int(ev["height"])))
            out.append(self._from_event(d, ev, int(stored[3]), bytes(stored[6])))
        return out
