"""Errors of zero-knowledge proofs over credentials, all under :class:`ZkError` (an
:class:`~novacron_chain.errors.IdentityError`).

::

    ZkError (IdentityError)
    ├── ZkValueError (NovaValueError)      exit 2: bad input
    │   ├── PredicateSyntaxError           the statement is not a predicate this parser understands
    │   ├── ClaimNotCommittedError         the credential commits to no such claim, or the value cannot be committed
    │   └── ProofFormatError               a proof (file, JSON) is malformed
    ├── StatementFalseError                exit 1: the credential's claim does not satisfy the predicate
    ├── CredentialNotUsableError           exit 1: the credential is revoked, expired or otherwise invalid now
    ├── ZkArtifactError                    a circuit artifact is missing or differs from the manifest
    └── ZkProofInvalidError                a proof failed verification (``raise_for_invalid``)

Verifying a proof does not raise for a bad proof: :meth:`DIDManager.verify_zk_proof` returns a result whose
``problem`` and ``reason`` say what is wrong. :data:`ERROR_HINTS` holds the hints for the custom errors of the
contracts in ``contracts/zk`` (Groth16Verifier, CapacityRegistry).
"""

from __future__ import annotations

from typing import Any

from ..errors import IdentityError, NovaValueError
from ._onchain import ONCHAIN_ERROR_HINTS

__all__ = [
    "ERROR_HINTS",
    "ClaimNotCommittedError",
    "CredentialNotUsableError",
    "PredicateSyntaxError",
    "ProofFormatError",
    "StatementFalseError",
    "ZkArtifactError",
    "ZkError",
    "ZkProofInvalidError",
    "ZkValueError",
]

#: hints for the custom errors of contracts/zk (Groth16Verifier, CapacityRegistry), by error name: shown with a
#: revert (kept beside the contracts' Python side, in ``_onchain``)
ERROR_HINTS: dict[str, str] = dict(ONCHAIN_ERROR_HINTS)


class ZkError(IdentityError):
    """Root of the zero-knowledge proof errors."""


class ZkValueError(ZkError, NovaValueError):
    """Bad input to a zero-knowledge operation."""


class PredicateSyntaxError(ZkValueError):
    """The statement is not a predicate the parser understands; ``statement`` is the text, ``reason`` what is
    wrong."""

    def __init__(self, statement: object, reason: str) -> None:
        super().__init__(
            f"cannot read {statement!r} as a predicate: {reason}",
            hint='write <claim> <op> <integer> with op one of > >= < <= ==, e.g. "cpu > 2", "memory >= 8192", '
            'or <claim> in {a, b, ...} with 1 to 8 members, e.g. "region in {us-east-1, eu-west-1}"',
        )
        self.statement = statement
        self.reason = reason

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["statement"] = str(self.statement)
        return out


class ClaimNotCommittedError(ZkValueError):
    """The credential carries no commitment (or no opening) for the claim, or a value cannot be committed."""

    def __init__(self, claim: str, reason: str, *, hint: str | None = None) -> None:
        super().__init__(
            f"claim {claim!r}: {reason}",
            hint=hint or "prove claims the issuer committed to (issue_zk_credential); the credential lists them",
        )
        self.claim = claim


class ProofFormatError(ZkValueError):
    """A proof (its file or JSON) is malformed."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"not a NovaCron ZK proof: {reason}",
            hint="pass the JSON create_zk_proof / `novacron-chain did prove --json` wrote, unmodified",
        )
        self.reason = reason


class StatementFalseError(ZkError):
    """The committed claim does not satisfy the predicate: no proof exists (the circuit's constraint fails)."""

    def __init__(self, statement: str, claim: str) -> None:
        super().__init__(
            f"the credential's {claim!r} does not satisfy {statement!r}: there is no proof of a false statement",
            hint="prove a predicate the certified value satisfies (the value itself stays private)",
        )
        self.statement = statement
        self.claim = claim


class CredentialNotUsableError(ZkError):
    """The credential does not verify now (revoked, expired, issuer key rotated...): proofs from it would fail."""

    def __init__(self, problem: str, reason: str) -> None:
        super().__init__(
            f"the credential cannot back a proof ({problem}): {reason}",
            hint="ask the issuer for a new credential (issue_zk_credential)",
        )
        self.problem = problem
        self.reason = reason


class ZkArtifactError(ZkError):
    """A committed circuit artifact (witness generator, proving or verification key) is missing or altered."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(
            f"ZK artifact {name}: {reason}",
            hint="reinstall novacron-chain, or rebuild the artifacts with python scripts/zk/build.py",
        )
        self.name = name


class ZkProofInvalidError(ZkError):
    """A proof failed verification; ``problem`` is the machine-readable reason, ``result`` the whole result."""

    def __init__(self, problem: str, reason: str, *, result: dict[str, Any] | None = None) -> None:
        super().__init__(f"invalid ZK proof ({problem}): {reason}")
        self.problem = problem
        self.reason = reason
        self.result = result

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["problem"] = self.problem
        if self.result is not None:
            out["result"] = self.result
        return out
