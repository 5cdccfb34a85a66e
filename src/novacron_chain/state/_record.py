"""The VM state record (the seed's ``VMStateRecord``) and its canonical encoding.

Canonical encoding: UTF-8 JSON with keys sorted and no whitespace (what ``json.dumps(obj, sort_keys=True,
separators=(",", ":"))`` prints), integers only, and the optional CIDs omitted when absent::

    {"cpu_allocation":4,"memory_allocation":8192,"owner":"0x…","region":"us-east-1",
     "schema":"novacron.vm-state/1","state":"Running","timestamp":1712345678901,"vm_id":"vm-12345"}

Every string field is restricted to characters JSON writes as themselves (letters, digits and ``._:-`` for ids,
a checksummed address for the owner, base32/base58 for CIDs), and every integer stays below 2^53, so the encoding is
also RFC 8785 (JCS) canonical: any JSON library that sorts keys reproduces the bytes. Decoding is strict: bytes that
are not exactly the canonical encoding of a valid record are refused, so one record has one encoding, one CID and
one Merkle leaf.
"""

from __future__ import annotations

import functools
import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from eth_utils import is_hex_address

from ..storage import Cid, InvalidCidError
from ._errors import RecordValueError

__all__ = ["MAX_ALLOCATION", "RECORD_SCHEMA", "VMState", "VMStateRecord"]

RECORD_SCHEMA = "novacron.vm-state/1"
"""The ``schema`` value of every record this version writes."""

MAX_ALLOCATION = 2**32 - 1
"""Largest ``cpu_allocation`` and ``memory_allocation`` (MB) accepted."""

_MAX_TIMESTAMP = 2**53 - 1
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
_MAX_CID = 200
_CID_HINT = "give the CID `ipfs add` printed (Qm... or bafy.../bafk...), copied whole"
_ID_HINT = "use 1 to {n} letters, digits, '.', '_', ':' or '-', starting with a letter or digit"
_KEYS = frozenset({"cpu_allocation", "memory_allocation", "owner", "region", "schema", "state", "timestamp", "vm_id"})
_OPTIONAL_KEYS = frozenset({"config_cid", "logs_cid"})


class VMState(StrEnum):
    """The lifecycle state of a VM (the seed's ``VMState`` plus ``Terminated``)."""

    STOPPED = "Stopped"
    STARTING = "Starting"
    RUNNING = "Running"
    MIGRATING = "Migrating"
    TERMINATED = "Terminated"

    @classmethod
    def parse(cls, value: str | VMState) -> VMState:
        """``value`` as a state; names match without regard to case (``running``, ``RUNNING``, ``Running``)."""
        if isinstance(value, VMState):
            return value
        if isinstance(value, str):
            found = _STATES.get(value.strip().lower())
            if found is not None:
                return found
        raise RecordValueError(
            "state",
            value,
            "is not a VM state",
            hint="use one of " + ", ".join(s.value for s in cls),
        )


_STATES = {s.value.lower(): s for s in VMState}


def now_ms() -> int:
    """The current time in milliseconds since the Unix epoch."""
    return time.time_ns() // 1_000_000


@functools.lru_cache(maxsize=4096)
def _owner(value: str) -> str:
    if not is_hex_address(value):
        raise RecordValueError("owner", value, "is not an Ethereum address", hint="write 0x followed by 40 hex digits")
    from ..chain import checksum  # the one address check (a mixed-case typo is refused); cached per owner
    from ..errors import NovaValueError

    try:
        return checksum(value, "owner")
    except NovaValueError as exc:
        raise RecordValueError("owner", value, "has a wrong EIP-55 checksum", hint=exc.hint) from None


def _ident(name: str, value: object, limit: int) -> str:
    if not isinstance(value, str):
        raise RecordValueError(name, value, "is not a string", hint=_ID_HINT.format(n=limit))
    if not value:
        raise RecordValueError(name, value, "is empty", hint=_ID_HINT.format(n=limit))
    if len(value) > limit or _ID.fullmatch(value) is None:
        raise RecordValueError(name, value, "is not a valid identifier", hint=_ID_HINT.format(n=limit))
    return value


