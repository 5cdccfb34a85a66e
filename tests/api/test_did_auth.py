"""Sign-in with a DID-signed challenge on the embedded chain: the owner key and a sigAuth delegate sign in, the
session writes; after an owner change or a delegate's expiry the old key is refused; nonces are single-use, bound
to their DID and expire; every refusal is a 401 problem saying why."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from fastapi.testclient import TestClient

from novacron_chain import NovaChain
from novacron_chain.api import ApiKeyStore, SessionAuthority, create_app
from novacron_chain.orchestrator import VMLifecycleOperation
from novacron_chain.state import VMState, VMStateRecord

from .conftest import VM

PROBLEM = "application/problem+json"
RECORD = {"vm_id": "vm-did", "state": "Running", "region": "eu-west-1", "cpu_allocation": 1, "memory_allocation": 512}


_SHARED = pytest.StashKey[NovaChain]()


def shared_chain(config: pytest.Config) -> NovaChain:
    """The chain conftest's ``api_nova`` builds, built once for this module and ``test_report_api`` (a deploy
    takes most of a module's time); closed when the session ends."""
    if _SHARED not in config.stash:
        nc = NovaChain.embedded(enable_cross_chain=True, supported_chains=[])
        config.add_cleanup(nc.close)
        nc.deploy()
        nc.tokens.fund_staking_rewards()
        nc.orchestrator.create_vm(VMLifecycleOperation(VM, "us-east-1", 2, 2048), reserve=True)
        me = nc.chain.signer.address
        nc.state.record_vm_state(VMStateRecord(VM, me, "us-east-1", VMState.RUNNING, 2, 2048))
        nc.state.flush()
        config.stash[_SHARED] = nc
    return config.stash[_SHARED]


@pytest.fixture(scope="module")
def api_nova(request: pytest.FixtureRequest) -> NovaChain:
    """Overrides conftest's: the chain shared with ``test_report_api``."""
    return shared_chain(request.config)


def _refused(response: Any, *words: str) -> str:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["error"] == "AuthenticationError"
    assert body["hint"]
    for word in words:
        assert word in body["detail"], body["detail"]
    return str(body["detail"])


def _challenge(anon: TestClient, did: str, scope: str | None = None) -> dict[str, Any]:
    response = anon.post("/auth/did/challenge", json={"did": did} if scope is None else {"did": did, "scope": scope})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _sign(challenge: dict[str, Any], key: Any, did: str | None = None) -> dict[str, str]:
    signature = key.sign_message(encode_defunct(text=challenge["message"])).signature.to_0x_hex()
    return {"did": did or challenge["did"], "nonce": challenge["nonce"], "signature": signature}


@pytest.fixture(scope="module")
def identity(api_nova: NovaChain, key_store: ApiKeyStore) -> tuple[str, Any]:
    """A DID allowed ``write`` (by its identity address) and its owner key."""
    owner = Account.create()
    key_store.allow_address(owner.address, "write")
    return api_nova.did.did_of(owner.address), owner


def test_owner_key_signs_in_and_the_session_writes(anon: TestClient, identity: tuple[str, Any]) -> None:
    did, owner = identity
    challenge = _challenge(anon, did)
    assert challenge["scope"] == "write"  # the most its address may receive
    assert did in challenge["message"]
    assert challenge["nonce"] in challenge["message"]
    session = anon.post("/auth/did/verify", json=_sign(challenge, owner))
    assert session.status_code == 200, session.text
    token = session.json()
    assert (token["did"], token["address"], token["scope"]) == (did, owner.address, "write")
    assert token["key"] == f"{did}#keys-1"
    assert token["token"].startswith("ncs_")
    headers = {"Authorization": f"Bearer {token['token']}"}
    who = anon.get("/auth/whoami", headers=headers).json()
    assert (who["kind"], who["subject"], who["scope"]) == ("did", did, "write")
    recorded = anon.post("/state/records", json=RECORD, headers=headers)
    assert recorded.status_code == 201, recorded.text
    pause = anon.post("/security/contracts/Bridge/pause", headers=headers)
    assert pause.status_code == 403


