"""The bridge to Solana: resource tokens locked by the EVM ``Bridge`` become an SPL token minted by the guardians.

No custom Solana program: everything on Solana is the SPL Token, Associated Token Account and Memo programs.

* **Route** (:meth:`SolanaBridge.create_route`): an SPL Token **multisig** account of the guardians' ed25519 keys
  (m of n, native to the token program: ``InitializeMultisig2``) is the mint authority of the bridged token's mint
  (no freeze authority) and the mint and freeze authority of a second, 0-decimal *receipt* mint. ``m`` is the EVM
  bridge's guardian threshold, the keys are the same guardians' (one ECDSA key for EVM, one ed25519 key for Solana).
* **EVM -> Solana** (:meth:`SolanaBridge.send_to_solana`, :meth:`SolanaBridge.relay_to_solana`): the existing
  ``Bridge.send`` to Solana's chain id (:data:`SOLANA_CHAIN_IDS`; the Bridge takes any target id but its own and 0,
  and counts what it locks per route) locks the ERC-20. The message's 20-byte recipient is a commitment to the
  Solana owner, :func:`solana_recipient_address` (``keccak256("novacron:solana:" || pubkey)[12:]``), and the owner's
  32-byte key rides after the ABI-encoded ``send`` arguments in the same calldata (Solidity ignores trailing
  calldata), so the relayer finds it on chain. Each guardian checks that the EVM bridge published the message, that
  the key matches the commitment, that the message was not minted, and that the Solana transaction it is asked to
  sign is exactly the canonical mint of that message; m signatures make the transaction valid.
* **Exactly once on Solana**: the mint transaction also creates (idempotently) the associated token account of the
  receipt mint owned by the message's record address, ``find_program_address(["novacron-msg", messageLeaf],
  memo program)`` (an address nobody can sign for), and **freezes** it with the guardians' multisig. Freezing a
  frozen account fails in the token program, and the transaction is atomic: a second mint of the same message
  fails on chain whoever sends it and whatever blockhash it carries. Anyone may create the record account (the ATA
  program is permissionless) but only the quorum can freeze it, so nobody can block a mint by creating it first.
  "Was message X minted?" is one account read, no history scan (no memo and no scan of past mints, which would
  race between relayers and need the ledger's history). Cost: one 165-byte token account per message, 2,039,280
  lamports of rent paid by the relayer and kept forever (Wormhole's token bridge keeps a claim account per message
  the same way).
* **Solana -> EVM** (:meth:`SolanaBridge.burn`, :meth:`SolanaBridge.relay_to_evm`): the holder burns (``BurnChecked``)
  with a memo ``novacron:to:<evm chain id>:<0x recipient>`` in the same transaction. The guardians read the executed
  transaction, rebuild the :class:`~novacron_chain.crosschain.BridgeMessage` (source: Solana's id; nonce: the first 8
  bytes of ``sha256("novacron:solana-burn" || tx signature)``, unique because Solana never executes a signature
  twice; token: the ERC-20 on its home chain; amount scaled back to its decimals) and sign its EIP-712 delivery
  digest with their ECDSA keys, exactly as for an EVM source; ``Bridge.deliver`` releases what was locked for the
  Solana route, once (its delivered record), never more than was locked. Only top-level instructions count: a burn
  made inside another program (CPI), or one without the memo, is not attested (those tokens are gone): burn with
  :meth:`SolanaBridge.burn`.
* **Amounts**: SPL amounts are u64, so the SPL token has ``min(decimals, 8)`` decimals (Wormhole's choice): 18-decimal
  tokens are sent in multiples of 10**10 of their smallest unit (anything else is refused before sending, no dust is
  stranded) and the supply cap is 2**64 - 1 SPL units (184 billion tokens at 8 decimals).
* **Limits of the SPL multisig**: at most 11 signers (``MAX_SIGNERS``), and a legacy transaction is at most 1,232
  bytes, which holds the canonical mint with up to 7 guardian signatures: a 13-of-19 set, as the EVM side allows,
  cannot be an SPL multisig; :meth:`SolanaBridge.create_route` refuses such sets with the numbers.

:class:`LiteSVMCluster` runs all of it in process (``solders.litesvm``, which ships the SPL programs); it has no
blocks, so it moves to a new blockhash after each transaction. A real cluster means the same transactions sent over
JSON-RPC (solana-py's ``Client``), guardians reading ``getTransaction`` / ``getAccountInfo`` at ``finalized``
commitment and the relayer finding burns with ``getSignaturesForAddress(mint)``: not built or tried here.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_utils import keccak, to_checksum_address
from solders.account import Account
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import CreateAccountParams, create_account
from solders.token.associated import get_associated_token_address
from solders.token.state import Mint, Multisig, TokenAccount, TokenAccountState
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata

from ..chain import Receipt, Signer, TxRequest, checksum
from ._errors import AttestationError, BridgeTransferError, BridgeValueError
from ._relayer import AttestationStore, RelayAction, recover_signer
from ._roots import message_leaf
from ._types import BridgeMessage, BridgeTransfer, TransferState

if TYPE_CHECKING:
    from ._bridge import CrossChainBridge

__all__ = [
    "SOLANA_CHAIN_IDS",
    "LiteSVMCluster",
    "SolanaBridge",
    "SolanaBurn",
    "SolanaGuardian",
    "SolanaRoute",
    "derive_solana_keypair",
    "load_solana_keypair",
    "solana_recipient_address",
]

#: the ``uint64`` chain id the EVM ``Bridge`` uses for a Solana cluster: Chainlink CCIP's chain selectors, random
#: 64-bit numbers chosen not to collide with any EVM chain id (Wormhole's Solana id, 1, is Ethereum's EVM id)
SOLANA_CHAIN_IDS: dict[str, int] = {
    "solana": 124_615_329_519_749_607,
    "solana-devnet": 16_423_721_717_087_811_551,
}

TOKEN_PROGRAM_ID = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
ASSOCIATED_TOKEN_PROGRAM_ID = Pubkey.from_string("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL")
MEMO_PROGRAM_ID = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
SYSTEM_PROGRAM_ID = Pubkey.from_string("11111111111111111111111111111111")

MAX_MULTISIG_SIGNERS = 11  # spl-token's MAX_SIGNERS
MAX_TRANSACTION_SIZE = 1232  # bytes of a serialized transaction (the IPv6 MTU less headers)
SPL_DECIMALS_CAP = 8  # SPL amounts are u64: at most 8 decimals, as Wormhole
_MULTISIG_LEN, _MINT_LEN, _ACCOUNT_LEN = 355, 82, 165
_RECORD_SEED = b"novacron-msg"
_BURN_TAG = b"novacron:solana-burn"
_MEMO_TO = re.compile(r"novacron:to:(\d+):(0x[0-9a-fA-F]{40})")
# spl-token instruction tags
_FREEZE_ACCOUNT, _MINT_TO_CHECKED, _BURN, _BURN_CHECKED, _INIT_MULTISIG2, _INIT_MINT2 = 10, 14, 8, 15, 19, 20
_SEND_ARGS_LEN = 4 + 4 * 32  # selector + (address, uint256, uint64, address)
_OUT_DELAYED, _OUT_CANCELLED = 2, 3  # IBridge.Outbound


# -- keys and addresses ----------------------------------------------------------------------------------------------


def solana_recipient_address(owner: Pubkey | str) -> str:
    """The 20-byte EVM ``recipient`` that commits to Solana owner ``owner``: ``keccak256("novacron:solana:" ||
    owner)[12:]``, checksummed (no secp256k1 key hashes to it: Ethereum hashes 64-byte keys)."""
    return to_checksum_address(keccak(b"novacron:solana:" + bytes(_pubkey(owner, "Solana recipient")))[12:])


def derive_solana_keypair(signer: Signer) -> Keypair:
    """A guardian's ed25519 key derived from its ECDSA key (``sha256("novacron-chain solana guardian" || key)``):
    dev chains, where the ECDSA keys are public anyway. Real guardians load their own (:func:`load_solana_keypair`)."""
    return Keypair.from_seed(hashlib.sha256(b"novacron-chain solana guardian" + signer.private_key).digest())


def load_solana_keypair(path: Path) -> Keypair:
    """A keypair file as the Solana CLI writes it (``solana-keygen new -o``): a JSON array of 64 bytes."""
    try:
        raw = json.loads(Path(path).read_text())
        if not (isinstance(raw, list) and len(raw) == 64 and all(isinstance(b, int) and 0 <= b < 256 for b in raw)):
            raise ValueError("not a JSON array of 64 bytes")
        return Keypair.from_bytes(bytes(raw))
    except (OSError, ValueError) as exc:
        raise BridgeValueError(
            f"cannot read Solana keypair {path}: {exc}",
            hint="give a keypair file written by `solana-keygen new -o FILE` (a JSON array of 64 numbers)",
        ) from None


def _pubkey(value: Pubkey | str, what: str) -> Pubkey:
    if isinstance(value, Pubkey):
        return value
    try:
        return Pubkey.from_string(str(value).strip())
    except ValueError:
        raise BridgeValueError(
            f"{what} {value!r} is not a Solana address", hint="give a base58 public key of 32 bytes"
        ) from None


def record_owner(message: BridgeMessage) -> Pubkey:
    """The owner of ``message``'s record account: an address derived from its leaf that nobody can sign for."""
    owner, _ = Pubkey.find_program_address([_RECORD_SEED, message_leaf(message)], MEMO_PROGRAM_ID)
    return owner


