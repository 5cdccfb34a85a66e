"""Configuration: the seed's ``blockchain:`` YAML into validated pydantic models.

Keys are exactly the seed's "Production Configuration" ones, plus a few of ours (``chain_id``, ``data_dir``,
``keystore_path``, ``receipt_timeout``, ``native_usd_price``, ...). Defaults run on the embedded chain, so an empty
file (or none) works. Every problem in a file is reported at once, with its key path; durations read like the
seed's (``168h``, ``30m``, ``90s``). The private key is never read from YAML: only from the environment
(``BLOCKCHAIN_PRIVATE_KEY``) or an encrypted keystore.

Environment overrides: ``NOVACRON_<KEY>`` for any top-level key (``NOVACRON_NETWORK``, ``NOVACRON_RPC_ENDPOINT``,
``NOVACRON_DATA_DIR``, ...), applied over the file.
"""

from __future__ import annotations

import os
import re
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
    field_validator,
    model_validator,
)

from .errors import ConfigError

__all__ = [
    "KNOWN_CHAIN_IDS",
    "BlockchainConfig",
    "NovaConfig",
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
    """Send high-volume operations to the layer 2 (see l2_network)."""
    l2_network: str | None = None
    """Name of the layer-2 network."""
    l2_rpc_endpoint: str | None = None
    """JSON-RPC URL of the layer 2."""

    gas_price_limit: int = Field(default=50_000_000_000, gt=0)
    """Highest fee per gas ever paid, in wei (the seed's 50 gwei)."""
    max_gas_per_tx: int = Field(default=1_000_000, ge=21_000)
    """Highest gas limit of one transaction (contract deployments: max_gas_per_deploy)."""
    max_gas_per_deploy: int = Field(default=10_000_000, ge=21_000)
    """Highest gas limit of one contract deployment."""
    gas_strategy: Literal["slow", "medium", "fast"] = "medium"
    """Tip percentile and fee headroom: slow, medium or fast."""

    min_validators: int = Field(default=1000, ge=1)
    """Validators needed for the validator set to be healthy."""
    validator_stake: int = Field(default=1_000_000, ge=0)
    """Minimum stake of a validator, in whole tokens."""
    slashing_rate: float = Field(default=0.1, ge=0, le=1)
    """Fraction of stake slashed for misbehaviour (0..1)."""

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

    enable_cross_chain: bool = True
    """Enable cross-chain transfers and swaps."""
    supported_chains: list[str] = Field(default_factory=lambda: ["ethereum", "polygon", "avalanche"])
    """Chains the bridge may talk to."""

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
    require_audit: bool = True
    """Refuse to deploy contracts with unjustified high/medium audit findings."""
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

    @field_validator("rpc_endpoint", "l2_rpc_endpoint", "ipfs_endpoint")
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
        if self.use_layer2 and not self.l2_rpc_endpoint:
            raise ValueError("use_layer2 is true but l2_rpc_endpoint is not set")
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
    source = "defaults"
    if path is not None:
        source = str(path)
        try:
            loaded = yaml.safe_load(Path(path).read_text())
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
    for name, info in BlockchainConfig.model_fields.items():
        value = environ.get(ENV_PREFIX + name.upper())
        if value is not None:
            # list keys take a comma-separated list, bracketed or not: NOVACRON_SLA_ORACLES=0xab..,0xcd..
            is_list = get_origin(info.annotation) is list
            merged[name] = _env_list(value) if is_list else value
    for key, value in (overrides or {}).items():
        if value is not None:
            merged[key] = value
    try:
        return NovaConfig.model_validate({**raw, "blockchain": merged})
    except ValidationError as exc:
        raise ConfigError(
            f"invalid configuration ({source}):",
            problems=_problems(exc),
            hint="fix the keys listed above; every key is documented in README.md",
        ) from exc
