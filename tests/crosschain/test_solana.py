"""The bridge to Solana, in process: the embedded EVM chain 1001 (its ``Bridge``) and a LiteSVM ledger with the SPL
programs. Lock on EVM and mint with the guardians' SPL multisig, burn on Solana and release on EVM with the guardians'
ECDSA quorum; each message once in both directions (replays refused on chain, not only by our code), and fewer than
the threshold of signatures refused on both chains."""

from __future__ import annotations

import json
import struct
import time
from dataclasses import replace
from pathlib import Path

import pytest
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.token.state import Mint, TokenAccount, TokenAccountState
from solders.transaction import Transaction

from novacron_chain.chain import Signer
from novacron_chain.crosschain import (
    SOLANA_CHAIN_IDS,
    AttestationStore,
    BridgeEndpoint,
    BridgeMessage,
    BridgeTransferError,
    BridgeValueError,
    CrossChainBridge,
    LiteSVMCluster,
    SolanaBridge,
    SolanaGuardian,
    TransferState,
    derive_solana_keypair,
    dev_guardians,
    load_solana_keypair,
    solana_recipient_address,
)
from novacron_chain.crosschain._solana import (
    ASSOCIATED_TOKEN_PROGRAM_ID,
    MEMO_PROGRAM_ID,
    SYSTEM_PROGRAM_ID,
    TOKEN_PROGRAM_ID,
    record_address,
    record_owner,
)
from novacron_chain.errors import ContractCustomError

from .conftest import TwoChains

ETH = 10**18
SPL = 10**8  # one token in SPL units (8 decimals)
SOLANA = SOLANA_CHAIN_IDS["solana-devnet"]


class Setup:
    def __init__(self, chains: TwoChains) -> None:
        nc = chains.a
        ends = {"A": BridgeEndpoint("A", nc.chain, nc.contract("Bridge"))}
        self.chains = chains
        self.evm = CrossChainBridge(ends.__getitem__, lambda: list(ends), AttestationStore())
        self.cluster = LiteSVMCluster()
        self.sol = SolanaBridge(self.evm, "A", self.cluster, solana_chain_id=SOLANA)
        self.guardians = [SolanaGuardian(s, derive_solana_keypair(s)) for s in dev_guardians(nc.chain)]
        self.payer = Keypair()
        self.cluster.fund(self.payer.pubkey(), 10 * 10**9)
        self.token = chains.token_a.address
        self.route = self.sol.create_route(self.token, [g.pubkey for g in self.guardians], self.payer)
        self.store = AttestationStore()

    def erc20(self, who: str) -> int:
        return int(self.chains.a.chain.call(self.chains.token_a.functions.balanceOf(who)))

    def spl(self, owner: Pubkey) -> int:
        return self.cluster.token_balance(owner, self.route.mint)


@pytest.fixture
def s(two_chains: TwoChains) -> Setup:
    return Setup(two_chains)


@pytest.fixture
def alice(two_chains: TwoChains) -> Signer:
    return two_chains.a.chain.dev_signer(1)


@pytest.fixture
def bob(two_chains: TwoChains) -> Signer:
    return two_chains.a.chain.dev_signer(2)


def _quorum_mint_tx(s: Setup, message: BridgeMessage, owner: Pubkey, k: int) -> Transaction:
    """A mint transaction signed directly with ``k`` guardian keys, bypassing every off-chain check."""
    keys = [g.keypair for g in s.guardians[:k]]
    blockhash = s.cluster.blockhash()
    msg = s.sol.mint_message(message, owner, s.payer.pubkey(), blockhash, [kp.pubkey() for kp in keys])
    return Transaction([s.payer, *keys], msg, blockhash)


