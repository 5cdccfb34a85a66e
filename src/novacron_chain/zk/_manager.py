"""``ZkManager``: issue credentials with committed claims, prove predicates over them, verify the proofs.

It works on a :class:`~novacron_chain.did.DIDManager` (the seed's ``CreateZKProof`` / ``VerifyZKProof`` live there
as :meth:`DIDManager.create_zk_proof` and :meth:`DIDManager.verify_zk_proof`, which call this class) and uses only
its public surface: issuing and verifying the ``vc+jwt`` that carries the commitments, resolving the issuer.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from eth_hash.auto import keccak

from ..chain import Signer
from ..errors import IdentityError, KeyManagementError
from ._circuits import prove_predicate, verify_predicate
from ._commit import (
    commit,
    committed_claim_digest,
    encode_value,
    holder_digest,
    proof_context,
    random_salt,
    recover_signer,
    sign_digest,
)
from ._errors import (
    ClaimNotCommittedError,
    CredentialNotUsableError,
    PredicateSyntaxError,
    ProofFormatError,
    StatementFalseError,
    ZkValueError,
)
from ._predicate import OPS, Predicate, parse_predicate
from ._types import ClaimOpening, ZkCredential, ZkProblem, ZkProof, ZkVerificationResult

if TYPE_CHECKING:
    from ..did import DIDManager

__all__ = ["COMMITTED_CREDENTIAL_TYPE", "ZkManager"]

#: the credential type of credentials whose claims are commitments
COMMITTED_CREDENTIAL_TYPE = "ZkCommittedCredential"


class _Invalid(Exception):
    def __init__(self, problem: ZkProblem, reason: str, credential_problem: str | None = None) -> None:
        super().__init__(reason)
        self.problem = problem
        self.reason = reason
        self.credential_problem = credential_problem


def _fail(problem: ZkProblem, reason: str, credential_problem: str | None = None) -> NoReturn:
    raise _Invalid(problem, reason, credential_problem)


def _timestamp(value: datetime | int | None, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | datetime):
        raise ZkValueError(f"{what} must be unix seconds or a datetime with a timezone")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ZkValueError(f"{what} {value} has no timezone", hint="use datetime(..., tzinfo=UTC)")
        return math.floor(value.timestamp())
    return value


def _signer(key: object, what: str = "issuer key") -> Signer:
    if isinstance(key, Signer):
        return key
    raw = key
    if isinstance(key, str):
        try:
            raw = bytes.fromhex(key.strip().removeprefix("0x").removeprefix("0X"))
        except ValueError:
            raw = b""
    if not isinstance(raw, bytes | bytearray) or len(raw) != 32:
        raise KeyManagementError(
            f"the {what} is not a private key (expected 32 bytes or 64 hex digits)",
            hint="pass the key create_did returned, as bytes or hex, or a Signer",
        )
    return Signer(bytes(raw), label=what)


def _load_json(value: object, what: str) -> object:
    if isinstance(value, Path):
        try:
            return json.loads(value.read_text())
        except OSError as exc:
            raise ZkValueError(f"cannot read {what} {value}: {exc.strerror}") from exc
        except ValueError as exc:
            raise ProofFormatError(f"{value} is not JSON: {exc}") from exc
    if isinstance(value, str) and not value.lstrip().startswith(("{", "[")) and len(value) < 4096:
        return _load_json(Path(value), what)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ProofFormatError(f"the {what} is not JSON: {exc}") from exc
    return value


class ZkManager:
    """Zero-knowledge proofs over the credentials of one :class:`~novacron_chain.did.DIDManager`."""

    def __init__(self, dids: DIDManager) -> None:
        self.dids = dids

    # -- issuance --------------------------------------------------------------------------------------------------

    def issue_zk_credential(
        self,
        issuer_did: str,
        subject_did: str,
        claims: Mapping[str, object],
        key: Signer | bytes | str,
        *,
        valid_from: datetime | int | None = None,
        valid_until: datetime | int | None = None,
        credential_id: str | None = None,
    ) -> ZkCredential:
        """Issue a credential whose claims are Poseidon commitments, and return it with the openings.

        Each claim value (an integer 0 .. 2^64 - 1, a boolean, or text) is committed with a fresh random salt;
        the ``vc+jwt`` (type ``ZkCommittedCredential``, signed as :meth:`DIDManager.issue_credential` signs) carries
        the commitments, and the issuer also signs each committed claim as EIP-712 typed data (so contracts can
        check it). Hand the returned record to the subject privately: its openings are what proofs need.
        """
        if not isinstance(claims, Mapping) or not claims:
            raise ZkValueError("claims must be a non-empty mapping of names to values", hint='e.g. {"cpu": 4}')
        signer = _signer(key)
        issuer = self.dids.parse(issuer_did)
        from ..did import parse_did

        subject = parse_did(subject_did)
        cred_id = credential_id if credential_id is not None else f"urn:uuid:{uuid.uuid4()}"
        cred_hash = keccak(cred_id.encode("utf-8"))
        exp = _timestamp(valid_until, "valid_until")
        if exp is not None and not 0 < exp < 2**64:
            raise ZkValueError("valid_until must be a time after 1970 that fits 64 bits")
        openings: dict[str, ClaimOpening] = {}
        for name, value in claims.items():
            if not isinstance(name, str):
                raise ZkValueError(f"claim name {name!r} is not text")
            encoded = encode_value(name, value)
            assert isinstance(value, str | int | bool)
            salt = random_salt()
            c = commit(encoded, salt)
            digest = committed_claim_digest(issuer.address, subject.address, cred_hash, name, c, exp or 0)
            openings[name] = ClaimOpening(name, value, encoded, salt, c, sign_digest(signer, digest))
        jwt = self.dids.issue_credential(
            issuer.did,
            subject.did,
            {name: f"0x{o.commitment:064x}" for name, o in openings.items()},
            signer,
            valid_from=valid_from,
            valid_until=exp,
            credential_id=cred_id,
            types=[COMMITTED_CREDENTIAL_TYPE],
        )
        return ZkCredential(jwt, issuer.did, subject.did, cred_id, exp or 0, openings)

    # -- proving ---------------------------------------------------------------------------------------------------

    def create_zk_proof(
        self,
        statement: str,
        credential: ZkCredential | Mapping[str, Any] | str | Path,
        *,
        nonce: str,
        verifier: str,
        predicate: str | None = None,
        holder_key: Signer | bytes | str | None = None,
        check_credential: bool = True,
    ) -> ZkProof:
        """Prove that ``credential``'s claim satisfies the predicate, bound to ``verifier`` and its ``nonce``.

        ``statement`` is the predicate (``"cpu > 2"``), or prose (``"I have more than 2 CPUs"``) with the
        predicate given as ``predicate``; it is kept as the proof's label. ``credential`` is what
        :meth:`issue_zk_credential` returned (the record, its JSON, or a path to the JSON file). Before proving,
        the credential is checked on chain (``check_credential``) so that a revoked or expired one fails here, with
        :class:`CredentialNotUsableError`. A predicate the value does not satisfy raises
        :class:`StatementFalseError`: there is no proof of a false statement. Every proof is verified before it
        is returned. With ``holder_key`` (an authentication key of the holder) the proof is also signed, so a
        verifier can require that the holder itself, not whoever copied its credential file, made it.
        """
        if not isinstance(statement, str) or not statement.strip():
            raise PredicateSyntaxError(statement, "the statement is empty")
        pred = parse_predicate(predicate if predicate is not None else statement)
        for what, value in (("nonce", nonce), ("verifier", verifier)):
            if not isinstance(value, str) or not value or len(value) > 1024:
                raise ZkValueError(f"{what} must be non-empty text (at most 1024 characters), chosen by the verifier")
        zc = self._credential(credential)
        opening = zc.openings.get(pred.claim)
        if opening is None:
            raise ClaimNotCommittedError(
                pred.claim,
                f"the credential commits to {', '.join(sorted(zc.openings))}, not to {pred.claim!r}",
            )
        if commit(opening.encoded, opening.salt) != opening.commitment:
            raise ClaimNotCommittedError(pred.claim, "the opening does not open its commitment (altered record)")
        if opening.encoded != encode_value(pred.claim, opening.value):
            raise ClaimNotCommittedError(pred.claim, "the opening's value and its encoding disagree (altered record)")
        holder = self.dids.parse(zc.subject)
        issuer = self.dids.parse(zc.issuer)
        if check_credential:
            result = self.dids.verify_credential(zc.credential)
            if not result.valid:
                raise CredentialNotUsableError(str(result.problem), result.reason or "")
        context = proof_context(verifier, holder.address, nonce)
        label = statement.strip()
        try:
            if pred.op == "in":
                proof, publics = prove_predicate(
                    "member",
                    value=opening.encoded,
                    salt=opening.salt,
                    commitment=opening.commitment,
                    members=pred.member_codes(),
                    context=context,
                )
            else:
                proof, publics = prove_predicate(
                    "compare",
                    value=opening.encoded,
                    salt=opening.salt,
                    commitment=opening.commitment,
                    op=OPS[pred.op],
                    threshold=pred.threshold,
                    context=context,
                )
        except StatementFalseError:
            raise StatementFalseError(str(pred), pred.claim) from None
        claim = zc.committed_claim(pred.claim, issuer.address, holder.address, keccak(zc.credential_id.encode()))
        holder_signature = None
        if holder_key is not None:
            hs = _signer(holder_key, "holder key")
            state = self.dids.resolve(holder.did).state
            if state.key_of_address(hs.address, "authentication") is None:
                raise ZkValueError(
                    f"the key of {hs.address} is not an authentication key of {holder.did}",
                    hint="sign with the holder's own key (or a sigAuth delegate's)",
                )
            holder_signature = sign_digest(hs, holder_digest(context, proof.to_eip2537()))
        return ZkProof(
            statement=label,
            predicate=pred,
            public_inputs=tuple(publics),
            proof=proof,
            holder=holder.did,
            verifier=verifier,
            nonce=nonce,
            context=context,
            credential=zc.credential,
            claim=claim,
            created_at=int(time.time()),
            holder_signature=holder_signature,
        )

    @staticmethod
    def _credential(credential: object) -> ZkCredential:
        if isinstance(credential, ZkCredential):
            return credential
        data = _load_json(credential, "credential")
        if isinstance(data, Mapping) and data.get("type") != "NovaCronZkCredential":
            raise ZkValueError(
                "a zero-knowledge proof needs a credential whose issuer committed to the claims, not plain data",
                hint="have the issuer issue one with issue_zk_credential (`novacron-chain did issue-zk`)",
            )
        return ZkCredential.from_json(data)

    # -- verification ----------------------------------------------------------------------------------------------

    def verify_zk_proof(
        self,
        proof: ZkProof | Mapping[str, Any] | str | Path,
        *,
        nonce: str | None = None,
        verifier: str | None = None,
        holder: str | None = None,
        trusted_issuers: list[str] | None = None,
        require_holder_signature: bool = False,
    ) -> ZkVerificationResult:
        """Check a proof; the result says whether it is valid and, if not, why (bad proofs never raise).

        Checks: the format and the predicate; the ``nonce`` and ``verifier`` the caller expects (pass them: without
        them a proof made for someone else is accepted as its own); the context (verifier, holder, nonce); that
        the public inputs are the predicate's; the Groth16 proof; the credential now (issuer signature, key
        validity, revocation, expiry: :meth:`DIDManager.verify_credential`); that the credential carries the
        commitment for the claim and is about the holder; the issuer's EIP-712 signature over the committed claim;
        and, when given, that the issuer is in ``trusted_issuers`` (DIDs). A holder signature, when present, must
        be by a current authentication key of the holder; ``require_holder_signature`` refuses proofs without one.
        """
        ctx: dict[str, Any] = {}
        try:
            return self._verify(proof, nonce, verifier, holder, trusted_issuers, require_holder_signature, ctx)
        except _Invalid as inv:
            return ZkVerificationResult(
                valid=False,
                reason=inv.reason,
                problem=inv.problem,
                credential_problem=inv.credential_problem,
                **ctx,
            )

    def _verify(
        self,
        raw: object,
        nonce: str | None,
        verifier: str | None,
        holder_did: str | None,
        trusted: list[str] | None,
        require_holder_signature: bool,
        ctx: dict[str, Any],
    ) -> ZkVerificationResult:
        try:
            proof = raw if isinstance(raw, ZkProof) else ZkProof.from_json(_load_json(raw, "proof"))
        except PredicateSyntaxError as exc:
            _fail(ZkProblem.UNSUPPORTED_PREDICATE, exc.message)
        except (ProofFormatError, ZkValueError) as exc:
            _fail(ZkProblem.MALFORMED, exc.message)
        ctx |= {"statement": proof.statement, "predicate": str(proof.predicate), "verifier": proof.verifier}
        if nonce is not None and proof.nonce != nonce:
            _fail(ZkProblem.NONCE_MISMATCH, "the proof was made for another nonce (a replay?)")
        if verifier is not None and proof.verifier != verifier:
            _fail(ZkProblem.VERIFIER_MISMATCH, f"the proof was made for {proof.verifier!r}, not {verifier!r}")
        try:
            holder = self.dids.parse(proof.holder)
        except IdentityError as exc:  # not a DID, or one of another network
            _fail(ZkProblem.MALFORMED, f"the holder is not a DID of this network: {exc.message}")
        ctx["holder"] = holder.did
        if holder_did is not None and self.dids.parse(holder_did).address != holder.address:
            _fail(ZkProblem.HOLDER_MISMATCH, f"the proof is by {holder.did}, not {holder_did}")
        if proof.context != proof_context(proof.verifier, holder.address, proof.nonce):
            _fail(ZkProblem.CONTEXT_MISMATCH, "the context is not the hash of the proof's verifier, holder and nonce")
        claim = proof.claim
        expected = proof.predicate.public_inputs(claim.commitment, proof.context)
        if list(proof.public_inputs) != expected:
            _fail(
                ZkProblem.PREDICATE_MISMATCH,
                f"the public inputs are not those of {proof.predicate} over the claim's commitment",
            )
        if claim.claim != proof.predicate.claim:
            _fail(
                ZkProblem.PREDICATE_MISMATCH,
                f"the committed claim is {claim.claim!r}, the predicate's is {proof.predicate.claim!r}",
            )
        if not verify_predicate(proof.circuit, proof.proof, expected):
            _fail(ZkProblem.PROOF_INVALID, "the Groth16 proof does not verify for its public inputs")
        cred = self.dids.verify_credential(proof.credential)
        ctx["issuer"] = cred.issuer
        ctx["checked_at"] = cred.checked_at
        if not cred.valid:
            problem = {"revoked": ZkProblem.REVOKED, "expired": ZkProblem.EXPIRED}.get(
                str(cred.problem), ZkProblem.CREDENTIAL_INVALID
            )
            _fail(problem, f"the credential is not valid: {cred.reason}", str(cred.problem))
        self._check_credential_content(proof, cred.credential or {}, holder.address)
        issuer = self.dids.parse(cred.issuer)
        if trusted is not None and issuer.address not in {self.dids.parse(t).address for t in trusted}:
            _fail(ZkProblem.UNTRUSTED_ISSUER, f"{issuer.did} is not a trusted issuer here")
        digest = committed_claim_digest(
            claim.issuer, claim.subject, claim.credential_id, claim.claim, claim.commitment, claim.expires_at
        )
        signer = recover_signer(digest, claim.signature)
        state = self.dids.resolve(issuer.did).state
        if signer is None or state.key_of_address(signer, "assertionMethod") is None:
            _fail(
                ZkProblem.BAD_ISSUER_SIGNATURE,
                f"the committed claim is not signed by a current key of {issuer.did}",
            )
        self._check_holder_signature(proof, holder.did, require_holder_signature)
        return ZkVerificationResult(valid=True, **ctx)

    def _check_holder_signature(self, proof: ZkProof, holder_did: str, required: bool) -> None:
        if proof.holder_signature is None:
            if required:
                _fail(ZkProblem.BAD_HOLDER_SIGNATURE, "the proof is not signed by its holder, and this verifier "
                      "requires that")  # fmt: skip
            return
        signer = recover_signer(holder_digest(proof.context, proof.proof.to_eip2537()), proof.holder_signature)
        state = self.dids.resolve(holder_did).state
        if signer is None or state.key_of_address(signer, "authentication") is None:
            _fail(ZkProblem.BAD_HOLDER_SIGNATURE, f"the holder signature is not by a current key of {holder_did}")

    def _check_credential_content(self, proof: ZkProof, payload: Mapping[str, Any], holder: str) -> None:
        claim = proof.claim
        types = payload.get("type")
        if not isinstance(types, list) or COMMITTED_CREDENTIAL_TYPE not in types:
            _fail(ZkProblem.COMMITMENT_MISMATCH, f"the credential is not a {COMMITTED_CREDENTIAL_TYPE}")
        subject = payload.get("credentialSubject")
        if not isinstance(subject, Mapping):
            _fail(ZkProblem.COMMITMENT_MISMATCH, "the credential has no credentialSubject")
        if subject.get(claim.claim) != f"0x{claim.commitment:064x}":
            _fail(ZkProblem.COMMITMENT_MISMATCH, f"the credential does not commit {claim.claim!r} to this commitment")
        try:
            subject_address = self.dids.parse(subject.get("id")).address
            issuer_address = self.dids.parse(payload.get("issuer")).address
        except IdentityError:
            _fail(ZkProblem.COMMITMENT_MISMATCH, "the credential's subject or issuer is not a DID of this network")
        if subject_address.lower() != holder.lower() or claim.subject.lower() != holder.lower():
            _fail(ZkProblem.HOLDER_MISMATCH, "the credential is about someone other than the proof's holder")
        if claim.issuer.lower() != issuer_address.lower():
            _fail(ZkProblem.COMMITMENT_MISMATCH, "the committed claim names another issuer than the credential")
        cred_id = payload.get("id")
        if not isinstance(cred_id, str) or keccak(cred_id.encode("utf-8")) != claim.credential_id:
            _fail(ZkProblem.COMMITMENT_MISMATCH, "the committed claim names another credential id")
        exp = payload.get("exp")
        if (exp if isinstance(exp, int) else 0) != claim.expires_at:
            _fail(ZkProblem.COMMITMENT_MISMATCH, "the committed claim's expiry differs from the credential's")
        if not isinstance(proof.predicate, Predicate):
            _fail(ZkProblem.MALFORMED, "no predicate")