def record_address(message: BridgeMessage, receipt_mint: Pubkey) -> Pubkey:
    """The account whose frozen state records that ``message`` was minted on Solana."""
    return get_associated_token_address(record_owner(message), receipt_mint)


def _burn_nonce(signature: Signature) -> int:
    nonce = int.from_bytes(hashlib.sha256(_BURN_TAG + bytes(signature)).digest()[:8], "big")
    return nonce or 1


# -- instructions (spl-token, associated token account, memo) --------------------------------------------------------


def _multisig_signers(authority: Pubkey, signers: Sequence[Pubkey]) -> list[AccountMeta]:
    return [AccountMeta(authority, False, False)] + [AccountMeta(s, True, False) for s in signers]


def _create_ata(payer: Pubkey, owner: Pubkey, mint: Pubkey) -> Instruction:
    accounts = [
        AccountMeta(payer, True, True),
        AccountMeta(get_associated_token_address(owner, mint), False, True),
        AccountMeta(owner, False, False),
        AccountMeta(mint, False, False),
        AccountMeta(SYSTEM_PROGRAM_ID, False, False),
        AccountMeta(TOKEN_PROGRAM_ID, False, False),
    ]
    return Instruction(ASSOCIATED_TOKEN_PROGRAM_ID, bytes([1]), accounts)  # CreateIdempotent