def test_route_is_an_spl_multisig_of_the_guardians(s: Setup) -> None:
    ms = s.sol.multisig()
    assert (ms.m, ms.n, ms.is_initialized) == (5, 7, True)
    assert set(ms.signers[: ms.n]) == {g.pubkey for g in s.guardians}
    mint = Mint.from_bytes(bytes(s.cluster.account(s.route.mint).data))  # type: ignore[union-attr]
    assert (mint.mint_authority, mint.freeze_authority, mint.decimals, mint.supply) == (s.route.multisig, None, 8, 0)
    receipt = Mint.from_bytes(bytes(s.cluster.account(s.route.receipt_mint).data))  # type: ignore[union-attr]
    assert (receipt.mint_authority, receipt.freeze_authority) == (s.route.multisig, s.route.multisig)
    assert s.route.scale == 10**10
    assert type(s.route).from_dict(s.route.to_dict()) == s.route
    # the dev derivation is deterministic, and the guardians' Solana keys differ from each other
    assert derive_solana_keypair(s.guardians[0].signer).pubkey() == s.guardians[0].pubkey


def test_round_trip_evm_solana_evm(s: Setup, alice: Signer, bob: Signer) -> None:
    owner = Keypair()
    s.cluster.fund(owner.pubkey(), 10**9)
    alice_start, bob_start = s.erc20(alice.address), s.erc20(bob.address)

    t0 = time.perf_counter()
    t = s.sol.send_to_solana(alice, s.token, 10 * ETH, owner.pubkey())
    t1 = time.perf_counter()
    assert (t.id, t.state, t.message.target_chain_id) == ("1001-1", TransferState.INITIATED, SOLANA)
    assert t.message.recipient == solana_recipient_address(owner.pubkey())
    assert s.sol.solana_owner(t.message) == owner.pubkey()
    assert s.evm.locked("A", SOLANA, s.token) == 10 * ETH
    assert s.erc20(alice.address) == alice_start - 10 * ETH

    actions = s.sol.relay_to_solana(s.guardians, s.payer)
    t2 = time.perf_counter()
    assert [(a.action, a.transfer_id) for a in actions] == [("delivered", "1001-1")]
    mint_cu = actions[0].gas_used
    assert s.spl(owner.pubkey()) == 10 * SPL
    assert s.cluster.supply(s.route.mint) == 10 * SPL
    assert s.sol.is_minted(t.message)
    assert s.sol.pending_mints() == []

    burn = s.sol.burn(owner, 4 * SPL, bob.address)
    t3 = time.perf_counter()
    assert burn.message.source_chain_id == SOLANA
    assert burn.message.amount == 4 * ETH
    assert burn.message.recipient == bob.address
    assert burn.message.token == s.token
    assert s.spl(owner.pubkey()) == 6 * SPL
    assert s.cluster.supply(s.route.mint) == 6 * SPL

    actions = s.sol.relay_to_evm(s.guardians, s.store)
    t4 = time.perf_counter()
    assert [a.action for a in actions] == ["attested"] * 7 + ["delivered"]
    assert actions[-1].transfer_id == burn.transfer_id
    assert s.erc20(bob.address) == bob_start + 4 * ETH
    assert s.evm.locked("A", SOLANA, s.token) == 6 * ETH
    assert s.evm.is_delivered(burn.message)
    states = [(x.source, x.target, x.state) for x in s.sol.transfers(s.store)]
    assert states == [("A", "solana", TransferState.DELIVERED), ("solana", "A", TransferState.DELIVERED)]
    # what is locked on EVM for the route backs exactly what exists on Solana
    assert s.evm.locked("A", SOLANA, s.token) == s.cluster.supply(s.route.mint) * s.route.scale
    print(
        f"\nlock on EVM {1000 * (t1 - t0):.0f} ms, mint on Solana (5 guardian co-signatures) {1000 * (t2 - t1):.0f} ms,"
        f" burn {1000 * (t3 - t2):.0f} ms, attest (7) and release on EVM {1000 * (t4 - t3):.0f} ms;"
        f" mint {mint_cu} compute units, release {actions[-1].gas_used} gas"
    )


