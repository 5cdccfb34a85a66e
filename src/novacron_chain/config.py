"""Configuration: the seed's ``blockchain:`` YAML into validated pydantic models.

Keys are exactly the seed's "Production Configuration" ones, plus a few of ours (``chain_id``, ``data_dir``,
``keystore_path``, ``receipt_timeout``, ``native_usd_price``, ...). Defaults run on the embedded chain, so an empty
file (or none) works. Every problem in a file is reported at once, with its key path; durations read like the
seed's (``168h``, ``30m``, ``90s``). The private key is never read from YAML: only from the environment
(``BLOCKCHAIN_PRIVATE_KEY``) or an encrypted keystore.

Environment overrides: ``NOVACRON_<KEY>`` for any top-level key (``NOVACRON_NETWORK``, ``NOVACRON_RPC_ENDPOINT``,
``NOVACRON_DATA_DIR``, ...), applied over the file.

Keys of features that do not exist yet (layer 2, cross-chain, contract audits) are never accepted silently. A
switch that turns such a feature on (``use_layer2``, ``enable_cross_chain``, ``require_audit``) loads with an
:class:`UnsupportedConfigWarning`, printed once, saying what does not happen and which issue will make it work: the
rest of the configuration works, and the seed's own production block turns all three on. A parameter of such a
feature (``l2_network``, ``l2_rpc_endpoint``, ``supported_chains``) set to anything but its default is refused with
the same facts, unless its feature's switch is on (then that switch's warning names it).
"""

from __future__ import annotations

import inspect
import os
import re
import warnings
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
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
    "BlockchainConfig",
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
_CROSS_CHAIN_NAMES = {
    "ethereum",
    "polygon",
    "solana",
    "cosmos",
    "avalanche",
    "sepolia",
    "amoy",
    "fuji",
    "anvil",
}


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


# every key documented by the seed whose behaviour does not exist yet
_NOT_YET = (
    _NotYet("layer 2", 13, "use_layer2", ("l2_network", "l2_rpc_endpoint"), "transactions go to the main chain"),
    _NotYet("cross-chain", 14, "enable_cross_chain", ("supported_chains",), "there is no bridge and no atomic swap"),
    _NotYet("security/audit", 15, "require_audit", (), "deploy does not audit the contracts it deploys"),
)
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


def parse_duration(value: Any) -> int:
    """Seconds in a Go-style duration (``168h``, ``1h30m``, ``45s``, ``2d``) or a plain number of seconds."""
    if isinstance(value, bool):
        raise ValueError("a duration, not a boolean")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().replace(" ", "")
        parts = _DURATION.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise ValueError(f"{value!r} is not a duration; write it like 168h, 30m, 90s or 1h30m")
        seconds = sum(float(n) * _UNIT[u] for n, u in parts)
    else:
        raise ValueError(f"{value!r} is not a duration")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return round(seconds)


Duration = Annotated[int, BeforeValidator(parse_duration)]


