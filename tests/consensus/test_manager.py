"""``BlockchainConsensus`` on the embedded chain (py-evm Prague, with the EIP-2537 precompiles): four validators
register, a checkpoint of the ``state`` domain becomes final with three of them, two are refused with the stake on
each side, a double sign is slashed and tombstoned, unbonding waits for its period, downtime is jailed.

The contracts are deployed once for the module with a dev configuration (1,000 NOVA minimum stake, 2-minute epochs,
a 3-checkpoint downtime window); four dev accounts register in the fixture and every test reverts what it did.
Slow: the chain verifies BLS signatures with py-evm's pure-Python pairings (about two seconds a verification).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from novacron_chain import NovaChain, consensus
from novacron_chain.chain import DeployStep, Signer, dev_signers
from novacron_chain.config import BlockchainConfig
from novacron_chain.consensus import (
    AlreadyRegisteredError,
    BlockchainConsensus,
    BlsSecretKey,
    CheckpointEpochError,
    CheckpointHeightError,
    CheckpointSignature,
    ConsensusValueError,
    DoubleSignEvidence,
    DoubleSignRefusedError,
    EnoughSignedError,
    InsufficientSignedStakeError,
    InsufficientStakeTokensError,
    InvalidEvidenceError,
    InvalidProofOfPossessionError,
    JailNotOverError,
    NotActiveError,
    NothingToWithdrawError,
    NotRegisteredError,
    PubkeyTakenError,
    SlashingProtection,
    StakeBelowMinimumError,
    TombstonedError,
    UnbondExceedsBondedError,
    UnknownCheckpointError,
    WithdrawTooEarlyError,
)
from novacron_chain.errors import ContractCustomError
from novacron_chain.metrics import render_text
from tests._support import nova_and_timelock, reverting

pytestmark = pytest.mark.slow

NOVA = 10**18
STAKE = 1000 * NOVA
EPOCH = 120
UNBONDING = 1200
JAIL = 300
DEV = {
    "validator_stake": 1000,
    "epoch_length": EPOCH,
    "unbonding_period": UNBONDING,
    "jail_duration": JAIL,
    "downtime_window": 3,
    "min_validators": 5,
}
OWNERS = dev_signers()[1:5]
KEYS = [BlsSecretKey.from_seed(bytes([0x40 + i]) * 32) for i in range(4)]
#: gas figures measured by the tests, printed at the end of the module (pytest -s)
GAS: dict[str, int] = {}


def consensus_steps(config: BlockchainConfig) -> list[DeployStep]:
    """NOVA, the timelock (the default treasury), the StakeManager and the CheckpointVerifier."""
    return [*nova_and_timelock(config), *consensus.deploy_steps(config)]


def advance_to_epoch(nc: NovaChain, epoch: int) -> None:
    """Move chain time to the start of ``epoch`` (or later)."""
    c = nc.consensus
    while c.current_epoch() < epoch:
        next_at = int(nc.chain.call(c.stake_manager.functions.nextEpochAt()))
        nc.chain.advance(max(next_at - nc.chain.timestamp(), 1))


@pytest.fixture(scope="module")
def pos() -> Iterator[NovaChain]:
    """The module's chain: the contracts deployed, four validators registered and active."""
    nc = NovaChain.embedded(**DEV)
    nc.deploy(steps=consensus_steps(nc.config.blockchain))
    c = nc.consensus
    effective = 0
    for i, (owner, key) in enumerate(zip(OWNERS, KEYS, strict=True)):
        reg = c.register_validator(owner.address, STAKE, bls_key=key, sender=owner)
        assert reg.index == i
        GAS["register (first)" if i == 0 else "register"] = reg.gas_used
        GAS["NOVA approve"] = reg.approve_gas_used or 0
        effective = max(effective, reg.effective_epoch)
    advance_to_epoch(nc, effective)
    yield nc
    nc.close()
    if GAS:
        print("\nconsensus gas on the embedded chain:", ", ".join(f"{k} {v:,}" for k, v in GAS.items()))


@pytest.fixture
def nc(pos: NovaChain) -> Iterator[NovaChain]:
    yield from reverting(pos)