def test_each_message_once_in_both_directions(s: Setup, alice: Signer, bob: Signer) -> None:
    owner = Keypair()
    s.cluster.fund(owner.pubkey(), 10**9)
    t = s.sol.send_to_solana(alice, s.token, 3 * ETH, owner.pubkey())
    assert [a.action for a in s.sol.relay_to_solana(s.guardians, s.payer)] == ["delivered"]
    # a restarted relayer finds nothing to do; guardians refuse to co-sign the same message again
    assert s.sol.relay_to_solana(s.guardians, s.payer) == []
    s.cluster.svm.expire_blockhash()  # a new blockhash: not Solana's duplicate-signature check, the record decides
    with pytest.raises(BridgeValueError, match="minted on Solana already"):
        s.sol.mint(t.message, owner.pubkey(), s.guardians, s.payer)
    # even a quorum that signs a second mint directly is refused on chain: its record account is frozen already
    with pytest.raises(BridgeTransferError, match="failed"):
        s.cluster.send(_quorum_mint_tx(s, t.message, owner.pubkey(), 5), doing="replaying")
    assert s.spl(owner.pubkey()) == 3 * SPL
    record = TokenAccount.from_bytes(bytes(s.cluster.account(record_address(t.message, s.route.receipt_mint)).data))  # type: ignore[union-attr]
    assert record.state == TokenAccountState.Frozen

    burn = s.sol.burn(owner, 3 * SPL, bob.address)
    before = s.erc20(bob.address)
    assert [a.action for a in s.sol.relay_to_evm(s.guardians, s.store)][-1] == "delivered"
    assert s.sol.relay_to_evm(s.guardians, s.store) == []  # restarted: delivered already
    # the same burn read again is the same message (its nonce is a function of the burn's signature) ...
    assert s.sol.read_burn(burn.signature) == burn
    # ... and the Bridge refuses to release it twice
    ep = s.evm.endpoint("A")
    fn = ep.bridge.functions.deliver(burn.message.as_tuple(), s.sol.quorum(burn.message, s.store))
    with pytest.raises(ContractCustomError) as err:
        ep.chain.transact(fn)
    assert err.value.error_name == "BridgeAlreadyDelivered"
    assert s.erc20(bob.address) == before + 3 * ETH
    assert s.evm.locked("A", SOLANA, s.token) == 0


def test_below_threshold_refused_on_both_chains(s: Setup, alice: Signer, bob: Signer) -> None:
    owner = Keypair()
    s.cluster.fund(owner.pubkey(), 10**9)
    t = s.sol.send_to_solana(alice, s.token, 2 * ETH, owner.pubkey())
    # four guardians at hand: the relayer waits
    actions = s.sol.relay_to_solana(s.guardians[:4], s.payer)
    assert [a.action for a in actions] == ["waiting"]
    assert "4 of the 5" in actions[0].detail
    # four guardian signatures on the transaction itself: the token program refuses the multisig
    with pytest.raises(BridgeTransferError, match="MissingRequiredSignature"):
        s.cluster.send(_quorum_mint_tx(s, t.message, owner.pubkey(), 4), doing="minting with 4")
    assert s.spl(owner.pubkey()) == 0
    assert not s.sol.is_minted(t.message)
    # five guardians mint it
    assert [a.action for a in s.sol.relay_to_solana(s.guardians[2:], s.payer)] == ["delivered"]

    burn = s.sol.burn(owner, 2 * SPL, bob.address)
    actions = s.sol.relay_to_evm(s.guardians[:4], s.store)
    assert [a.action for a in actions] == ["attested"] * 4 + ["waiting"]
    ep = s.evm.endpoint("A")
    sigs = sorted(s.store.signatures(burn.message).items(), key=lambda kv: int(kv[0], 16))
    fn = ep.bridge.functions.deliver(burn.message.as_tuple(), [sig for _, sig in sigs])
    with pytest.raises(ContractCustomError) as err:
        ep.chain.transact(fn)
    assert err.value.error_name == "BridgeQuorumNotMet"
    assert [a.action for a in s.sol.relay_to_evm(s.guardians[4:], s.store)][-1] == "delivered"