def _memo(text: str, signer: Pubkey | None = None) -> Instruction:
    accounts = [] if signer is None else [AccountMeta(signer, True, False)]
    return Instruction(MEMO_PROGRAM_ID, text.encode(), accounts)


# -- the ledger ------------------------------------------------------------------------------------------------------


class LiteSVMCluster:
    """An in-process Solana ledger (``solders.litesvm.LiteSVM``, SPL programs built in) with what a guardian asks a
    node: accounts, and executed transactions by signature (``getTransaction``; LiteSVM keeps only their results,
    so this wrapper keeps every transaction it executed, as a node's ledger does)."""

    def __init__(self, svm: LiteSVM | None = None) -> None:
        self.svm = svm if svm is not None else LiteSVM()
        self._executed: dict[Signature, Transaction] = {}

    def send(self, tx: Transaction, *, doing: str) -> TransactionMetadata:
        """Execute ``tx``; :class:`BridgeTransferError` with the program logs when it fails (nothing changed)."""
        result = self.svm.send_transaction(tx)
        if isinstance(result, FailedTransactionMetadata):
            logs = "\n".join(result.meta().logs()[-6:])
            raise BridgeTransferError(
                f"Solana transaction {doing} failed: {result.err()}" + (f"\n{logs}" if logs else ""),
                hint="nothing changed on Solana (transactions are atomic); see the program logs above",
            )
        self._executed[tx.signatures[0]] = tx
        # LiteSVM has no blocks: a new blockhash after each transaction, as if each landed in its own slot (two
        # identical transfers would otherwise be one transaction, refused as AlreadyProcessed)
        self.svm.expire_blockhash()
        return result

    def transaction(self, signature: Signature) -> Transaction | None:
        """The transaction ``signature`` names, if it executed successfully on this ledger."""
        tx = self._executed.get(signature)
        if tx is None or not isinstance(self.svm.get_transaction(signature), TransactionMetadata):
            return None
        return tx

    def transactions(self) -> Iterator[Transaction]:
        """Every transaction executed here, oldest first."""
        yield from self._executed.values()

    def account(self, address: Pubkey) -> Account | None:
        """The account at ``address`` (None when it does not exist)."""
        return self.svm.get_account(address)

    def blockhash(self) -> Hash:
        """The blockhash new transactions carry."""
        return self.svm.latest_blockhash()

    def rent(self, size: int) -> int:
        """Lamports that keep an account of ``size`` bytes rent-exempt."""
        return int(self.svm.minimum_balance_for_rent_exemption(size))

    def fund(self, address: Pubkey, lamports: int) -> None:
        """Airdrop ``lamports`` to ``address`` (a local ledger only)."""
        result = self.svm.airdrop(address, lamports)
        if isinstance(result, FailedTransactionMetadata):
            raise BridgeTransferError(f"airdrop to {address} failed: {result.err()}")

    def token_balance(self, owner: Pubkey, mint: Pubkey) -> int:
        """``owner``'s balance of ``mint`` in its associated token account (0 when it has none)."""
        acct = self.account(get_associated_token_address(owner, mint))
        return 0 if acct is None else int(TokenAccount.from_bytes(bytes(acct.data)).amount)

    def supply(self, mint: Pubkey) -> int:
        """The supply of ``mint``."""
        acct = self.account(mint)
        if acct is None:
            raise BridgeValueError(f"no mint at {mint}", hint="create the route first (SolanaBridge.create_route)")
        return int(Mint.from_bytes(bytes(acct.data)).supply)


# -- records ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SolanaRoute:
    """One ERC-20 bridged to Solana: its SPL ``mint`` (authority: the guardians' ``multisig``), the ``receipt_mint``
    whose frozen accounts record minted messages, and the decimals (``scale``: EVM units per SPL unit)."""

    solana_chain_id: int
    evm_chain_id: int
    token: str
    mint: Pubkey
    multisig: Pubkey
    receipt_mint: Pubkey
    decimals: int
    scale: int
    guardians: tuple[Pubkey, ...]
    threshold: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what a deployment records)."""
        return {
            "solana_chain_id": self.solana_chain_id,
            "evm_chain_id": self.evm_chain_id,
            "token": self.token,
            "mint": str(self.mint),
            "multisig": str(self.multisig),
            "receipt_mint": str(self.receipt_mint),
            "decimals": self.decimals,
            "scale": str(self.scale),
            "guardians": [str(g) for g in self.guardians],
            "threshold": self.threshold,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SolanaRoute:
        """The route :meth:`to_dict` wrote."""
        return cls(
            int(data["solana_chain_id"]),
            int(data["evm_chain_id"]),
            str(data["token"]),
            Pubkey.from_string(data["mint"]),
            Pubkey.from_string(data["multisig"]),
            Pubkey.from_string(data["receipt_mint"]),
            int(data["decimals"]),
            int(data["scale"]),
            tuple(Pubkey.from_string(g) for g in data["guardians"]),
            int(data["threshold"]),
        )


@dataclass(frozen=True, slots=True)
class SolanaBurn:
    """A burn on Solana going back to an EVM chain: the transaction's ``signature``, the burner, the SPL ``amount``
    and the :class:`BridgeMessage` the guardians attest for it (amount in the ERC-20's units)."""

    signature: Signature
    owner: Pubkey
    amount: int
    message: BridgeMessage

    @property
    def transfer_id(self) -> str:
        """The transfer's id on the EVM bridge, ``<Solana chain id>-<nonce>``."""
        return self.message.transfer_id

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "signature": str(self.signature),
            "owner": str(self.owner),
            "amount": str(self.amount),
            "message": self.message.to_dict(),
        }


