"""Compliance reports: a VM's audit trail as a vc+jwt that a third party verifies offline (signature, records,
Merkle proofs) and on chain (anchors, the issuer's DID), with every kind of tampering caught and named."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from joserfc import jws
from joserfc.jwk import ECKey

from novacron_chain import NovaChain
from novacron_chain.chain import Signer
from novacron_chain.cli import _state_cmds
from novacron_chain.did import DIDManager, DIDValueError, did_network
from novacron_chain.did import deploy_steps as did_steps
from novacron_chain.did._jose import JwsParts, b64url_encode, canonical_json, sign_jws
from novacron_chain.errors import NovaValueError
from novacron_chain.state import (
    REPORT_SCHEMA,
    ComplianceReport,
    ReportInvalidError,
    ReportVerification,
    StateIntegrityError,
    StateManager,
    StateValueError,
    VMState,
    check_report,
    connect_rpc,
    issue_report,
    leaf_hash,
    raw_cid,
)
from novacron_chain.state import deploy_steps as state_steps
from tests._support import Cli, deploy_in, deployed_fixtures

from .conftest import block_path, make_record


def _steps(config: Any) -> list[Any]:
    return [*state_steps(config), *did_steps(config)]


# StateAnchor and DIDRegistry deployed once per session; rnova: embedded and anvil; rembedded: embedded only
embedded_report_session, anvil_report_session, rnova, rembedded = deployed_fixtures("report", _steps)

VM = "vm-0003"


def _dids(nc: NovaChain) -> DIDManager:
    return DIDManager(
        nc.chain, nc.contract("DIDRegistry"), did_network(nc.config.blockchain.network, nc.chain.chain_id)
    )


def _fill(sm: StateManager) -> None:
    """40 records of 10 VMs anchored in 3 batches (batch size 16), then one more of VM left pending."""
    for i in range(40):
        sm.record_vm_state(make_record(i))
    sm.flush()
    sm.record_vm_state(make_record(43, state=VMState.MIGRATING))


@pytest.fixture
def reported(
    rembedded: NovaChain, open_manager: Callable[..., StateManager]
) -> tuple[NovaChain, StateManager, ComplianceReport]:
    sm = open_manager(rembedded)
    _fill(sm)
    return rembedded, sm, issue_report(sm, VM, dids=_dids(rembedded))


def _resign(token: str, change: Callable[[dict[str, Any]], None], signer: Signer) -> str:
    """The report with its payload changed by ``change`` and signed again with ``signer`` (an issuer who lies)."""
    parts = JwsParts.parse(token)
    payload = json.loads(json.dumps(parts.payload))
    change(payload)
    return sign_jws(parts.header, payload, signer)


def _unsigned_change(token: str, change: Callable[[dict[str, Any]], None]) -> str:
    """The report with its payload changed by ``change`` and the old signature kept (altered in transit)."""
    h, _p, s = token.split(".")
    payload = json.loads(json.dumps(JwsParts.parse(token).payload))
    change(payload)
    return f"{h}.{b64url_encode(canonical_json(payload))}.{s}"


def _failed(result: ReportVerification) -> list[tuple[str, int | None]]:
    return [(c.check, c.seq) for c in result.failures]


# -- issuing --------------------------------------------------------------------------------------------------------


def test_report_lists_every_anchored_record_with_proof_and_anchor(
    reported: tuple[NovaChain, StateManager, ComplianceReport],
) -> None:
    nc, sm, report = reported
    history = sm.get_history(VM)
    assert report.records == len(history) == 4
    assert report.pending == 1  # recorded after the flush: not covered, but counted
    assert report.issuer == f"did:novacron:embedded:{nc.chain.signer.address}"
    parts = JwsParts.parse(report.token)
    assert parts.header["typ"] == "vc+jwt"
    assert parts.header["kid"] == report.issuer + "#keys-1"
    payload = report.credential
    assert payload["type"] == ["VerifiableCredential", "VMComplianceReport"]
    assert payload["credentialStatus"]["statusRegistry"].endswith(nc.contract("DIDRegistry").address)
    subject = payload["credentialSubject"]
    assert subject["schema"] == REPORT_SCHEMA
    assert subject["anchor"] == {
        "chainId": nc.chain.chain_id,
        "network": nc.chain.network,
        "contract": nc.contract("StateAnchor").address,
        "id": f"eip155:{nc.chain.chain_id}:{nc.contract('StateAnchor').address}",
    }
    for entry, rec in zip(history, subject["records"], strict=True):
        assert rec["seq"] == entry.seq
        assert rec["record"]["state"] == "Running"
        assert rec["record"]["region"] == "us-east-1"
        assert rec["record"]["timestamp"] == entry.record.timestamp
        assert rec["cid"] == entry.cid
        assert rec["leaf"] == entry.leaf
        assert (rec["batchId"], rec["root"], rec["txHash"], rec["block"]) == (
            entry.batch_id,
            entry.root,
            entry.tx_hash,
            entry.block,
        )
    assert [len(r["proof"]) for r in subject["records"]] == [4, 4, 4, 3]  # batches of 16, 16 and 8 leaves
    assert len({r["batchId"] for r in subject["records"]}) == 3


def test_a_damaged_audit_trail_is_refused_not_certified(
    rembedded: NovaChain, open_manager: Callable[..., StateManager], store_dir: Path
) -> None:
    sm = open_manager(rembedded)
    receipts = [sm.record_vm_state(make_record(i, vm="vm-x")) for i in range(3)]
    sm.flush()
    path = block_path(store_dir, receipts[1].cid)
    path.write_bytes(path.read_bytes().replace(b"Running", b"Stopped"))
    with pytest.raises(StateIntegrityError, match="no report issued"):
        issue_report(sm, "vm-x")


def test_nothing_anchored_and_bad_arguments(rembedded: NovaChain, open_manager: Callable[..., StateManager]) -> None:
    sm = open_manager(rembedded)
    sm.record_vm_state(make_record(1, vm="vm-new"))
    with pytest.raises(StateValueError, match="1 recorded, not anchored yet") as exc:
        issue_report(sm, "vm-new")
    assert "state flush" in str(exc.value.hint)
    with pytest.raises(StateValueError, match="no anchored records"):
        issue_report(sm, "vm-unknown")
    with pytest.raises(StateValueError):
        issue_report(sm, "not a vm id!")
    other = "did:novacron:embedded:0x" + "12" * 20
    with pytest.raises(DIDValueError, match="no DID registry"):
        issue_report(sm, "vm-new", issuer=other)  # another DID, without a registry to say the key may sign


# -- checking offline -------------------------------------------------------------------------------------------------


def test_offline_check_passes_and_says_what_needs_the_chain(
    reported: tuple[NovaChain, StateManager, ComplianceReport], tmp_path: Path
) -> None:
    _nc, _sm, report = reported
    path = report.save(tmp_path / "report.jwt")
    result = check_report(path)  # a file, nothing else: no database, no chain
    assert result.valid
    assert not result.complete
    assert result.status == "valid-offline"
    assert result.vm_id == VM
    assert result.records == 4
    statuses = {(c.check, c.status.value) for c in result.checks}
    assert ("signature", "ok") in statuses
    assert ("issuer", "ok") in statuses  # the DID's own key (#keys-1): bound to the DID offline
    assert sum(1 for c in result.checks if c.check == "proof" and c.status.value == "ok") == 4
    assert sum(1 for c in result.checks if c.check == "anchor" and c.status.value == "unchecked") == 4
    assert check_report(report.token, issuer=report.issuer).valid
    wrong = check_report(report.token, issuer="did:novacron:embedded:0x" + "12" * 20)
    assert _failed(wrong) == [("issuer", None)]
    # the --json output of `state report` is accepted as the file too
    (tmp_path / "report.json").write_text(json.dumps(report.to_dict()))
    assert check_report(tmp_path / "report.json").valid


def test_any_jose_library_verifies_the_signature_with_the_header_key(
    reported: tuple[NovaChain, StateManager, ComplianceReport],
) -> None:
    _nc, _sm, report = reported
    header = JwsParts.parse(report.token).header
    key = ECKey.import_key(header["jwk"])
    obj = jws.deserialize_compact(report.token, key, algorithms=["ES256K"])
    assert json.loads(obj.payload)["credentialSubject"]["vmId"] == VM


def test_a_record_altered_in_transit_breaks_the_signature_and_is_named(
    reported: tuple[NovaChain, StateManager, ComplianceReport],
) -> None:
    _nc, _sm, report = reported
    seq = report.credential["credentialSubject"]["records"][1]["seq"]

    def lie(p: dict[str, Any]) -> None:
        p["credentialSubject"]["records"][1]["record"]["state"] = "Stopped"

    result = check_report(_unsigned_change(report.token, lie))
    assert not result.valid
    assert ("signature", None) in _failed(result)
    assert ("record", seq) in _failed(result)
    record_failure = next(c for c in result.failures if c.check == "record")
    assert f"record {seq} (Stopped at " in record_failure.reason
    assert "was altered" in record_failure.reason


def test_an_issuer_who_signs_a_falsified_record_is_caught_offline(
    reported: tuple[NovaChain, StateManager, ComplianceReport],
) -> None:
    nc, _sm, report = reported
    records = report.credential["credentialSubject"]["records"]

    def lie(p: dict[str, Any]) -> None:
        p["credentialSubject"]["records"][2]["record"]["memory_allocation"] = 1

    result = check_report(_resign(report.token, lie, nc.chain.signer))
    assert _failed(result) == [("record", records[2]["seq"])]  # the signature is fine: the content is not
    assert "hashes to leaf" in result.reason
    assert f"record {records[2]['seq']}" in result.reason


def test_an_altered_proof_or_root_is_named(reported: tuple[NovaChain, StateManager, ComplianceReport]) -> None:
    nc, _sm, report = reported
    records = report.credential["credentialSubject"]["records"]

    def bad_proof(p: dict[str, Any]) -> None:
        proof = p["credentialSubject"]["records"][0]["proof"]
        proof[0] = "0x" + "00" * 31 + "01"

    result = check_report(_resign(report.token, bad_proof, nc.chain.signer))
    assert _failed(result) == [("proof", records[0]["seq"])]
    assert "Merkle proof leads to" in result.failures[0].reason

    def bad_root(p: dict[str, Any]) -> None:
        p["credentialSubject"]["records"][3]["root"] = "0x" + "ab" * 32

    result = check_report(_resign(report.token, bad_root, nc.chain.signer))
    assert _failed(result) == [("proof", records[3]["seq"])]


def test_a_tampered_signature_fails(reported: tuple[NovaChain, StateManager, ComplianceReport]) -> None:
    _nc, _sm, report = reported
    head, payload, sig = report.token.split(".")
    flipped = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
    result = check_report(f"{head}.{payload}.{flipped}")
    assert _failed(result) == [("signature", None)]
    assert "altered after signing" in result.reason
    # another key in the header (a forger's): the signature verifies, but not as the issuer
    forger = Signer(bytes(range(1, 33)))
    parts = JwsParts.parse(report.token)
    header = {**parts.header, "jwk": json.loads(json.dumps(parts.header["jwk"]))}
    from novacron_chain.did import public_key_jwk

    header["jwk"] = public_key_jwk(forger.public_key_compressed)
    forged = check_report(sign_jws(header, parts.payload, forger))
    assert forged.valid
    assert not forged.complete
    assert any(c.check == "issuer" and c.status.value == "unchecked" for c in forged.checks)


def test_garbage_and_unreadable_reports(tmp_path: Path) -> None:
    (tmp_path / "junk").write_text("not a report")
    result = check_report(tmp_path / "junk")
    assert _failed(result) == [("format", None)]
    with pytest.raises(StateValueError, match="cannot read the report"):
        check_report(tmp_path / "missing.jwt")
    (tmp_path / "bad.json").write_text('{"no": "report"}')
    with pytest.raises(StateValueError, match="without a `report` member"):
        check_report(tmp_path / "bad.json")


def test_an_expired_report_fails(rembedded: NovaChain, open_manager: Callable[..., StateManager]) -> None:
    sm = open_manager(rembedded)
    _fill(sm)
    report = issue_report(sm, VM, valid_for=3600)
    now = int(report.credential["iat"])
    assert check_report(report.token, now=now + 60).valid
    late = check_report(report.token, now=now + 7200)
    assert _failed(late) == [("credential", None)]
    assert "expired" in late.reason


# -- checking on chain ------------------------------------------------------------------------------------------------


def test_on_chain_every_root_is_anchored_and_the_issuer_current(
    rnova: NovaChain, open_manager: Callable[..., StateManager]
) -> None:
    sm = open_manager(rnova)
    _fill(sm)
    dm = _dids(rnova)
    report = issue_report(sm, VM, dids=dm)
    result = check_report(report.token, chain=rnova.chain)
    assert result.valid, result.reason
    assert result.complete, result.reason
    assert result.status == "valid"
    assert result.chain_checked
    assert sum(1 for c in result.checks if c.check == "anchor" and c.status.value == "ok") == 4
    assert any(c.check == "credential" and c.status.value == "ok" for c in result.checks)
    backend = rnova.chain.backend.description
    if backend.startswith("rpc "):  # anvil: a third party's own read-only connection to the node
        chain = connect_rpc(backend.split()[-1])
        try:
            assert chain.chain_id == rnova.chain.chain_id
            assert check_report(report.token, chain=chain).status == "valid"
        finally:
            chain.close()

    # the issuer revokes the report in the DID registry: refused on chain, still consistent offline
    dm.revoke_credential(report.token, rnova.chain.signer)
    revoked = check_report(report.token, chain=rnova.chain)
    assert _failed(revoked) == [("credential", None)]
    assert "revoked" in revoked.reason
    assert check_report(report.token).valid


def test_a_consistent_fake_passes_offline_but_not_on_chain(
    reported: tuple[NovaChain, StateManager, ComplianceReport],
) -> None:
    """An issuer who invents a record with a matching leaf, proof and root: only the chain can tell."""
    nc, _sm, report = reported
    records = report.credential["credentialSubject"]["records"]

    def invent(p: dict[str, Any]) -> None:
        rec = p["credentialSubject"]["records"][1]
        rec["record"]["state"] = "Stopped"
        from novacron_chain.state import VMStateRecord

        data = VMStateRecord(**rec["record"]).canonical_bytes()
        rec["cid"], rec["leaf"], rec["proof"] = raw_cid(data), "0x" + leaf_hash(data).hex(), []
        rec["root"] = rec["leaf"]  # a one-leaf tree

    fake = _resign(report.token, invent, nc.chain.signer)
    assert check_report(fake).valid  # every offline check passes
    result = check_report(fake, chain=nc.chain)
    assert _failed(result) == [("anchor", records[1]["seq"])]
    assert f"record {records[1]['seq']} (Stopped" in result.reason
    assert "root on chain is" in result.reason

    def moved(p: dict[str, Any]) -> None:
        p["credentialSubject"]["anchor"]["chainId"] = 137

    elsewhere = check_report(_resign(report.token, moved, nc.chain.signer), chain=nc.chain)
    assert _failed(elsewhere) == [("anchor", None)]
    assert "on chain 137" in elsewhere.reason


def test_a_delegate_of_the_operator_did_signs_verifiable_only_on_chain(
    rembedded: NovaChain, open_manager: Callable[..., StateManager]
) -> None:
    sm = open_manager(rembedded)
    _fill(sm)
    dm = _dids(rembedded)
    operator_did, operator_key = dm.create_did("provider")
    dm.add_delegate(operator_did["id"], operator_key, rembedded.chain.signer.address)
    report = issue_report(sm, VM, issuer=operator_did["id"], dids=dm)
    assert report.issuer == operator_did["id"]
    assert JwsParts.parse(report.token).header["kid"].endswith("#delegate-1")
    offline = check_report(report.token)
    assert offline.valid
    assert not offline.complete
    assert any(c.check == "issuer" and c.status.value == "unchecked" for c in offline.checks)
    assert check_report(report.token, chain=rembedded.chain).status == "valid"
    stranger = dm.create_did("provider")[0]["id"]
    from novacron_chain.did import DIDKeyNotAuthorizedError

    with pytest.raises(DIDKeyNotAuthorizedError):
        issue_report(sm, VM, issuer=stranger, dids=dm)


def test_without_a_did_registry_the_report_is_still_verifiable(
    rembedded: NovaChain, open_manager: Callable[..., StateManager]
) -> None:
    sm = open_manager(rembedded)
    _fill(sm)
    report = issue_report(sm, VM)  # no registry: the account's own DID, #keys-1, no revocation entry
    assert "credentialStatus" not in report.credential
    result = check_report(report.token, chain=rembedded.chain)
    assert result.valid
    assert not result.complete
    assert any(c.check == "credential" and "names no DID registry" in c.reason for c in result.checks)


# -- the CLI --------------------------------------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(deploy_in(tmp_path / "node", _steps), _state_cmds.register)


def test_cli_report_and_check_report(cli: Cli, tmp_path: Path) -> None:
    for state, region in (("running", "us-east-1"), ("migrating", "eu-west-1"), ("running", "eu-west-1")):
        cli.json("state", "record", "--vm-id", "vm-12345", "--state", state, "--region", region, "--cpu", "4",
                 "--memory", "8192")  # fmt: skip
    cli.json("state", "flush")
    out = tmp_path / "vm-12345.jwt"
    made = cli.json("state", "report", "vm-12345", "--out", str(out))
    assert made["records"] == 3
    assert made["out"] == str(out)
    assert out.read_text().strip() == made["report"]
    assert "compliance report of vm-12345: 3 anchored records" in cli.text("state", "report", "vm-12345")

    # a third party, with nothing of ours (another data dir, no chain): valid offline
    third = Cli(tmp_path / "elsewhere", _state_cmds.register)
    offline = third.json("state", "check-report", str(out))
    assert offline["status"] == "valid-offline"
    assert "valid-offline" in third.text("state", "check-report", str(out))
    # on the chain (here the embedded one the global options name)
    assert cli.json("state", "check-report", str(out), "--chain")["status"] == "valid"
    assert cli.json("state", "check-report", str(out), "--issuer", made["issuer"])["status"] == "valid-offline"

    # a tampered record: exit 1, the error names the record, --json carries the checks
    payload = JwsParts.parse(made["report"]).payload
    payload["credentialSubject"]["records"][0]["record"]["region"] = "ap-south-1"
    h, _p, s = made["report"].split(".")
    bad = tmp_path / "bad.jwt"
    bad.write_text(f"{h}.{b64url_encode(canonical_json(payload))}.{s}")
    exc = third.fails("--json", "state", "check-report", str(bad))
    assert isinstance(exc, ReportInvalidError)
    assert exc.exit_code == 1
    assert "record 1" in str(exc)
    failed = [c for c in exc.to_dict()["checks"] if c["status"] == "failed"]
    assert {(c["check"], c["seq"]) for c in failed} == {("signature", None), ("record", 1)}

    # bad input: exit 2 with a hint, no traceback
    missing = third.fails("state", "check-report", str(tmp_path / "nope.jwt"))
    assert isinstance(missing, StateValueError)
    assert missing.exit_code == 2
    both = third.fails("state", "check-report", str(out), "--chain", "--rpc", "http://127.0.0.1:1")
    assert isinstance(both, NovaValueError)
    assert both.exit_code == 2
    nothing = cli.fails("state", "report", "vm-none")
    assert isinstance(nothing, StateValueError)
    not_url = third.fails("state", "check-report", str(out), "--rpc", "localhost:8545")
    assert isinstance(not_url, NovaValueError)
    assert not_url.exit_code == 2


@pytest.mark.integration
def test_cli_check_report_over_rpc(
    anvil_report_session: NovaChain, open_manager: Callable[..., StateManager], tmp_path: Path
) -> None:
    """A third party checks a report against the node the anchors are on, given only its URL."""
    snap = anvil_report_session.chain.snapshot()
    try:
        sm = open_manager(anvil_report_session)
        _fill(sm)
        path = issue_report(sm, VM, dids=_dids(anvil_report_session)).save(tmp_path / "r.jwt")
        url = anvil_report_session.chain.backend.description.split()[-1]
        third = Cli(tmp_path / "elsewhere", _state_cmds.register, network=None)
        checked = third.json("state", "check-report", str(path), "--rpc", url)
        assert checked["status"] == "valid"
        assert checked["chain_checked"]
    finally:
        anvil_report_session.chain.revert(snap)


@pytest.mark.parametrize("ahead", [0, 30 * 86400])
def test_a_report_from_a_chain_ahead_of_the_clock_is_valid_on_either_clock(
    rembedded: NovaChain, open_manager: Callable[..., StateManager], ahead: int
) -> None:
    rembedded.chain.advance(seconds=ahead)  # dev chains can run ahead of the wall clock (time travel)
    sm = open_manager(rembedded)
    _fill(sm)
    report = issue_report(sm, VM, dids=_dids(rembedded))
    assert check_report(report.token).valid  # offline: the wall clock
    assert check_report(report.token, chain=rembedded.chain).valid  # chain time