def test_guardians_check_what_they_sign(s: Setup, alice: Signer, bob: Signer) -> None:
    owner, mallory = Keypair(), Keypair()
    t = s.sol.send_to_solana(alice, s.token, ETH, owner.pubkey())
    g = s.guardians[0]
    blockhash = s.cluster.blockhash()
    signers = [x.pubkey for x in s.guardians[:5]]
    # to another owner than the one committed in the EVM message
    wrong_owner = s.sol.mint_message(t.message, mallory.pubkey(), s.payer.pubkey(), blockhash, signers)
    with pytest.raises(BridgeValueError, match="is not the recipient"):
        g.sign_mint(s.sol, t.message, mallory.pubkey(), wrong_owner)
    # a message the EVM bridge never published (more tokens)
    inflated = replace(t.message, amount=100 * ETH)
    msg = s.sol.mint_message(inflated, owner.pubkey(), s.payer.pubkey(), blockhash, signers)
    with pytest.raises(BridgeValueError, match="not published"):
        g.sign_mint(s.sol, inflated, owner.pubkey(), msg)
    # the right message, but a transaction that does something else (mints to mallory's account)
    honest = s.sol.mint_message(t.message, owner.pubkey(), s.payer.pubkey(), blockhash, signers)
    ixs = [
        Instruction(
            TOKEN_PROGRAM_ID, bytes([14]) + struct.pack("<QB", 10**9, 8), [AccountMeta(s.route.mint, False, True)]
        )
    ]
    tampered = Message.new_with_blockhash(ixs, s.payer.pubkey(), blockhash)
    with pytest.raises(BridgeValueError, match="not its canonical mint"):
        g.sign_mint(s.sol, t.message, owner.pubkey(), tampered)
    assert g.sign_mint(s.sol, t.message, owner.pubkey(), honest) is not None
    # a transaction that is not a burn with our memo is not attested
    s.cluster.fund(owner.pubkey(), 10**9)
    memo_only = Message.new_with_blockhash(
        [Instruction(MEMO_PROGRAM_ID, f"novacron:to:1001:{bob.address}".encode(), [])], owner.pubkey(), blockhash
    )
    tx = Transaction([owner], memo_only, blockhash)
    s.cluster.send(tx, doing="memo")
    with pytest.raises(BridgeValueError, match="is not one burn"):
        g.attest_burn(s.sol, tx.signatures[0], s.store)


def test_front_running_the_record_account_does_not_block_a_mint(s: Setup, alice: Signer) -> None:
    owner, mallory = Keypair(), Keypair()
    s.cluster.fund(mallory.pubkey(), 10**9)
    t = s.sol.send_to_solana(alice, s.token, ETH, owner.pubkey())
    record = record_address(t.message, s.route.receipt_mint)
    # mallory creates the message's record account first (anyone can create an associated token account) ...
    create = Instruction(
        ASSOCIATED_TOKEN_PROGRAM_ID,
        bytes([1]),
        [
            AccountMeta(mallory.pubkey(), True, True),
            AccountMeta(record, False, True),
            AccountMeta(record_owner(t.message), False, False),
            AccountMeta(s.route.receipt_mint, False, False),
            AccountMeta(SYSTEM_PROGRAM_ID, False, False),
            AccountMeta(TOKEN_PROGRAM_ID, False, False),
        ],
    )
    bh = s.cluster.blockhash()
    s.cluster.send(Transaction([mallory], Message.new_with_blockhash([create], mallory.pubkey(), bh), bh), doing="x")
    assert s.cluster.account(record) is not None
    assert not s.sol.is_minted(t.message)
    # ... but only the guardians' quorum can freeze it: the mint goes through
    assert [a.action for a in s.sol.relay_to_solana(s.guardians, s.payer)] == ["delivered"]
    assert s.spl(owner.pubkey()) == SPL


