"""Errors of the content-addressed store, all under :class:`~novacron_chain.errors.StorageError`.

::

    StorageError
    ├── StorageValueError (NovaValueError)  exit 2: bad input (unreadable source, bad option, malformed block)
    │   ├── InvalidCidError                 the text is not a CID this package can use
    │   └── CarFormatError                  a CAR file is malformed (header, framing, a CID), or not a complete DAG
    ├── ContentNotFoundError                a block is not in the store (or the node could not find it)
    ├── CorruptBlockError                   a block's bytes do not hash to its CID
    ├── NotPinnedError                      unpin of a CID that is not pinned
    ├── UnsupportedContentError             the DAG is not a UnixFS file, or uses a codec / hash we cannot read
    ├── DamagedContentError                 a verify found blocks missing or damaged (carries the report)
    ├── CidMismatchError                    an IPFS node returned another CID than Kubo's default import gives
    └── IpfsApiError                        the IPFS node's RPC answered with an error or garbage
        ├── IpfsUnreachableError            nothing answers at the endpoint
        └── IpfsTimeoutError                the node did not answer in time
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from novacron_chain.errors import NovaValueError, StorageError

if TYPE_CHECKING:
    from ._base import VerifyReport

__all__ = [
    "CarFormatError",
    "CidMismatchError",
    "ContentNotFoundError",
    "CorruptBlockError",
    "DamagedContentError",
    "InvalidCidError",
    "IpfsApiError",
    "IpfsTimeoutError",
    "IpfsUnreachableError",
    "NotPinnedError",
    "StorageValueError",
    "UnsupportedContentError",
]


class StorageValueError(StorageError, NovaValueError):
    """Bad input to the store: an unreadable source, a bad option, an oversized or malformed block."""


class InvalidCidError(StorageValueError):
    """The given text (or bytes) is not a CID, or names a codec this package cannot store. ``reason`` says why."""

    def __init__(self, value: object, reason: str) -> None:
        shown = value if isinstance(value, str) else repr(value)
        super().__init__(
            f"{shown!r} is not a usable CID: {reason}",
            hint="a CID looks like Qm... (CIDv0, 46 characters) or bafy... / bafk... (CIDv1); "
            "copy it whole from the output of `add`",
        )
        self.value = value
        self.reason = reason


class CarFormatError(StorageValueError):
    """A CAR (content archive) file cannot be read: a bad header, a truncated or malformed block section, a CID of
    an unsupported kind, or a DAG that lacks blocks. ``path`` is the file, ``offset`` the byte where it went wrong
    (``None`` when the problem is the archive as a whole)."""

    def __init__(self, path: str, problem: str, *, offset: int | None = None, hint: str | None = None) -> None:
        at = f" at byte {offset:,}" if offset is not None else ""
        super().__init__(
            f"{path}{at}: {problem}",
            hint=hint
            or "the archive is damaged or incomplete: copy it again from where it was made "
            "(`novacron-chain state backup` or `ipfs dag export`)",
        )
        self.path = path
        self.offset = offset

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["path"] = self.path
        if self.offset is not None:
            out["offset"] = self.offset
        return out


class ContentNotFoundError(StorageError):
    """A block needed to answer the request is not in the store.

    ``cid`` is the block that is missing; ``root`` the CID that was asked for, when it differs.
    """

    def __init__(self, cid: str, *, root: str | None = None, where: str = "the local store") -> None:
        of = f" (part of {root})" if root and root != cid else ""
        super().__init__(
            f"block {cid}{of} is not in {where}",
            hint="add the content first (`add` returns its CID), check that the CID is the one `add` printed, "
            "or fetch it from a node that has it",
        )
        self.cid = cid
        self.root = root
        self.where = where

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["cid"] = self.cid
        if self.root:
            out["root"] = self.root
        return out


class CorruptBlockError(StorageError):
    """A block's bytes do not hash to the CID they are stored under: the copy is damaged.

    The store never returns such bytes. ``cid`` is the damaged block, ``location`` where it was read from
    (a file path for the embedded store, the endpoint for a Kubo node).
    """

    def __init__(self, cid: str, *, location: str, actual: str | None = None) -> None:
        got = f" (its bytes hash to {actual})" if actual else ""
        super().__init__(
            f"block {cid} read from {location} is corrupted: its bytes do not match the CID{got}",
            hint="add the original content again (add rewrites damaged blocks), or delete the damaged block "
            "and fetch it from another node; `verify(<root cid>)` lists every damaged block",
        )
        self.cid = cid
        self.location = location
        self.actual = actual

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["cid"] = self.cid
        out["location"] = self.location
        return out


class NotPinnedError(StorageError):
    """``unpin`` was asked for a CID that has no pin of its own."""

    def __init__(self, cid: str) -> None:
        super().__init__(
            f"{cid} is not pinned",
            hint="list the pins with `pins()`; only the root CID that `add` or `pin` returned carries a pin",
        )
        self.cid = cid


class UnsupportedContentError(StorageError):
    """The DAG is not something this package reads: a UnixFS directory or symlink, another codec or hash."""

    def __init__(self, cid: str, reason: str, *, hint: str | None = None) -> None:
        super().__init__(
            f"cannot read {cid} as a file: {reason}",
            hint=hint or "this store reads UnixFS files (what `ipfs add FILE` makes) and raw blocks",
        )
        self.cid = cid


class DamagedContentError(StorageError):
    """A :meth:`~novacron_chain.storage.ContentStore.verify` found blocks missing or damaged; ``report`` is it.

    Stores never raise it (``verify`` returns its report); callers that treat damage as a failure do, e.g.
    ``novacron-chain ipfs verify`` (exit 1, its ``--json`` output carries the report).
    """

    def __init__(self, report: VerifyReport) -> None:
        missing, corrupt = report.missing, report.corrupt
        super().__init__(
            f"{report.cid}: {len(missing)} blocks missing, {len(corrupt)} damaged (first: {(corrupt or missing)[0]})",
            hint="add the original content again to repair damaged blocks, or fetch it from a node that has it",
        )
        self.report = report

    def to_dict(self) -> dict[str, Any]:
        r = self.report
        return {
            **super().to_dict(),
            "cid": r.cid,
            "ok": r.ok,
            "blocks": r.blocks,
            "missing": list(r.missing),
            "corrupt": list(r.corrupt),
        }


class CidMismatchError(StorageError):
    """An IPFS node stored content under another CID than Kubo's default import of the same bytes gives."""

    def __init__(self, *, endpoint: str, returned: str, expected: str) -> None:
        super().__init__(
            f"the IPFS node at {endpoint} returned {returned}, but Kubo's default import of the same bytes "
            f"gives {expected}",
            hint="the node's import settings differ from Kubo's defaults: reset Import.UnixFSChunker, "
            "Import.UnixFSRawLeaves and Import.UnixFSFileMaxLinks (`ipfs config --json Import {}`), "
            "or use another node",
        )
        self.endpoint = endpoint
        self.returned = returned
        self.expected = expected