@dataclass(frozen=True)
class SolanaGuardian:
    """One guardian on both sides: its ECDSA ``signer`` (EVM attestations) and its ed25519 ``keypair`` (the SPL
    multisig). It signs only what it checked itself."""

    signer: Signer
    keypair: Keypair = field(repr=False)

    @property
    def pubkey(self) -> Pubkey:
        """The guardian's Solana key."""
        return self.keypair.pubkey()

    def sign_mint(self, bridge: SolanaBridge, message: BridgeMessage, owner: Pubkey, tx_message: Message) -> Signature:
        """Co-sign ``tx_message``, the mint of ``message`` to ``owner`` on Solana, after checking that the EVM bridge
        published exactly ``message`` to Solana, that ``owner`` is its recipient's commitment, that it was not
        minted, and that ``tx_message`` is the canonical mint of it (any payer and blockhash)."""
        bridge.check_published(message)
        if solana_recipient_address(owner) != message.recipient:
            raise BridgeValueError(
                f"Solana owner {owner} is not the recipient of transfer {message.transfer_id} ({message.recipient})",
                hint="the recipient committed in the EVM message is solana_recipient_address(owner)",
            )
        if bridge.is_minted(message):
            raise BridgeValueError(
                f"transfer {message.transfer_id} was minted on Solana already", hint="each message is minted once"
            )
        signers = list(tx_message.account_keys[1 : tx_message.header.num_required_signatures])
        expected = bridge.mint_message(message, owner, tx_message.account_keys[0], tx_message.recent_blockhash, signers)
        if bytes(expected) != bytes(tx_message):
            raise BridgeValueError(
                f"the Solana transaction offered for transfer {message.transfer_id} is not its canonical mint",
                hint="guardians sign only SolanaBridge.mint_message(...) of a published message",
            )
        return self.keypair.sign_message(bytes(tx_message))

    def attest_burn(self, bridge: SolanaBridge, signature: Signature, store: AttestationStore) -> bytes:
        """Sign the EVM delivery of burn ``signature`` after reading the executed transaction from Solana; the
        signature goes into ``store`` and is returned."""
        burn = bridge.read_burn(signature)
        digest = bridge.bridge.delivery_digest(burn.message)
        v, r, s = self.signer.sign_hash(digest)
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v if v >= 27 else v + 27])
        store.add(burn.message, self.signer.address, sig)
        return sig


# -- the bridge ------------------------------------------------------------------------------------------------------