def test_replay_wrong_did_bad_signature_and_scope(anon: TestClient, identity: tuple[str, Any]) -> None:
    did, owner = identity
    signed = _sign(_challenge(anon, did, "read"), owner)
    first = anon.post("/auth/did/verify", json=signed)
    assert first.status_code == 200
    assert first.json()["scope"] == "read"
    _refused(anon.post("/auth/did/verify", json=signed), "used already")
    other = Account.create()
    other_did = anon.app.state.context.nova.did.did_of(other.address)  # type: ignore[attr-defined]
    _refused(anon.post("/auth/did/verify", json=_sign(_challenge(anon, did), owner, other_did)), "issued for", did)
    _refused(anon.post("/auth/did/verify", json=_sign(_challenge(anon, did), other)), "not a key of")
    garbage = {**_sign(_challenge(anon, did), owner), "signature": "0x1234"}
    _refused(anon.post("/auth/did/verify", json=garbage), "malformed")
    _refused(anon.post("/auth/did/verify", json={**signed, "nonce": "nonexistent1"}), "unknown")
    siwe_nonce = anon.get("/auth/siwe/nonce").json()["nonce"]  # one nonce store: a SIWE nonce is not a DID's
    _refused(anon.post("/auth/did/verify", json={**signed, "nonce": siwe_nonce}), "Sign-In with Ethereum")
    too_much = anon.post("/auth/did/challenge", json={"did": other_did, "scope": "write"})
    assert too_much.status_code == 403  # its address is allowed only read
    bad = anon.post("/auth/did/challenge", json={"did": "did:web:example.com"})
    assert bad.status_code == 400
    assert bad.headers["content-type"] == PROBLEM


def test_delegate_signs_in_until_it_expires(anon: TestClient, api_nova: NovaChain, identity: tuple[str, Any]) -> None:
    did, owner = identity
    veri, auth = Account.create(), Account.create()
    api_nova.did.add_delegate(did, owner.key, veri.address, delegate_type="veriKey", validity=3600)
    api_nova.did.add_delegate(did, owner.key, auth.address, delegate_type="sigAuth", validity=600)
    session = anon.post("/auth/did/verify", json=_sign(_challenge(anon, did), auth))
    assert session.status_code == 200, session.text
    assert session.json()["key"].startswith(f"{did}#delegate-")
    assert session.json()["scope"] == "write"
    _refused(anon.post("/auth/did/verify", json=_sign(_challenge(anon, did), veri)), "not sign in")
    api_nova.chain.advance(seconds=601)
    _refused(anon.post("/auth/did/verify", json=_sign(_challenge(anon, did), auth)), "no longer acts")


def test_owner_change_retires_the_old_key(anon: TestClient, api_nova: NovaChain, key_store: ApiKeyStore) -> None:
    old = Account.create()
    key_store.allow_address(old.address, "write")
    did = api_nova.did.did_of(old.address)
    new_key, _ = api_nova.did.rotate_key(did, old.key, publish=False)
    new = Account.from_key(new_key)
    _refused(anon.post("/auth/did/verify", json=_sign(_challenge(anon, did), old)), "no longer acts")
    token = anon.post("/auth/did/verify", json=_sign(_challenge(anon, did), new)).json()
    assert (token["did"], token["address"], token["scope"]) == (did, old.address, "write")  # the identity's scope
    api_nova.did.deactivate(did, new.key)
    _refused(anon.post("/auth/did/verify", json=_sign(_challenge(anon, did), new)), "deactivated")


def test_challenge_expires(api_nova: NovaChain, key_store: ApiKeyStore, identity: tuple[str, Any]) -> None:
    did, owner = identity
    now = [1_900_000_000.0]
    app = create_app(api_nova, keys=key_store, sessions=SessionAuthority(clock=lambda: now[0]))
    with TestClient(app, raise_server_exceptions=False) as c:
        challenge = _challenge(c, did)
        assert challenge["expires"] == int(now[0]) + 300
        now[0] += 301
        _refused(c.post("/auth/did/verify", json=_sign(challenge, owner)), "expired")
