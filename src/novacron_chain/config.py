"""Configuration: the seed's ``blockchain:`` YAML into validated pydantic models.

Keys are exactly the seed's "Production Configuration" ones, plus a few of ours (``chain_id``, ``data_dir``,
``keystore_path``, ``receipt_timeout``, ``native_usd_price``, ...). Defaults run on the embedded chain, so an empty
file (or none) works. Every problem in a file is reported at once, with its key path; durations read like the
seed's (``168h``, ``30m``, ``90s``). The private key is never read from YAML: only from the environment
(``BLOCKCHAIN_PRIVATE_KEY``) or an encrypted keystore.

Environment overrides: ``NOVACRON_<KEY>`` for any top-level key (``NOVACRON_NETWORK``, ``NOVACRON_RPC_ENDPOINT``,
``NOVACRON_DATA_DIR``, ...), applied over the file.

Keys of features that do not exist yet are never accepted silently (:data:`_NOT_YET`, empty since the layer 2 of
issue #13 landed): a switch that turns such a feature on loads with an :class:`UnsupportedConfigWarning`, printed
once, saying what does not happen and which issue will make it work; a parameter of such a feature set to anything
but its default is refused with the same facts, unless its feature's switch is on. The layer-2 keys (``use_layer2``,
``l2_network``, ``l2_rpc_endpoint``, ``l2_*``) choose between this project's own rollup and an existing L2 reached
by JSON-RPC (see :attr:`BlockchainConfig.l2_network`). Cross-chain works for EVM
chains (``supported_chains`` with an endpoint per chain under ``chains``); solana and cosmos, which the seed also
names, load with the same kind of warning (issue #14) and are refused when used.
"""

from __future__ import annotations

import inspect
import os
import re
import warnings
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal, get_origin

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .errors import ConfigError

__all__ = [
    "KNOWN_CHAIN_IDS",
    "UNSERVED_CHAINS",
    "BlockchainConfig",
    "ChainEndpoint",
    "NovaConfig",
    "UnsupportedConfigWarning",
    "load_config",
    "parse_duration",
]

ENV_PREFIX = "NOVACRON_"
DEFAULT_DATA_DIR = Path("~/.novacron")
EMBEDDED_CHAIN_ID = 1337

#: chain ids of the networks the seed names; an endpoint serving another id is refused
KNOWN_CHAIN_IDS: dict[str, int] = {
    "ethereum": 1,
    "sepolia": 11155111,
    "polygon": 137,
    "amoy": 80002,
    "avalanche": 43114,
    "fuji": 43113,
    "anvil": 31337,
}
#: chains the seed names that no EVM endpoint can serve: named in supported_chains, they load with a warning and are
#: refused when used
UNSERVED_CHAINS: dict[str, str] = {
    "solana": (
        "Solana is not an EVM chain: its bridge is crosschain.SolanaBridge "
        "(tested in process on LiteSVM; no cluster endpoint by name yet)"
    ),
    "cosmos": "no Cosmos chain runs here (IBC needs a light client; a Cosmos chain with an EVM module is reached "
    "like any EVM chain, under its own name in blockchain.chains)",
}
_CHAIN_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")

#: ``l2_network`` of this project's own optimistic rollup (contracts/l2, ``novacron-chain l2 run``)
ROLLUP_L2 = "novacron"
#: chain ids of the existing L2 networks ``l2_network`` may name (reached by JSON-RPC at ``l2_rpc_endpoint``);
#: ``rpc`` is any other EVM L2 (its ``l2_chain_id`` is required)
KNOWN_L2_CHAIN_IDS: dict[str, int] = {"polygon": 137, "arbitrum": 42161, "optimism": 10, "base": 8453}
#: the sequencer URL of the rollup when ``l2_rpc_endpoint`` is empty
DEFAULT_L2_ENDPOINT = "http://127.0.0.1:8547"
#: EIP-712 chain id of the rollup's signed transfers when ``l2_chain_id`` is empty
DEFAULT_ROLLUP_CHAIN_ID = 713_713


class UnsupportedConfigWarning(UserWarning):
    """A configuration key turns on a feature that does not exist yet: the key has no effect (the message says what
    does not happen and which issue will make it work); everything else in the configuration works."""


@dataclass(frozen=True)
class _NotYet:
    """A feature the seed's configuration names that nothing implements yet."""

    feature: str
    issue: int
    switch: str | None  # the key that turns it on (None: it has none)
    parameters: tuple[str, ...]  # keys that only tune it
    instead: str  # what happens instead, for the switch's warning

    def not_yet(self) -> str:
        return f"not supported yet: see issue #{self.issue} ({self.feature})"


# every key documented by the seed whose behaviour does not exist yet (none today: layer 2 works since issue #13)
_NOT_YET: tuple[_NotYet, ...] = ()
_NOT_YET_PARAMETER = {key: f for f in _NOT_YET for key in f.parameters}

# while load_config validates: where the values come from (the file's name and text, and the keys set by
# environment variables), so that a warning points at the line of the file that asks for the missing feature
_LOADING: ContextVar[tuple[str, str, dict[str, str]] | None] = ContextVar("_LOADING", default=None)
_WARNED: dict[Any, Any] = {}  # the warnings registry of these warnings: each distinct one is printed once


def _warn(message: str, key: str) -> None:
    """Issue an :class:`UnsupportedConfigWarning` located at ``key``'s line in the file being loaded, else at the
    first caller outside pydantic and this module."""
    loading = _LOADING.get()
    if loading is not None:
        source, text, from_env = loading
        if key in from_env:
            filename, lineno, module = f"${from_env[key]}", 0, __name__
        else:
            filename, lineno, module = source, _yaml_line(text, key), __name__
    else:
        frame = inspect.currentframe()
        while frame is not None and str(frame.f_globals.get("__name__", "")).startswith(("pydantic", __name__)):
            frame = frame.f_back
        if frame is None:
            filename, lineno, module = __file__, 0, __name__
        else:
            filename, lineno, module = frame.f_code.co_filename, frame.f_lineno, str(frame.f_globals["__name__"])
    warnings.warn_explicit(message, UnsupportedConfigWarning, filename, lineno, module=module, registry=_WARNED)