class IpfsApiError(StorageError):
    """The IPFS node's RPC API failed: an error reply, a dropped connection, or a reply we cannot parse.

    ``status_code`` is the HTTP status and ``node_message`` the node's own ``Message``, when there was one.
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str,
        status_code: int | None = None,
        node_message: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.endpoint = endpoint
        self.status_code = status_code
        self.node_message = node_message

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["endpoint"] = self.endpoint
        if self.status_code is not None:
            out["status_code"] = self.status_code
        if self.node_message is not None:
            out["node_message"] = self.node_message
        return out


class IpfsUnreachableError(IpfsApiError):
    """Nothing answers at the IPFS endpoint (connection refused, unknown host, TLS failure)."""

    def __init__(self, *, endpoint: str, reason: str) -> None:
        super().__init__(
            f"IPFS node at {endpoint} is not reachable ({reason})",
            endpoint=endpoint,
            hint="start it with `ipfs daemon` or `novacron-chain ipfs serve`, "
            "or set blockchain.ipfs_endpoint to a running node",
        )


class IpfsTimeoutError(IpfsApiError):
    """The IPFS node did not answer in time (it may still be looking for the content on the network)."""

    def __init__(self, *, endpoint: str, operation: str, timeout: float | None) -> None:
        after = f" within {timeout:g} s" if timeout is not None else ""
        super().__init__(
            f"IPFS node at {endpoint} did not answer {operation}{after}",
            endpoint=endpoint,
            hint="the content may not be reachable from this node: check that a peer has it, "
            "or raise the timeout (KuboStore(..., timeout=...))",
        )
        self.timeout = timeout
