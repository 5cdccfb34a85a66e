"""Upgrades through governance (seed §9: "upgrade mechanisms (proxy patterns)" and the troubleshooting's
"rollback via governance: CreateProposal("Emergency Rollback", rollbackActions)").

An upgradeable contract is deployed behind a ``UUPSProxy`` (``DeployStep(proxy=True)``); its implementation
(``GuardedUpgradeable``) lets only ``DEFAULT_ADMIN_ROLE`` upgrade, and in production that role is the timelock's
alone. So an upgrade is never a transaction someone sends: it is a proposal whose one action is the proxy's
``upgradeToAndCall(newImplementation, "")``, voted, queued for the timelock's delay, then executed.

* :meth:`UpgradesMixin.propose_upgrade` proposes a new implementation (an artifact, deployed first, or an address
  already deployed), after checking that it is a UUPS contract and that its storage layout keeps the proxy's state
  (:mod:`._layout`); an incompatible layout is refused before anything is sent;
* :meth:`UpgradesMixin.propose_rollback` proposes the implementation the proxy ran before the current one (its
  ``Upgraded`` events are the history), titled "Emergency Rollback" as in the seed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..artifacts import load_artifact
from ..chain import (
    PROXY_ARTIFACT,
    ContractRecord,
    checksum,
    code_matches,
    implementation_history,
    implementation_of,
    sync_proxy_record,
)
from ..errors import ContractError
from ._discover import DEFAULT_ADMIN_ROLE, find_artifact, functions
from ._errors import NotUpgradeableError, StorageLayoutError, UnknownContractError, UpgradeError
from ._layout import LayoutCheck, check_layout, storage_layout
from ._types import Reason, UpgradeProposal

if TYPE_CHECKING:
    from ..chain import Chain, DeploymentsFile, Signer
    from ..governance import GovernanceManager

__all__ = ["UPGRADE_SIGNATURE", "UpgradesMixin", "through_proxy"]

#: the one action of an upgrade proposal, on the proxy (OpenZeppelin UUPS)
UPGRADE_SIGNATURE = "upgradeToAndCall(address,bytes)"
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_UUPS = ("proxiableUUID()", UPGRADE_SIGNATURE)


def through_proxy(chain: Chain, address: str, code: bytes, reasons: list[Reason]) -> str | None:
    """When ``code`` is our ERC-1967 proxy's: the implementation it runs (from the ERC-1967 slot), with an ``info``
    reason saying so; None for any other code."""
    if not code_matches(load_artifact(PROXY_ARTIFACT), code):
        return None
    implementation = implementation_of(chain, address)
    if implementation is None:
        reasons.append(Reason("fail", "proxy-empty", "an ERC-1967 proxy with no implementation in its slot"))
        return None
    reasons.append(
        Reason(
            "info",
            "proxy",
            f"an ERC-1967 (UUPS) proxy running the implementation at {implementation}; only DEFAULT_ADMIN_ROLE "
            "upgrades it (the timelock in production: every upgrade is a proposal)",
        )
    )
    return implementation


class UpgradesMixin:
    """:class:`~novacron_chain.security.ContractSecurity`'s upgrade and rollback proposals (see the module)."""

    chain: Chain
    deployments: DeploymentsFile
    governance_manager: GovernanceManager | None = None
    """The governance the proposals go to; None: built from the deployment's NovaGovernor records on first use."""

    def upgradeable_contracts(self) -> list[ContractRecord]:
        """The records deployed behind a proxy, each brought up to date with the implementation it runs."""
        return [
            sync_proxy_record(self.chain, self.deployments, r)
            for r in self.deployments.all(self.chain.chain_id)
            if r.proxy
        ]

    def propose_upgrade(
        self,
        contract_name: str,
        new_implementation: str,
        *,
        description: str = "",
        sender: Signer | None = None,
    ) -> UpgradeProposal:
        """Propose to governance that the proxy of ``contract_name`` runs ``new_implementation``: an artifact name
        (deployed first, by the sender: an implementation's initializers are locked, so deploying one is harmless) or
        the 0x address of an implementation already deployed (its code must be an artifact we ship, so that its
        layout can be checked).

        Checked before anything is sent: the contract is behind a proxy (:class:`NotUpgradeableError`), the target
        is a UUPS contract and not what the proxy runs already, the storage layout is compatible
        (:class:`StorageLayoutError`), the timelock is the proxy's admin and governance is deployed
        (:class:`UpgradeError`). The sender needs the proposal threshold in votes.
        """
        record = self._upgradeable(contract_name)
        current = self._current(record)
        target = new_implementation.strip()
        if _ADDRESS.match(target):
            address = checksum(target)
            code = self.chain.code(address)
            artifact = find_artifact(code, [record.artifact]) if code else None
            if artifact is None:
                why = "it has no code" if not code else "its code matches no artifact we ship"
                raise StorageLayoutError(record.name, record.artifact, address, [f"cannot check {address}: {why}"])
            to_address: str | None = address
        else:
            try:
                artifact = load_artifact(target).name
            except ContractError as exc:
                raise NotUpgradeableError(record.name, exc.message) from exc
            to_address = None
        self._require_uups(record, artifact)
        layout = self._check(record, artifact)
        if to_address == current or (to_address is None and self._runs(current, artifact)):
            raise UpgradeError(
                f"{record.name} already runs {artifact} (implementation {current})",
                hint="build the new version first (`npm run build`), or give another implementation",
            )
        gm = self._governance(record)
        deploy_gas = 0
        if to_address is None:
            contract, receipt = self.chain.deploy(artifact, sender=sender)
            to_address, deploy_gas = str(contract.address), receipt.gas_used
        title = f"Upgrade {record.name} to {artifact}"
        return self._propose(gm, record, current, to_address, artifact, title, description, layout, deploy_gas, sender)

    def propose_rollback(
        self, contract_name: str, *, description: str = "", sender: Signer | None = None
    ) -> UpgradeProposal:
        """Propose to governance that the proxy of ``contract_name`` goes back to the implementation it ran before
        the current one (the seed's ``CreateProposal("Emergency Rollback", rollbackActions)``).

        The history is the proxy's ``Upgraded`` events; variables the current version appended are left in storage
        unread (a note in the layout check), anything else incompatible is refused. Raises :class:`UpgradeError`
        when the proxy never ran another implementation.
        """
        record = self._upgradeable(contract_name)
        current = self._current(record)
        history = implementation_history(self.chain, record.address, record.block) or list(record.implementations)
        last = max((i for i, a in enumerate(history) if a == current), default=len(history))
        previous = next((a for a in reversed(history[:last]) if a != current), None)
        if previous is None:
            raise UpgradeError(
                f"{record.name} has run only {current}: there is no earlier implementation to roll back to",
                hint="`security upgrade NAME --artifact ARTIFACT` proposes a new one",
            )
        code = self.chain.code(previous)
        artifact = find_artifact(code) if code else None
        if artifact is None:
            raise StorageLayoutError(
                record.name, record.artifact, previous, [f"cannot check {previous}: its code matches no artifact"]
            )
        layout = self._check(record, artifact, rollback=True)
        gm = self._governance(record)
        title = f"Emergency Rollback: {record.name} to {artifact}"
        return self._propose(gm, record, current, previous, artifact, title, description, layout, 0, sender)

    # -- internals ------------------------------------------------------------------------------------------------

    def _upgradeable(self, name: str) -> ContractRecord:
        records = self.deployments.all(self.chain.chain_id)
        record = next((r for r in records if r.name.lower() == name.strip().lower()), None)
        if record is None:
            raise UnknownContractError(name, known=[r.name for r in records])
        if not record.proxy:
            upgradeable = [r.name for r in records if r.proxy]
            raise NotUpgradeableError(
                record.name, "it is deployed directly, not behind a proxy (immutable)", upgradeable=upgradeable
            )
        return sync_proxy_record(self.chain, self.deployments, record)

    def _current(self, record: ContractRecord) -> str:
        current = implementation_of(self.chain, record.address)
        if current is None:
            raise UpgradeError(
                f"{record.name} at {record.address} has no implementation in its ERC-1967 slot",
                hint="the record does not match the chain: run `novacron-chain deploy`",
            )
        return current

    def _runs(self, implementation: str, artifact: str) -> bool:
        return code_matches(load_artifact(artifact), self.chain.code(implementation))

    @staticmethod
    def _require_uups(record: ContractRecord, artifact: str) -> None:
        fns = functions(artifact)
        missing = [f for f in _UUPS if f not in fns]
        if missing or storage_layout(artifact) is None:
            raise NotUpgradeableError(
                record.name,
                f"{artifact} is not a UUPS implementation (no {', '.join(missing) or 'storage layout'}): the proxy "
                "would refuse it or lose its way to upgrade again",
            )

    @staticmethod
    def _check(record: ContractRecord, artifact: str, *, rollback: bool = False) -> LayoutCheck:
        old, new = storage_layout(record.artifact), storage_layout(artifact)
        if old is None or new is None:
            missing = record.artifact if old is None else artifact
            raise StorageLayoutError(record.name, record.artifact, artifact, [f"no storage layout ships for {missing}"])
        result = check_layout(record.artifact, artifact, old, new, allow_removed_tail=rollback)
        if not result.compatible:
            raise StorageLayoutError(record.name, record.artifact, artifact, result.problems)
        return result

    def _governance(self, record: ContractRecord) -> GovernanceManager:
        gm = self.governance_manager
        if gm is None:
            from ..governance import GovernanceManager

            found = {n: self.deployments.get(self.chain.chain_id, n) for n in ("NovaGovernor", "NovaToken")}
            timelock = self.deployments.get(self.chain.chain_id, "NovaTimelock")
            governor = found["NovaGovernor"]
            token = found["NovaToken"]
            if governor is None or token is None or timelock is None:
                raise UpgradeError(
                    "upgrades go through governance, and it is not deployed on this chain",
                    hint="set blockchain.governance_enabled (and enable_did), then `novacron-chain deploy`",
                )
            gm = GovernanceManager(
                self.chain,
                self.chain.contract(governor.artifact, governor.address),
                self.chain.contract(token.artifact, token.address),
                self.chain.contract(timelock.artifact, timelock.address),
                from_block=governor.block,
            )
            self.governance_manager = gm
        proxy = self.chain.contract(record.artifact, record.address)
        if not self.chain.call(proxy.functions.hasRole(DEFAULT_ADMIN_ROLE, gm.timelock.address)):
            raise UpgradeError(
                f"the timelock {gm.timelock.address} is not an admin of {record.name}: a passed proposal could not "
                "upgrade it",
                hint="the governance deploy step grants it; an admin can grant DEFAULT_ADMIN_ROLE to the timelock",
            )
        return gm

    def _propose(
        self,
        gm: GovernanceManager,
        record: ContractRecord,
        current: str,
        to: str,
        artifact: str,
        title: str,
        description: str,
        layout: LayoutCheck,
        deploy_gas: int,
        sender: Signer | None,
    ) -> UpgradeProposal:
        from ..governance import ProposalAction

        from_artifact = find_artifact(self.chain.code(current), [record.artifact]) or record.artifact
        text = "\n".join(
            [
                description.strip() or f"Move the {record.name} proxy ({record.address}) to another implementation.",
                "",
                f"- proxy: {record.address}",
                f"- from: {current} ({from_artifact})",
                f"- to: {to} ({artifact})",
                "- storage layout: compatible" + "".join(f"; {n}" for n in layout.notes),
            ]
        )
        action = ProposalAction.call(
            record.address, UPGRADE_SIGNATURE, [to, b""], description=f"upgrade {record.name} to {artifact} at {to}"
        )
        proposal = gm.create_proposal(title, text, [action], sender=sender)
        return UpgradeProposal(
            name=record.name,
            proxy=record.address,
            from_implementation=current,
            from_artifact=from_artifact,
            to_implementation=to,
            to_artifact=artifact,
            proposal_id=proposal.id,
            title=title,
            rollback=title.startswith("Emergency Rollback"),
            layout=layout,
            deploy_gas=deploy_gas,
        )