def _yaml_line(text: str, key: str) -> int:
    """The 1-based line of ``blockchain.<key>`` in the YAML ``text``; 0 when it is not there (an environment
    variable or an override set it)."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return 0
    for section_key, section in getattr(root, "value", ()) if isinstance(root, yaml.MappingNode) else ():
        if section_key.value == "blockchain" and isinstance(section, yaml.MappingNode):
            for k, _ in section.value:
                if k.value == key:
                    return int(k.start_mark.line) + 1
    return 0


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


#: the longest duration accepted anywhere: 100 years (longer ones overflow clocks and contracts' time fields)
MAX_DURATION = 100 * 365 * 86400


def parse_duration(value: Any, *, maximum: int | None = MAX_DURATION) -> int:
    """Seconds in a Go-style duration (``168h``, ``1h30m``, ``45s``, ``2d``) or a plain number of seconds; at most
    ``maximum`` seconds (None: no limit), a longer one is refused with the limit in the unit it was written in."""
    if isinstance(value, bool):
        raise ValueError("a duration, not a boolean")
    unit = "s"
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{value!r} is not a duration")
        seconds = Fraction(value)
    elif isinstance(value, str):
        text = value.strip().replace(" ", "")
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            text += "s"
        parts = _DURATION.findall(text)
        shown = value if len(value) <= 40 else value[:35] + "…" + value[-4:]
        if not parts or "".join(n + u for n, u in parts) != text:
            raise ValueError(f"{shown!r} is not a duration; write it like 168h, 30m, 90s or 1h30m")
        seconds = sum((Fraction(n) * Fraction(str(_UNIT[u])) for n, u in parts), Fraction(0))
        unit = parts[-1][1]
    else:
        raise ValueError(f"{value!r} is not a duration")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    if maximum is not None and seconds > maximum:
        limit = Fraction(maximum) / Fraction(str(_UNIT[unit]))
        shown_limit = f"{limit.numerator // limit.denominator}{unit}"
        raise ValueError(f"{shown if isinstance(value, str) else value!r} is too long: at most {shown_limit}")
    return round(seconds)


Duration = Annotated[int, BeforeValidator(parse_duration)]


def _seconds(value: Any) -> float:
    """Seconds, not rounded, in a duration (``500ms``, ``2s``) or a plain number."""
    if isinstance(value, bool):
        raise ValueError("a duration, not a boolean")
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        parts = _DURATION.findall(text)
        if parts and "".join(n + u for n, u in parts) == text:
            return sum(float(n) * _UNIT[u] for n, u in parts)
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a duration; write it like 2s, 500ms or 1.5") from None
    if isinstance(value, int | float):
        return float(value)
    raise ValueError(f"{value!r} is not a duration")


def _check_url(value: str, key: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value) or re.search(r"\s", value):
        raise ValueError(f"{value!r} is not an http(s):// URL")
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  # raises for a port that is not a number in 0-65535
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an http(s):// URL: {exc}") from None
    if not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s):// URL: it names no host")
    return value


class ChainEndpoint(BaseModel):
    """One chain of ``supported_chains``: where it is served and which chain id it must serve. A known name
    (ethereum, sepolia, polygon, amoy, avalanche, fuji, anvil) brings its chain id; another name needs one."""

    model_config = ConfigDict(extra="forbid")

    network: str | None = None
    """``rpc`` (the default), a known network name, ``embedded`` (persistent under data_dir/chains/<name>) or
    ``embedded:memory``."""
    rpc_endpoint: str | None = None
    """JSON-RPC URL of the chain."""
    chain_id: int | None = Field(default=None, gt=0)
    """Expected chain id (default: the known id of the chain's name or network)."""

    @field_validator("rpc_endpoint")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return None if v in (None, "") else _check_url(str(v), "rpc_endpoint")

    @field_validator("network")
    @classmethod
    def _network(cls, v: str | None) -> str | None:
        if v is None or v in ("rpc", "embedded", "embedded:memory") or v in KNOWN_CHAIN_IDS:
            return v
        raise ValueError(f"unknown network {v!r}; use rpc, embedded, embedded:memory or {', '.join(KNOWN_CHAIN_IDS)}")


class BlockchainConfig(BaseModel):
    """The ``blockchain:`` section. Field names are the seed's YAML keys."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    enable_blockchain: bool = True
    """Master switch: false turns every chain operation into a clear error."""

    network: str = "embedded"
    """``embedded`` (persistent in data_dir), ``embedded:memory`` (throw-away), a known network name
    (ethereum, polygon, amoy, sepolia, avalanche, fuji, anvil: uses rpc_endpoint and checks its chain id),
    ``rpc`` (any chain at rpc_endpoint) or an http(s) URL directly."""

    rpc_endpoint: str | None = None
    """JSON-RPC URL for non-embedded networks."""

    chain_id: int | None = Field(default=None, gt=0)
    """Expected chain id. Defaults: the known id of ``network``; 1337 for the embedded chain."""

    use_layer2: bool = False
    """Send high-volume payments to the layer 2 named by ``l2_network``: ``NovaChain.l2`` works, the rollup's
    contracts are deployed (``l2_network: novacron``), and VM usage is paid over it. False: ``NovaChain.l2``
    refuses with a hint and the rollup is not deployed."""
    l2_network: str = ROLLUP_L2
    """Which layer 2: ``novacron`` (this project's optimistic rollup: contracts on this chain, a sequencer at
    ``l2_rpc_endpoint``), or an existing L2 reached by JSON-RPC at ``l2_rpc_endpoint``: ``polygon``, ``arbitrum``,
    ``optimism``, ``base`` (their chain ids are checked) or ``rpc`` (any EVM L2; give ``l2_chain_id``). On an
    existing L2 a transaction is an ordinary signed ERC-20 transfer and the TPS is read from its recent blocks."""
    l2_rpc_endpoint: str | None = None
    """URL of the layer 2: the rollup sequencer's HTTP API (default ``http://127.0.0.1:8547``; ``l2 run`` listens
    there), or the JSON-RPC URL of an existing L2 (required for those)."""
    l2_chain_id: int | None = Field(default=None, gt=0)
    """Chain id of the layer 2. The rollup: the EIP-712 chain id its transfers are signed for (default 713713; fixed
    at deployment). An existing L2: the id its endpoint must serve (default: the known id of ``l2_network``)."""
    l2_challenge_period: Duration | None = Field(default=None, le=365 * 24 * 3600)
    """How long a posted rollup state root can be proven wrong before it is final (withdrawals wait for it).
    Empty: 7 days (168h, as OP Mainnet and Arbitrum) on production chains, 10 s on dev chains. Fixed at
    deployment."""
    l2_force_inclusion_blocks: int | None = Field(default=None, ge=1, le=10_000_000)
    """L1 blocks after which a deposit or withdrawal request the sequencer ignored must be included, and anyone may
    propose batches until it is. Empty: 7200 (a day of Ethereum blocks) on production chains, 50 on dev chains."""
    l2_sequencer_bond: int = Field(default=10**18, ge=0)
    """Bond (wei of the native coin) a proposer locks per batch it posts; half of it goes to whoever proves the
    batch's root wrong."""
    l2_fee_recipient: str | None = None
    """Address of the rollup's fee account (account index 0, every fee goes there). Empty: the deployer."""
    l2_sequencer: str | None = None
    """Address granted the rollup's PROPOSER_ROLE (the key ``l2 run`` posts batches with). Empty: the deployer."""
    l2_batch_max_ops: int = Field(default=4096, ge=32, le=65_536)
    """Most operations (transfers, withdrawals, deposits) in one batch posted to L1 (in segments of 32)."""
    l2_batch_interval: Annotated[float, BeforeValidator(lambda v: _seconds(v))] = Field(default=2.0, gt=0, le=3600)
    """Longest a soft-confirmed transaction waits before the batch holding it is posted (a full batch is posted at
    once); a duration like ``2s`` or ``500ms``."""
    l2_data_availability: Literal["calldata", "blobs"] = "calldata"
    """Where the sequencer posts batch data: ``calldata`` (whole signed ops; any EVM chain, e.g. Polygon) or
    ``blobs`` (op bodies in calldata, signatures in EIP-4844 blobs; Ethereum and anvil only): about a quarter of the
    L1 gas per transfer under Prague/Osaka calldata pricing, for ~0.1–0.25 s of KZG work per 1,984 transfers
    (docs/l2-blobs.md)."""
    l2_beacon_url: str | None = None
    """The L1's consensus client (beacon API), where verifiers and validators read the blobs of blob batches
    (``GET /eth/v1/beacon/blobs/{block}``; a node keeps them ~18 days). Empty: the L1 RPC URL (anvil serves the
    beacon API on its RPC port)."""
    l2_workers: int | None = Field(default=None, ge=1, le=64)
    """Processes that verify signatures in the sequencer and the verifier. Empty: one per CPU core."""
    l2_wal_compact_bytes: int = Field(default=64 * 1024 * 1024, ge=1)
    """Compact the sequencer's write-ahead log once the part before the latest final batch holds this many bytes."""
    l2_snapshot_every: int = Field(default=1000, ge=0)
    """The sequencer and the verifier write a snapshot of the L2 state every this many batches (0: never; the
    sequencer also after every rebuild), so that a restart replays only the batches after it rather than all of L1's
    history. The sequencer copies the state on its loop: a 0.26–0.27 s pause per million accounts (benchmarks/l2.py)."""
    l2_receipt_window: int = Field(default=2_000_000, ge=1)
    """Receipts the sequencer keeps in memory; older ones of final batches answer "final" with "pruned": true."""
    l2_tokens: dict[str, str] = Field(default_factory=dict)
    """For an existing L2: token name -> its ERC-20 address there (``CPU: 0x...``), so transfers can name tokens."""

    gas_price_limit: int = Field(default=50_000_000_000, gt=0)
    """Highest fee per gas ever paid, in wei (the seed's 50 gwei)."""
    max_gas_per_tx: int = Field(default=1_000_000, ge=21_000)
    """Highest gas limit of one transaction (contract deployments: max_gas_per_deploy)."""
    max_gas_per_deploy: int = Field(default=10_000_000, ge=21_000)
    """Highest gas limit of one contract deployment."""
    gas_strategy: Literal["slow", "medium", "fast"] = "medium"
    """Tip percentile and fee headroom: slow, medium or fast."""

    min_validators: int = Field(default=1000, ge=1)
    """Active validators below which the network reports itself under-decentralised (status, metric, a warning on
    checkpoints); nothing is refused. Dev chains set it low."""
    validator_stake: int = Field(default=1_000_000, ge=1)
    """Minimum stake of a validator, in whole NOVA (to register, and to keep bonded after a partial unbond)."""
    slashing_rate: float = Field(default=0.1, ge=0, le=1)
    """Fraction (0..1, in steps of 0.0001) of a validator's stake slashed for double signing; it is also
    tombstoned."""
    max_validators: int = Field(default=2000, ge=1, le=2**32 - 1)
    """Most validators with weight at once (bounds the gas of a checkpoint verification)."""
    epoch_length: Duration = Field(default=3600, ge=1)
    """Length of a consensus epoch: validator-set changes take effect at the next epoch (dev chains: seconds)."""
    unbonding_period: Duration = 21 * 24 * 3600
    """Time from an unbond to its withdrawal, during which the stake stays slashable; at least two epochs."""
    reporter_reward: float = Field(default=0.1, ge=0, le=1)
    """Fraction (0..1, in steps of 0.0001) of a slashed stake paid to whoever reported the double sign; the rest
    goes to the treasury."""
    downtime_window: int = Field(default=100, ge=1, le=1000)
    """Consecutive checkpoints of a domain a downtime proof covers."""
    downtime_min_signed: float = Field(default=0.5, ge=0, le=1)
    """A validator that signed fewer than this fraction (0..1, in steps of 0.0001) of a window can be jailed."""
    jail_duration: Duration = 24 * 3600
    """Time from a jailing until the validator's owner may unjail it."""
    treasury: str | None = None
    """Receives slashed stake not paid to reporters. Empty: the governance timelock when deployed, else the
    deployer."""
    aggregator_url: str | None = None
    """HTTP URL of the checkpoint aggregator validators send their signatures to."""
    bls_keystore_path: Path | None = None
    """EIP-2335 keystore of this node's validator BLS key (passphrase from NOVACRON_BLS_PASSPHRASE or a prompt).
    Empty: ``validator register`` generates one in data_dir."""

    governance_enabled: bool = True
    """Whether DAO governance is deployed and used."""
    proposal_threshold: int = Field(default=100_000, ge=0)
    """Votes (whole NOVA) needed to create a proposal."""
    voting_delay: Duration = 24 * 3600
    """Pending period between proposal and voting start (seconds or a duration like 24h)."""
    voting_period: Duration = 7 * 24 * 3600
    """How long voting stays open (the seed's 168h)."""
    quorum_percentage: float = Field(default=0.4, gt=0, le=1)
    """Fraction of total votes that must take part (0..1; the seed's 0.4)."""
    timelock_delay: Duration = 48 * 3600
    """Delay between a passed proposal and its execution (the seed's 48 hours)."""
    policy_approvers: list[str] = Field(default_factory=list)
    """Accounts that propose and approve zero-ops automation policy changes in the PolicyRegistry (policy_threshold
    of them must). Empty: on dev chains the first dev accounts (at least three); on other chains nobody: policies
    then change by DAO proposal only, until one grants APPROVER_ROLE."""
    policy_threshold: int = Field(default=2, ge=1, le=32)
    """Approvals a policy change needs before it takes effect (k of policy_approvers)."""
    policy_change_lifetime: Duration = Field(default=7 * 24 * 3600, ge=1, le=365 * 24 * 3600)
    """How long a proposed policy change can be approved before it expires (at most 365d)."""

    tokenized_resources: bool = True
    """Deploy and use the CPU/MEM/STO/NET resource tokens."""
    marketplace_enabled: bool = True
    """Deploy and use the resource market."""

    enable_did: bool = True
    """Deploy and use decentralized identity."""

    enable_cross_chain: bool = False
    """Enable atomic swaps between chains: deploys the HashedTimelock and opens the chains of supported_chains
    (the attested bridge is not built yet, issue #14)."""
    supported_chains: list[str] = Field(default_factory=lambda: ["ethereum", "polygon", "avalanche"])
    """Chains NovaCron talks to besides ``network``, by name: a known network (ethereum, sepolia, polygon, amoy,
    avalanche, fuji, anvil) or a name defined under ``chains``. solana and cosmos load with a warning and are refused
    when used (issue #14)."""
    chains: dict[str, ChainEndpoint] = Field(default_factory=dict)
    """Endpoint and chain id per chain name: ``{polygon: {rpc_endpoint: https://...}, local-b: {rpc_endpoint:
    http://127.0.0.1:8546, chain_id: 31338}}``."""
    swap_timeout: Duration = Field(default=48 * 3600, ge=1)
    """Life of the initiator's lock in an atomic swap (it locks first)."""
    swap_participant_timeout: Duration = Field(default=24 * 3600, ge=1)
    """Life of the participant's lock (it locks second, for less time)."""
    swap_margin: Duration = Field(default=6 * 3600, ge=1)
    """Least time between the participant's deadline and the initiator's, for the participant's watcher to claim
    once the secret is out; swap_participant_timeout + swap_margin must fit in swap_timeout."""
    bridge_guardians: list[str] = Field(default_factory=list)
    """Addresses of the bridge guardians who attest transfers (k-of-n ECDSA). Empty: on dev chains the dev accounts
    3-9; other chains refuse to deploy the bridge without them."""
    bridge_guardian_threshold: int | None = Field(default=None, ge=1, le=255)
    """Guardian signatures a transfer needs. Empty: more than two thirds (13 of 19, as Wormhole)."""
    bridge_delay: Duration = Field(default=24 * 3600, ge=0)
    """How long a rate-limited bridge transfer waits before it is published; the guardians can cancel it meanwhile."""
    bridge_daily_limit: int = Field(default=1_000_000 * 10**18, ge=1)
    """Most of one token (smallest units) that may leave per route and UTC day without delay."""
    bridge_large_transfer: int = Field(default=100_000 * 10**18, ge=1)
    """Bridge transfers of at least this much (smallest units) are always delayed by bridge_delay."""

    ipfs_enabled: bool = True
    """Store bulk VM data in IPFS."""
    ipfs_endpoint: str | None = None
    """Kubo RPC URL (e.g. http://127.0.0.1:5001); empty uses the embedded store in data_dir."""

    multisig_threshold: int = Field(default=3, ge=1, le=32)
    """Approvals needed for a cross-region migration."""
    migration_approvers: list[str] = Field(default_factory=list)
    """Addresses that approve cross-region migrations (multisig_threshold of them must). Empty: on dev chains the
    dev accounts 1-5; other chains refuse to deploy without them."""
    migration_timelock: Duration = Field(default=24 * 3600, le=30 * 24 * 3600)
    """Time-lock after a migration's last needed approval, during which its owner or a guardian can veto it."""
    sla_oracles: list[str] = Field(default_factory=list)
    """Monitoring oracles whose EIP-712 signed reports enforce SLA penalties. Empty: on dev chains the dev accounts
    5-9; other chains refuse to deploy without them."""
    sla_oracle_quorum: int = Field(default=3, ge=1, le=32)
    """Distinct oracle signatures a violation report needs."""
    sla_dispute_window: Duration = Field(default=24 * 3600, le=30 * 24 * 3600)
    """How long a provider can dispute a customer's own violation claim before it pays out."""
    require_audit: bool = False
    """Refuse to deploy contracts whose build has unjustified medium or high Slither findings (recorded at build
    time and shipped with the package; a finding is justified by a ``slither-disable-next-line`` comment at the
    code). Off by default: development chains deploy whatever is built; the seed's production block turns it on."""
    emergency_pause_enabled: bool = True
    """Deploy contracts with a guardian who can pause them."""
    guardian: str | None = None
    """The guardian: holds GUARDIAN_ROLE (pause only) on every contract, pools included, when
    emergency_pause_enabled. Empty: the deployer. On dev chains it may also cancel queued governance operations;
    on other chains it may not (a canceller could veto every proposal, its own removal included)."""
    state_anchorers: list[str] = Field(default_factory=list)
    """Accounts granted ANCHORER_ROLE on the StateAnchor at deployment (the keys that anchor VM-state batches).
    Empty: the deployer on dev chains; nobody on other chains (a proposal grants it later)."""
    vm_operators: list[str] = Field(default_factory=list)
    """Accounts granted OPERATOR_ROLE on the VMLifecycle at deployment (confirm VMs running, stop any VM). Empty:
    the deployer on dev chains; nobody on other chains (a proposal grants it later)."""
    membership_issuers: list[str] = Field(default_factory=list)
    """Membership issuers the governor trusts from deployment (they decide who may vote; more by proposal). On dev
    chains the deployer is always one of them; other chains refuse to deploy without them."""
    nova_allocation: dict[str, int] = Field(default_factory=dict)
    """The initial NOVA holders: address -> whole NOVA, each self-delegated. What it leaves of the 10,000,000 NOVA
    supply goes to the treasury (the governance timelock when treasury is empty). Empty: on dev chains the deployer
    and dev accounts 1-9; other chains refuse to deploy without it."""

    batch_size: int = Field(default=1000, ge=1, le=100_000)
    """VM state records anchored per Merkle root (the seed's BatchSize)."""
    batch_max_wait: Duration = 10
    """Longest time a recorded VM state waits before its batch is anchored, even if the batch is not full."""
    anchor_redundancy: list[str] = Field(default_factory=list)
    """Chains of ``supported_chains`` (each with an endpoint under ``chains``) on which every VM-state batch root is
    anchored again, in the same order (disaster recovery: a record verifies against either chain, and a backup
    restores with ``state restore --chain`` when the primary is gone). ``deploy`` deploys the StateAnchor there
    too. Needs enable_cross_chain. Empty: the roots are anchored on ``network`` only."""

    # -- ours -----------------------------------------------------------------------------------------------------
    data_dir: Path = DEFAULT_DATA_DIR
    """Where the embedded chain, the deployments file and the embedded IPFS store live."""
    keystore_path: Path | None = None
    """Encrypted keystore v3 file of the signing key (passphrase from NOVACRON_KEYSTORE_PASSPHRASE or a prompt)."""
    receipt_timeout: Duration = 120
    """How long to wait for a transaction's receipt before reporting a timeout."""
    rpc_timeout: Duration = 30
    """Timeout of one JSON-RPC request."""
    event_confirmations: int | None = Field(default=None, ge=0, le=100_000)
    """Blocks an event must be buried under before the event cache keeps it (newer events are read fresh on every
    listing, so a reorg of them cannot corrupt the cache). Empty: 0 on dev chains (embedded, anvil), 12 on Ethereum
    and Sepolia, 32 on Polygon and Amoy, 0 on Avalanche and Fuji (final on acceptance), 12 elsewhere."""
    native_usd_price: Decimal = Field(default=Decimal("0.5"), ge=0)
    """USD price of one native coin (POL, ETH, AVAX), for gas cost in USD."""

    @field_validator("l2_network")
    @classmethod
    def _l2_network(cls, v: str) -> str:
        if v in (ROLLUP_L2, "rpc") or v in KNOWN_L2_CHAIN_IDS:
            return v
        known = ", ".join([ROLLUP_L2, *KNOWN_L2_CHAIN_IDS, "rpc"])
        raise ValueError(f"unknown layer 2 {v!r}; use one of {known}")

    @field_validator("l2_tokens")
    @classmethod
    def _l2_tokens(cls, v: dict[str, str]) -> dict[str, str]:
        bad = [f"{k}: {a}" for k, a in v.items() if not re.fullmatch(r"0x[0-9a-fA-F]{40}", str(a))]
        if bad:
            raise ValueError(f"{bad}: token addresses must be 0x followed by 40 hex digits")
        return v

    @model_validator(mode="after")
    def _l2_endpoint(self) -> BlockchainConfig:
        if self.use_layer2 and self.l2_network != ROLLUP_L2 and not self.l2_rpc_endpoint:
            raise ValueError(f"l2_network {self.l2_network!r} needs l2_rpc_endpoint (the JSON-RPC URL of that layer 2)")
        if self.use_layer2 and self.l2_network == "rpc" and self.l2_chain_id is None:
            raise ValueError("l2_network 'rpc' needs l2_chain_id (the chain id that layer 2 serves)")
        return self

    @field_validator("rpc_endpoint", "l2_rpc_endpoint", "ipfs_endpoint", "aggregator_url")
    @classmethod
    def _urls(cls, v: str | None, info: Any) -> str | None:
        return None if v in (None, "") else _check_url(str(v), info.field_name)

    @field_validator("network")
    @classmethod
    def _network(cls, v: str) -> str:
        if v in ("embedded", "embedded:memory", "rpc") or v in KNOWN_CHAIN_IDS:
            return v
        if v.startswith(("http://", "https://")):
            return _check_url(v, "network")
        known = ", ".join(["embedded", "embedded:memory", "rpc", *KNOWN_CHAIN_IDS])
        raise ValueError(f"unknown network {v!r}; use one of {known}, or an http(s):// RPC URL")

    @model_validator(mode="after")
    def _chains(self) -> BlockchainConfig:
        known = {*KNOWN_CHAIN_IDS, *UNSERVED_CHAINS, *self.chains}
        unknown = [c for c in self.supported_chains if c not in known]
        if unknown:
            raise ValueError(
                f"supported_chains: unknown chain(s) {unknown}; known: {sorted(known)} (define others under "
                "blockchain.chains with an rpc_endpoint and a chain_id)"
            )
        return self

    @model_validator(mode="after")
    def _anchor_redundancy(self) -> BlockchainConfig:
        for name in self.anchor_redundancy:
            if name == self.network:
                problem = "is the primary network itself; name another chain"
            elif name in UNSERVED_CHAINS:
                problem = f"cannot be served: {UNSERVED_CHAINS[name]}"
            elif not self.enable_cross_chain:
                problem = "needs enable_cross_chain: true (the second chain is opened through the cross-chain config)"
            elif name not in self.supported_chains:
                problem = f"is not in supported_chains {self.supported_chains}; add it there"
            elif name not in self.chains:
                problem = f"has no endpoint; define blockchain.chains.{name} (rpc_endpoint, chain_id)"
            elif self.anchor_redundancy.count(name) > 1:
                problem = "is named twice"
            else:
                continue
            raise ValueError(f"anchor_redundancy: chain {name!r} {problem}")
        return self

    @field_validator("chains")
    @classmethod
    def _chain_entries(cls, v: dict[str, ChainEndpoint]) -> dict[str, ChainEndpoint]:
        for name, entry in v.items():
            if name in UNSERVED_CHAINS:
                raise ValueError(f"{name} cannot be served: {UNSERVED_CHAINS[name]} (issue #14)")
            if not _CHAIN_NAME.fullmatch(name):
                raise ValueError(f"chain name {name!r}: use lower-case letters, digits, - and _ (up to 32)")
            known = name in KNOWN_CHAIN_IDS or entry.network in KNOWN_CHAIN_IDS
            if entry.chain_id is None and not known and not str(entry.network).startswith("embedded"):
                raise ValueError(f"{name}: a chain without a known name needs a chain_id")
            if (entry.network or "rpc") in ("rpc", *KNOWN_CHAIN_IDS) and not entry.rpc_endpoint:
                raise ValueError(f"{name}: needs rpc_endpoint (an http(s):// JSON-RPC URL)")
        return v

    @model_validator(mode="after")
    def _swap_timeouts_nest(self) -> BlockchainConfig:
        if self.swap_participant_timeout + self.swap_margin > self.swap_timeout:
            raise ValueError(
                f"swap_participant_timeout ({self.swap_participant_timeout} s) + swap_margin ({self.swap_margin} s) "
                f"exceeds swap_timeout ({self.swap_timeout} s): the participant could not lock safely"
            )
        return self

    @model_validator(mode="after")
    def _unserved_chains(self) -> BlockchainConfig:
        unserved = [c for c in self.supported_chains if c in UNSERVED_CHAINS]
        if self.enable_cross_chain and unserved:
            why = "; ".join(f"{c}: {UNSERVED_CHAINS[c]}" for c in unserved)
            _warn(
                f"blockchain.supported_chains names {' and '.join(unserved)}, which cannot be served yet (see issue "
                f"#14): {why}; using {'it' if len(unserved) == 1 else 'them'} is refused, the other chains work",
                "supported_chains",
            )
        return self

    @field_validator("slashing_rate", "reporter_reward", "downtime_min_signed")
    @classmethod
    def _basis_points(cls, v: float) -> float:
        if (Decimal(str(v)) * 10_000) % 1:
            raise ValueError(f"{v} is finer than a basis point; give it in steps of 0.0001")
        return v

    @field_validator("treasury", "guardian", "l2_fee_recipient", "l2_sequencer")
    @classmethod
    def _treasury(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        if not re.fullmatch(r"0x[0-9a-fA-F]{40}", str(v)):
            raise ValueError(f"{v!r} is not an address (0x followed by 40 hex digits)")
        return v

    @field_validator(
        "treasury", "guardian", "migration_approvers", "sla_oracles", "state_anchorers", "vm_operators",
        "membership_issuers", "nova_allocation", "bridge_guardians", "policy_approvers",
    )  # fmt: skip
    @classmethod
    def _eip55(cls, v: Any, info: ValidationInfo) -> Any:
        """Addresses written in mixed case must carry their EIP-55 checksum (a typo is refused, not obeyed)."""
        from eth_utils import is_checksum_address

        items = list(v) if isinstance(v, list | dict) else [v]
        bad = [
            a
            for a in items
            if isinstance(a, str)
            and re.fullmatch(r"0x[0-9a-fA-F]{40}", a)
            and a[2:] not in (a[2:].lower(), a[2:].upper())
            and not is_checksum_address(a)
        ]
        if bad:
            raise ValueError(f"{bad} {'has' if len(bad) == 1 else 'have'} mixed case but a wrong EIP-55 checksum")
        return v

    @field_validator("data_dir", mode="before")
    @classmethod
    def _data_dir_not_empty(cls, v: Any) -> Any:
        if isinstance(v, str) and not v.strip():
            raise ValueError("is empty; give a directory's path (it is created if missing)")
        return v

    @model_validator(mode="after")
    def _unbonding_spans_two_epochs(self) -> BlockchainConfig:
        if self.unbonding_period < 2 * self.epoch_length:
            raise ValueError(
                f"unbonding_period ({self.unbonding_period} s) must be at least two epochs (epoch_length "
                f"{self.epoch_length} s): stake must stay slashable while the epochs it signed in can be checked"
            )
        return self

    @field_validator(
        "migration_approvers", "sla_oracles", "state_anchorers", "vm_operators", "membership_issuers",
        "policy_approvers",
    )  # fmt: skip
    @classmethod
    def _address_sets(cls, v: list[str]) -> list[str]:
        bad = [a for a in v if not re.fullmatch(r"0x[0-9a-fA-F]{40}", str(a))]
        if bad:
            raise ValueError(f"{bad} are not addresses (0x followed by 40 hex digits)")
        if len({a.lower() for a in v}) != len(v):
            raise ValueError("an address is listed twice")
        if len(v) > 32:
            raise ValueError(f"{len(v)} addresses; at most 32")
        return v

    @field_validator("nova_allocation")
    @classmethod
    def _allocation(cls, v: dict[str, int]) -> dict[str, int]:
        bad = [a for a in v if not re.fullmatch(r"0x[0-9a-fA-F]{40}", str(a))]
        if bad:
            raise ValueError(f"{bad} are not addresses (0x followed by 40 hex digits)")
        if len({a.lower() for a in v}) != len(v):
            raise ValueError("an address is listed twice")
        if any(amount <= 0 for amount in v.values()):
            raise ValueError("every allocation must be a positive number of whole NOVA")
        return v

    @model_validator(mode="after")
    def _thresholds_fit_their_sets(self) -> BlockchainConfig:
        if self.migration_approvers and self.multisig_threshold > len(self.migration_approvers):
            raise ValueError(
                f"multisig_threshold {self.multisig_threshold} is more than the "
                f"{len(self.migration_approvers)} migration_approvers"
            )
        if self.sla_oracles and self.sla_oracle_quorum > len(self.sla_oracles):
            raise ValueError(
                f"sla_oracle_quorum {self.sla_oracle_quorum} is more than the {len(self.sla_oracles)} sla_oracles"
            )
        if self.policy_approvers and self.policy_threshold > len(self.policy_approvers):
            raise ValueError(
                f"policy_threshold {self.policy_threshold} is more than the "
                f"{len(self.policy_approvers)} policy_approvers"
            )
        return self

    @model_validator(mode="after")
    def _needs_endpoint(self) -> BlockchainConfig:
        remote = self.network not in ("embedded", "embedded:memory") and not self.network.startswith("http")
        if remote and not self.rpc_endpoint:
            raise ValueError(f"network {self.network!r} needs rpc_endpoint (an http(s):// JSON-RPC URL)")
        return self

    if _NOT_YET_PARAMETER:  # pydantic refuses a field validator of no field

        @field_validator(*_NOT_YET_PARAMETER)
        @classmethod
        def _parameter_of_a_missing_feature(cls, v: Any, info: ValidationInfo) -> Any:
            assert info.field_name is not None
            feature = _NOT_YET_PARAMETER[info.field_name]
            if feature.switch is not None and info.data.get(feature.switch):
                return v  # the switch's warning names this key
            default = cls.model_fields[info.field_name].get_default(call_default_factory=True)
            if v != default:
                off = f", and {feature.switch} is false" if feature.switch else ""
                keep = f", or leave it at its default {default!r}" if default is not None else ""
                raise ValueError(f"{feature.not_yet()}{off}; remove the key{keep}")
            return v

    @model_validator(mode="after")
    def _switches_of_missing_features(self) -> BlockchainConfig:
        for f in _NOT_YET:
            if f.switch is not None and getattr(self, f.switch):
                unused = [p for p in f.parameters if p in self.model_fields_set]
                also = f", and {' and '.join(unused)} {'is' if len(unused) == 1 else 'are'} not used" if unused else ""
                _warn(f"blockchain.{f.switch} is true, but it is {f.not_yet()}; {f.instead}{also}", f.switch)
        return self

    # -- derived --------------------------------------------------------------------------------------------------
    @property
    def is_embedded(self) -> bool:
        """Whether the chain runs in this process."""
        return self.network.startswith("embedded")

    @property
    def endpoint(self) -> str | None:
        """The JSON-RPC URL to use, or None for the embedded chain."""
        if self.is_embedded:
            return None
        return self.network if self.network.startswith("http") else self.rpc_endpoint

    @property
    def expected_chain_id(self) -> int | None:
        """The chain id the endpoint must serve (None: accept whatever it serves)."""
        if self.chain_id is not None:
            return self.chain_id
        if self.is_embedded:
            return EMBEDDED_CHAIN_ID
        return KNOWN_CHAIN_IDS.get(self.network)

    @property
    def is_rollup_l2(self) -> bool:
        """Whether ``l2_network`` is this project's own rollup (not an existing L2 reached by RPC)."""
        return self.l2_network == ROLLUP_L2

    @property
    def l2_endpoint(self) -> str:
        """The layer 2's URL: ``l2_rpc_endpoint``, or the rollup sequencer's default address."""
        return self.l2_rpc_endpoint or DEFAULT_L2_ENDPOINT

    @property
    def l2_expected_chain_id(self) -> int:
        """The layer 2's chain id: ``l2_chain_id``, else the rollup's default or the known id of ``l2_network``."""
        if self.l2_chain_id is not None:
            return self.l2_chain_id
        return KNOWN_L2_CHAIN_IDS.get(self.l2_network, DEFAULT_ROLLUP_CHAIN_ID)

    @property
    def resolved_data_dir(self) -> Path:
        """``data_dir`` with ``~`` expanded."""
        return self.data_dir.expanduser()

    def chain_config(self, name: str) -> BlockchainConfig:
        """This configuration pointed at chain ``name`` of ``supported_chains`` (its endpoint, chain id and, for an
        embedded chain, its own data dir under ``data_dir/chains``); ``network`` itself gives this configuration.
        :class:`ConfigError` when the chain cannot be served or is not configured."""
        if name == self.network:
            return self
        if name in UNSERVED_CHAINS:
            raise ConfigError(
                f"chain {name!r} cannot be served: {UNSERVED_CHAINS[name]}",
                hint="see issue #14; use an EVM chain (ethereum, polygon, avalanche, their testnets, or one defined "
                "under blockchain.chains)",
            )
        if not self.enable_cross_chain:
            raise ConfigError(f"chain {name!r}: cross-chain is off", hint="set blockchain.enable_cross_chain to true")
        if name not in self.supported_chains:
            raise ConfigError(
                f"chain {name!r} is not in supported_chains {self.supported_chains}",
                hint=f"add {name} to blockchain.supported_chains",
            )
        entry = self.chains.get(name)
        if entry is None:
            if name in KNOWN_CHAIN_IDS:
                hint = f"add blockchain.chains.{name}.rpc_endpoint (an http(s):// JSON-RPC URL of {name})"
            else:
                hint = f"define blockchain.chains.{name} with an rpc_endpoint and a chain_id"
            raise ConfigError(f"chain {name!r} has no endpoint", hint=hint)
        network = entry.network or (name if name in KNOWN_CHAIN_IDS else "rpc")
        data_dir = self.data_dir / "chains" / name if network.startswith("embedded") else self.data_dir
        chain_id = entry.chain_id if entry.chain_id is not None else KNOWN_CHAIN_IDS.get(network)
        return self.model_copy(
            update={
                "network": network,
                "rpc_endpoint": entry.rpc_endpoint,
                "chain_id": chain_id,
                "data_dir": data_dir,
                "chains": {},
                "supported_chains": [],
                "anchor_redundancy": [],
            }
        )


class NovaConfig(BaseModel):
    """The whole configuration file."""

    model_config = ConfigDict(extra="forbid")

    blockchain: BlockchainConfig = Field(default_factory=BlockchainConfig)
    """The seed's blockchain section."""


_SECRET_KEYS = {"private_key", "privatekey", "blockchain_private_key", "mnemonic", "passphrase"}


def _problems(exc: ValidationError, origins: dict[str, str] | None = None) -> list[str]:
    """One line per problem, with its key path; ``origins`` names where a key's value came from when not from the
    file (``NOVACRON_NETWORK``, ``--network``), so the message blames the variable or flag that set it."""
    out = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"]) or "blockchain"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling against the documented keys)"
        loc = err["loc"]
        key = str(loc[1]) if len(loc) > 1 and loc[0] == "blockchain" else None
        origin = (origins or {}).get(key) if key is not None else None
        if origin is not None:
            shown = repr(err.get("input"))
            shown = shown if len(shown) <= 60 else shown[:55] + "…" + shown[-4:]
            out.append(f"{origin}={shown} (blockchain.{key}): {msg}")
        else:
            out.append(f"{path}: {msg}")
    return out


def _env_list(value: str) -> list[str]:
    # not YAML: it would read 0x-addresses as integers
    body = value.strip().removeprefix("[").removesuffix("]")
    return [item.strip().strip("'\"") for item in body.split(",") if item.strip()]


def load_config(
    path: str | Path | None = None,
    *,
    overrides: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    flags: dict[str, str] | None = None,
) -> NovaConfig:
    """Read, merge and validate the configuration.

    ``path`` is a YAML file (None: defaults only). ``NOVACRON_<KEY>`` environment variables override the file;
    ``overrides`` (e.g. from CLI flags) override both. Raises :class:`ConfigError` listing every problem; a problem
    with a value set by an environment variable names the variable, one set by an override names its flag from
    ``flags`` (key -> flag, e.g. ``{"network": "--network"}``).
    """
    raw: dict[str, Any] = {}
    source, text = "defaults", ""
    if path is not None:
        source = str(path)
        try:
            text = Path(path).read_text()
            loaded = yaml.safe_load(text)
        except FileNotFoundError as exc:
            raise ConfigError(
                f"config file {path} does not exist", hint="pass --config with an existing YAML file"
            ) from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"config file {path} is not a text file ({exc.reason} at byte {exc.start})",
                hint="pass --config with a YAML file (UTF-8 text)",
            ) from exc
        except RecursionError as exc:
            raise ConfigError(f"config file {path} is nested too deeply to be a configuration") from exc
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from exc
        except yaml.YAMLError as exc:
            raise ConfigError(f"config file {path} is not valid YAML: {exc}") from exc
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(
                f"config file {path} must be a mapping with a `blockchain:` section",
                hint="see the example in README.md",
            )
        raw = loaded
    section = raw.get("blockchain")
    if section is None:
        section = {}
    if not isinstance(section, dict):
        raise ConfigError(f"{source}: `blockchain:` must be a mapping of keys to values")
    secrets = sorted(k for k in section if str(k).lower() in _SECRET_KEYS)
    if secrets:
        raise ConfigError(
            f"{source}: secrets do not belong in a config file: {', '.join(secrets)}",
            hint="remove them; export BLOCKCHAIN_PRIVATE_KEY or use keystore_path with an encrypted keystore",
        )
    merged = dict(section)
    environ = os.environ if env is None else env
    from_env: dict[str, str] = {}
    for name, info in BlockchainConfig.model_fields.items():
        value = environ.get(ENV_PREFIX + name.upper())
        if value is not None:
            # list keys take a comma-separated list, bracketed or not: NOVACRON_SLA_ORACLES=0xab..,0xcd..
            is_list = get_origin(info.annotation) is list
            merged[name] = _env_list(value) if is_list else value
            from_env[name] = ENV_PREFIX + name.upper()
    origins = dict(from_env)
    for key, value in (overrides or {}).items():
        if value is not None:
            merged[key] = value
            origins[key] = (flags or {}).get(key, f"the override of {key}")
    token = _LOADING.set((source, text, from_env))
    try:
        return NovaConfig.model_validate({**raw, "blockchain": merged})
    except ValidationError as exc:
        blamed = sorted(
            {origins[str(e["loc"][1])] for e in exc.errors() if len(e["loc"]) > 1 and str(e["loc"][1]) in origins}
        )
        where = ", ".join([source, *blamed]) if path is not None or not blamed else ", ".join(blamed)
        raise ConfigError(
            f"invalid configuration ({where}):",
            problems=_problems(exc, origins),
            hint="fix the keys listed above; every key is documented in README.md",
        ) from exc
    finally:
        _LOADING.reset(token)
