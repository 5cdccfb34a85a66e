"""``DIDManager.verify``: one entry point for a token of either kind, told apart by its JWS ``typ``."""

from __future__ import annotations

import pytest

from novacron_chain.did import DIDManager, DIDValueError, PresentationResult, Problem, VerificationResult

from .conftest import Party


def test_a_credential_is_verified_as_one(dm: DIDManager, issuer: Party, holder: Party) -> None:
    vc = dm.issue_credential(issuer.did, holder.did, {"cpuAllocation": 4}, issuer.key)
    result = dm.verify(vc)
    assert isinstance(result, VerificationResult)
    assert result.valid
    assert result == dm.verify_credential(vc)
    assert dm.verify(vc, nonce="ignored", audience="ignored").valid  # a credential has no nonce to check


def test_a_presentation_is_verified_against_its_nonce_and_audience(
    dm: DIDManager, issuer: Party, holder: Party
) -> None:
    vc = dm.issue_credential(issuer.did, holder.did, {"cpuAllocation": 4}, issuer.key)
    vp = dm.create_presentation(holder.did, [vc], holder.key, nonce="n-1", audience="scheduler")
    result = dm.verify(vp, nonce="n-1", audience="scheduler")
    assert isinstance(result, PresentationResult)
    assert result.valid
    assert result.holder == holder.did
    replay = dm.verify(vp, nonce="n-2", audience="scheduler")
    assert (replay.valid, replay.problem) == (False, Problem.NONCE_MISMATCH)
    with pytest.raises(DIDValueError, match="nonce and the audience"):
        dm.verify(vp)
    with pytest.raises(DIDValueError, match="nonce and the audience"):
        dm.verify(vp, nonce="n-1")


@pytest.mark.parametrize("token", ["not-a-token", "a.b.c", ""])
def test_text_that_is_no_jws_is_a_malformed_credential(dm: DIDManager, token: str) -> None:
    result = dm.verify(token)
    assert isinstance(result, VerificationResult)
    assert (result.valid, result.problem) == (False, Problem.MALFORMED)


def test_only_text_is_a_token(dm: DIDManager) -> None:
    with pytest.raises(DIDValueError, match="compact JWS text, not bytes"):
        dm.verify(b"a.b.c")  # type: ignore[arg-type]
