"""Compliance reports: a VM's audit trail as a verifiable credential that a third party checks without our database.

A report is one W3C verifiable credential secured as JOSE ``vc+jwt`` (ES256K), issued by the operator's
``did:novacron`` DID. Its ``credentialSubject`` (schema :data:`REPORT_SCHEMA`) names the VM, the chain and the
``StateAnchor`` contract the anchors point to, and lists every anchored record of the VM, oldest first::

    {"seq": 7, "record": {...the VMStateRecord's fields: state, region, timestamp, owner, cpu, memory, CIDs...},
     "cid": "bafkrei...", "leaf": "0x...", "proof": ["0x...", ...], "batchId": 3, "root": "0x...",
     "manifestCid": "bafy...", "block": 118, "txHash": "0x...", "anchoredAt": 1712345678}

:func:`issue_report` builds it from a :class:`~novacron_chain.state.StateManager` after checking the VM's records
against the roots on chain (a damaged audit trail is refused, not certified). :func:`check_report` verifies it:

* offline, from the token alone: the record's fields re-encode (canonically) to the stated CID and leaf, the leaf's
  Merkle proof leads to the stated batch root, and the JWS signature verifies;
* with a chain (an RPC endpoint, or the embedded chain): each root is the root of the stated batch on that
  ``StateAnchor`` on that chain id, anchored by the stated transaction in the stated block; and the credential is
  checked against the DID registry it names (the issuer's key still current, the credential not revoked).

How an offline verifier gets the issuer's key: the JWS header carries the signing public key (``jwk``, RFC 7515
§4.1.3), and a ``did:novacron`` DID *is* an Ethereum address whose first owner key (``#keys-1``) is the key of
that address (ERC-1056 semantics). The key in the header is accepted offline only when it hashes to the DID's
address and the ``kid`` is ``#keys-1``: the signature then proves the DID's genesis key signed the report, with no
registry needed. What only the chain can tell (the key rotated since, the DID deactivated, a delegate's
authorisation, the credential revoked) is reported as *unchecked* offline, and checked when a chain is given.
A report signed by a delegate key or a rotated owner key is therefore verifiable only with the chain.

Every finding is a :class:`ReportCheck` (``ok``, ``failed`` or ``unchecked``) naming the record it concerns; the
result is :class:`ReportVerification`, which :class:`ReportInvalidError` carries when a check failed.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import NovaChainError, NovaValueError
from ._errors import RecordValueError, ReportInvalidError, StateIntegrityError, StateValueError
from ._hashing import hex0x, leaf_hash, raw_cid
from ._merkle import process_proof
from ._record import RECORD_SCHEMA, VMStateRecord, _ident

if TYPE_CHECKING:
    from ..chain import Chain, Signer
    from ..did import DIDManager
    from ._manager import StateManager

__all__ = [
    "REPORT_SCHEMA",
    "REPORT_TYPE",
    "ComplianceReport",
    "ReportCheck",
    "ReportCheckStatus",
    "ReportInvalidError",
    "ReportVerification",
    "check_report",
    "connect_rpc",
    "issue_report",
    "read_report",
]

REPORT_SCHEMA = "novacron.compliance-report/1"
"""The ``schema`` of a report's ``credentialSubject``."""

REPORT_TYPE = "VMComplianceReport"
"""The credential type of a report (after ``VerifiableCredential``)."""

_VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
_STATUS_TYPE = "NovaCronRevocationRegistry"  # the DID registry's revocation entries (see novacron_chain.did)
_GENESIS_FRAGMENT = "keys-1"  # an identity's first owner key: the key of its own address
_ZERO32 = bytes(32)
_HEX32 = 66


class ReportCheckStatus(StrEnum):
    """The outcome of one check: ``ok``, ``failed``, or ``unchecked`` (it needs the chain, which was not given)."""

    OK = "ok"
    FAILED = "failed"
    UNCHECKED = "unchecked"


@dataclass(frozen=True, slots=True)
class ReportCheck:
    """One finding of :func:`check_report`. ``check`` says what was checked (``format``, ``signature``, ``issuer``,
    ``record``, ``proof``, ``anchor``, ``credential``); ``seq`` names the record it concerns, when one."""

    check: str
    status: ReportCheckStatus
    reason: str
    seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"check": self.check, "status": self.status.value, "reason": self.reason, "seq": self.seq}


