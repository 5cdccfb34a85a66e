"""Interop: credentials issued here verify with two independent JOSE implementations (joserfc, PyJWT) using only
the key from the resolved DID document, and stop verifying (here and there) after any byte of the token changes."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from novacron_chain.chain import Signer
from novacron_chain.did import DIDManager, Problem, decode_public_key_multibase, public_key_jwk
from novacron_chain.did._jose import JwsParts, canonical_json
from tests.did.conftest import Party

try:  # PyJWT[crypto]: a test-only dependency, the second independent JOSE implementation
    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec
except ImportError:  # pragma: no cover
    jwt = None  # type: ignore[assignment]

needs_pyjwt = pytest.mark.skipif(jwt is None, reason="PyJWT[crypto] is not installed (pip install 'pyjwt[crypto]')")

CLAIMS = {"cpuAllocation": 4, "region": "us-east-1"}


def jwk(public_key: bytes, **private: str) -> dict[str, str | list[str]]:
    """The JWK joserfc imports."""
    return {**public_key_jwk(public_key), **private}


def document_key(dm: DIDManager, token: str) -> bytes:
    """The public key a verifier finds by resolving the token's kid: nothing but the DID document."""
    kid = JwsParts.parse(token).header["kid"]
    method = dm.resolve(kid.split("#")[0]).verification_method(kid)
    assert method["type"] == "EcdsaSecp256k1VerificationKey2019"
    return decode_public_key_multibase(method["publicKeyMultibase"])


def test_joserfc_verifies_with_the_resolved_key(dm: DIDManager, issuer: Party, holder: Party) -> None:
    vc = dm.issue_credential(issuer.did, holder.did, CLAIMS, issuer.key)
    key = ECKey.import_key(jwk(document_key(dm, vc)))
    obj = jws.deserialize_compact(vc, key, algorithms=["ES256K"])
    assert obj.headers() == {"alg": "ES256K", "typ": "vc+jwt", "kid": issuer.did + "#keys-1"}
    assert json.loads(obj.payload)["credentialSubject"]["cpuAllocation"] == 4


@needs_pyjwt
def test_pyjwt_verifies_with_the_resolved_key(dm: DIDManager, issuer: Party, holder: Party) -> None:
    vc = dm.issue_credential(issuer.did, holder.did, CLAIMS, issuer.key)
    pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), document_key(dm, vc))
    decoded = jwt.PyJWS().decode_complete(vc, key=pub, algorithms=["ES256K"])
    assert decoded["header"]["typ"] == "vc+jwt"
    assert json.loads(decoded["payload"])["iss"] == issuer.did
    # PyJWT's JWT layer checks the registered claims (iat, nbf) against the wall clock; the dev chain's clock
    # (which stamps them) runs a little ahead of it
    claims = jwt.decode(vc, key=pub, algorithms=["ES256K"], leeway=3600)
    assert claims["sub"] == holder.did


def test_tokens_signed_by_joserfc_verify_here(dm: DIDManager, issuer: Party, holder: Party) -> None:
    """The other direction: a standard JOSE library signs (with high or low s), our verifier accepts."""
    vc = dm.issue_credential(issuer.did, holder.did, CLAIMS, issuer.key)
    parts = JwsParts.parse(vc)
    private = ECKey.import_key(jwk(issuer.signer.public_key_compressed, d=_b64(issuer.key)))
    for _ in range(8):  # cryptography's ECDSA gives high s about half the time
        token = jws.serialize_compact(parts.header, canonical_json(parts.payload), private, algorithms=["ES256K"])
        assert dm.verify_credential(token).valid


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def token_and_key(dm: DIDManager, issuer: Party, holder: Party) -> tuple[DIDManager, str, bytes]:
    vc = dm.issue_credential(issuer.did, holder.did, CLAIMS, issuer.key)
    return dm, vc, document_key(dm, vc)


@pytest.mark.fuzz
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_changed_byte_breaks_verification(
    token_and_key: tuple[DIDManager, str, bytes], data: st.DataObject
) -> None:
    dm, token, pub = token_and_key
    raw = bytearray(token.encode())
    i = data.draw(st.integers(0, len(raw) - 1), label="position")
    b = data.draw(st.integers(0, 255).filter(lambda v: v != raw[i]), label="new byte")
    raw[i] = b
    changed = bytes(raw)
    # ours
    result = dm.verify_credential(changed.decode("latin-1"))
    assert not result.valid
    assert result.problem in {
        Problem.MALFORMED,
        Problem.BAD_SIGNATURE,
        Problem.UNSUPPORTED,
        Problem.UNKNOWN_KEY,
        Problem.WRONG_NETWORK,
        Problem.STATUS_UNAVAILABLE,
    }
    # joserfc's
    with pytest.raises((JoseError, ValueError)):
        jws.deserialize_compact(changed, ECKey.import_key(jwk(pub)), algorithms=["ES256K"])
    # PyJWT's
    if jwt is None:
        return
    with pytest.raises((jwt.exceptions.PyJWTError, ValueError)):
        jwt.PyJWS().decode_complete(
            changed, key=ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), pub), algorithms=["ES256K"]
        )


def test_high_s_form_is_the_same_credential(dm: DIDManager, issuer: Party, holder: Party) -> None:
    vc = dm.issue_credential(issuer.did, holder.did, CLAIMS, issuer.key)
    h, p, _ = vc.split(".")
    sig = JwsParts.parse(vc).signature
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    high = sig[:32] + (n - int.from_bytes(sig[32:], "big")).to_bytes(32, "big")
    assert int.from_bytes(sig[32:], "big") <= n // 2  # we sign low s
    assert dm.verify_credential(f"{h}.{p}.{_b64(high)}").valid
    zero_s = sig[:32] + bytes(32)
    assert dm.verify_credential(f"{h}.{p}.{_b64(zero_s)}").problem is Problem.BAD_SIGNATURE
    assert Signer(issuer.key).address == issuer.address