def test_bad_input_is_refused_with_a_hint(s: Setup, alice: Signer, bob: Signer) -> None:
    owner = Keypair()
    with pytest.raises(BridgeValueError, match="multiple of 10000000000") as err:
        s.sol.send_to_solana(alice, s.token, ETH + 1, owner.pubkey())
    assert err.value.hint
    assert "8 decimals" in err.value.hint
    with pytest.raises(BridgeValueError, match="not a Solana address"):
        s.sol.send_to_solana(alice, s.token, ETH, "0xnot-base58")
    with pytest.raises(BridgeValueError, match="cannot burn"):
        s.sol.burn(owner, SPL, bob.address)
    with pytest.raises(BridgeValueError, match="at most 11 signers"):
        s.sol.create_route(s.token, [Keypair().pubkey() for _ in range(12)], s.payer)
    with pytest.raises(BridgeValueError, match="over Solana's 1232-byte limit"):
        s.sol.create_route(s.token, [Keypair().pubkey() for _ in range(11)], s.payer, threshold=8)
    with pytest.raises(BridgeValueError, match="no executed Solana transaction"):
        s.sol.read_burn(Keypair().sign_message(b"x"))


def test_a_delayed_transfer_is_minted_after_its_release(s: Setup, alice: Signer) -> None:
    owner = Keypair()
    large = 100_000 * ETH  # the config default bridge_large_transfer: always delayed
    t = s.sol.send_to_solana(alice, s.token, large, owner.pubkey())
    assert t.state is TransferState.DELAYED
    assert t.release_at is not None
    assert [x.state for x in s.sol.transfers()] == [TransferState.DELAYED]
    assert s.sol.relay_to_solana(s.guardians, s.payer) == []  # not published: nothing to mint
    s.chains.a.chain.advance(seconds=24 * 3600 + 1)
    s.sol.release_delayed(t.message)
    assert [a.action for a in s.sol.relay_to_solana(s.guardians, s.payer)] == ["delivered"]
    assert s.spl(owner.pubkey()) == 100_000 * SPL
    assert [x.state for x in s.sol.transfers()] == [TransferState.DELIVERED]


def test_a_transfer_sent_around_the_checks_waits_and_does_not_block_others(s: Setup, alice: Signer) -> None:
    owner = Keypair()
    ep = s.evm.endpoint("A")
    ep.chain.transact(s.chains.token_a.functions.approve(ep.bridge.address, 10 * ETH), sender=alice)
    # Bridge.send called directly: no Solana owner after the arguments, and an amount finer than 8 decimals
    no_owner = ep.bridge.functions.send(s.token, ETH, SOLANA, solana_recipient_address(owner.pubkey()))
    ep.chain.transact(no_owner, sender=alice)
    too_fine = ep.bridge.functions.send(s.token, 10**9, SOLANA, solana_recipient_address(owner.pubkey()))
    ep.chain.transact(too_fine, sender=alice)
    fine = s.sol.send_to_solana(alice, s.token, 2 * ETH, owner.pubkey())
    actions = s.sol.relay_to_solana(s.guardians, s.payer)
    assert [(a.action, a.transfer_id) for a in actions] == [
        ("waiting", "1001-1"),
        ("waiting", "1001-2"),
        ("delivered", fine.id),
    ]
    assert "does not carry its Solana owner" in actions[0].detail
    # whoever knows the owner (it hashes to the recipient) hands it to the relayer
    owners = {"1001-1": owner.pubkey(), "1001-2": owner.pubkey()}
    actions = s.sol.relay_to_solana(s.guardians, s.payer, owners=owners)
    assert [a.action for a in actions] == ["delivered", "waiting"]
    assert "not mintable" in actions[1].detail  # 10**9 wei is 0 SPL units: stays locked, never half-minted
    assert s.spl(owner.pubkey()) == 3 * SPL


def test_guardian_keys_from_solana_cli_files(tmp_path: Path) -> None:
    kp = Keypair()
    good = tmp_path / "guardian.json"
    good.write_text(json.dumps(list(bytes(kp))))
    assert load_solana_keypair(good).pubkey() == kp.pubkey()
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2, 3]")
    with pytest.raises(BridgeValueError, match="cannot read Solana keypair") as err:
        load_solana_keypair(bad)
    assert err.value.hint is not None
    assert "solana-keygen" in err.value.hint