def _count(name: str, value: object, unit: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordValueError(name, value, "is not a whole number", hint=f"give {name} as an integer ({unit})")
    if value < 0:
        raise RecordValueError(name, value, "is negative", hint=f"give {name} as 0 or more ({unit})")
    if value > MAX_ALLOCATION:
        raise RecordValueError(name, value, "is too large", hint=f"the largest {name} accepted is {MAX_ALLOCATION}")
    return value


def _timestamp(value: object) -> int:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise RecordValueError(
                "timestamp", value, "has no time zone", hint="pass an aware datetime, e.g. datetime.now(UTC)"
            )
        return round(value.timestamp() * 1000)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordValueError(
            "timestamp", value, "is not an integer", hint="give milliseconds since the Unix epoch, or a datetime"
        )
    if not 0 <= value <= _MAX_TIMESTAMP:
        raise RecordValueError(
            "timestamp", value, "is out of range", hint="give milliseconds since the Unix epoch (0 to 2^53 - 1)"
        )
    return value


def _cid(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > _MAX_CID:
        raise RecordValueError(name, value, "is not a CID", hint=_CID_HINT)
    try:
        parsed = Cid.parse(value, exact=True)
    except InvalidCidError as exc:
        raise RecordValueError(name, value, f"is not a CID ({exc.reason})", hint=_CID_HINT) from exc
    # only the canonical text (base58 Qm..., base32 b...) is taken: it needs no JSON escaping (see the module doc).
    # A CIDv0 is only ever decoded from its 46-character base58 text (printing it again costs ~200 µs).
    canonical = value.startswith("Qm") and len(value) == 46 if parsed.version == 0 else str(parsed) == value
    if not canonical:
        raise RecordValueError(name, value, "is not a CID as `ipfs add` prints it", hint=_CID_HINT)
    return value


@dataclass(frozen=True, slots=True)
class VMStateRecord:
    """What state a VM was in, when, where and with which resources (the seed's ``VMStateRecord``).

    Fields are checked and normalised when the record is made (``state`` from any case of its name, ``owner`` to its
    EIP-55 checksum form); a bad one raises :class:`RecordValueError` naming the field. ``timestamp`` is
    milliseconds since the Unix epoch (default: now; an aware ``datetime`` is accepted). Large data (the VM's
    configuration, its logs) lives in IPFS: ``config_cid`` and ``logs_cid`` name it
    (:meth:`StateManager.record_vm_state` stores the blobs and fills them in).
    """

    vm_id: str
    owner: str
    region: str
    state: VMState
    cpu_allocation: int
    memory_allocation: int
    timestamp: int = field(default_factory=now_ms)
    config_cid: str | None = None
    logs_cid: str | None = None

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "vm_id", _ident("vm_id", self.vm_id, 128))
        setattr_(self, "owner", _owner(self.owner) if isinstance(self.owner, str) else _owner_type(self.owner))
        setattr_(self, "region", _ident("region", self.region, 64))
        setattr_(self, "state", VMState.parse(self.state))
        _count("cpu_allocation", self.cpu_allocation, "virtual CPUs")
        _count("memory_allocation", self.memory_allocation, "MB")
        setattr_(self, "timestamp", _timestamp(self.timestamp))
        _cid("config_cid", self.config_cid)
        _cid("logs_cid", self.logs_cid)

    def canonical_bytes(self) -> bytes:
        """The canonical encoding (see the module documentation): what is stored in IPFS and hashed into leaves."""
        # Written out in sorted key order; every value was checked to need no JSON escaping.
        parts = []
        if self.config_cid is not None:
            parts.append(f'"config_cid":"{self.config_cid}",')
        parts.append(f'"cpu_allocation":{self.cpu_allocation},')
        if self.logs_cid is not None:
            parts.append(f'"logs_cid":"{self.logs_cid}",')
        parts.append(
            f'"memory_allocation":{self.memory_allocation},"owner":"{self.owner}","region":"{self.region}",'
            f'"schema":"{RECORD_SCHEMA}","state":"{self.state.value}","timestamp":{self.timestamp},'
            f'"vm_id":"{self.vm_id}"'
        )
        return ("{" + "".join(parts) + "}").encode("ascii")

    @classmethod
    def from_bytes(cls, data: bytes) -> VMStateRecord:
        """Decode a canonical encoding; :class:`RecordValueError` unless ``data`` is exactly one."""
        try:
            obj = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise RecordValueError("record", _preview(data), "is not JSON") from exc
        if not isinstance(obj, dict):
            raise RecordValueError("record", _preview(data), "is not a JSON object")
        if obj.get("schema") != RECORD_SCHEMA:
            raise RecordValueError(
                "schema", obj.get("schema"), "is not a schema this version reads", hint=f"expected {RECORD_SCHEMA}"
            )
        keys = set(obj)
        if not keys >= _KEYS or not keys <= _KEYS | _OPTIONAL_KEYS:
            raise RecordValueError(
                "record", sorted(keys), "does not have the fields of a VM state record", hint=f"see {RECORD_SCHEMA}"
            )
        del obj["schema"]
        record = cls(**obj)
        if record.canonical_bytes() != bytes(data):
            raise RecordValueError("record", _preview(data), "is not in canonical form")
        return record

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (``state`` as its name); optional CIDs only when set."""
        out: dict[str, Any] = {
            "vm_id": self.vm_id,
            "owner": self.owner,
            "region": self.region,
            "state": self.state.value,
            "cpu_allocation": self.cpu_allocation,
            "memory_allocation": self.memory_allocation,
            "timestamp": self.timestamp,
        }
        if self.config_cid is not None:
            out["config_cid"] = self.config_cid
        if self.logs_cid is not None:
            out["logs_cid"] = self.logs_cid
        return out


def _owner_type(value: object) -> str:
    raise RecordValueError("owner", value, "is not an Ethereum address", hint="write 0x followed by 40 hex digits")


def _preview(data: bytes) -> str:
    text = bytes(data[:80]).decode("utf-8", "replace")
    return text + ("…" if len(data) > 80 else "")
