"""Python signatures verify on chain, and the chain's encodings read back in Python: one ciphersuite, both sides.

The contracts' BLS library runs on the EIP-2537 precompiles of py-evm's Prague (in-process, no node); the messages
(``popMessage``, ``checkpointDigest``) and the aggregate key (``aggregatePubkeyAt``) the contracts compute are
compared byte for byte with ours, and the contracts accept our proofs of possession, our aggregate checkpoint
signature and our double-sign evidence. Slow: py-evm's precompiles are pure Python (a pairing check takes seconds).
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_tester import EthereumTester, PyEVMBackend
from web3 import EthereumTesterProvider, Web3

from novacron_chain.artifacts import artifact_names, load_artifact
from novacron_chain.consensus import (
    BlsPublicKey,
    BlsSecretKey,
    aggregate_public_keys,
    aggregate_signatures,
    checkpoint_digest,
    domain_id,
    pop_message,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not {"StakeManager", "CheckpointVerifier"} <= set(artifact_names()),
        reason="the consensus contracts are not compiled yet (npm run build)",
    ),
]

W = 10**18
EPOCH = 3600


def _deploy(w3: Web3, name: str, *args: Any) -> Any:
    artifact = load_artifact(name)
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    receipt = w3.eth.wait_for_transaction_receipt(
        factory.constructor(*args).transact({"from": w3.eth.accounts[0], "gas": 15_000_000})
    )
    assert receipt["status"] == 1, name
    return w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi)


def _send(w3: Web3, call: Any, sender: str) -> int:
    receipt = w3.eth.wait_for_transaction_receipt(call.transact({"from": sender, "gas": 5_000_000}))
    assert receipt["status"] == 1
    return int(receipt["gasUsed"])


def test_the_contracts_accept_python_signatures() -> None:
    tester = EthereumTester(PyEVMBackend())
    w3 = Web3(EthereumTesterProvider(tester))
    accounts: list[str] = list(w3.eth.accounts)
    admin = accounts[0]
    token = _deploy(w3, "PlainERC20", admin, 10**9 * W)
    # (minStake, maxValidators, minValidators, unbondingPeriod, slashingRateBps, reporterRewardBps, downtimeWindow,
    #  downtimeMinSignedBps, jailDuration, treasury)
    params = (1000 * W, 2000, 1, 2 * EPOCH, 1000, 1000, 100, 5000, 86400, accounts[9])
    stake_manager = _deploy(w3, "StakeManager", admin, admin, token.address, EPOCH, params)
    verifier = _deploy(w3, "CheckpointVerifier", admin, admin, stake_manager.address)
    _send(w3, stake_manager.functions.setCheckpointVerifier(verifier.address), admin)
    chain_id = w3.eth.chain_id

    sks = [BlsSecretKey.from_seed(bytes([i + 1]) * 32) for i in range(4)]
    for i, sk in enumerate(sks):
        owner, signer, pk = accounts[i + 1], accounts[i + 5], sk.public_key()
        _send(w3, token.functions.transfer(owner, 1000 * W), admin)
        _send(w3, token.functions.approve(stake_manager.address, 1000 * W), owner)
        on_chain = stake_manager.functions.popMessage(owner, signer, pk.to_eip2537()).call()
        assert on_chain == pop_message(chain_id, stake_manager.address, owner, signer, pk)
        pop = sk.prove_possession(chain_id, stake_manager.address, owner, signer)
        _send(w3, stake_manager.functions.register(signer, pk.to_eip2537(), pop.to_eip2537(), 1000 * W), owner)
        assert BlsPublicKey.from_eip2537(stake_manager.functions.pubkeyOf(i).call()) == pk

    tester.time_travel(w3.eth.get_block("latest")["timestamp"] + EPOCH + 1)
    epoch = stake_manager.functions.currentEpoch().call()
    expected_key = aggregate_public_keys([sk.public_key() for sk in sks])
    assert stake_manager.functions.aggregatePubkeyAt(epoch).call() == expected_key.to_eip2537()

    state, root_a, root_b = domain_id("state"), b"\x42" * 32, b"\x43" * 32
    digest = checkpoint_digest(chain_id, verifier.address, state, 1, root_a, epoch)
    assert verifier.functions.checkpointDigest(state, 1, root_a, epoch).call() == digest
    signatures = [sk.sign(digest) for sk in sks]
    # three of four sign (3/4 > 2/3): validator 3 is the listed non-signer
    aggregate = aggregate_signatures(signatures[:3])
    _send(w3, verifier.functions.submitCheckpoint(state, 1, root_a, epoch, [3], aggregate.to_eip2537()), admin)
    assert verifier.functions.isFinal(state, 1, root_a).call()

    # validator 0 also signed another root for the same height: the evidence slashes it
    other = sks[0].sign(checkpoint_digest(chain_id, verifier.address, state, 1, root_b, epoch))
    evidence = (0, state, 1, root_a, epoch, signatures[0].to_eip2537(), root_b, epoch, other.to_eip2537())
    _send(w3, stake_manager.functions.reportDoubleSign(*evidence), accounts[8])
    tombstoned = stake_manager.functions.validator(0).call()[-1]
    assert tombstoned is True
