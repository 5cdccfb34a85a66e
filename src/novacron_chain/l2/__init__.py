"""Layer 2: an optimistic rollup for resource-token payments (provisional surface: the core library).

The state and its transition function (:class:`L2State`), the byte formats (ops, packed amounts, EIP-712 digests,
EIP-2098 signatures), the Merkle trees, batches with per-segment roots, re-execution from L1 data and fraud proofs
in the contract's witness encoding. The manager, sequencer and verifier build on these.

The node (``_manager``, ``_sequencer``, ``_server``, ``_verifier``, ``_l1``, ``_wal``, ``_pool``, ``_external``):
:class:`L2Manager` (``nc.l2``: the seed's ``submit_transaction`` and ``get_tps``, balances, receipts, deposits,
withdrawals and their proofs, on this rollup or on an existing L2 by RPC), :class:`Sequencer` with its HTTP API
:class:`SequencerServer` (``novacron-chain l2 run``: signatures recovered on every core, soft confirmation after the
write-ahead log, batches posted to L1), :class:`Verifier` (``novacron-chain l2 verify``: rebuilds the state from L1
alone and proves wrong roots wrong), :func:`deploy_steps` (L2Portal, L2Rollup) and :data:`ERROR_HINTS`.
"""

from ._batch import Batch, BatchBuilder, FraudProof, find_fraud, fraud_proof, rebuild_state, replay_batch
from ._codec import (
    address_of,
    decode_ops,
    decode_segment,
    encode_op,
    pack_amount,
    pack_fee,
    recover,
    recover_sender,
    sign_transfer,
    sign_withdrawal,
    unpack_amount,
    unpack_fee,
)
from ._deploy import deploy_steps
from ._errors import (
    InvalidTransactionError,
    L2Error,
    L2StateError,
    L2ValueError,
    MalformedOpError,
    UnknownAccountError,
    UnknownTokenError,
    UnpackableAmountError,
)
from ._hints import ERROR_HINTS
from ._l1 import L1Batch, RollupL1
from ._manager import L2Manager, L2Transaction, SoftConfirmation
from ._pool import RecoveryPool
from ._sequencer import Sequencer
from ._server import SequencerServer
from ._state import L2State
from ._tree import MerkleTree
from ._types import (
    Account,
    AccountProof,
    Eip712Domain,
    QueueItem,
    QueueOp,
    Receipt,
    StateHeader,
    Transfer,
    Withdrawal,
    WithdrawalProof,
    WithdrawalRecord,
)
from ._verifier import Verifier, VerifierEvent
from ._wal import WriteAheadLog

__all__ = [
    "ERROR_HINTS",
    "Account",
    "AccountProof",
    "Batch",
    "BatchBuilder",
    "Eip712Domain",
    "FraudProof",
    "InvalidTransactionError",
    "L1Batch",
    "L2Error",
    "L2Manager",
    "L2State",
    "L2StateError",
    "L2Transaction",
    "L2ValueError",
    "MalformedOpError",
    "MerkleTree",
    "QueueItem",
    "QueueOp",
    "Receipt",
    "RecoveryPool",
    "RollupL1",
    "Sequencer",
    "SequencerServer",
    "SoftConfirmation",
    "StateHeader",
    "Transfer",
    "UnknownAccountError",
    "UnknownTokenError",
    "UnpackableAmountError",
    "Verifier",
    "VerifierEvent",
    "Withdrawal",
    "WithdrawalProof",
    "WithdrawalRecord",
    "WriteAheadLog",
    "address_of",
    "decode_ops",
    "decode_segment",
    "deploy_steps",
    "encode_op",
    "find_fraud",
    "fraud_proof",
    "pack_amount",
    "pack_fee",
    "rebuild_state",
    "recover",
    "recover_sender",
    "replay_batch",
    "sign_transfer",
    "sign_withdrawal",
    "unpack_amount",
    "unpack_fee",
]