@pytest.fixture
def cm(nc: NovaChain) -> BlockchainConsensus:
    return nc.consensus


@pytest.fixture
def guards(tmp_path: Path) -> Iterator[list[SlashingProtection]]:
    """Each validator's slashing-protection record."""
    opened = [SlashingProtection.open(tmp_path / f"protection-{i}", k.public_key()) for i, k in enumerate(KEYS)]
    yield opened
    for g in opened:
        g.close()


def sign(
    cm: BlockchainConsensus, guards: list[SlashingProtection], who: range | list[int], height: int, root: bytes
) -> list[CheckpointSignature]:
    return [cm.sign_checkpoint("state", height, root, KEYS[i], guards[i]) for i in who]


def nova_balance(nc: NovaChain, address: str) -> int:
    return int(nc.chain.call(nc.consensus.token.functions.balanceOf(address)))


# -- the registry -------------------------------------------------------------------------------------------------


def test_four_validators_are_active(cm: BlockchainConsensus) -> None:
    assert cm.get_validator_count() == 4
    st = cm.status()
    assert (st.validators, st.active_validators, st.total_stake) == (4, 4, 4 * STAKE)
    assert st.under_decentralised
    assert "4 active validators" in (st.warning or "")
    v = cm.get_validator(2)
    assert (v.owner, v.status, v.bonded, v.weight, v.pubkey) == (
        OWNERS[2].address,
        "active",
        STAKE,
        STAKE,
        KEYS[2].public_key(),
    )
    assert cm.get_validator(OWNERS[1].address).index == 1
    assert [x.index for x in cm.list_validators()] == [0, 1, 2, 3]
    assert cm.validator_index(KEYS[3].public_key()) == 3
    p = cm.parameters()
    assert (p.min_stake, p.slashing_rate_bps, p.reporter_reward_bps, p.downtime_window) == (STAKE, 1000, 1000, 3)
    assert p.treasury == cm.chain.contract("NovaTimelock", p.treasury).address  # the timelock, deployed before


def test_registration_refuses_bad_input_with_the_numbers(nc: NovaChain, cm: BlockchainConsensus) -> None:
    newcomer = dev_signers()[6]
    key = BlsSecretKey.from_seed(b"\x77" * 32)
    with pytest.raises(StakeBelowMinimumError) as low:
        cm.register_validator(newcomer.address, STAKE - 1, bls_key=key, sender=newcomer)
    assert (low.value.amount, low.value.minimum, low.value.exit_code) == (STAKE - 1, STAKE, 2)
    assert "999.999999999999999999 NOVA" in low.value.message
    assert "1,000 NOVA" in low.value.message
    with pytest.raises(AlreadyRegisteredError) as again:
        cm.register_validator(OWNERS[0].address, STAKE, bls_key=key, sender=OWNERS[0])
    assert (again.value.index, again.value.exit_code) == (0, 2)
    with pytest.raises(PubkeyTakenError) as taken:
        cm.register_validator(newcomer.address, STAKE, bls_key=KEYS[1], sender=newcomer)
    assert taken.value.index == 1
    # a proof of possession made for another owner does not verify for this one: a replayed proof is refused
    foreign = key.prove_possession(nc.chain.chain_id, cm.stake_manager.address, OWNERS[0].address, newcomer.address)
    with pytest.raises(InvalidProofOfPossessionError) as pop:
        cm.register_validator(
            newcomer.address, STAKE, bls_key=key.public_key(), proof_of_possession=foreign, sender=newcomer
        )
    assert pop.value.exit_code == 2
    with pytest.raises(InsufficientStakeTokensError) as poor:
        cm.register_validator(newcomer.address, 600_000 * NOVA, bls_key=key, sender=newcomer)
    assert (poor.value.balance, poor.value.needed) == (500_000 * NOVA, 600_000 * NOVA)
    with pytest.raises(ConsensusValueError):
        cm.register_validator("0x123", STAKE, bls_key=key, sender=newcomer)
    assert cm.status().validators == 4  # nothing was registered
    # the contract stays the authority: the same mistakes revert there
    with pytest.raises(ContractCustomError) as raw:
        nc.chain.call(
            cm.stake_manager.functions.register(
                newcomer.address, key.public_key().to_eip2537(), foreign.to_eip2537(), STAKE
            ),
            sender=newcomer.address,
        )
    assert raw.value.error_name in ("StakeManagerBadProofOfPossession", "ERC20InsufficientAllowance")


