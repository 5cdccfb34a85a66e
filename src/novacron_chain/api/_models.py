"""Request bodies of the HTTP API (pydantic models, so the OpenAPI schema says what to send).

They check only the shape (types, required fields, integer ranges the EVM can hold); the library checks the values
(names, addresses, amounts) and its errors become 400s with its messages, so the API and the CLI refuse the same
input with the same words.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["CredentialIn", "MarketBuyIn", "SiweVerifyIn", "StateRecordIn", "VMCreateIn", "VoteIn"]

UINT256_MAX = 2**256 - 1
# a VM's resources and timestamps are uint64 on chain
UINT64_MAX = 2**64 - 1


class StateRecordIn(BaseModel):
    """A VM state to record (seed: ``VMStateRecord``); anchored on chain by the next flush."""

    model_config = ConfigDict(extra="forbid")

    vm_id: str = Field(description="The VM's id, e.g. vm-12345.")
    state: str = Field(description="Stopped, Starting, Running, Migrating or Terminated.")
    region: str = Field(description="Region, e.g. us-east-1.")
    cpu_allocation: int = Field(description="Virtual CPUs allocated.", ge=-UINT64_MAX, le=UINT64_MAX)
    memory_allocation: int = Field(description="Memory allocated, in MB.", ge=-UINT64_MAX, le=UINT64_MAX)
    owner: str | None = Field(default=None, description="Owner address (default: the server's signing account).")
    timestamp: int | None = Field(
        default=None, description="Milliseconds since the Unix epoch (default: now).", ge=-UINT64_MAX, le=UINT64_MAX
    )


class VMCreateIn(BaseModel):
    """A VM to create (seed: ``VMLifecycleOperation`` with operation ``create``), owned by the server's account."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="The VM's name, unique per owner, e.g. vm-12345.")
    region: str = Field(description="Region, e.g. us-east-1.")
    cpu_allocation: int = Field(description="Virtual CPUs.", ge=-UINT64_MAX, le=UINT64_MAX)
    memory_allocation: int = Field(description="Memory in MB.", ge=-UINT64_MAX, le=UINT64_MAX)
    reserve: bool = Field(
        default=False, description="First stake the CPU/MEM tokens the VM needs (buying what is missing)."
    )


class MarketBuyIn(BaseModel):
    """A buy on the bonding curve (seed: ``PurchaseResources``), paid by the server's account."""

    model_config = ConfigDict(extra="forbid")

    resource: str = Field(description="CPU, MEM, STO or NET.")
    amount: int = Field(description="Base units of the token to buy (18 decimals).", ge=0, le=UINT256_MAX)
    max_cost: int | None = Field(
        default=None, description="Most wei to pay (default: the exact quote).", ge=0, le=UINT256_MAX
    )


class VoteIn(BaseModel):
    """A vote on a proposal (seed: ``CastVote``), cast by the server's account."""

    model_config = ConfigDict(extra="forbid")

    support: str = Field(description="for, against or abstain (or 1, 0, 2).")
    reason: str = Field(default="", description="Why, recorded on chain with the vote.", max_length=1000)


class CredentialIn(BaseModel):
    """A verifiable credential to check."""

    model_config = ConfigDict(extra="forbid")

    jwt: str = Field(description="The credential as a vc+jwt compact JWS.", max_length=100_000)


class SiweVerifyIn(BaseModel):
    """A signed EIP-4361 sign-in message."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(description="The EIP-4361 message, exactly as signed.", max_length=10_000)
    signature: str = Field(description="The EIP-191 personal_sign signature, 0x + 130 hex digits.", max_length=200)
