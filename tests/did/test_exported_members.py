"""The public surface of novacron_chain.did: a test fails when it drifts (httpx tests/test_exported_members)."""

from __future__ import annotations

import inspect

import novacron_chain.did as did
from novacron_chain.errors import IdentityError, NovaValueError

EXPECTED = [
    "DID_KINDS",
    "DID_METHOD",
    "KIND_ATTRIBUTE",
    "PUBKEY_ATTRIBUTE",
    "VC_CONTEXT",
    "CredentialInvalidError",
    "DIDDeactivatedError",
    "DIDKeyNotAuthorizedError",
    "DIDManager",
    "DIDNetworkMismatchError",
    "DIDResolution",
    "DIDValueError",
    "IdentityState",
    "InvalidDIDError",
    "KeyInfo",
    "ParsedDID",
    "PresentationResult",
    "Problem",
    "VerificationResult",
    "address_of_public_key",
    "credential_hash",
    "decode_public_key_multibase",
    "deploy_steps",
    "did_network",
    "encode_public_key_multibase",
    "normalize_claims",
    "parse_did",
    "public_key_jwk",
]


def test_all_is_sorted_and_as_expected() -> None:
    assert did.__all__ == EXPECTED


def test_public_names_are_documented() -> None:
    assert did.__doc__
    for name in did.__all__:
        member = getattr(did, name)
        if inspect.isclass(member) or inspect.isfunction(member):
            assert inspect.getdoc(member), f"{name} has no docstring"
        if inspect.isclass(member):
            for attr, value in vars(member).items():
                if not attr.startswith("_") and (inspect.isfunction(value) or isinstance(value, property)):
                    assert inspect.getdoc(getattr(member, attr)), f"{name}.{attr} has no docstring"


def test_errors_are_identity_errors() -> None:
    errors = [getattr(did, n) for n in did.__all__ if n.endswith("Error")]
    assert len(errors) == 6
    for error in errors:
        assert issubclass(error, IdentityError)
    assert issubclass(did.InvalidDIDError, NovaValueError)
    assert did.InvalidDIDError("x", "bad").exit_code == 2
    assert did.DIDNetworkMismatchError("d", "a", "b").exit_code == 2
    assert did.DIDDeactivatedError("d", action="x").exit_code == 1
    assert did.CredentialInvalidError("revoked", "why").to_dict()["problem"] == "revoked"