def test_a_proof_made_elsewhere_registers_a_public_key(nc: NovaChain, cm: BlockchainConsensus) -> None:
    newcomer = dev_signers()[6]
    key = BlsSecretKey.from_seed(b"\x78" * 32)
    proof = key.prove_possession(nc.chain.chain_id, cm.stake_manager.address, newcomer.address, newcomer.address)
    reg = cm.register_validator(
        newcomer.address, STAKE, bls_key=key.public_key(), proof_of_possession=proof, sender=newcomer
    )
    assert reg.index == 4
    assert reg.effective_epoch == cm.current_epoch() + 1
    assert cm.get_validator(4).status == "joining"
    assert cm.status().next_epoch_validators == 5
    assert nc.metrics.get_snapshot().total_validators == 5


# -- checkpoints ----------------------------------------------------------------------------------------------------


def test_three_of_four_make_a_checkpoint_final(
    nc: NovaChain, cm: BlockchainConsensus, guards: list[SlashingProtection]
) -> None:
    root = os.urandom(32)
    sigs = sign(cm, guards, [0, 1, 2], 1, root)
    assert [s.validator_index for s in sigs] == [0, 1, 2]
    sub = cm.aggregate(sigs)
    assert (sub.signers, sub.non_signers) == ((0, 1, 2), (3,))
    assert (sub.signed_stake, sub.total_stake) == (3 * STAKE, 4 * STAKE)
    assert cm.latest_height("state") is None
    cp = cm.submit_checkpoint(sub)
    GAS["checkpoint (3 of 4 signed)"] = cp.gas_used or 0
    assert (cp.height, cp.root, cp.seq, cp.non_signers, cp.signed_share) == (1, root, 0, (3,), 0.75)
    assert cp.finality_seconds is not None
    assert cp.finality_seconds >= 0
    assert cp.warning
    assert "under-decentralised" in cp.warning
    assert cm.is_final("state", 1, root)
    assert not cm.is_final("state", 1, os.urandom(32))
    assert not cm.is_final("l2", 1, root)
    assert cm.latest_height("state") == 1
    shown = cm.get_checkpoint("state", 1)
    assert (shown.root, shown.non_signers, shown.tx_hash) == (root, (3,), cp.tx_hash)
    assert [c.height for c in cm.list_checkpoints("state")] == [1]
    snap = nc.metrics.get_snapshot()
    assert snap.total_checkpoints == 1
    assert snap.last_checkpoint_gas == cp.gas_used
    assert snap.checkpoint_finality_count == 1
    assert snap.under_decentralised
    text = render_text(nc.metrics).decode()
    assert 'blockchain_checkpoints_total{network="embedded:memory"} 1.0' in text
    assert 'blockchain_validators_active{network="embedded:memory"} 4.0' in text
    assert "blockchain_checkpoint_finality_seconds_bucket" in text

    # the same height again is refused before sending, and so is a later height signed in a stale epoch
    again = cm.aggregate(sign(cm, guards, [0, 1, 2, 3], 1, root))
    with pytest.raises(CheckpointHeightError) as height:
        cm.submit_checkpoint(again)
    assert (height.value.height, height.value.latest) == (1, 1)
    all_four = cm.aggregate(sign(cm, guards, range(4), 2, os.urandom(32)))
    cp2 = cm.submit_checkpoint(all_four)
    GAS["checkpoint (4 of 4 signed)"] = cp2.gas_used or 0
    assert cp2.non_signers == ()
    assert cp2.signed_share == 1.0
    stale = cm.aggregate(sign(cm, guards, range(4), 3, os.urandom(32)))
    advance_to_epoch(nc, stale.epoch + 2)
    with pytest.raises(CheckpointEpochError) as old:
        cm.submit_checkpoint(stale)
    assert (old.value.epoch, old.value.current) == (stale.epoch, stale.epoch + 2)


