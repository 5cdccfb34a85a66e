"""The seed's DID usage example (dwcp-phase5-blockchain.md §3), end to end through the contract set's deployment."""

from __future__ import annotations

from novacron_chain import NovaChain
from novacron_chain.did import DIDManager, Problem, deploy_steps, did_network


def test_seed_usage_example(embedded: NovaChain) -> None:
    # dm := did.NewDIDManager(config)
    outcomes = embedded.deploy(steps=deploy_steps(embedded.config.blockchain))
    assert [o.name for o in outcomes] == ["DIDRegistry"]
    registry = embedded.contract("DIDRegistry")
    deployer = embedded.chain.signer.address
    role = embedded.chain.call(registry.functions.GUARDIAN_ROLE())
    assert embedded.chain.call(registry.functions.hasRole(role, deployer))
    assert embedded.chain.call(registry.functions.hasRole(bytes(32), deployer))
    dm = DIDManager(embedded.chain, registry, did_network(embedded.config.blockchain.network, embedded.chain.chain_id))

    # doc, privateKey, err := dm.CreateDID(ctx, "vm")   // Result: did:novacron:<network>:0x1234...
    doc, private_key = dm.create_did("vm")
    assert doc["id"].startswith("did:novacron:embedded:0x")
    issuer_doc, issuer_key = dm.create_did("provider", publish=True)
    assert issuer_doc["verificationMethod"][0]["publicKeyMultibase"].startswith("zQ3s")
    assert issuer_doc["authentication"] == [issuer_doc["id"] + "#keys-1"]

    # credential, err := dm.IssueCredential(ctx, issuerDID, subjectDID, {"cpuAllocation": 4, ...}, privateKey)
    credential = dm.issue_credential(
        issuer_doc["id"], doc["id"], {"cpuAllocation": 4, "region": "us-east-1"}, issuer_key
    )

    # valid, err := dm.VerifyCredential(ctx, credential)
    result = dm.verify_credential(credential)
    assert result.valid
    assert result.claims == {"cpuAllocation": 4, "region": "us-east-1"}

    # the VM presents it to a scheduler with its own key
    vp = dm.create_presentation(doc["id"], [credential], private_key, nonce="42", audience="scheduler")
    assert dm.verify_presentation(vp, nonce="42", audience="scheduler").valid

    dm.revoke_credential(credential, issuer_key)
    assert dm.verify_credential(credential).problem is Problem.REVOKED


def test_deploy_step_is_disabled_with_enable_did_off(embedded: NovaChain) -> None:
    cfg = embedded.config.blockchain.model_copy(update={"enable_did": False})
    assert [s.enabled(cfg) for s in deploy_steps(cfg)] == [False]
    no_pause = embedded.config.blockchain.model_copy(update={"emergency_pause_enabled": False})
    (step,) = deploy_steps(no_pause)
    from novacron_chain.chain import DeployContext

    assert step.args(DeployContext(chain=embedded.chain, config=no_pause))[1] == "0x" + "00" * 20