class SolanaBridge:
    """Resource tokens between one EVM chain (``evm``, a chain of ``bridge``) and a Solana cluster.

    >>> sb = SolanaBridge(nc.bridge, "ethereum", LiteSVMCluster())
    >>> route = sb.create_route(token, [g.pubkey for g in guardians], payer)
    >>> t = sb.send_to_solana(alice, token, 10**18, owner.pubkey())     # locks on the EVM chain
    >>> sb.relay_to_solana(guardians, payer)                              # m guardians co-sign the SPL mint
    >>> burn = sb.burn(owner, 50_000_000, bob.address)                    # 0.5 token back
    >>> sb.relay_to_evm(guardians, store)                                 # guardians attest, Bridge.deliver releases
    """

    def __init__(
        self,
        bridge: CrossChainBridge,
        evm: str,
        cluster: LiteSVMCluster,
        *,
        route: SolanaRoute | None = None,
        solana_chain_id: int = SOLANA_CHAIN_IDS["solana-devnet"],
    ) -> None:
        self.bridge = bridge
        self.evm = evm
        self.cluster = cluster
        self.solana_chain_id = solana_chain_id
        self._route = route

    @property
    def route(self) -> SolanaRoute:
        """The token route (:meth:`create_route`, or the one given)."""
        if self._route is None:
            raise BridgeValueError("no Solana route yet", hint="call SolanaBridge.create_route first")
        return self._route

    # -- setup ----------------------------------------------------------------------------------------------------

    def create_route(
        self, token: str, guardians: Sequence[Pubkey], payer: Keypair, *, threshold: int | None = None
    ) -> SolanaRoute:
        """Create the SPL multisig of ``guardians`` (in the EVM guardian set's order; ``threshold``: the EVM bridge's
        by default), the token's mint and the receipt mint, paid by ``payer``."""
        ep = self.bridge.endpoint(self.evm)
        token = checksum(token, "token")
        m = threshold if threshold is not None else self.bridge.threshold(self.evm)
        n = len(guardians)
        if len(set(guardians)) != n or not 1 <= m <= n:
            raise BridgeValueError(
                f"{m} of {n} Solana guardians is not a quorum of distinct keys", hint="give distinct keys, 1 <= m <= n"
            )
        if n > MAX_MULTISIG_SIGNERS:
            raise BridgeValueError(
                f"an SPL Token multisig holds at most {MAX_MULTISIG_SIGNERS} signers, not {n}",
                hint="use at most 11 guardians on the Solana route (a larger set needs a custom program)",
            )
        abi = [{"name": "decimals", "type": "function", "stateMutability": "view", "inputs": [],
                "outputs": [{"name": "", "type": "uint8"}]}]  # fmt: skip
        erc20 = ep.chain.w3.eth.contract(address=token, abi=abi)  # type: ignore[call-overload]
        evm_decimals = int(ep.chain.call(erc20.functions.decimals()))
        decimals = min(evm_decimals, SPL_DECIMALS_CAP)
        multisig, mint, receipt = Keypair(), Keypair(), Keypair()
        route = SolanaRoute(
            self.solana_chain_id,
            ep.chain_id,
            token,
            mint.pubkey(),
            multisig.pubkey(),
            receipt.pubkey(),
            decimals,
            10 ** (evm_decimals - decimals),
            tuple(guardians),
            m,
        )
        size = self._mint_size(route, payer.pubkey())
        if size > MAX_TRANSACTION_SIZE:
            raise BridgeValueError(
                f"a mint co-signed by {m} guardians is {size} bytes, over Solana's {MAX_TRANSACTION_SIZE}-byte limit",
                hint="use a threshold of at most 7 on the Solana route",
            )
        p = payer.pubkey()

        def new(account: Keypair, size: int) -> Instruction:
            rent = self.cluster.rent(size)
            params = CreateAccountParams(
                from_pubkey=p, to_pubkey=account.pubkey(), lamports=rent, space=size, owner=TOKEN_PROGRAM_ID
            )
            return create_account(params)

        init_ms = Instruction(
            TOKEN_PROGRAM_ID,
            bytes([_INIT_MULTISIG2, m]),
            [AccountMeta(multisig.pubkey(), False, True)] + [AccountMeta(g, False, False) for g in guardians],
        )
        self._send([new(multisig, _MULTISIG_LEN), init_ms], payer, [multisig], doing="creating the multisig")
        ms = bytes(multisig.pubkey())
        init_mint = Instruction(
            TOKEN_PROGRAM_ID, bytes([_INIT_MINT2, decimals]) + ms + b"\x00", [AccountMeta(mint.pubkey(), False, True)]
        )
        init_receipt = Instruction(
            TOKEN_PROGRAM_ID, bytes([_INIT_MINT2, 0]) + ms + b"\x01" + ms, [AccountMeta(receipt.pubkey(), False, True)]
        )
        self._send(
            [new(mint, _MINT_LEN), init_mint, new(receipt, _MINT_LEN), init_receipt],
            payer,
            [mint, receipt],
            doing="creating the mints",
        )
        self._route = route
        return route

    def multisig(self) -> Multisig:
        """The guardians' SPL multisig as the token program holds it."""
        acct = self.cluster.account(self.route.multisig)
        if acct is None:
            raise BridgeValueError(f"no multisig at {self.route.multisig}", hint="create the route first")
        return Multisig.from_bytes(bytes(acct.data))

    # -- EVM -> Solana --------------------------------------------------------------------------------------------

    def send_to_solana(self, sender: Signer, token: str, amount: int, owner: Pubkey | str) -> BridgeTransfer:
        """Lock ``amount`` of ``token`` (ERC-20 units) from ``sender`` on the EVM chain for Solana owner ``owner``:
        ``Bridge.send`` to Solana's chain id with the recipient commitment, the owner's key after the arguments."""
        route = self.route
        owner = _pubkey(owner, "Solana recipient")
        token = checksum(token, "token")
        if token != route.token:
            raise BridgeValueError(f"token {token} has no Solana route", hint=f"this route bridges {route.token}")
        if amount <= 0 or amount % route.scale:
            raise BridgeValueError(
                f"amount {amount} is not a positive multiple of {route.scale}",
                hint=f"the SPL token has {route.decimals} decimals: send whole multiples of {route.scale} units "
                "(anything finer could not come back)",
            )
        if amount // route.scale >= 2**64:
            raise BridgeValueError(f"amount {amount} exceeds an SPL amount (u64)", hint="send less at a time")
        ep = self.bridge.endpoint(self.evm)
        erc20 = ep.chain.contract("PlainERC20", token)  # the ERC-20 ABI: balanceOf, allowance, approve
        balance = int(ep.chain.call(erc20.functions.balanceOf(sender.address)))
        if balance < amount:
            raise BridgeValueError(f"{sender.address} holds {balance} of {token}, less than {amount}", hint="send less")
        if int(ep.chain.call(erc20.functions.allowance(sender.address, ep.bridge.address))) < amount:
            ep.chain.transact(erc20.functions.approve(ep.bridge.address, amount), sender=sender)
        fn = ep.bridge.functions.send(token, amount, self.solana_chain_id, solana_recipient_address(owner))
        data = bytes.fromhex(fn._encode_transaction_data().removeprefix("0x")) + bytes(owner)
        receipt = ep.chain.wait(ep.chain.send(TxRequest(to=ep.bridge.address, data=data), sender=sender))
        message, release_at = self.bridge._sent(ep, receipt)
        state = TransferState.DELAYED if release_at is not None else TransferState.INITIATED
        return BridgeTransfer(message, self.evm, "solana", state, 0, route.threshold, release_at, receipt.block_number)

    def release_delayed(self, message: BridgeMessage, *, sender: Signer | None = None) -> Receipt:
        """Publish Solana-bound ``message``, delayed by the rate limits, once its delay has passed (anyone may); the
        guardians mint it afterwards. (The guardians cancel it within the delay with
        ``CrossChainBridge.cancel_digest`` signatures and ``Bridge.cancelDelayed``.)"""
        ep = self.bridge.endpoint(self.evm)
        return ep.chain.transact(ep.bridge.functions.releaseDelayed(message.as_tuple()), sender=sender)

    def transfers(self, store: AttestationStore | None = None) -> list[BridgeTransfer]:
        """Every transfer of the route in both directions as the chains see them now: to Solana (``initiated``,
        ``delayed``, ``delivered`` once minted, ``refunded`` once cancelled), then back from Solana (``initiated``
        once burned, ``attested`` with a quorum in ``store``, ``delivered`` once released)."""
        route = self.route
        ep = self.bridge.endpoint(self.evm)
        out: list[BridgeTransfer] = []
        for m, block in self.bridge._messages(ep):
            if m.target_chain_id != self.solana_chain_id or m.token != route.token:
                continue
            code, release_at = ep.chain.call(ep.bridge.functions.outbound(m.nonce))
            if self.is_minted(m):
                state = TransferState.DELIVERED
            else:
                state = {_OUT_DELAYED: TransferState.DELAYED, _OUT_CANCELLED: TransferState.REFUNDED}.get(
                    int(code), TransferState.INITIATED
                )
            out.append(BridgeTransfer(m, self.evm, "solana", state, 0, route.threshold, int(release_at) or None, block))
        threshold = self.bridge.threshold(self.evm)
        for burn in self.burns():
            m = burn.message
            signatures = len(store.signatures(m)) if store is not None else 0
            if self.bridge.is_delivered(m):
                state = TransferState.DELIVERED
            else:
                state = TransferState.ATTESTED if signatures >= threshold else TransferState.INITIATED
            out.append(BridgeTransfer(m, "solana", self.evm, state, signatures, threshold))
        return out

    def check_published(self, message: BridgeMessage) -> None:
        """Raise :class:`BridgeValueError` unless the EVM bridge published exactly ``message`` to this route."""
        route = self.route
        ours = (
            message.source_chain_id == route.evm_chain_id
            and message.target_chain_id == self.solana_chain_id
            and message.token_chain_id == route.evm_chain_id
            and message.token == route.token
        )
        published = [m for m in self.bridge.published(self.evm) if m.nonce == message.nonce]
        if not ours or published != [message]:
            raise BridgeValueError(
                f"transfer {message.transfer_id} was not published to this Solana route as given",
                hint="guardians mint only what the EVM bridge published (a delayed one after its release)",
            )

    def pending_mints(self) -> list[BridgeMessage]:
        """Messages the EVM bridge published to this route that are not minted on Solana yet, oldest first."""
        route = self.route
        return [
            m
            for m in self.bridge.published(self.evm)
            if m.target_chain_id == self.solana_chain_id and m.token == route.token and not self.is_minted(m)
        ]

    def is_minted(self, message: BridgeMessage) -> bool:
        """Whether ``message`` was minted on Solana: its record account is frozen."""
        acct = self.cluster.account(record_address(message, self.route.receipt_mint))
        if acct is None:
            return False
        return TokenAccount.from_bytes(bytes(acct.data)).state == TokenAccountState.Frozen

    def solana_owner(self, message: BridgeMessage) -> Pubkey:
        """The Solana owner of ``message``: the 32 bytes after ``send``'s arguments in the transaction that sent it,
        checked against the recipient commitment."""
        ep = self.bridge.endpoint(self.evm)
        with ep.chain.mapped("reading bridge messages", address=ep.bridge.address):
            logs = ep.bridge.events.MessageDelayed.get_logs(
                from_block=ep.from_block, argument_filters={"nonce": message.nonce}
            ) or ep.bridge.events.MessagePublished.get_logs(
                from_block=ep.from_block, argument_filters={"nonce": message.nonce}
            )
            data = bytes(ep.chain.w3.eth.get_transaction(logs[0]["transactionHash"])["input"]) if logs else b""
        tail = data[_SEND_ARGS_LEN:]
        if len(tail) == 32 and solana_recipient_address(Pubkey.from_bytes(tail)) == message.recipient:
            return Pubkey.from_bytes(tail)
        raise BridgeValueError(
            f"transfer {message.transfer_id} does not carry its Solana owner after the send arguments",
            hint="pass the owner to relay_to_solana(owners={...}); it must hash to the message's recipient",
        )

    def mint_message(
        self, message: BridgeMessage, owner: Pubkey, payer: Pubkey, blockhash: Hash, signers: Sequence[Pubkey]
    ) -> Message:
        """The canonical Solana transaction message minting ``message`` to ``owner``: create (idempotently) and
        freeze the message's record account, create (idempotently) the owner's token account, mint; the guardian
        ``signers`` in ascending byte order. No memo: the record account's address already names the message, and
        the 1,232 bytes of a transaction are better spent on a seventh guardian signature."""
        route = self.route
        amount = message.amount // route.scale  # a Bridge.send of a finer amount leaves its dust locked on EVM
        if not 0 < amount < 2**64:
            raise BridgeValueError(
                f"transfer {message.transfer_id} carries {message.amount}, which is {amount} SPL units: not mintable",
                hint=f"an SPL amount is 1 .. 2**64 - 1 units of 10**{route.decimals}; send with "
                "SolanaBridge.send_to_solana, which checks it before locking",
            )
        signers = sorted(signers, key=bytes)  # canonical: the compiled message sorts its keys too
        owner_of_record = record_owner(message)
        record = get_associated_token_address(owner_of_record, route.receipt_mint)
        dest = get_associated_token_address(owner, route.mint)
        freeze = Instruction(
            TOKEN_PROGRAM_ID,
            bytes([_FREEZE_ACCOUNT]),
            [
                AccountMeta(record, False, True),
                AccountMeta(route.receipt_mint, False, False),
                *_multisig_signers(route.multisig, signers),
            ],
        )
        mint_to = Instruction(
            TOKEN_PROGRAM_ID,
            bytes([_MINT_TO_CHECKED]) + struct.pack("<QB", amount, route.decimals),
            [
                AccountMeta(route.mint, False, True),
                AccountMeta(dest, False, True),
                *_multisig_signers(route.multisig, signers),
            ],
        )
        ixs = [
            _create_ata(payer, owner_of_record, route.receipt_mint),
            freeze,
            _create_ata(payer, owner, route.mint),
            mint_to,
        ]
        return Message.new_with_blockhash(ixs, payer, blockhash)

    def mint(
        self, message: BridgeMessage, owner: Pubkey, guardians: Sequence[SolanaGuardian], payer: Keypair
    ) -> TransactionMetadata:
        """Mint ``message`` on Solana with the co-signatures of the first ``threshold`` of ``guardians`` that are in
        the multisig (:class:`AttestationError` when too few are)."""
        route = self.route
        members = [g for g in guardians if g.pubkey in route.guardians][: route.threshold]
        if len(members) < route.threshold:
            raise AttestationError(message.transfer_id, len(members), route.threshold)
        blockhash = self.cluster.blockhash()
        tx_message = self.mint_message(message, owner, payer.pubkey(), blockhash, [g.pubkey for g in members])
        by_key = {g.pubkey: g.sign_mint(self, message, owner, tx_message) for g in members}
        by_key[payer.pubkey()] = payer.sign_message(bytes(tx_message))
        n = tx_message.header.num_required_signatures
        tx = Transaction.populate(tx_message, [by_key[k] for k in tx_message.account_keys[:n]])
        return self.cluster.send(tx, doing=f"minting transfer {message.transfer_id}")

    def relay_to_solana(
        self,
        guardians: Sequence[SolanaGuardian],
        payer: Keypair,
        *,
        owners: dict[str, Pubkey] | None = None,
    ) -> list[RelayAction]:
        """Mint every published, unminted message of the route (``owners``: Solana owners by transfer id, for
        messages sent without the owner in their calldata). Stateless: after a crash it carries on from the chains."""
        actions: list[RelayAction] = []
        for message in self.pending_mints():
            try:
                owner = (owners or {}).get(message.transfer_id) or self.solana_owner(message)
                meta = self.mint(message, owner, guardians, payer)
            except (AttestationError, BridgeValueError) as exc:
                # too few guardians, no known owner, or an amount no SPL mint can carry: the others go on
                actions.append(RelayAction("waiting", message.transfer_id, self.evm, "solana", detail=str(exc)))
                continue
            except BridgeTransferError:
                if not self.is_minted(message):
                    raise
                actions.append(RelayAction("skipped", message.transfer_id, self.evm, "solana", detail="minted already"))
                continue
            actions.append(
                RelayAction(
                    "delivered",
                    message.transfer_id,
                    self.evm,
                    "solana",
                    tx_hash=str(meta.signature()),
                    gas_used=int(meta.compute_units_consumed()),
                    detail="compute units in gas_used",
                    attestation="spl-multisig",
                )
            )
        return actions

    # -- Solana -> EVM --------------------------------------------------------------------------------------------

    def burn(self, owner: Keypair, amount: int, recipient: str) -> SolanaBurn:
        """Burn ``amount`` (SPL units) from ``owner``'s token account for ``recipient`` on the EVM chain (a memo in
        the same transaction names it); returns the burn as the guardians will attest it."""
        route = self.route
        recipient = checksum(recipient, "recipient")
        if int(recipient, 16) == 0:
            raise BridgeValueError("the recipient is the zero address", hint="name the recipient's EVM address")
        have = self.cluster.token_balance(owner.pubkey(), route.mint)
        if not 0 < amount <= have:
            raise BridgeValueError(
                f"cannot burn {amount}: {owner.pubkey()} holds {have} of {route.mint}",
                hint="burn 0 < amount <= balance",
            )
        source = get_associated_token_address(owner.pubkey(), route.mint)
        burn = Instruction(
            TOKEN_PROGRAM_ID,
            bytes([_BURN_CHECKED]) + struct.pack("<QB", amount, route.decimals),
            [
                AccountMeta(source, False, True),
                AccountMeta(route.mint, False, True),
                AccountMeta(owner.pubkey(), True, False),
            ],
        )
        memo = _memo(f"novacron:to:{route.evm_chain_id}:{recipient}", owner.pubkey())
        tx_message = Message.new_with_blockhash([burn, memo], owner.pubkey(), self.cluster.blockhash())
        tx = Transaction([owner], tx_message, self.cluster.blockhash())
        self.cluster.send(tx, doing="burning")
        return self.read_burn(tx.signatures[0])

    def read_burn(self, signature: Signature) -> SolanaBurn:
        """The burn transaction ``signature`` as a guardian reads it from the ledger: executed, exactly one burn of
        the route's mint and one ``novacron:to:`` memo for the route's EVM chain; else :class:`BridgeValueError`."""
        route = self.route
        tx = self.cluster.transaction(signature)
        if tx is None:
            raise BridgeValueError(
                f"no executed Solana transaction {signature}", hint="give the signature of a burn that succeeded"
            )
        keys = tx.message.account_keys
        burns: list[tuple[Pubkey, int]] = []
        memos: list[str] = []
        for ix in tx.message.instructions:
            program, data = keys[ix.program_id_index], bytes(ix.data)
            if program == TOKEN_PROGRAM_ID and data[:1] in (bytes([_BURN]), bytes([_BURN_CHECKED])):
                if len(ix.accounts) >= 3 and keys[ix.accounts[1]] == route.mint:
                    burns.append((keys[ix.accounts[2]], struct.unpack_from("<Q", data, 1)[0]))
            elif program == MEMO_PROGRAM_ID and data.startswith(b"novacron:to:"):
                memos.append(data.decode(errors="replace"))
        found = _MEMO_TO.fullmatch(memos[0]) if len(memos) == 1 else None
        if len(burns) != 1 or found is None or int(found.group(1)) != route.evm_chain_id:
            raise BridgeValueError(
                f"Solana transaction {signature} is not one burn of {route.mint} with one memo "
                f"'novacron:to:{route.evm_chain_id}:<0x recipient>'",
                hint="burn with SolanaBridge.burn (a BurnChecked and its memo in one transaction)",
            )
        (owner, amount) = burns[0]
        message = BridgeMessage(
            self.solana_chain_id,
            route.evm_chain_id,
            _burn_nonce(signature),
            route.evm_chain_id,
            route.token,
            amount * route.scale,
            solana_recipient_address(owner),
            to_checksum_address(found.group(2)),
        )
        return SolanaBurn(signature, owner, amount, message)

    def burns(self) -> list[SolanaBurn]:
        """Every burn of the route's mint on the ledger, oldest first."""
        out = []
        for tx in self.cluster.transactions():
            try:
                out.append(self.read_burn(tx.signatures[0]))
            except BridgeValueError:
                continue
        return out

    def quorum(self, message: BridgeMessage, store: AttestationStore) -> list[bytes]:
        """The valid guardian signatures in ``store`` over ``message``'s EVM delivery digest, signers ascending;
        :class:`AttestationError` when fewer than the EVM bridge's threshold."""
        guardians, threshold = self.bridge.guardians(self.evm)
        digest = self.bridge.delivery_digest(message)
        valid: dict[str, bytes] = {}
        for sig in store.signatures(message).values():
            signer = recover_signer(digest, sig)
            if signer is not None and signer in guardians:
                valid[signer] = sig
        if len(valid) < threshold:
            raise AttestationError(message.transfer_id, len(valid), threshold)
        return [valid[a] for a in sorted(valid, key=lambda a: int(a, 16))[:threshold]]

    def relay_to_evm(
        self, guardians: Sequence[SolanaGuardian], store: AttestationStore, *, sender: Signer | None = None
    ) -> list[RelayAction]:
        """Release every burn on the ledger not delivered yet: ``guardians`` (those run here) attest it into
        ``store``, and a quorum from ``store`` delivers it with ``Bridge.deliver``. Stateless, like the EVM relayer."""
        actions: list[RelayAction] = []
        for burn in self.burns():
            m = burn.message
            if self.bridge.is_delivered(m):
                continue
            have = store.signatures(m)
            for g in guardians:
                if g.signer.address not in have:
                    g.attest_burn(self, burn.signature, store)
                    actions.append(RelayAction("attested", m.transfer_id, "solana", self.evm, detail=g.signer.address))
            try:
                signatures = self.quorum(m, store)
            except AttestationError as exc:
                actions.append(RelayAction("waiting", m.transfer_id, "solana", self.evm, detail=str(exc)))
                continue
            receipt = self.bridge.deliver(m, signatures, sender=sender)
            if receipt is None:
                actions.append(RelayAction("skipped", m.transfer_id, "solana", self.evm, detail="delivered already"))
            else:
                actions.append(
                    RelayAction(
                        "delivered",
                        m.transfer_id,
                        "solana",
                        self.evm,
                        receipt.tx_hash,
                        receipt.gas_used,
                        attestation="guardians",
                    )
                )
        return actions

    # -- internals ------------------------------------------------------------------------------------------------

    def _send(self, ixs: list[Instruction], payer: Keypair, signers: Sequence[Keypair], *, doing: str) -> None:
        blockhash = self.cluster.blockhash()
        tx = Transaction([payer, *signers], Message.new_with_blockhash(ixs, payer.pubkey(), blockhash), blockhash)
        self.cluster.send(tx, doing=doing)

    def _mint_size(self, route: SolanaRoute, payer: Pubkey) -> int:
        """Bytes of the canonical mint transaction with ``route.threshold`` signers."""
        signers = list(route.guardians[: route.threshold])
        probe = BridgeMessage(route.evm_chain_id, self.solana_chain_id, 2**64 - 1, route.evm_chain_id, route.token,
                              route.scale, route.token, route.token)  # fmt: skip
        saved, self._route = self._route, route
        try:
            msg = self.mint_message(probe, Pubkey.new_unique(), payer, Hash.default(), signers)
        finally:
            self._route = saved
        return len(bytes(Transaction.new_unsigned(msg)))