def _check_url(value: str, key: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError(f"{value!r} is not an http(s):// URL")
    return value


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
    """Send high-volume operations to the layer 2 (see l2_network). Not supported yet (issue #13): true loads with a
    warning, and transactions go to the main chain."""
    l2_network: str | None = None
    """Name of the layer-2 network. Not supported yet (issue #13): refused unless use_layer2 is true."""
    l2_rpc_endpoint: str | None = None
    """JSON-RPC URL of the layer 2. Not supported yet (issue #13): refused unless use_layer2 is true."""

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

    tokenized_resources: bool = True
    """Deploy and use the CPU/MEM/STO/NET resource tokens."""
    marketplace_enabled: bool = True
    """Deploy and use the resource market."""

    enable_did: bool = True
    """Deploy and use decentralized identity."""

    enable_cross_chain: bool = False
    """Enable cross-chain transfers and swaps. Not supported yet (issue #14): true loads with a warning, and there is
    no bridge or swap."""
    supported_chains: list[str] = Field(default_factory=lambda: ["ethereum", "polygon", "avalanche"])
    """Chains the bridge may talk to. Not supported yet (issue #14): another list is refused unless
    enable_cross_chain is true."""

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
    """Refuse to deploy contracts with unjustified high/medium audit findings. Not supported yet (issue #15): true
    loads with a warning, and deploy does not audit."""
    emergency_pause_enabled: bool = True
    """Deploy contracts with a guardian who can pause them."""

    batch_size: int = Field(default=1000, ge=1, le=100_000)
    """VM state records anchored per Merkle root (the seed's BatchSize)."""
    batch_max_wait: Duration = 10
    """Longest time a recorded VM state waits before its batch is anchored, even if the batch is not full."""

    # -- ours -----------------------------------------------------------------------------------------------------
    data_dir: Path = DEFAULT_DATA_DIR
    """Where the embedded chain, the deployments file and the embedded IPFS store live."""
    keystore_path: Path | None = None
    """Encrypted keystore v3 file of the signing key (passphrase from NOVACRON_KEYSTORE_PASSPHRASE or a prompt)."""
    receipt_timeout: Duration = 120
    """How long to wait for a transaction's receipt before reporting a timeout."""
    rpc_timeout: Duration = 30
    """Timeout of one JSON-RPC request."""
    native_usd_price: Decimal = Field(default=Decimal("0.5"), ge=0)
    """USD price of one native coin (POL, ETH, AVAX), for gas cost in USD."""

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

    @field_validator("supported_chains")
    @classmethod
    def _chains(cls, v: list[str]) -> list[str]:
        unknown = [c for c in v if c not in _CROSS_CHAIN_NAMES]
        if unknown:
            raise ValueError(f"unknown chain(s) {unknown}; known: {sorted(_CROSS_CHAIN_NAMES)}")
        return v

    @field_validator("slashing_rate", "reporter_reward", "downtime_min_signed")
    @classmethod
    def _basis_points(cls, v: float) -> float:
        if (Decimal(str(v)) * 10_000) % 1:
            raise ValueError(f"{v} is finer than a basis point; give it in steps of 0.0001")
        return v

    @field_validator("treasury")
    @classmethod
    def _treasury(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        if not re.fullmatch(r"0x[0-9a-fA-F]{40}", str(v)):
            raise ValueError(f"{v!r} is not an address (0x followed by 40 hex digits)")
        return v

    @model_validator(mode="after")
    def _unbonding_spans_two_epochs(self) -> BlockchainConfig:
        if self.unbonding_period < 2 * self.epoch_length:
            raise ValueError(
                f"unbonding_period ({self.unbonding_period} s) must be at least two epochs (epoch_length "
                f"{self.epoch_length} s): stake must stay slashable while the epochs it signed in can be checked"
            )
        return self

    @field_validator("migration_approvers", "sla_oracles")
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
        return self

    @model_validator(mode="after")
    def _needs_endpoint(self) -> BlockchainConfig:
        remote = self.network not in ("embedded", "embedded:memory") and not self.network.startswith("http")
        if remote and not self.rpc_endpoint:
            raise ValueError(f"network {self.network!r} needs rpc_endpoint (an http(s):// JSON-RPC URL)")
        return self

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
    def resolved_data_dir(self) -> Path:
        """``data_dir`` with ``~`` expanded."""
        return self.data_dir.expanduser()


class NovaConfig(BaseModel):
    """The whole configuration file."""

    model_config = ConfigDict(extra="forbid")

    blockchain: BlockchainConfig = Field(default_factory=BlockchainConfig)
    """The seed's blockchain section."""


_SECRET_KEYS = {"private_key", "privatekey", "blockchain_private_key", "mnemonic", "passphrase"}


def _problems(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"]) or "blockchain"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling against the documented keys)"
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
) -> NovaConfig:
    """Read, merge and validate the configuration.

    ``path`` is a YAML file (None: defaults only). ``NOVACRON_<KEY>`` environment variables override the file;
    ``overrides`` (e.g. from CLI flags) override both. Raises :class:`ConfigError` listing every problem.
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
    for key, value in (overrides or {}).items():
        if value is not None:
            merged[key] = value
    token = _LOADING.set((source, text, from_env))
    try:
        return NovaConfig.model_validate({**raw, "blockchain": merged})
    except ValidationError as exc:
        raise ConfigError(
            f"invalid configuration ({source}):",
            problems=_problems(exc),
            hint="fix the keys listed above; every key is documented in README.md",
        ) from exc
    finally:
        _LOADING.reset(token)
