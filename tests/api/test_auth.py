"""Who may make the server sign: API keys stored hashed with scopes, and Sign-In with Ethereum (EIP-4361) sessions.
Reads are open; writes need ``write``; pausing needs ``admin``; every refusal is a problem before anything is
signed."""

from __future__ import annotations

import json
import os
import stat
import time
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from fastapi.testclient import TestClient

from novacron_chain import NovaChain
from novacron_chain.api import ApiKeyStore, ApiValueError, Scope, SessionAuthority, SiweMessage, UnknownApiKeyError
from novacron_chain.api._siwe import SCOPE_RESOURCE, rfc3339

PROBLEM = "application/problem+json"
RECORD = {"vm_id": "vm-auth", "state": "Running", "region": "eu-west-1", "cpu_allocation": 1, "memory_allocation": 512}


def _problem(response: Any, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["error"] == error
    assert body["hint"]
    return body


# -- the key file ------------------------------------------------------------------------------------------------


def test_keys_are_stored_hashed_with_scopes(tmp_path: Any) -> None:
    store = ApiKeyStore(tmp_path / "api-keys.json")
    key, secret = store.create("write", name="scheduler")
    assert secret.startswith(f"nck_{key.key_id}_")
    assert len(secret) > 40
    text = store.path.read_text()
    assert secret not in text
    assert secret.split("_", 2)[2] not in text  # not even the random part
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert json.loads(text)["keys"][0]["sha256"] == key.sha256
    assert store.verify(secret) == key
    assert store.verify(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert store.verify("nck_nope_x") is None
    assert store.verify("garbage") is None
    # another process (the CLI) revokes: this store sees it at once
    ApiKeyStore(store.path).revoke(key.key_id)
    assert store.verify(secret) is None
    (listed,) = store.list()
    assert listed.to_dict()["active"] is False
    assert "sha256" not in listed.to_dict()
    with pytest.raises(UnknownApiKeyError):
        store.revoke("ffffffff")
    with pytest.raises(ApiValueError, match="unknown scope 'root'"):
        store.create("root")


def test_scope_order() -> None:
    assert Scope.ADMIN.allows(Scope.WRITE)
    assert Scope.WRITE.allows(Scope.READ)
    assert not Scope.READ.allows(Scope.WRITE)
    assert Scope.parse(" Admin ") is Scope.ADMIN


# -- keys over HTTP ----------------------------------------------------------------------------------------------


def test_reads_are_open_writes_need_a_write_key(
    anon: TestClient, client: TestClient, api_keys: dict[Scope, str]
) -> None:
    assert anon.get("/state/summary").status_code == 200
    missing = anon.post("/state/records", json=RECORD)
    body = _problem(missing, 401, "AuthenticationError")
    assert "write" in body["message"]
    assert "api-key create --scope write" in body["hint"]
    assert missing.headers["www-authenticate"].startswith("Bearer")
    read_only = anon.post("/state/records", json=RECORD, headers={"X-API-Key": api_keys[Scope.READ]})
    denied = _problem(read_only, 403, "InsufficientScopeError")
    assert (denied["required_scope"], denied["granted_scope"]) == ("write", "read")
    forged = anon.post("/state/records", json=RECORD, headers={"X-API-Key": api_keys[Scope.WRITE] + "x"})
    _problem(forged, 401, "AuthenticationError")
    bearer = anon.post("/state/records", json=RECORD, headers={"Authorization": f"Bearer {api_keys[Scope.WRITE]}"})
    assert bearer.status_code == 201, bearer.text
    basic = anon.post("/state/records", json=RECORD, headers={"Authorization": "Basic dXNlcjpwdw=="})
    _problem(basic, 401, "AuthenticationError")
    assert anon.get("/state/summary").json()["pending"] == 1  # only the authorised write went through


def test_admin_scope_for_pausing(anon: TestClient, api_keys: dict[Scope, str], api_nova: NovaChain) -> None:
    write = anon.post("/security/contracts/SLAContract/pause", headers={"X-API-Key": api_keys[Scope.WRITE]})
    _problem(write, 403, "InsufficientScopeError")
    assert not api_nova.security.is_contract_paused("SLAContract")
    admin = anon.post("/security/contracts/SLAContract/pause", headers={"X-API-Key": api_keys[Scope.ADMIN]})
    assert admin.status_code == 200, admin.text
    assert admin.json()["name"] == "SLAContract"
    assert admin.json()["already_paused"] is False
    assert admin.json()["tx_hash"].startswith("0x")
    assert api_nova.security.is_contract_paused("SLAContract")
    assert anon.get("/security/contracts/SLAContract/paused").json()["paused"] is True


def test_whoami(anon: TestClient, api_keys: dict[Scope, str], key_store: ApiKeyStore) -> None:
    _problem(anon.get("/auth/whoami"), 401, "AuthenticationError")
    me = anon.get("/auth/whoami", headers={"X-API-Key": api_keys[Scope.ADMIN]}).json()
    (admin,) = [k for k in key_store.list() if k.scope is Scope.ADMIN]
    assert me == {"kind": "api-key", "subject": admin.key_id, "scope": "admin", "expires_at": None}


def test_a_key_revoked_while_serving_is_refused(anon: TestClient, key_store: ApiKeyStore) -> None:
    key, secret = key_store.create(Scope.WRITE, name="short-lived")
    assert anon.get("/auth/whoami", headers={"X-API-Key": secret}).status_code == 200
    ApiKeyStore(key_store.path).revoke(key.key_id)
    _problem(anon.get("/auth/whoami", headers={"X-API-Key": secret}), 401, "AuthenticationError")


# -- Sign-In with Ethereum ---------------------------------------------------------------------------------------


def _signed(anon: TestClient, account: Any, scope: str | None = None, **changes: Any) -> dict[str, str]:
    info = anon.get("/auth/siwe/nonce").json()
    fields: dict[str, Any] = {
        "domain": info["domain"],
        "address": account.address,
        "statement": "Sign in to the NovaCron Chain API.",
        "uri": "http://testserver",
        "chain_id": info["chain_id"],
        "nonce": info["nonce"],
        "issued_at": rfc3339(time.time()),
        "expiration_time": rfc3339(time.time() + 600),
        "resources": (SCOPE_RESOURCE + scope,) if scope else (),
    }
    fields.update(changes)
    text = SiweMessage(**fields).text()
    signature = account.sign_message(encode_defunct(text=text)).signature.to_0x_hex()
    return {"message": text, "signature": signature}


def test_siwe_message_round_trip() -> None:
    msg = SiweMessage(
        domain="api.example.com:8000",
        address="0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        uri="https://api.example.com:8000",
        chain_id=137,
        nonce="abcdEFGH1234",
        issued_at="2026-12-02T10:00:00Z",
        statement="hello",
        request_id="r-1",
        resources=(SCOPE_RESOURCE + "write", "ipfs://bafy"),
    )
    assert SiweMessage.parse(msg.text()) == msg
    assert msg.scope is Scope.WRITE
    bare = SiweMessage("d.io", msg.address, "https://d.io", 1, "abcdefgh", "2026-12-02T10:00:00Z")
    assert SiweMessage.parse(bare.text()) == bare
    assert "\n\nURI: " in bare.text()
    for bad in ("hello", msg.text().replace("Version: 1", "Version: 2"), msg.text().replace("Nonce: ", "Nonce: !")):
        with pytest.raises(ApiValueError, match="not an EIP-4361 sign-in message"):
            SiweMessage.parse(bad)


def test_sign_in_for_read_then_write(anon: TestClient, key_store: ApiKeyStore) -> None:
    user = Account.create()
    session = anon.post("/auth/siwe/verify", json=_signed(anon, user))
    assert session.status_code == 200, session.text
    token = session.json()
    assert token["scope"] == "read"
    assert token["address"] == user.address
    assert token["expires_at"] <= time.time() + 900 + 1
    who = anon.get("/auth/whoami", headers={"Authorization": f"Bearer {token['token']}"}).json()
    assert (who["kind"], who["subject"], who["scope"]) == ("siwe", user.address, "read")
    wants_write = anon.post("/auth/siwe/verify", json=_signed(anon, user, "write"))
    _problem(wants_write, 403, "InsufficientScopeError")
    key_store.allow_address(user.address.lower(), "write")
    writer = anon.post("/auth/siwe/verify", json=_signed(anon, user, "write")).json()
    assert writer["scope"] == "write"
    headers = {"Authorization": f"Bearer {writer['token']}"}
    recorded = anon.post("/state/records", json={**RECORD, "vm_id": "vm-siwe"}, headers=headers)
    assert recorded.status_code == 201, recorded.text
    pause = anon.post("/security/contracts/Bridge/pause", headers=headers)
    _problem(pause, 403, "InsufficientScopeError")


def test_sign_in_refusals(anon: TestClient, api_nova: NovaChain) -> None:
    user = Account.create()
    signed = _signed(anon, user)
    assert anon.post("/auth/siwe/verify", json=signed).status_code == 200
    replay = anon.post("/auth/siwe/verify", json=signed)
    assert "nonce" in _problem(replay, 401, "AuthenticationError")["message"]
    other_site = anon.post("/auth/siwe/verify", json=_signed(anon, user, domain="evil.example"))
    assert "not to this server" in _problem(other_site, 401, "AuthenticationError")["message"]
    other_chain = anon.post("/auth/siwe/verify", json=_signed(anon, user, chain_id=1))
    _problem(other_chain, 401, "AuthenticationError")
    expired = anon.post("/auth/siwe/verify", json=_signed(anon, user, expiration_time=rfc3339(time.time() - 5)))
    assert "expired" in _problem(expired, 401, "AuthenticationError")["message"]
    impostor = Account.create()
    forged = _signed(anon, impostor)
    forged["message"] = forged["message"].replace(impostor.address, user.address)
    assert "signed by" in _problem(anon.post("/auth/siwe/verify", json=forged), 401, "AuthenticationError")["message"]
    garbage = anon.post("/auth/siwe/verify", json={**_signed(anon, user), "signature": "0x1234"})
    _problem(garbage, 401, "AuthenticationError")
    malformed = anon.post("/auth/siwe/verify", json={"message": "hi", "signature": "0x"})
    _problem(malformed, 400, "ApiValueError")
    lower = _signed(anon, user)
    lower["message"] = lower["message"].replace(user.address, user.address.lower())
    _problem(anon.post("/auth/siwe/verify", json=lower), 400, "ApiValueError")
    unknown = anon.get("/auth/whoami", headers={"Authorization": "Bearer ncs_nope"})
    _problem(unknown, 401, "AuthenticationError")


def test_the_servers_own_key_may_sign_in_as_admin(anon: TestClient, api_nova: NovaChain) -> None:
    server = Account.from_key(api_nova.chain.signer.private_key)
    token = anon.post("/auth/siwe/verify", json=_signed(anon, server, "admin")).json()
    assert token["scope"] == "admin"


def test_sessions_expire() -> None:
    now = [1_800_000_000.0]
    authority = SessionAuthority(session_seconds=60, clock=lambda: now[0])
    user = Account.create()
    nonce, _ = authority.issue_nonce()
    text = SiweMessage("h", user.address, "http://h", 5, nonce, rfc3339(now[0])).text()
    sig = user.sign_message(encode_defunct(text=text)).signature.to_0x_hex()
    token, session, _ = authority.sign_in(text, sig, domain="h", chain_id=5, allowed=Scope.READ)
    assert authority.session(token) == session
    now[0] += 61
    assert authority.session(token) is None
