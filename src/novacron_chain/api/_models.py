"""Request bodies of the HTTP API (pydantic models, so the OpenAPI schema says what to send).

They check only the shape (types, required fields); the library checks the values (names, ranges, addresses) and
its errors become 400s with its messages, so the API and the CLI refuse the same input with the same words.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["StateRecordIn", "VMCreateIn"]


class StateRecordIn(BaseModel):
    """A VM state to record (seed: ``VMStateRecord``); anchored on chain by the next flush."""

    model_config = ConfigDict(extra="forbid")

    vm_id: str = Field(description="The VM's id, e.g. vm-12345.")
    state: str = Field(description="Stopped, Starting, Running, Migrating or Terminated.")
    region: str = Field(description="Region, e.g. us-east-1.")
    cpu_allocation: int = Field(description="Virtual CPUs allocated.")
    memory_allocation: int = Field(description="Memory allocated, in MB.")
    owner: str | None = Field(default=None, description="Owner address (default: the server's signing account).")
    timestamp: int | None = Field(default=None, description="Milliseconds since the Unix epoch (default: now).")


class VMCreateIn(BaseModel):
    """A VM to create (seed: ``VMLifecycleOperation`` with operation ``create``), owned by the server's account."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="The VM's name, unique per owner, e.g. vm-12345.")
    region: str = Field(description="Region, e.g. us-east-1.")
    cpu_allocation: int = Field(description="Virtual CPUs.")
    memory_allocation: int = Field(description="Memory in MB.")
    reserve: bool = Field(
        default=False, description="First stake the CPU/MEM tokens the VM needs (buying what is missing)."
    )
