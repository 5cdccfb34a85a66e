"""The deployments registry: per chain id, where each contract lives and which artifact it was built from.

Domains describe their contracts as :class:`DeployStep` s; :func:`deploy_plan` runs them idempotently: a step whose
contract is already recorded on this chain with matching code is skipped. A recorded contract whose code no longer
matches (the artifact changed, or a dev chain was reset) is redeployed on dev chains; on other chains that needs
``force=True``, because it moves the contract to a new address.

Records are stored as ``deployments.json`` in the data dir (written atomically: a crash never leaves half a file),
exportable to a path users commit. Code verification compares on-chain runtime code with the artifact's, masking
the bytes of immutables (filled in by constructors).

A step with ``proxy=True`` deploys its artifact as the implementation of a UUPS (ERC-1967) proxy, initialized in the
proxy's constructor with ``initialize(*args)``; the record is the proxy's address under the implementation's
artifact, plus the proxy artifact and the implementations run so far (see :mod:`._proxies`). Every other step
deploys, and is recorded, exactly as before.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..artifacts import Artifact, load_artifact
from ..config import BlockchainConfig
from ..errors import ContractError
from ._chain import checksum
from ._proxies import PROXY_ARTIFACT, deploy_behind_proxy, record_code_matches, sync_proxy_record

if TYPE_CHECKING:
    from web3.contract import Contract
    from web3.contract.contract import ContractFunction

    from ._chain import Chain

__all__ = [
    "ZERO_ADDRESS",
    "ContractRecord",
    "DeployContext",
    "DeployOutcome",
    "DeployStep",
    "DeploymentsFile",
    "code_matches",
    "deploy_plan",
]

#: the zero address: "no one" as a constructor argument (no guardian), the native coin in the pools
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


@dataclass(frozen=True)
class ContractRecord:
    """One deployed contract."""

    name: str
    artifact: str
    address: str
    tx_hash: str
    block: int
    artifact_hash: str
    deployed_at: int
    #: behind a proxy: the proxy's artifact ("UUPSProxy"); "" for a contract deployed directly
    proxy: str = ""
    #: behind a proxy: the implementation it runs (as last seen by deploy or a sync with the chain)
    implementation: str = ""
    #: behind a proxy: every implementation it has run, oldest first (for a rollback)
    implementations: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "implementations", tuple(self.implementations))  # a list when read from JSON


class DeploymentsFile:
    """``{chain_id: {name: ContractRecord}}`` in a JSON file; ``path=None`` keeps it in memory only."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._data: dict[str, dict[str, dict[str, Any]]] = {}
        if path is not None and path.exists():
            try:
                self._data = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                raise ContractError(
                    f"the deployments file {path} is unreadable: {exc}",
                    hint="restore it from your export (`novacron-chain deploy --export`) or move it aside "
                    "and deploy again",
                ) from exc

    def get(self, chain_id: int, name: str) -> ContractRecord | None:
        """The record of ``name`` on ``chain_id``, if any."""
        raw = self._data.get(str(chain_id), {}).get(name)
        return ContractRecord(**raw) if raw else None

    def all(self, chain_id: int) -> list[ContractRecord]:
        """Every record on ``chain_id``, by name."""
        return [ContractRecord(**r) for _, r in sorted(self._data.get(str(chain_id), {}).items())]

    def put(self, chain_id: int, record: ContractRecord) -> None:
        """Add or replace a record and save the file."""
        with self._lock:
            raw = asdict(record)
            if not record.proxy:  # records of contracts without a proxy keep their former shape
                for key in ("proxy", "implementation", "implementations"):
                    raw.pop(key)
            else:
                raw["implementations"] = list(record.implementations)
            self._data.setdefault(str(chain_id), {})[record.name] = raw
            self._save()

    def forget(self, chain_id: int) -> None:
        """Drop every record of ``chain_id`` (a dev chain that was reset)."""
        with self._lock:
            self._data.pop(str(chain_id), None)
            self._save()

    def export(self, target: Path, chain_id: int | None = None) -> None:
        """Write the records (all chains, or one) to ``target``."""
        data = self._data if chain_id is None else {str(chain_id): self._data.get(str(chain_id), {})}
        _atomic_write(target, data)

    def _save(self) -> None:
        if self.path is not None:
            _atomic_write(self.path, self._data)


def _atomic_write(path: Path, data: Any) -> None:
    if path.exists() and not path.is_file():
        # a device or a pipe (/dev/stdout, /dev/null, a FIFO): write into it; renaming a temp file over it would
        # replace the device itself (as root, `deploy --export /dev/null` turned /dev/null into a regular file)
        with open(path, "w") as f:
            json.dump(data, f, indent=2, sort_keys=True)
            f.write("\n")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=2, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def code_matches(artifact: Artifact, onchain: bytes) -> bool:
    """Whether ``onchain`` runtime code is ``artifact``'s, ignoring the bytes of immutables."""
    expected = bytearray(bytes.fromhex(artifact.deployed_bytecode[2:]))
    actual = bytearray(onchain)
    if len(expected) != len(actual) or not expected:
        return False
    for start, length in artifact.immutable_ranges:
        expected[start : start + length] = actual[start : start + length]
    return expected == actual


