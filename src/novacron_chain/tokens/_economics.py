"""The seed's token economics ("Tokenized Resources", "Token Economics") as data."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from enum import IntEnum

from ..errors import NovaValueError

__all__ = ["RESOURCES", "Resource", "ResourceSpec", "base_price_wei"]

WHOLE = 10**18  # every resource token has 18 decimals


class Resource(IntEnum):
    """The four resource tokens, in the contracts' ``ResourceType`` order."""

    CPU = 0
    MEM = 1
    STO = 2
    NET = 3

    @classmethod
    def parse(cls, value: str | int | Resource) -> Resource:
        """``"cpu"``, ``"CPU"``, ``0`` or ``Resource.CPU`` -> ``Resource.CPU``; a clear error otherwise."""
        if isinstance(value, Resource):
            return value
        try:
            return cls[value.upper()] if isinstance(value, str) else cls(value)
        except (KeyError, ValueError) as exc:
            raise NovaValueError(f"unknown resource {value!r}", hint="use one of CPU, MEM, STO, NET") from exc


@dataclass(frozen=True)
class ResourceSpec:
    """One resource token as the seed describes it."""

    resource: Resource
    name: str
    unit: str
    cap_tokens: int
    base_price_usd: Decimal
    apr_bps: int
    #: reserve (whole tokens) at which the curve price has doubled: a tenth of the cap
    steepness_tokens: int

    @property
    def record_name(self) -> str:
        """The name the deployment is recorded under: ``CPUToken``, ..."""
        return f"{self.resource.name}Token"


RESOURCES: dict[Resource, ResourceSpec] = {
    spec.resource: spec
    for spec in (
        ResourceSpec(Resource.CPU, "NovaCron CPU Token", "vCPU hour", 1_000_000, Decimal("0.001"), 1000, 100_000),
        ResourceSpec(Resource.MEM, "NovaCron Memory Token", "GB hour", 2_000_000, Decimal("0.0005"), 800, 200_000),
        ResourceSpec(Resource.STO, "NovaCron Storage Token", "TB hour", 5_000_000, Decimal("0.0001"), 600, 500_000),
        ResourceSpec(
            Resource.NET, "NovaCron Network Token", "GB transferred", 10_000_000, Decimal("0.00001"), 500, 1_000_000
        ),
    )
}


def base_price_wei(spec: ResourceSpec, native_usd_price: Decimal) -> int:
    """The seed's USD base price of one whole token in wei of the native coin (rounded up: the market's favour)."""
    if native_usd_price <= 0:
        raise NovaValueError(
            "native_usd_price must be positive to price resources in the native coin",
            hint="set blockchain.native_usd_price to the USD price of one native coin",
        )
    return int((spec.base_price_usd / native_usd_price * WHOLE).to_integral_value(rounding=ROUND_CEILING))