def test_two_of_four_are_refused_with_the_stake_on_each_side(
    cm: BlockchainConsensus, guards: list[SlashingProtection]
) -> None:
    sigs = sign(cm, guards, [1, 3], 7, os.urandom(32))
    with pytest.raises(InsufficientSignedStakeError) as short:
        cm.aggregate(sigs)
    e = short.value
    assert (e.signed_stake, e.total_stake, e.signers, e.active) == (2 * STAKE, 4 * STAKE, 2, 4)
    assert e.needed == 4 * STAKE * 2 // 3 + 1
    assert "2,000 NOVA" in e.message
    assert "4,000 NOVA" in e.message
    assert "50.00%" in e.message
    assert e.exit_code == 1
    assert cm.latest_height("state") is None  # nothing was sent
    # the verifier refuses it too
    with pytest.raises(ContractCustomError) as raw:
        cm.chain.call(
            cm.verifier.functions.submitCheckpoint(
                sigs[0].domain, 7, sigs[0].root, sigs[0].epoch, [0, 2], sigs[0].signature.to_eip2537()
            )
        )
    assert raw.value.error_name == "CheckpointInsufficientStake"


def test_bad_signatures_are_named(cm: BlockchainConsensus, guards: list[SlashingProtection]) -> None:
    root = os.urandom(32)
    sigs = sign(cm, guards, [0, 1, 2], 4, root)
    forged = CheckpointSignature(
        sigs[1].domain, 4, root, sigs[1].epoch, 1, sigs[1].public_key, KEYS[3].sign(b"\x00" * 32), sigs[1].signed_at
    )
    from novacron_chain.consensus import BadCheckpointSignatureError

    with pytest.raises(BadCheckpointSignatureError) as bad:
        cm.aggregate([sigs[0], forged, sigs[2]])
    assert bad.value.indices == [1]
    with pytest.raises(ConsensusValueError, match="different checkpoints"):
        cm.aggregate([sigs[0], *sign(cm, guards, [3], 5, root)])


def test_signing_checks_the_key_the_record_and_the_weight(
    nc: NovaChain, cm: BlockchainConsensus, guards: list[SlashingProtection], tmp_path: Path
) -> None:
    root = os.urandom(32)
    with pytest.raises(ConsensusValueError, match="slashing-protection record"):
        cm.sign_checkpoint("state", 1, root, KEYS[0], guards[1])
    stranger = BlsSecretKey.from_seed(b"\x79" * 32)
    with SlashingProtection.open(tmp_path / "stranger", stranger.public_key()) as g, pytest.raises(NotRegisteredError):
        cm.sign_checkpoint("state", 1, root, stranger, g)
    newcomer = dev_signers()[6]
    cm.register_validator(newcomer.address, STAKE, bls_key=stranger, sender=newcomer)
    with SlashingProtection.open(tmp_path / "stranger", stranger.public_key()) as g:
        with pytest.raises(NotActiveError) as inactive:
            cm.sign_checkpoint("state", 1, root, stranger, g)
        assert (inactive.value.index, inactive.value.epoch) == (4, cm.current_epoch())
        assert g.signed_root(consensus.domain_id("state"), 1) is None  # refused before anything was recorded


# -- slashing -------------------------------------------------------------------------------------------------------


