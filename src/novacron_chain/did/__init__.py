"""Decentralized identity: did:novacron DIDs, W3C DID documents, verifiable credentials, revocation.

Every Ethereum address is an identity, ``did:novacron:<network>:<address>``, owned by its own key until it hands
itself to another (ERC-1056 semantics, in the ``DIDRegistry`` contract). Creating a DID costs nothing: nothing is
written until the identity changes. Changes (publishing a public key, rotating the owner key, adding delegates,
deactivating, revoking credentials) are signed by the identity's key and relayed by the chain's account, so VM and
host keys never need native coins.

Resolution rebuilds the document from the registry's events (W3C DID Core): the owner key as
``EcdsaSecp256k1VerificationKey2019`` with ``publicKeyMultibase`` when its public key was published, else as
``EcdsaSecp256k1RecoveryMethod2020`` with a CAIP-10 ``blockchainAccountId``; valid delegates; services; metadata
with ``created``, ``updated``, ``deactivated`` and ``versionId``.

Credentials follow the W3C VC Data Model 2.0, secured as JOSE ``vc+jwt`` with ES256K (verifiable by any JOSE
library with the resolved key); presentations as ``vp+jwt`` bound to a nonce and an audience. Revocation is
on chain. A credential verifies only while its signing key is valid *now*: rotating a key retires everything it
signed.

::

    from novacron_chain.did import DIDManager, did_network

    dm = DIDManager(nc.chain, nc.contract("DIDRegistry"), did_network("polygon", 137))
    doc, key = dm.create_did("vm")                       # no gas
    vc = dm.issue_credential(provider_did, doc["id"], {"cpuAllocation": 4, "region": "us-east-1"}, provider_key)
    assert dm.verify_credential(vc).valid                # or dm.verify(token): credential or presentation
    dm.revoke_credential(vc, provider_key)
    dm.verify_credential(vc).problem                     # Problem.REVOKED

Errors are :class:`~novacron_chain.errors.IdentityError` subclasses (the tree is in
:mod:`novacron_chain.did._errors`); :data:`ERROR_HINTS` holds the hints for the DIDRegistry's custom errors.
"""

from __future__ import annotations

from ._credentials import VC_CONTEXT, PresentationResult, Problem, VerificationResult, normalize_claims
from ._deploy import deploy_steps
from ._did import (
    DID_METHOD,
    ParsedDID,
    address_of_public_key,
    decode_public_key_multibase,
    did_network,
    encode_public_key_multibase,
    parse_did,
)
from ._document import DIDResolution
from ._errors import (
    ERROR_HINTS,
    CredentialInvalidError,
    DIDDeactivatedError,
    DIDKeyNotAuthorizedError,
    DIDNetworkMismatchError,
    DIDValueError,
    InvalidDIDError,
)
from ._jose import public_key_jwk
from ._manager import DID_KINDS, DIDManager, credential_hash
from ._registry import KIND_ATTRIBUTE, PUBKEY_ATTRIBUTE, IdentityState, KeyInfo

__all__ = [
    "DID_KINDS",
    "DID_METHOD",
    "ERROR_HINTS",
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