@dataclass(frozen=True, slots=True)
class ReportVerification:
    """What :func:`check_report` found. ``valid``: no check failed; ``complete``: nothing was left unchecked (the
    anchors and the issuer's DID were checked on a chain). ``reason`` sums it up, naming the first failure."""

    valid: bool
    complete: bool
    reason: str
    vm_id: str | None
    issuer: str | None
    credential_id: str | None
    chain_id: int | None
    contract: str | None
    records: int
    checks: tuple[ReportCheck, ...]
    chain_checked: bool = False

    @property
    def failures(self) -> list[ReportCheck]:
        """The failed checks."""
        return [c for c in self.checks if c.status is ReportCheckStatus.FAILED]

    @property
    def status(self) -> str:
        """``invalid``, ``valid`` (everything checked) or ``valid-offline`` (the chain's part left unchecked)."""
        if not self.valid:
            return "invalid"
        return "valid" if self.complete else "valid-offline"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "status": self.status,
            "valid": self.valid,
            "complete": self.complete,
            "reason": self.reason,
            "vm_id": self.vm_id,
            "issuer": self.issuer,
            "credential_id": self.credential_id,
            "chain_id": self.chain_id,
            "contract": self.contract,
            "records": self.records,
            "chain_checked": self.chain_checked,
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass(frozen=True, slots=True)
class ComplianceReport:
    """A report :func:`issue_report` made: ``token`` is the ``vc+jwt`` to hand over (what ``--out`` writes)."""

    token: str
    vm_id: str
    issuer: str
    credential_id: str
    chain_id: int
    contract: str
    records: int
    pending: int

    def save(self, path: str | Path) -> Path:
        """Write the token to ``path`` (one line of text); the path."""
        out = Path(path).expanduser()
        try:
            out.write_text(self.token + "\n", encoding="ascii")
        except OSError as exc:
            raise StateValueError(
                f"cannot write the report to {out}: {exc.strerror or exc}", hint="choose a path this user can write"
            ) from exc
        return out

    @property
    def credential(self) -> dict[str, Any]:
        """The credential (the JWT payload)."""
        from ..did._jose import JwsParts

        return JwsParts.parse(self.token).payload

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (with the token)."""
        return {
            "vm_id": self.vm_id,
            "issuer": self.issuer,
            "credential_id": self.credential_id,
            "chain_id": self.chain_id,
            "contract": self.contract,
            "records": self.records,
            "pending": self.pending,
            "report": self.token,
        }


# -- issuing ----------------------------------------------------------------------------------------------------------


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _issuer_key(
    manager: StateManager, signer: Signer, issuer: str | None, dids: DIDManager | None
) -> tuple[str, str, dict[str, Any] | None]:
    """``(issuer DID, kid, registry info)``: the issuer and the key id ``signer`` signs as."""
    from ..did import DIDKeyNotAuthorizedError, DIDValueError, did_network, parse_did

    if dids is not None:
        did = dids.parse(issuer).did if issuer is not None else dids.did_of(signer.address)
        state = dids.resolve(did).state
        if state.deactivated:
            from ..did import DIDDeactivatedError

            raise DIDDeactivatedError(did, action="issue compliance reports")
        key = state.key_of_address(signer.address, "assertionMethod")
        if key is None:
            raise DIDKeyNotAuthorizedError(did, signer.address, state.owner, action="issue compliance reports")
        return did, f"{did}#{key.fragment}", {"registry": dids.registry_id}
    network = did_network(manager.chain.network, manager.chain.chain_id)
    if issuer is None:
        return f"did:novacron:{network}:{signer.address}", f"did:novacron:{network}:{signer.address}#keys-1", None
    parsed = parse_did(issuer)
    if parsed.address != signer.address:
        raise DIDValueError(
            f"the signing account {signer.address} is not the key of {parsed.did}, and no DID registry is deployed "
            "to say it may sign for it",
            hint="deploy the DIDRegistry and make the account a veriKey delegate of the DID, or issue as the "
            "account's own DID (drop --issuer)",
        )
    return parsed.did, f"{parsed.did}#{_GENESIS_FRAGMENT}", None


def issue_report(
    manager: StateManager,
    vm_id: str,
    key: Signer | None = None,
    *,
    issuer: str | None = None,
    dids: DIDManager | None = None,
    valid_for: int | None = None,
) -> ComplianceReport:
    """A compliance report of ``vm_id``'s audit trail, signed by ``key`` (default: the chain's signer) as
    ``issuer`` (default: the DID of the key's address).

    The VM's records are first checked against the roots on chain (``verify_state_integrity``): a tampered or
    missing record raises :class:`~novacron_chain.state.StateIntegrityError` and nothing is signed. Records not
    anchored yet are left out (counted in ``pending``). With ``dids`` (the chain's DID registry) the key may be any
    assertion key of the issuer (its current owner key or a ``veriKey`` delegate) and the credential carries a
    revocation entry in that registry; without it the issuer must be the key's own DID (signing as ``#keys-1``).
    ``valid_for`` (seconds) sets ``validUntil``; by default the report does not expire.
    """
    from ..did._jose import public_key_jwk, sign_jws

    _ident("vm_id", vm_id, 128)
    if valid_for is not None and (isinstance(valid_for, bool) or not isinstance(valid_for, int) or valid_for <= 0):
        raise StateValueError(f"valid_for {valid_for!r} must be a positive number of seconds")
    chain = manager.chain
    signer = key if key is not None else chain.signer
    issuer_did, kid, registry = _issuer_key(manager, signer, issuer, dids)

    integrity = manager.verify_state_integrity(vm_id)
    if integrity.records and integrity.status.value in ("tampered", "missing"):
        raise StateIntegrityError(f"{vm_id} (no report issued)", integrity.to_dict())
    pending = sum(1 for r in integrity.records if r.status.value == "pending")
    entries = manager.get_history(vm_id)
    if not entries:
        raise StateValueError(
            f"{vm_id} has no anchored records to report"
            + (f" ({pending} recorded, not anchored yet)" if pending else ""),
            hint="`novacron-chain state flush` anchors what was recorded; check the VM id",
        )
    records = []
    for e in entries:
        batch_id, leaf, proof = manager.proof(e.seq)
        records.append(
            {
                "seq": e.seq,
                "record": e.record.to_dict(),
                "cid": e.cid,
                "leaf": leaf,
                "proof": proof,
                "batchId": batch_id,
                "root": e.root,
                "manifestCid": e.manifest_cid,
                "block": e.block,
                "txHash": e.tx_hash,
                "anchoredAt": e.anchored_at,
            }
        )
    contract = str(manager.contract.address)
    # valid from the earlier of chain time and the clock: a dev chain moved ahead in time, or an idle one whose last
    # block is old, must not make the report "not valid yet" to a checker on the other clock
    now = min(chain.timestamp(), int(time.time()))
    cred_id = f"urn:uuid:{uuid.uuid4()}"
    subject = {
        "id": f"urn:novacron:vm:{vm_id}",
        "type": "VMAuditTrail",
        "schema": REPORT_SCHEMA,
        "vmId": vm_id,
        "recordSchema": RECORD_SCHEMA,
        "encoding": "sorted-key compact JSON (RFC 8785); CIDv1 raw sha2-256; leaf keccak256(keccak256(record))",
        "merkleTree": "OpenZeppelin MerkleProof (sorted-pair keccak256)",
        "anchor": {
            "chainId": chain.chain_id,
            "network": chain.network,
            "contract": contract,
            "id": f"eip155:{chain.chain_id}:{contract}",
        },
        "integrity": integrity.status.value,
        "recordCount": len(records),
        "pendingRecords": pending,
        "records": records,
    }
    payload: dict[str, Any] = {
        "@context": [_VC_CONTEXT],
        "type": ["VerifiableCredential", REPORT_TYPE],
        "id": cred_id,
        "issuer": issuer_did,
        "validFrom": _iso(now),
        "credentialSubject": subject,
        "iss": issuer_did,
        "sub": subject["id"],
        "jti": cred_id,
        "iat": now,
        "nbf": now,
    }
    if valid_for is not None:
        payload["validUntil"] = _iso(now + valid_for)
        payload["exp"] = now + valid_for
    if registry is not None:
        from ..did import credential_hash

        payload["credentialStatus"] = {
            "type": _STATUS_TYPE,
            "statusPurpose": "revocation",
            "statusRegistry": registry["registry"],
            "credentialHash": "0x" + credential_hash(cred_id).hex(),
        }
    header = {"alg": "ES256K", "typ": "vc+jwt", "kid": kid, "jwk": public_key_jwk(signer.public_key_compressed)}
    token = sign_jws(header, payload, signer)
    return ComplianceReport(token, vm_id, issuer_did, cred_id, chain.chain_id, contract, len(records), pending)


# -- reading ----------------------------------------------------------------------------------------------------------


def read_report(source: str | Path) -> str:
    """The token of a report: ``source`` is the token itself, or a file holding it (what ``--out`` wrote, or the
    ``--json`` output of ``state report``, whose ``report`` member is the token)."""
    text: str
    is_token = isinstance(source, str) and source.strip().startswith("eyJ") and source.count(".") == 2
    if not is_token:
        path = Path(source).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise StateValueError(
                f"cannot read the report {path}: {reason}",
                hint="pass the file `novacron-chain state report VM_ID --out FILE` wrote",
            ) from exc
    else:
        text = str(source)
    text = text.strip()
    if text.startswith("{"):
        try:
            obj = json.loads(text)
        except ValueError as exc:
            raise StateValueError(
                "the report file is JSON but not valid JSON", hint="pass the file `state report --out` wrote"
            ) from exc
        token = obj.get("report") if isinstance(obj, dict) else None
        if not isinstance(token, str):
            raise StateValueError(
                "the report file is JSON without a `report` member (the vc+jwt)",
                hint="pass the file `state report --out` wrote, or the --json output of `state report`",
            )
        text = token.strip()
    return text


# -- checking ---------------------------------------------------------------------------------------------------------


class _Checks:
    def __init__(self) -> None:
        self.items: list[ReportCheck] = []

    def add(self, check: str, status: ReportCheckStatus, reason: str, seq: int | None = None) -> None:
        self.items.append(ReportCheck(check, status, reason, seq))

    def ok(self, check: str, reason: str, seq: int | None = None) -> None:
        self.add(check, ReportCheckStatus.OK, reason, seq)

    def fail(self, check: str, reason: str, seq: int | None = None) -> None:
        self.add(check, ReportCheckStatus.FAILED, reason, seq)

    def unchecked(self, check: str, reason: str, seq: int | None = None) -> None:
        self.add(check, ReportCheckStatus.UNCHECKED, reason, seq)

    def settle(self, check: str, reason: str) -> None:
        """Turn the unchecked findings of ``check`` into ``ok`` (the chain answered them)."""
        self.items = [
            ReportCheck(c.check, ReportCheckStatus.OK, f"{reason} ({c.reason})", c.seq)
            if c.check == check and c.status is ReportCheckStatus.UNCHECKED
            else c
            for c in self.items
        ]


def _records(n: int) -> str:
    return f"{n} record" + ("" if n == 1 else "s")


def _hex32(value: object) -> bytes | None:
    if not isinstance(value, str) or len(value) != _HEX32 or not value.startswith("0x"):
        return None
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        return None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _describe(seq: object, rec: Mapping[str, Any]) -> str:
    fields = rec.get("record") if isinstance(rec.get("record"), dict) else {}
    assert isinstance(fields, dict)
    state, stamp = fields.get("state"), fields.get("timestamp")
    when = ""
    if isinstance(stamp, int) and not isinstance(stamp, bool) and 0 <= stamp < 2**53:
        when = " at " + datetime.fromtimestamp(stamp / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"record {seq}" + (f" ({state}{when})" if isinstance(state, str) else "")


def _check_record(checks: _Checks, vm_id: str, n: int, rec: object) -> tuple[int, bytes, int | None] | None:
    """Offline checks of one record; ``(batch id, root, seq)`` to check on chain, or None when it is malformed."""
    if not isinstance(rec, dict):
        checks.fail("record", f"entry {n} of the records is not an object")
        return None
    seq = _int(rec.get("seq"))
    name = _describe(seq if seq is not None else f"#{n}", rec)
    fields = rec.get("record")
    if not isinstance(fields, dict):
        checks.fail("record", f"{name}: it has no record fields", seq)
        return None
    try:
        record = VMStateRecord(**fields)
    except (RecordValueError, TypeError) as exc:
        why = exc.message if isinstance(exc, NovaChainError) else "its fields are not those of a VM state record"
        checks.fail("record", f"{name}: not a valid VM state record ({why})", seq)
        return None
    if record.to_dict() != fields:
        checks.fail("record", f"{name}: its fields are not in normal form (state name, checksum address)", seq)
        return None
    if record.vm_id != vm_id:
        checks.fail("record", f"{name}: it is a record of {record.vm_id}, the report is about {vm_id}", seq)
        return None
    data = record.canonical_bytes()
    leaf = leaf_hash(data)
    problems = []
    if rec.get("cid") != raw_cid(data):
        problems.append(f"its content has CID {raw_cid(data)}, the report says {rec.get('cid')}")
    stated_leaf = _hex32(rec.get("leaf"))
    if stated_leaf != leaf:
        problems.append(f"its content hashes to leaf {hex0x(leaf)}, the report says {rec.get('leaf')}")
    if problems:
        checks.fail("record", f"{name} was altered: " + "; ".join(problems), seq)
        return None
    checks.ok("record", f"{name}: content matches its CID and leaf", seq)
    proof_raw = rec.get("proof")
    root = _hex32(rec.get("root"))
    batch_id = _int(rec.get("batchId"))
    if not isinstance(proof_raw, list) or root is None or not batch_id:
        checks.fail("proof", f"{name}: the proof, root or batch id is missing or malformed", seq)
        return None
    proof = [_hex32(p) for p in proof_raw]
    if any(p is None for p in proof):
        checks.fail("proof", f"{name}: a proof element is not a 32-byte 0x-hex hash", seq)
        return None
    reached = process_proof(leaf, [p for p in proof if p is not None])
    if reached != root:
        checks.fail(
            "proof",
            f"{name}: its Merkle proof leads to {hex0x(reached)}, not to the batch root {hex0x(root)} it claims "
            "(the proof or the root was altered)",
            seq,
        )
        return None
    checks.ok("proof", f"{name}: its proof leads to the root of batch {batch_id}", seq)
    return batch_id, root, seq


def _check_signature(checks: _Checks, header: Mapping[str, Any], parts: Any, issuer: str) -> None:
    """Offline: the signature against the key in the header, and that key's binding to the issuer's DID."""
    from ..did import DIDValueError, address_of_public_key, parse_did
    from ..did._jose import JwsSyntaxError, b64url_decode

    jwk = header.get("jwk")
    public: bytes | None = None
    if isinstance(jwk, dict) and jwk.get("kty") == "EC" and jwk.get("crv") == "secp256k1":
        try:
            x, y = b64url_decode(str(jwk.get("x")), "jwk x"), b64url_decode(str(jwk.get("y")), "jwk y")
            if len(x) == 32 and len(y) == 32:
                public = b"\x04" + x + y
                address_of_public_key(public)
        except (JwsSyntaxError, DIDValueError):
            public = None
    kid = header.get("kid")
    try:
        issuer_address = parse_did(issuer).address
        kid_did = parse_did(kid, allow_fragment=True)
    except NovaChainError as exc:
        checks.fail("issuer", f"the issuer or the key id is not a did:novacron DID ({exc.message})")
        return
    if kid_did.address != issuer_address or kid_did.fragment is None:
        checks.fail("issuer", f"the key id {kid} is not a key of the issuer {issuer}")
        return
    if public is None:
        ok = parts.verify_address(issuer_address)
        if not ok:
            checks.fail("signature", "the signature does not verify (the report was altered after signing)")
            return
        signer_address = issuer_address
    else:
        if not parts.verify_key(public):
            checks.fail(
                "signature",
                "the signature does not verify with the key in the header (the report was altered after signing)",
            )
            return
        signer_address = address_of_public_key(public)
    checks.ok("signature", f"signed by the key of {signer_address}")
    if signer_address == issuer_address and kid_did.fragment == _GENESIS_FRAGMENT:
        checks.ok("issuer", f"the key is {issuer}'s own (#keys-1: the DID is its address)")
    else:
        checks.unchecked(
            "issuer",
            f"the key #{kid_did.fragment} ({signer_address}) is not {issuer}'s own key: its authorisation is in the "
            "DID registry (check with a chain)",
        )


def check_report(
    report: str | Path,
    *,
    chain: Chain | None = None,
    issuer: str | None = None,
    now: int | None = None,
) -> ReportVerification:
    """Verify a compliance report (its token, or a file holding it) without the issuer's database.

    Offline: the JWS (``vc+jwt``, ES256K) and the credential's shape; the signature against the key in the header,
    bound to the issuer's DID as described in the module documentation; every record's content against its CID
    and leaf, and its Merkle proof against its batch root; ``validFrom``/``validUntil`` against ``now`` (unix
    seconds; default: the chain's time when a chain is given, else the clock). With ``chain``: that it is the chain
    the report names, that each root is the root of its batch on the named ``StateAnchor``, anchored by the named
    transaction and block, and the credential against the DID registry it names (key current, not revoked).
    ``issuer``: the DID you expect to have issued it.

    Never raises for a bad report: the result's ``valid`` and ``checks`` say what is wrong, naming the record.
    """
    from ..did._jose import JwsParts, JwsSyntaxError

    checks = _Checks()
    token = read_report(report)
    context: dict[str, Any] = {"vm_id": None, "issuer": None, "credential_id": None, "chain_id": None}
    context.update(contract=None, records=0, chain_checked=False)

    def result() -> ReportVerification:
        items = tuple(checks.items)
        failed = [c for c in items if c.status is ReportCheckStatus.FAILED]
        unchecked = [c for c in items if c.status is ReportCheckStatus.UNCHECKED]
        if failed:
            more = f" (and {len(failed) - 3} more failures)" if len(failed) > 3 else ""
            reason = "; ".join(c.reason for c in failed[:3]) + more
        elif unchecked:
            reason = (
                f"every offline check passed ({_records(context['records'])}); {len(unchecked)} checks need the "
                "chain, e.g. " + unchecked[0].reason
            )
        else:
            reason = f"{_records(context['records'])}: signature, proofs and anchors on chain all check out"
        return ReportVerification(
            valid=not failed, complete=not failed and not unchecked, reason=reason, checks=items, **context
        )

    try:
        parts = JwsParts.parse(token)
    except JwsSyntaxError as exc:
        checks.fail("format", f"the report is not a compact JWS: {exc}")
        return result()
    header, payload = parts.header, parts.payload
    if header.get("alg") != "ES256K" or header.get("typ") != "vc+jwt" or "crit" in header:
        checks.fail("format", f"the report is not an ES256K vc+jwt (alg {header.get('alg')}, typ {header.get('typ')})")
        return result()
    types = payload.get("type")
    subject = payload.get("credentialSubject")
    if (
        not isinstance(types, list)
        or REPORT_TYPE not in types
        or not isinstance(subject, dict)
        or subject.get("schema") != REPORT_SCHEMA
    ):
        checks.fail("format", f"the credential is not a {REPORT_TYPE} ({REPORT_SCHEMA})")
        return result()
    issuer_did = payload.get("issuer")
    issuer_did = issuer_did.get("id") if isinstance(issuer_did, dict) else issuer_did
    vm_id = subject.get("vmId")
    anchor = subject.get("anchor")
    records = subject.get("records")
    if (
        not isinstance(issuer_did, str)
        or not isinstance(vm_id, str)
        or not isinstance(anchor, dict)
        or not isinstance(records, list)
    ):
        checks.fail("format", "the report lacks its issuer, VM id, anchor or records")
        return result()
    context.update(vm_id=vm_id, issuer=issuer_did, credential_id=payload.get("id"), records=len(records))
    context.update(chain_id=_int(anchor.get("chainId")), contract=anchor.get("contract"))
    for claim, expected in (("iss", issuer_did), ("jti", payload.get("id")), ("sub", subject.get("id"))):
        if claim in payload and payload[claim] != expected:
            checks.fail("format", f"JWT claim {claim} {payload[claim]!r} disagrees with the credential's {expected!r}")

    # the issuer and the signature
    if issuer is not None:
        from ..did import parse_did

        try:
            expected_issuer = parse_did(issuer).address
        except NovaChainError as exc:
            raise StateValueError(f"--issuer: {exc.message}", hint=exc.hint) from exc
        try:
            same = parse_did(issuer_did).address == expected_issuer
        except NovaChainError:
            same = False
        if not same:
            checks.fail("issuer", f"the report was issued by {issuer_did}, not by {issuer} as expected")
    _check_signature(checks, header, parts, issuer_did)
    if now is None and chain is not None:
        now = chain.timestamp()  # chain time stamped the report (dev chains may run ahead of the clock)
    _check_validity(checks, payload, now)

    # every record, offline
    anchors: list[tuple[int, bytes, int | None, Mapping[str, Any]]] = []
    seqs: set[int] = set()
    for n, rec in enumerate(records, 1):
        found = _check_record(checks, vm_id, n, rec)
        if found is not None:
            assert isinstance(rec, dict)
            if found[2] is not None and found[2] in seqs:
                checks.fail("record", f"record {found[2]} appears twice", found[2])
            elif found[2] is not None:
                seqs.add(found[2])
            anchors.append((*found, rec))
    if not records:
        checks.fail("format", "the report lists no records")
    if subject.get("recordCount") not in (None, len(records)):
        checks.fail("format", f"recordCount {subject.get('recordCount')} disagrees with the {len(records)} records")

    # the chain's part
    if chain is None:
        for batch_id, _root, seq, _rec in anchors:
            checks.unchecked(
                "anchor", f"record {seq}: batch {batch_id}'s root not looked up on chain (no chain given)", seq
            )
        if isinstance(payload.get("credentialStatus"), dict):
            checks.unchecked("credential", "revocation and the issuer key's current status need the DID registry")
        return result()
    context["chain_checked"] = True
    _check_on_chain(checks, chain, anchor, anchors)
    _check_credential_on_chain(checks, chain, token, payload, issuer_did)
    return result()


def _check_validity(checks: _Checks, payload: Mapping[str, Any], now: int | None) -> None:
    import time

    moment = int(time.time()) if now is None else now
    nbf, exp = _int(payload.get("nbf")), _int(payload.get("exp"))
    if exp is not None and exp <= moment:
        checks.fail("credential", f"the report expired at {_iso(exp)}")
    elif nbf is not None and nbf > moment + 300:
        checks.fail("credential", f"the report is valid only from {_iso(nbf)}, in the future")


def _check_on_chain(
    checks: _Checks,
    chain: Chain,
    anchor: Mapping[str, Any],
    anchors: Sequence[tuple[int, bytes, int | None, Mapping[str, Any]]],
) -> None:
    from ..chain import checksum

    stated_chain = _int(anchor.get("chainId"))
    if stated_chain != chain.chain_id:
        checks.fail(
            "anchor",
            f"the report's anchors are on chain {stated_chain}, the chain given is {chain.chain_id}",
        )
        return
    try:
        address = checksum(str(anchor.get("contract")), "anchor contract")
    except NovaValueError:
        checks.fail("anchor", f"the anchor contract {anchor.get('contract')!r} is not an address")
        return
    if not chain.code(address):
        checks.fail("anchor", f"there is no contract at {address} on chain {chain.chain_id}")
        return
    contract = chain.contract("StateAnchor", address)
    by_batch: dict[int, list[tuple[bytes, int | None, Mapping[str, Any]]]] = {}
    for batch_id, root, seq, rec in anchors:
        by_batch.setdefault(batch_id, []).append((root, seq, rec))
    ids = sorted(by_batch)
    try:
        roots = chain.call_many([contract.functions.batchRoot(i) for i in ids]) if ids else []
    except NovaChainError as exc:
        checks.fail("anchor", f"{address} on chain {chain.chain_id} does not answer as a StateAnchor: {exc.message}")
        return
    receipts: dict[str, Any] = {}
    for batch_id, on_chain in zip(ids, roots, strict=True):
        on_chain_root = bytes(on_chain)
        for root, seq, rec in by_batch[batch_id]:
            name = _describe(seq, rec)
            if on_chain_root == _ZERO32:
                checks.fail("anchor", f"{name}: batch {batch_id} does not exist on {address}", seq)
                continue
            if on_chain_root != root:
                checks.fail(
                    "anchor",
                    f"{name}: batch {batch_id}'s root on chain is {hex0x(on_chain_root)}, not {hex0x(root)} as the "
                    "report claims",
                    seq,
                )
                continue
            problem = _check_tx(chain, address, batch_id, root, rec, receipts)
            if problem:
                checks.fail("anchor", f"{name}: {problem}", seq)
            else:
                where = f" in block {rec.get('block')}" if rec.get("block") is not None else ""
                checks.ok("anchor", f"{name}: anchored on chain {chain.chain_id} as batch {batch_id}{where}", seq)


def _check_tx(
    chain: Chain, address: str, batch_id: int, root: bytes, rec: Mapping[str, Any], receipts: dict[str, Any]
) -> str | None:
    """Why the stated transaction does not anchor ``root`` as ``batch_id`` (None when it does, or none is stated)."""
    from ._anchorer import BATCH_ANCHORED_TOPIC

    tx_hash, block = rec.get("txHash"), rec.get("block")
    if tx_hash is None:
        return None  # the operator's node had pruned the event; the root on chain is what counts
    if _hex32(tx_hash) is None:
        return f"the transaction hash {tx_hash!r} is malformed"
    if tx_hash not in receipts:
        try:
            with chain.mapped("reading a receipt"):
                receipts[tx_hash] = chain.w3.eth.get_transaction_receipt(tx_hash)
        except NovaChainError:
            receipts[tx_hash] = None
    receipt = receipts[tx_hash]
    if receipt is None:
        return f"the anchoring transaction {tx_hash} is not on chain {chain.chain_id}"
    if block is not None and int(receipt["blockNumber"]) != block:
        return (
            f"the anchoring transaction {tx_hash} is in block {int(receipt['blockNumber'])}, not {block} "
            "(re-included after a reorg? ask for a new report)"
        )
    want = batch_id.to_bytes(32, "big")
    for log in receipt["logs"]:
        topics = [bytes(t) for t in log["topics"]]
        if (
            str(log["address"]).lower() == address.lower()
            and len(topics) >= 3
            and topics[0] == BATCH_ANCHORED_TOPIC
            and topics[1] == want
            and topics[2] == root
        ):
            return None
    return f"the transaction {tx_hash} does not anchor batch {batch_id} with this root on {address}"


def _check_credential_on_chain(
    checks: _Checks, chain: Chain, token: str, payload: Mapping[str, Any], issuer_did: str
) -> None:
    """The credential against the DID registry it names: the issuer's key current, the report not revoked."""
    from ..did import DIDManager, parse_did

    status = payload.get("credentialStatus")
    if not isinstance(status, dict):
        checks.unchecked(
            "credential",
            "the report names no DID registry: revocation and key rotation cannot be checked (it was issued where "
            "no DIDRegistry is deployed)",
        )
        return
    registry = str(status.get("statusRegistry", ""))
    prefix, _, address = registry.rpartition(":")
    if prefix != f"eip155:{chain.chain_id}":
        checks.unchecked("credential", f"the report's DID registry {registry} is not on chain {chain.chain_id}")
        return
    try:
        network = parse_did(issuer_did).network
        dm = DIDManager(chain, chain.contract("DIDRegistry", address), network)
        verdict = dm.verify_credential(token)
    except NovaChainError as exc:
        checks.fail("credential", f"the issuer's DID cannot be checked in {registry}: {exc.message}")
        return
    if verdict.valid:
        checks.ok("credential", f"the issuer's key {verdict.key_id} is current in {registry}; not revoked")
        checks.settle("issuer", f"the DID registry {registry} authorises the key")
    else:
        checks.fail("credential", f"the DID registry refuses the report ({verdict.problem}): {verdict.reason}")


def connect_rpc(url: str, *, timeout: float = 30.0) -> Chain:
    """A read-only connection to the JSON-RPC endpoint ``url`` (no signer, no data dir): what a third party
    passes to :func:`check_report` as ``chain``. Close it with ``chain.close()``."""
    from ..chain import Chain, FeePolicy, RpcBackend
    from ..errors import ChainConnectionError

    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise NovaValueError(
            f"--rpc {url!r} is not an http(s):// URL", hint="give the JSON-RPC endpoint, e.g. http://127.0.0.1:8545"
        )
    try:
        backend = RpcBackend(url, timeout=timeout)
    except NovaChainError:
        raise
    except Exception as exc:
        raise NovaValueError(
            f"{url!r} is not a JSON-RPC endpoint URL: {exc}", hint="e.g. http://127.0.0.1:8545"
        ) from exc
    try:
        chain_id = int(backend.client.call("eth_chainId"), 16)
    except Exception as exc:
        backend.close()
        if isinstance(exc, NovaChainError):
            raise
        raise ChainConnectionError(
            f"{backend.description} does not answer eth_chainId: {exc}",
            endpoint=backend.client.shown_url,
            hint="is this an Ethereum JSON-RPC endpoint?",
        ) from exc
    return Chain(backend, network=url, chain_id=chain_id, fees=FeePolicy("medium", 0), max_gas_per_tx=0, signer=None)
