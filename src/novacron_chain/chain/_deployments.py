"""The deployments registry: per chain id, where each contract lives and which artifact it was built from.

Stored as ``deployments.json`` in the data dir (written atomically: a crash never leaves half a file), exportable
to a path users commit. Code verification compares on-chain runtime code with the artifact's, masking the bytes
of immutables (filled in by constructors).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..artifacts import Artifact
from ..errors import ContractError

__all__ = ["ContractRecord", "DeploymentsFile", "code_matches"]


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
            self._data.setdefault(str(chain_id), {})[record.name] = asdict(record)
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