@dataclass
class DeployContext:
    """What a step's argument and setup functions may read: config, the deployer and earlier addresses."""

    chain: Chain
    config: BlockchainConfig
    addresses: dict[str, str] = field(default_factory=dict)

    @property
    def deployer(self) -> str:
        """Address of the account deploying (admin of every contract until governance takes over)."""
        return self.chain.signer.address

    @property
    def guardian(self) -> str:
        """Who may pause the contracts being deployed: when ``emergency_pause_enabled``, the configured ``guardian``
        or else the deployer; otherwise :data:`ZERO_ADDRESS` (no guardian; the admin can grant the role later).
        Every deploy step that takes a guardian passes this, so that the rule is written once."""
        if not self.config.emergency_pause_enabled:
            return ZERO_ADDRESS
        configured = self.config.guardian
        return checksum(configured, "guardian") if configured else self.deployer


@dataclass(frozen=True)
class DeployStep:
    """Deploy ``artifact`` under the record name ``name``, then send the ``setup`` calls (role grants, wiring)."""

    name: str
    artifact: str
    args: Callable[[DeployContext], Sequence[Any]] = lambda ctx: ()
    setup: Callable[[DeployContext, Contract], Sequence[ContractFunction]] = lambda ctx, c: ()
    enabled: Callable[[BlockchainConfig], bool] = lambda cfg: True
    #: deploy ``artifact`` as the implementation of a UUPS proxy; ``args`` are then ``initialize``'s, and the
    #: recorded address (and ``setup``'s contract) is the proxy's
    proxy: bool = False


@dataclass(frozen=True)
class DeployOutcome:
    """What happened to one step."""

    name: str
    address: str
    action: Literal["deployed", "redeployed", "unchanged"]
    gas_used: int
    record: ContractRecord


def deploy_plan(
    chain: Chain,
    deployments: DeploymentsFile,
    config: BlockchainConfig,
    steps: Sequence[DeployStep],
    *,
    force: bool = False,
    progress: Callable[[DeployStep, int], None] | None = None,
) -> list[DeployOutcome]:
    """Run ``steps`` on ``chain``, skipping what is already deployed; record every deployment in ``deployments``."""
    ctx = DeployContext(chain=chain, config=config)
    outcomes: list[DeployOutcome] = []
    for i, step in enumerate(steps):
        if progress:
            progress(step, i)
        art = load_artifact(step.artifact)
        record = deployments.get(chain.chain_id, step.name)
        if record is not None and record.proxy:
            # an upgrade governance executed since is the record's artifact now: that is not a change to redeploy
            record = sync_proxy_record(chain, deployments, record)
            if record_code_matches(chain, record):
                ctx.addresses[step.name] = record.address
                outcomes.append(DeployOutcome(step.name, record.address, "unchanged", 0, record))
                continue
        elif record is not None and code_matches(art, chain.code(record.address)):
            ctx.addresses[step.name] = record.address
            outcomes.append(DeployOutcome(step.name, record.address, "unchanged", 0, record))
            continue
        if record is not None and not chain.is_dev and not force:
            raise ContractError(
                f"{step.name} is recorded at {record.address} on chain {chain.chain_id}, but the code there does "
                "not match the current artifact",
                hint="if you mean to deploy a new version at a new address, run `novacron-chain deploy --force`"
                + (
                    f"; to keep the address and the state, upgrade through governance (`novacron-chain security "
                    f"upgrade {step.name} --artifact {art.name}`)"
                    if record.proxy
                    else ""
                ),
            )
        implementation = ""
        if step.proxy:
            contract, impl_receipt, receipt = deploy_behind_proxy(chain, art, *step.args(ctx))
            gas = impl_receipt.gas_used + receipt.gas_used
            implementation = str(impl_receipt.contract_address)
        else:
            contract, receipt = chain.deploy(art, *step.args(ctx))
            gas = receipt.gas_used
        for call in step.setup(ctx, contract):  # part of deploying: the deploy gas cap applies
            gas += chain.transact(call, max_gas=chain.max_gas_per_deploy).gas_used
        new = ContractRecord(
            name=step.name,
            artifact=art.name,
            address=contract.address,
            tx_hash=receipt.tx_hash,
            block=receipt.block_number,
            artifact_hash=art.artifact_hash,
            deployed_at=int(time.time()),
            proxy=PROXY_ARTIFACT if step.proxy else "",
            implementation=implementation,
            implementations=(implementation,) if step.proxy else (),
        )
        deployments.put(chain.chain_id, new)
        ctx.addresses[step.name] = contract.address
        outcomes.append(DeployOutcome(step.name, contract.address, "redeployed" if record else "deployed", gas, new))
    return outcomes