def test_double_sign_is_slashed_reporter_paid_tombstoned(
    nc: NovaChain, cm: BlockchainConsensus, guards: list[SlashingProtection], tmp_path: Path
) -> None:
    root_a, root_b = os.urandom(32), os.urandom(32)
    (a,) = sign(cm, guards, [0], 9, root_a)
    with pytest.raises(DoubleSignRefusedError):  # the validator's own record refuses the second root
        sign(cm, guards, [0], 9, root_b)
    # a misconfigured second process with its own (empty) record signs the other root: that is what gets slashed
    with SlashingProtection.open(tmp_path / "second-process", KEYS[0].public_key()) as second:
        b = cm.sign_checkpoint("state", 9, root_b, KEYS[0], second)
    evidence = DoubleSignEvidence.from_signatures(a, b)
    assert DoubleSignEvidence.from_dict(evidence.to_dict()) == evidence
    reporter = dev_signers()[7]
    treasury = cm.parameters().treasury
    before = nova_balance(nc, reporter.address), nova_balance(nc, treasury)
    r = cm.report_double_sign(evidence, sender=reporter)
    GAS["report double sign (slash)"] = r.gas_used
    assert (r.index, r.reporter, r.slashed, r.reward, r.treasury_share) == (
        0,
        reporter.address,
        STAKE // 10,
        STAKE // 100,
        STAKE // 10 - STAKE // 100,
    )
    assert nova_balance(nc, reporter.address) == before[0] + STAKE // 100
    assert nova_balance(nc, treasury) == before[1] + STAKE // 10 - STAKE // 100
    v = cm.get_validator(0)
    assert v.tombstoned
    assert v.status == "tombstoned"
    assert v.bonded + v.unbonding == STAKE - STAKE // 10
    assert v.weight == STAKE
    assert v.next_weight == 0
    assert nc.metrics.get_snapshot().slashing_events == 1
    # the same evidence (or any other) cannot slash it twice: refused before sending, and by the contract
    with pytest.raises(TombstonedError) as twice:
        cm.report_double_sign(evidence, sender=reporter)
    assert twice.value.index == 0
    e = evidence
    with pytest.raises(ContractCustomError) as raw:
        nc.chain.call(
            cm.stake_manager.functions.reportDoubleSign(
                0, e.domain, e.height, e.root_a, e.epoch_a, e.signature_a.to_eip2537(), e.root_b, e.epoch_b,
                e.signature_b.to_eip2537(),
            ),
            sender=reporter.address,
        )  # fmt: skip
    assert raw.value.error_name == "StakeManagerTombstoned"
    with pytest.raises(TombstonedError):
        cm.top_up(STAKE, sender=OWNERS[0])
    advance_to_epoch(nc, cm.current_epoch() + 1)
    assert cm.get_validator_count() == 3


def test_evidence_that_proves_nothing_is_refused(cm: BlockchainConsensus, guards: list[SlashingProtection]) -> None:
    root = os.urandom(32)
    (a,) = sign(cm, guards, [1], 11, root)
    same = DoubleSignEvidence(1, a.domain, 11, root, a.epoch, a.signature, root, a.epoch, a.signature)
    with pytest.raises(InvalidEvidenceError) as nothing:
        cm.report_double_sign(same)
    assert nothing.value.exit_code == 2
    assert "proves nothing" in nothing.value.message
    (other,) = sign(cm, guards, [2], 11, os.urandom(32))  # another validator's signature of another root
    forged = DoubleSignEvidence(1, a.domain, 11, root, a.epoch, a.signature, other.root, other.epoch, other.signature)
    with pytest.raises(InvalidEvidenceError) as wrong:
        cm.report_double_sign(forged)
    assert wrong.value.which == 1
    with pytest.raises(ConsensusValueError, match="validators 1 and 2"):
        DoubleSignEvidence.from_signatures(a, other)
    assert not cm.get_validator(1).tombstoned


# -- stake --------------------------------------------------------------------------------------------------------


