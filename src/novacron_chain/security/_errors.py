"""Errors of contract security (audits, emergency pauses), all under :class:`SecurityError`.

::

    SecurityError (NovaChainError)
    ├── SecurityValueError (NovaValueError)   exit 2: bad input
    │   ├── UnknownContractError              exit 2: a name or address that is no contract of the deployment
    │   ├── NotPausableError                  exit 2: the contract has no pause()/paused() in its ABI
    │   └── NotUpgradeableError               exit 2: no proxy to upgrade, or a target that is no UUPS contract
    ├── NotGuardianError                      the sender holds no GUARDIAN_ROLE on the contract(s) to pause
    ├── UnjustifiedFindingsError              require_audit: a build has unjustified medium/high Slither findings
    ├── StorageLayoutError                    an upgrade whose storage layout would corrupt the proxy's state
    └── UpgradeError                          an upgrade that cannot be proposed: no governance, the timelock is
                                              not the admin, no earlier implementation to roll back to

:data:`ERROR_HINTS` holds the hints for the custom errors of ``contracts/security/`` (the ``Guarded`` base).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import NovaChainError, NovaValueError

__all__ = [
    "ERROR_HINTS",
    "NotGuardianError",
    "NotPausableError",
    "NotUpgradeableError",
    "SecurityError",
    "SecurityValueError",
    "StorageLayoutError",
    "UnjustifiedFindingsError",
    "UnknownContractError",
    "UpgradeError",
]

#: hints for the custom errors of contracts/security/ (merged into ``Chain.error_hints`` by ``NovaChain``)
ERROR_HINTS: dict[str, str] = {
    "GuardedZeroAdmin": "a guarded contract needs an admin: pass the deployer (or the timelock) as admin, never the "
    "zero address",
}


class SecurityError(NovaChainError):
    """Contract security: audits, guardians and emergency pauses."""


class SecurityValueError(SecurityError, NovaValueError):
    """Bad input to a security operation: a name, an address, a flag."""


class UnknownContractError(SecurityValueError):
    """``ref`` names no contract of the deployment (neither a record name, a factory-created instance, nor an
    address with code)."""

    def __init__(self, ref: str, *, known: Sequence[str] = (), reason: str | None = None) -> None:
        listed = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
        super().__init__(
            f"{ref!r} is not a contract of this deployment" + (f": {reason}" if reason else ""),
            hint=f"give a recorded name ({listed}) or a 0x address" if known else "run `novacron-chain deploy` first",
        )
        self.ref = ref

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "ref": self.ref}


class NotPausableError(SecurityValueError):
    """The contract cannot be paused: its ABI has no ``pause()`` and ``paused()``."""

    def __init__(self, name: str, address: str) -> None:
        super().__init__(
            f"{name} at {address} cannot be paused (no pause()/paused() in its ABI)",
            hint="`novacron-chain security status` lists the pausable contracts",
        )
        self.name = name
        self.address = address

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "name": self.name, "address": self.address}


class NotGuardianError(SecurityError):
    """The sender is not a guardian (``GUARDIAN_ROLE``) of the contracts it tried to pause.

    ``refused`` names those contracts; ``paused`` the ones paused anyway by the same call (``emergency_pause_all``
    pauses whatever it can: in an incident, a partial pause is better than none).
    """

    def __init__(self, sender: str, refused: Sequence[str], *, paused: Sequence[str] = ()) -> None:
        done = f"; paused the others ({', '.join(paused)})" if paused else ""
        super().__init__(
            f"{sender} is not a guardian of {', '.join(refused)}: only GUARDIAN_ROLE holders may pause{done}",
            hint="send from a guardian's key (`security status` lists them), or have the admin grant GUARDIAN_ROLE",
        )
        self.sender = sender
        self.refused = list(refused)
        self.paused = list(paused)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "sender": self.sender, "refused": self.refused, "paused": self.paused}


class UnjustifiedFindingsError(SecurityError):
    """``require_audit`` is set and contracts to deploy have unjustified medium or high Slither findings
    (``findings``: artifact -> one line per finding), or no findings recorded at all (``unrecorded``)."""

    def __init__(self, findings: Mapping[str, Sequence[str]], unrecorded: Sequence[str] = ()) -> None:
        lines = [f"{name}: {'; '.join(found)}" for name, found in sorted(findings.items())]
        if unrecorded:
            lines.append(f"no Slither findings recorded for {', '.join(sorted(unrecorded))}")
        super().__init__(
            "require_audit is set and the build does not pass its audit, nothing was deployed: " + " | ".join(lines),
            hint="fix each finding in the contract, or justify it at the code with `// slither-disable-next-line "
            "DETECTOR` and a comment above saying why; then `make slither-findings` records the result (or set "
            "blockchain.require_audit: false)",
        )
        self.findings = {name: list(found) for name, found in findings.items()}
        self.unrecorded = list(unrecorded)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "findings": self.findings, "unrecorded": self.unrecorded}


class NotUpgradeableError(SecurityValueError):
    """``name`` cannot be upgraded: it is not deployed behind a proxy, or the implementation proposed is not a UUPS
    contract (no ``proxiableUUID``/``upgradeToAndCall``: the proxy would refuse it, or lose its upgrade path)."""

    def __init__(self, name: str, reason: str, *, upgradeable: Sequence[str] = ()) -> None:
        listed = ", ".join(upgradeable) or "none in this deployment"
        super().__init__(
            f"{name} cannot be upgraded: {reason}",
            hint=f"upgradeable contracts (behind a UUPS proxy): {listed}; a new implementation must be a UUPS "
            "contract (GuardedUpgradeable)",
        )
        self.name = name
        self.reason = reason

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "name": self.name, "reason": self.reason}


class StorageLayoutError(SecurityError):
    """The new implementation's storage layout is incompatible with the one the proxy runs (``problems``), or it
    cannot be checked (code that matches no artifact we ship): nothing was deployed or proposed."""

    def __init__(self, name: str, old: str, new: str, problems: Sequence[str]) -> None:
        super().__init__(
            f"upgrading {name} from {old} to {new} would corrupt its storage: " + "; ".join(problems),
            hint="keep every variable where it is and only append new ones (or use ERC-7201 namespaced storage); "
            "then rebuild (`npm run build`) and propose again",
        )
        self.name = name
        self.old = old
        self.new = new
        self.problems = list(problems)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "name": self.name, "old": self.old, "new": self.new, "problems": self.problems}


class UpgradeError(SecurityError):
    """An upgrade or rollback that cannot be proposed as asked (the message says why, the hint what to do)."""
