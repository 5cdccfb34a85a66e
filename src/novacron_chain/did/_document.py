"""W3C DID Core documents and resolution results built from an identity's replayed state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ._did import encode_public_key_multibase, parse_did
from ._errors import DIDValueError
from ._registry import IdentityState, KeyInfo

__all__ = ["DIDResolution", "build_document", "iso_time"]

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
SECP256K1_2019_CONTEXT = "https://w3id.org/security/suites/secp256k1-2019/v1"
SECP256K1_RECOVERY_CONTEXT = "https://w3id.org/security/suites/secp256k1recovery-2020/v2"
VERIFICATION_KEY_2019 = "EcdsaSecp256k1VerificationKey2019"
RECOVERY_METHOD_2020 = "EcdsaSecp256k1RecoveryMethod2020"


def iso_time(timestamp: int) -> str:
    """Unix seconds as an XML dateTimeStamp in UTC (``2025-01-31T12:00:00Z``)."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _method(did: str, key: KeyInfo, chain_id: int) -> dict[str, str]:
    if key.public_key is not None:
        return {
            "id": f"{did}#{key.fragment}",
            "type": VERIFICATION_KEY_2019,
            "controller": did,
            "publicKeyMultibase": encode_public_key_multibase(key.public_key),
        }
    return {
        "id": f"{did}#{key.fragment}",
        "type": RECOVERY_METHOD_2020,
        "controller": did,
        "blockchainAccountId": f"eip155:{chain_id}:{key.address}",
    }


def build_document(did: str, network: str, state: IdentityState, chain_id: int) -> dict[str, Any]:
    """The DID document of ``state``: owner key first, then valid delegates; a bare ``id`` once deactivated."""
    if state.owner is None:
        return {"@context": [DID_CONTEXT], "id": did}
    methods = [_method(did, k, chain_id) for k in state.keys]
    contexts = [DID_CONTEXT]
    if any(m["type"] == VERIFICATION_KEY_2019 for m in methods):
        contexts.append(SECP256K1_2019_CONTEXT)
    if any(m["type"] == RECOVERY_METHOD_2020 for m in methods):
        contexts.append(SECP256K1_RECOVERY_CONTEXT)
    doc: dict[str, Any] = {
        "@context": contexts,
        "id": did,
        "controller": f"did:novacron:{network}:{state.owner}",
        "verificationMethod": methods,
        "authentication": [f"{did}#{k.fragment}" for k in state.keys_for("authentication")],
        "assertionMethod": [f"{did}#{k.fragment}" for k in state.keys_for("assertionMethod")],
    }
    if state.services:
        doc["service"] = [
            {"id": f"{did}#{frag}", "type": stype, "serviceEndpoint": endpoint}
            for frag, stype, endpoint in state.services
        ]
    return doc


@dataclass(frozen=True)
class DIDResolution:
    """The result of resolving a DID (W3C DID Resolution): the document and its metadata.

    ``document_metadata`` has ``created`` / ``updated`` (times of the first and latest on-chain change; absent for
    an identity never changed), ``deactivated``, ``versionId`` (block number of the latest change, ``"0"`` when
    never changed) and ``kind`` when published. ``state`` is the replayed registry state the document was built
    from (owner, keys with their validity, keys retired by rotation or expiry).
    """

    did: str
    document: dict[str, Any]
    document_metadata: dict[str, Any]
    resolution_metadata: dict[str, Any]
    state: IdentityState = field(repr=False, compare=False)

    @property
    def deactivated(self) -> bool:
        """Whether the identity was deactivated."""
        return bool(self.document_metadata.get("deactivated"))

    @property
    def owner(self) -> str | None:
        """The identity's current owner address (None once deactivated)."""
        return self.state.owner

    def verification_method(self, kid: str) -> dict[str, Any]:
        """The verification method ``kid`` (a DID URL or ``#fragment``) of this document.

        Raises :class:`DIDValueError` when the document has no such method (rotated out, expired, or never).
        """
        base, _, fragment = kid.rpartition("#")
        if base and parse_did(base).address != self.state.address:
            raise DIDValueError(f"{kid} is not a key of {self.did}", hint="pass a key id of this DID, or #fragment")
        wanted = f"{self.did}#{fragment}"
        for m in self.document.get("verificationMethod", []):
            if m.get("id") == wanted:
                return dict(m)
        retired = self.state.retired.get(fragment)
        why = f": it was {retired.retired}" if retired else ""
        raise DIDValueError(
            f"{self.did} has no verification method #{fragment}{why}",
            hint="resolve the DID to see its current keys",
        )

    def to_dict(self) -> dict[str, Any]:
        """The resolution result as W3C DID Resolution JSON."""
        return {
            "didDocument": self.document,
            "didDocumentMetadata": self.document_metadata,
            "didResolutionMetadata": self.resolution_metadata,
        }


def make_resolution(did: str, network: str, state: IdentityState, chain_id: int, registry: str) -> DIDResolution:
    """Wrap ``state`` into a :class:`DIDResolution`."""
    meta: dict[str, Any] = {"deactivated": state.deactivated, "versionId": str(state.changed)}
    if state.created is not None:
        meta["created"] = iso_time(state.created)
    if state.updated is not None:
        meta["updated"] = iso_time(state.updated)
    if state.kind is not None:
        meta["kind"] = state.kind
    resolution: dict[str, Any] = {
        "contentType": "application/did+ld+json",
        "registry": f"eip155:{chain_id}:{registry}",
        "resolvedAt": iso_time(state.now),
    }
    if state.warnings:
        resolution["warnings"] = list(state.warnings)
    return DIDResolution(did, build_document(did, network, state, chain_id), meta, resolution, state)
