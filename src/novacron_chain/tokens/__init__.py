"""Resource tokens: CPU, MEM, STO and NET ERC-20s, their bonding-curve market, pools, staking and order book.

One token is one unit of the resource (a vCPU hour, a GB hour of memory, a TB hour of storage, a GB transferred);
see :data:`RESOURCES` for the seed's caps, base prices and staking APRs.
"""

from ._deploy import MINTER_ROLE, NATIVE, deploy_steps
from ._economics import RESOURCES, Resource, ResourceSpec, base_price_wei

__all__ = ["MINTER_ROLE", "NATIVE", "RESOURCES", "Resource", "ResourceSpec", "base_price_wei", "deploy_steps"]
