"""What to do about each custom error of the rollup's contracts (L2Portal, L2Rollup): ``ERROR_HINTS``, merged into
the chain's hints so that a revert names its cause and its cure."""

from __future__ import annotations

__all__ = ["ERROR_HINTS"]

ERROR_HINTS: dict[str, str] = {
    "PortalUnknownToken": "that token is not registered in the L2 portal: use CPU, MEM, STO, NET or NOVA",
    "PortalUnknownTokenId": "no token has that id in the L2 portal (ids follow registration: CPU=0 ... NOVA=4)",
    "PortalCannotRegister": "the token is zero, already registered, or all 8 token slots are taken",
    "PortalZeroAmount": "deposit or withdraw a positive amount",
    "PortalZeroRecipient": "name a non-zero L2 recipient",
    "PortalShortfall": "the token took a fee on transfer: the portal only accepts tokens that move the full amount",
    "PortalRollup": "the portal's rollup is set once, by the deployment; only the rollup may call this",
    "PortalNotFinal": "the batch holding the withdrawal is not final yet: wait for the challenge period "
    "(`novacron-chain l2 status` shows it) or a proof-of-stake checkpoint, then finalize again",
    "PortalBadHeader": "the header does not hash to that batch's root: prove the withdrawal again "
    "(`novacron-chain l2 prove`)",
    "PortalBadProof": "the withdrawal is not in that root's withdrawal tree: prove it again against a final batch",
    "PortalAlreadyClaimed": "this withdrawal was already paid out on L1: each is released exactly once",
    "PortalNoQueueItem": "no queue item has that index yet",
    "RollupBadConfig": "the rollup needs a portal, a fee recipient and a challenge period above zero",
    "RollupBadSegments": "a batch needs one root per segment, strictly increasing segment ends and the last end at "
    "the ops length",
    "RollupBondTooLow": "deposit a bond first (depositBond, at least minBond); `l2 run` tops it up to "
    "l2_sequencer_bond",
    "RollupNotProposer": "only the sequencer (PROPOSER_ROLE) may propose while no queue item is overdue",
    "RollupBadQueueEnd": "queueEnd must be between the previous batch's and the portal queue length",
    "RollupQueueOverdue": "a queue item is older than the force-inclusion delay: the batch must include it",
    "RollupNoBatch": "no batch has that index (yet, or any more after a fraud proof)",
    "RollupBatchFinal": "a final batch can no longer be challenged",
    "RollupBadProof": "the fraud proof's segment data does not match the batch's commitment",
    "RollupBadPreState": "the fraud proof's pre-state header does not hash to the root before the segment",
    "RollupBadWitness": "the fraud proof's witness does not match the state: rebuild it from L1 data",
    "RollupNoFraud": "re-execution reproduced the posted root: the batch is honest",
    "RollupNoCheckpointVerifier": "this rollup has no checkpoint verifier: batches finalise by the challenge "
    "period only",
    "RollupNotCheckpointed": "the proof-of-stake checkpoint of that batch's root is not final yet",
    "RollupBondLocked": "the bond stays while a batch of this proposer is not final: withdraw it later",
    "RollupInsufficientBond": "withdraw at most the bond held",
    "RollupWrongHead": "the batch was built on another head than L1 holds (already posted, another proposer's "
    "batch landed first, or a fraud proof moved the head): rebuild the state from L1 (`l2 run` resyncs by itself) "
    "and propose again on the current head",
    "RollupOverflow": "the batch is too large (ops over 4 GiB or queueEnd above 2**32-1)",
    "RollupBadBlobs": "a blob batch of n segments carries exactly ceil(n / 62) blobs in its transaction: send it "
    "with RollupL1.propose (l2_data_availability: blobs)",
    "RollupBadOpening": "a KZG opening of the signature's blob slot failed the point-evaluation check: compute the "
    "openings from the batch's own blob (slot 32 x segment + op)",
}
"""Custom error name of L2Portal / L2Rollup -> what to do about it."""
