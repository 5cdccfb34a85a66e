"""What every group of endpoints shares: the NovaChain, the one lock every library call takes, the job runner."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .. import NovaChain
    from ._jobs import JobRunner
    from ._models import StateRecordIn

__all__ = ["ApiContext"]

T = TypeVar("T")


@dataclass
class ApiContext:
    """The server's NovaChain and how to use it. Library calls run one at a time under :attr:`lock`: a NovaChain
    (its signer's nonces, the embedded EVM, the state journal) is not meant to be driven from several threads at
    once, and FastAPI runs sync endpoints in a thread pool."""

    nova: NovaChain
    jobs: JobRunner
    lock: threading.RLock = field(default_factory=threading.RLock)

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` under the lock."""
        with self.lock:
            return fn()

    @staticmethod
    def json(data: Any) -> Any:
        """The CLI's ``--json`` rendering (``default=str``): both shells give the same fields the same way."""
        return json.loads(json.dumps(data, default=str))

    def record_state(self, body: StateRecordIn) -> dict[str, Any]:
        """Record ``body`` (the owner defaults to the server's account); the receipt's ``to_dict()``."""
        from ..state import VMState, VMStateRecord

        nova = self.nova
        fields: dict[str, Any] = {
            "vm_id": body.vm_id,
            "state": VMState.parse(body.state),
            "region": body.region,
            "cpu_allocation": body.cpu_allocation,
            "memory_allocation": body.memory_allocation,
            "owner": body.owner if body.owner is not None else nova.chain.signer.address,
        }
        if body.timestamp is not None:
            fields["timestamp"] = body.timestamp
        return nova.state.record_vm_state(VMStateRecord(**fields)).to_dict()

    def flush(self) -> dict[str, Any]:
        """Anchor every pending state record now; how many and the batches."""
        results = self.nova.state.flush()
        return {"records": sum(r.leaf_count for r in results), "batches": [r.to_dict() for r in results]}