def test_unbond_then_withdraw_after_the_unbonding_period(nc: NovaChain, cm: BlockchainConsensus) -> None:
    owner = OWNERS[1]
    with pytest.raises(UnbondExceedsBondedError) as much:
        cm.unbond(STAKE + 1, sender=owner)
    assert (much.value.amount, much.value.bonded) == (STAKE + 1, STAKE)
    with pytest.raises(StakeBelowMinimumError) as partial:
        cm.unbond(400 * NOVA, sender=owner)
    assert (partial.value.amount, partial.value.minimum, partial.value.unbonding) == (600 * NOVA, STAKE, 400 * NOVA)
    with pytest.raises(NothingToWithdrawError):
        cm.withdraw(sender=owner)
    top = cm.top_up(500 * NOVA, sender=owner)
    GAS["top-up"] = top.gas_used
    assert top.bonded == 1500 * NOVA
    u = cm.unbond(1500 * NOVA, sender=owner)
    GAS["unbond"] = u.gas_used
    assert (u.amount, u.bonded, u.unbonding) == (1500 * NOVA, 0, 1500 * NOVA)
    assert u.withdrawable_at is not None
    assert u.withdrawable_at >= nc.chain.timestamp() + UNBONDING - 2
    assert cm.get_validator(1).status == "leaving"
    balance = nova_balance(nc, owner.address)
    with pytest.raises(WithdrawTooEarlyError) as early:
        cm.withdraw(sender=owner)
    assert early.value.withdrawable_at == u.withdrawable_at
    assert early.value.amount == 1500 * NOVA
    assert early.value.exit_code == 1
    assert "withdrawable from" in early.value.message
    nc.chain.advance(UNBONDING // 2)
    with pytest.raises(WithdrawTooEarlyError):
        cm.withdraw(sender=owner)
    nc.chain.advance(UNBONDING // 2 + 1)
    w = cm.withdraw(sender=owner)
    GAS["withdraw"] = w.gas_used
    assert w.amount == 1500 * NOVA
    assert nova_balance(nc, owner.address) == balance + 1500 * NOVA
    with pytest.raises(NothingToWithdrawError):
        cm.withdraw(sender=owner)
    assert cm.get_validator(1).status == "inactive"
    with pytest.raises(NotRegisteredError):
        cm.unbond(NOVA, sender=dev_signers()[8])


def test_downtime_is_jailed_and_unjailed_after_the_jail_time(
    nc: NovaChain, cm: BlockchainConsensus, guards: list[SlashingProtection]
) -> None:
    from novacron_chain.consensus import DowntimeProofError, NotJailedError

    with pytest.raises(DowntimeProofError, match="0 final checkpoints"):
        cm.jail(3, "state")
    for height in (1, 2, 3):
        cm.submit_checkpoint(cm.aggregate(sign(cm, guards, [0, 1, 2], height, os.urandom(32))))
    with pytest.raises(EnoughSignedError) as enough:
        cm.jail(0, "state")
    assert (enough.value.signed, enough.value.window) == (3, 3)
    with pytest.raises(NotJailedError):
        cm.unjail(sender=OWNERS[3])
    reporter: Signer = dev_signers()[7]
    j = cm.jail(3, "state", sender=reporter)
    GAS["jail (window of 3)"] = j.gas_used
    assert (j.index, j.missed, j.window, j.reporter) == (3, 3, 3, reporter.address)
    assert cm.get_validator(3).status == "jailed"
    assert nc.metrics.get_snapshot().jail_events == 1
    with pytest.raises(JailNotOverError) as early:
        cm.unjail(sender=OWNERS[3])
    assert early.value.jailed_until == j.jailed_until
    advance_to_epoch(nc, j.effective_epoch)
    assert cm.get_validator_count() == 3
    nc.chain.advance(JAIL + 1)
    u = cm.unjail(sender=OWNERS[3])
    GAS["unjail"] = u.gas_used
    assert cm.get_validator(3).next_weight == STAKE
    advance_to_epoch(nc, u.effective_epoch or 0)
    assert cm.get_validator_count() == 4


def test_unknown_checkpoints_and_domains(cm: BlockchainConsensus) -> None:
    with pytest.raises(UnknownCheckpointError) as unknown:
        cm.get_checkpoint("state", 42)
    assert unknown.value.exit_code == 2
    assert cm.list_checkpoints("bridge") == []
    assert consensus.parse_domain("0x" + consensus.domain_id("l2").hex()) == consensus.domain_id("l2")
    with pytest.raises(ConsensusValueError):
        cm.is_final("state", 1, b"\x00" * 32)
    digest = cm.checkpoint_digest("state", 5, b"\x01" * 32, 3)
    assert digest == bytes(
        cm.chain.call(cm.verifier.functions.checkpointDigest(consensus.domain_id("state"), 5, b"\x01" * 32, 3))
    )
