// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {GuardedUpgradeable} from "../security/GuardedUpgradeable.sol";
import {IResourceStaking} from "../tokens/IResourceStaking.sol";
import {ResourceType} from "../tokens/ResourceType.sol";
import {IVMLifecycle} from "./IVMLifecycle.sol";

/// @title VMLifecycle
/// @notice VMs with legal state transitions, capacity paid by staking reservations, and governed cross-region
///         migration (approver threshold, time-lock, veto, snapshot check). See IVMLifecycle.
/// @dev Payment design: a reservation with a lien, not an escrow. ResourceStaking already holds the owner's CPU and
///      MEM tokens and reports the principal as `reservedCapacity`; this contract counts each owner's allocation and
///      refuses a create the reservation does not cover (two static calls instead of two token transfers into
///      escrow, which alone would take createVM past its 150k gas goal). A check alone is not a promise: the owner
///      could unstake and keep the VM running. So starting a VM places a lien (ResourceStaking.placeLien) on the
///      owner's stake for exactly the VM's share, and stopping it releases that share: the stake behind every VM
///      that is Starting, Running, or Migrating from Running cannot be withdrawn. Stopped VMs hold no lien (their
///      capacity is not in use), so an owner may unstake what their stopped VMs would need and start them again
///      only after staking again. MEM shares are exact (1e18 is a multiple of 1024), so the per-VM liens add up to
///      the share of the sum. Needs LIEN_ROLE on ResourceStaking.
///
///      Names: the id is keccak256(abi.encode(owner, keccak256(name))): one namespace per owner, so a name seen in
///      the mempool cannot be taken by someone else first.
///
///      Storage: a VM is two slots (owner | state | cpu | memory | createdAt, and the region); a migration request is
///      three slots, kept after it ends so its nonce keeps counting; an owner's allocation is one slot.
///
///      Upgradeable (UUPS behind a `UUPSProxy`, like SLAContract): VM ids, their states, the liens they hold on
///      owners' stake and open migrations are state users depend on for as long as their VMs run, so a bug must be
///      fixable in place, without re-creating VMs under new ids. Only the admin upgrades (the timelock in
///      production: every upgrade and rollback is a governance proposal with its delay). Storage: OpenZeppelin's
///      bases keep theirs in ERC-7201 namespaces; this contract's own variables start at slot 0 (the staking
///      contract, formerly an immutable, is the first) and a later version may only append (the storage layout is
///      checked before an upgrade is proposed and in CI).
contract VMLifecycle is IVMLifecycle, EIP712Upgradeable, GuardedUpgradeable {
    /// @notice Role allowed to confirm a VM booted, stop VMs and complete migrations (the platform's control plane).
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    /// @notice Largest vCPU count of one VM.
    uint256 public constant MAX_CPU = 1024;

    /// @notice Largest memory of one VM, in MB (16 TiB).
    uint256 public constant MAX_MEMORY_MB = 16 * 1024 * 1024;

    /// @notice Longest migration time-lock (30 days).
    uint256 public constant MAX_MIGRATION_DELAY = 30 days;

    /// @notice Largest approver set (approvals are a 32-bit set per request).
    uint256 public constant MAX_APPROVERS = 32;

    /// @notice Staked CPU base units per vCPU (one whole token).
    uint256 public constant CPU_UNIT = 1e18;

    /// @notice Staked MEM base units per GiB of memory (one whole token); memory is rounded up to whole MB shares.
    uint256 public constant MEM_UNIT_PER_GIB = 1e18;

    /// @notice EIP-712 type of an approval signature.
    bytes32 public constant APPROVAL_TYPEHASH =
        keccak256("MigrationApproval(uint256 vmId,uint256 nonce,bytes32 targetRegion,bytes32 snapshotHash)");

    struct VM {
        address owner;
        VMState state;
        uint16 cpu;
        uint32 memoryMb;
        uint40 createdAt;
        bytes32 region;
    }

    struct Migration {
        bytes32 targetRegion;
        bytes32 snapshotHash;
        uint40 requestedAt;
        uint40 unlockAt;
        uint32 nonce;
        uint32 epoch;
        uint32 approvedBits;
        uint8 approvals;
        VMState resumeState;
        bool open;
    }

    struct Allocation {
        uint128 cpu;
        uint128 memoryMb;
    }

    // Storage, not an immutable: an implementation's immutables would be fixed in its code, not the proxy's state.
    IResourceStaking private _staking;

    // One slot: threshold | epoch | delay.
    uint8 private _threshold;
    uint32 private _epoch;
    uint40 private _delay;
    address[] private _approvers;
    mapping(address approver => uint256 indexPlusOne) private _approverIndex;

    mapping(uint256 vmId => VM) private _vms;
    mapping(uint256 vmId => Migration) private _migrations;
    mapping(address owner => Allocation) private _allocations;

    /// @dev The implementation is never used directly: its initializers are locked.
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initializes the proxy's state; run once, by the proxy's constructor (`UUPSProxy(impl, data)`).
    /// @param admin Holder of DEFAULT_ADMIN_ROLE: sets approvers and the delay, grants roles, unpauses, upgrades
    ///        (the timelock in production).
    /// @param guardian Holder of GUARDIAN_ROLE: may pause and veto migrations (zero: none yet).
    /// @param operator Holder of OPERATOR_ROLE (zero: none yet).
    /// @param staking_ The ResourceStaking contract whose reservations pay for VMs.
    /// @param approvers_ The migration approver set (config `migration_approvers`).
    /// @param threshold_ Approvals needed (config `multisig_threshold`, 3 of 5 by default).
    /// @param delay_ The migration time-lock in seconds (config `migration_timelock`).
    function initialize(
        address admin,
        address guardian,
        address operator,
        address staking_,
        address[] calldata approvers_,
        uint256 threshold_,
        uint256 delay_
    ) external initializer {
        if (staking_ == address(0)) revert VMZeroStaking();
        __EIP712_init("NovaCronVMLifecycle", "1");
        __Guarded_init(admin, guardian);
        _staking = IResourceStaking(staking_);
        if (operator != address(0)) _grantRole(OPERATOR_ROLE, operator);
        _setApprovers(approvers_, threshold_);
        _setDelay(delay_);
    }

    // -- lifecycle ------------------------------------------------------------------------------------------------

    /// @inheritdoc IVMLifecycle
    function createVM(string calldata name, string calldata region, uint256 cpu, uint256 memoryMb)
        external
        whenNotPaused
        returns (uint256 vmId)
    {
        bytes32 nameHash;
        {
            uint256 nameLength = bytes(name).length;
            if (nameLength == 0 || nameLength > 64) revert VMInvalidName();
            nameHash = keccak256(bytes(name));
        }
        bytes32 regionId = _region(region);
        if (cpu == 0 || cpu > MAX_CPU || memoryMb == 0 || memoryMb > MAX_MEMORY_MB) {
            revert VMInvalidResources(cpu, memoryMb, MAX_CPU, MAX_MEMORY_MB);
        }
        vmId = _vmId(msg.sender, nameHash);
        if (_vms[vmId].owner != address(0)) revert VMAlreadyExists(vmId);

        Allocation memory a = _allocations[msg.sender];
        // Both sums stay far below 2**128: each VM adds at most 2**24, and an owner cannot create 2**100 VMs.
        uint256 cpuTotal = uint256(a.cpu) + cpu;
        uint256 memTotal = uint256(a.memoryMb) + memoryMb;
        _checkReservation(msg.sender, cpuTotal, memTotal);

        // cpu <= 1024 and memoryMb <= 2**24 were checked; timestamps fit 40 bits until year 36812.
        // forge-lint: disable-start(unsafe-typecast)
        _vms[vmId] = VM({
            owner: msg.sender,
            state: VMState.Stopped,
            cpu: uint16(cpu),
            memoryMb: uint32(memoryMb),
            createdAt: uint40(block.timestamp),
            region: regionId
        });
        _allocations[msg.sender] = Allocation({cpu: uint128(cpuTotal), memoryMb: uint128(memTotal)});
        // forge-lint: disable-end(unsafe-typecast)
        emit VMCreated(vmId, msg.sender, nameHash, name, region, cpu, memoryMb);
    }

    /// @inheritdoc IVMLifecycle
    function startVM(uint256 vmId) external whenNotPaused {
        VM storage vm = _existing(vmId);
        if (vm.owner != msg.sender) revert VMUnauthorized(vmId, msg.sender);
        _require(vmId, vm.state, VMState.Stopped, VMState.Starting);
        _transition(vmId, vm, VMState.Starting);
        (uint256 cpuNeed, uint256 memNeed) = requiredReservation(vm.cpu, vm.memoryMb);
        _placeLien(msg.sender, ResourceType.CPU, cpuNeed);
        _placeLien(msg.sender, ResourceType.MEM, memNeed);
    }

    /// @inheritdoc IVMLifecycle
    function confirmRunning(uint256 vmId) external whenNotPaused onlyRole(OPERATOR_ROLE) {
        VM storage vm = _existing(vmId);
        _require(vmId, vm.state, VMState.Starting, VMState.Running);
        _transition(vmId, vm, VMState.Running);
    }

    /// @inheritdoc IVMLifecycle
    /// @dev Allowed while paused: stopping only reduces what runs. Strangers may no longer stop a VM "whose
    ///      reservation lapsed": the lien means a started VM's reservation cannot lapse.
    function stopVM(uint256 vmId) external {
        VM storage vm = _existing(vmId);
        address owner = vm.owner;
        if (owner != msg.sender && !hasRole(OPERATOR_ROLE, msg.sender)) revert VMUnauthorized(vmId, msg.sender);
        VMState s = vm.state;
        if (s != VMState.Running && s != VMState.Starting) revert VMIllegalTransition(vmId, s, VMState.Stopped);
        _transition(vmId, vm, VMState.Stopped);
        // Placed at the start that led here (Starting and Running, also through a migration, always hold it).
        (uint256 cpuNeed, uint256 memNeed) = requiredReservation(vm.cpu, vm.memoryMb);
        _staking.releaseLien(owner, ResourceType.CPU, cpuNeed);
        _staking.releaseLien(owner, ResourceType.MEM, memNeed);
    }

    /// @inheritdoc IVMLifecycle
    function terminateVM(uint256 vmId) external whenNotPaused {
        VM storage vm = _existing(vmId);
        if (vm.owner != msg.sender) revert VMUnauthorized(vmId, msg.sender);
        _require(vmId, vm.state, VMState.Stopped, VMState.Terminated);
        Allocation storage a = _allocations[msg.sender];
        unchecked {
            // The VM's cpu and memory were added to its owner's allocation when it was created, and are removed
            // only here, once (Terminated is final).
            a.cpu -= vm.cpu;
            a.memoryMb -= vm.memoryMb;
        }
        _transition(vmId, vm, VMState.Terminated);
    }

    // -- migration ------------------------------------------------------------------------------------------------

    /// @inheritdoc IVMLifecycle
    function migrateVM(uint256 vmId, string calldata targetRegion, string calldata snapshotCid)
        external
        whenNotPaused
    {
        VM storage vm = _existing(vmId);
        if (vm.owner != msg.sender) revert VMUnauthorized(vmId, msg.sender);
        VMState s = vm.state;
        if (s != VMState.Running && s != VMState.Stopped) revert VMIllegalTransition(vmId, s, VMState.Migrating);
        bytes32 target = _region(targetRegion);
        if (target == vm.region) revert VMMigrationSameRegion(vmId, target);
        uint256 cidLength = bytes(snapshotCid).length;
        if (cidLength == 0 || cidLength > 128) revert VMMigrationInvalidSnapshot();

        Migration storage m = _migrations[vmId];
        uint32 nonce;
        unchecked {
            // 2**32 migrations of one VM cannot happen.
            nonce = m.nonce + 1;
        }
        _migrations[vmId] = Migration({
            targetRegion: target,
            snapshotHash: keccak256(bytes(snapshotCid)),
            // forge-lint: disable-next-line(unsafe-typecast)
            requestedAt: uint40(block.timestamp),
            unlockAt: 0,
            nonce: nonce,
            epoch: _epoch,
            approvedBits: 0,
            approvals: 0,
            resumeState: s,
            open: true
        });
        _transition(vmId, vm, VMState.Migrating);
        emit MigrationRequested(vmId, nonce, vm.region, targetRegion, snapshotCid, _threshold);
    }

    /// @inheritdoc IVMLifecycle
    function approveMigration(uint256 vmId) external whenNotPaused {
        Migration storage m = _openMigration(vmId);
        if (!_approve(vmId, m, msg.sender)) revert VMMigrationAlreadyApproved(vmId, msg.sender);
    }

    /// @inheritdoc IVMLifecycle
    function approveMigrationWithSignatures(uint256 vmId, bytes[] calldata signatures) external whenNotPaused {
        Migration storage m = _openMigration(vmId);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(APPROVAL_TYPEHASH, vmId, uint256(m.nonce), m.targetRegion, m.snapshotHash))
        );
        for (uint256 i = 0; i < signatures.length; ++i) {
            // The third value only details `err`, which is checked: any error refuses the signature.
            // slither-disable-next-line unused-return
            (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, signatures[i]);
            if (err != ECDSA.RecoverError.NoError || _approverIndex[signer] == 0) {
                revert VMMigrationInvalidSignature(i);
            }
            // An approver who approved already (on chain or in an earlier batch) is skipped, not an error: relayers
            // may race each other with overlapping batches.
            _approve(vmId, m, signer);
        }
    }

    /// @inheritdoc IVMLifecycle
    function executeMigration(uint256 vmId, string calldata snapshotCid) external whenNotPaused {
        VM storage vm = _existing(vmId);
        if (vm.owner != msg.sender && !hasRole(OPERATOR_ROLE, msg.sender)) revert VMUnauthorized(vmId, msg.sender);
        Migration storage m = _openMigration(vmId);
        uint256 threshold = _threshold;
        uint256 approvals = m.epoch == _epoch ? m.approvals : 0;
        if (approvals < threshold) revert VMMigrationNotEnoughApprovals(vmId, approvals, threshold);
        // approvals >= threshold in the current epoch means the threshold was reached in it, which set unlockAt.
        uint256 unlockAt = m.unlockAt;
        // Lock ends are wall-clock time by design; a validator's few seconds of skew do not matter.
        // slither-disable-next-line timestamp
        if (block.timestamp < unlockAt) revert VMMigrationLocked(vmId, unlockAt);
        bytes32 presented = keccak256(bytes(snapshotCid));
        if (presented != m.snapshotHash) revert VMMigrationSnapshotMismatch(vmId, m.snapshotHash, presented);

        m.open = false;
        bytes32 target = m.targetRegion;
        vm.region = target;
        _transition(vmId, vm, m.resumeState);
        emit MigrationExecuted(vmId, m.nonce, msg.sender, target);
    }

    /// @inheritdoc IVMLifecycle
    function vetoMigration(uint256 vmId) external {
        VM storage vm = _existing(vmId);
        if (vm.owner != msg.sender && !hasRole(GUARDIAN_ROLE, msg.sender)) revert VMUnauthorized(vmId, msg.sender);
        Migration storage m = _openMigration(vmId);
        m.open = false;
        _transition(vmId, vm, m.resumeState);
        emit MigrationVetoed(vmId, m.nonce, msg.sender);
    }

    // -- administration -------------------------------------------------------------------------------------------

    /// @inheritdoc IVMLifecycle
    function setApprovers(address[] calldata approvers, uint256 threshold) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setApprovers(approvers, threshold);
    }

    /// @inheritdoc IVMLifecycle
    function setMigrationDelay(uint256 delay) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setDelay(delay);
    }

    // -- views ----------------------------------------------------------------------------------------------------

    /// @inheritdoc IVMLifecycle
    function getVM(uint256 vmId) external view returns (VMInfo memory) {
        VM storage vm = _existing(vmId);
        return VMInfo(vm.owner, vm.state, vm.cpu, vm.memoryMb, vm.createdAt, vm.region);
    }

    /// @inheritdoc IVMLifecycle
    function getMigration(uint256 vmId) external view returns (MigrationInfo memory) {
        Migration storage m = _migrations[vmId];
        bool current = m.epoch == _epoch;
        return MigrationInfo({
            nonce: m.nonce,
            targetRegion: m.targetRegion,
            snapshotHash: m.snapshotHash,
            requestedAt: m.requestedAt,
            unlockAt: current ? m.unlockAt : 0,
            approvals: current ? m.approvals : 0,
            epoch: m.epoch,
            resumeState: m.resumeState,
            open: m.open
        });
    }

    /// @inheritdoc IVMLifecycle
    function hasApproved(uint256 vmId, address approver) external view returns (bool) {
        Migration storage m = _migrations[vmId];
        uint256 index = _approverIndex[approver];
        return m.open && m.epoch == _epoch && index != 0 && (m.approvedBits >> (index - 1)) & 1 == 1;
    }

    /// @inheritdoc IVMLifecycle
    function approverSet() external view returns (address[] memory approvers, uint256 threshold, uint256 epoch) {
        return (_approvers, _threshold, _epoch);
    }

    /// @inheritdoc IVMLifecycle
    function migrationDelay() external view returns (uint256) {
        return _delay;
    }

    /// @inheritdoc IVMLifecycle
    function allocation(address owner) external view returns (uint256 cpu, uint256 memoryMb) {
        Allocation memory a = _allocations[owner];
        return (a.cpu, a.memoryMb);
    }

    /// @inheritdoc IVMLifecycle
    function requiredReservation(uint256 cpu, uint256 memoryMb)
        public
        pure
        returns (uint256 cpuTokens, uint256 memTokens)
    {
        cpuTokens = cpu * CPU_UNIT;
        // Rounded up: a partial GiB needs a whole share of it staked (the protocol's favour).
        memTokens = (memoryMb * MEM_UNIT_PER_GIB + 1023) / 1024;
    }

    /// @inheritdoc IVMLifecycle
    function approvalDigest(uint256 vmId, uint256 nonce, bytes32 targetRegion, bytes32 snapshotHash)
        external
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(APPROVAL_TYPEHASH, vmId, nonce, targetRegion, snapshotHash)));
    }

    /// @inheritdoc IVMLifecycle
    function vmIdOf(address owner, string calldata name) external pure returns (uint256) {
        return _vmId(owner, keccak256(bytes(name)));
    }

    /// @inheritdoc IVMLifecycle
    function staking() external view returns (address) {
        return address(_staking);
    }

    // -- internals ------------------------------------------------------------------------------------------------

    function _existing(uint256 vmId) private view returns (VM storage vm) {
        vm = _vms[vmId];
        if (vm.owner == address(0)) revert VMUnknown(vmId);
    }

    function _openMigration(uint256 vmId) private view returns (Migration storage m) {
        m = _migrations[vmId];
        if (!m.open) revert VMMigrationNotOpen(vmId);
    }

    /// @dev Reverts unless the VM is in `expected` (the only state `to` may be reached from by this function).
    function _require(uint256 vmId, VMState actual, VMState expected, VMState to) private pure {
        if (actual != expected) revert VMIllegalTransition(vmId, actual, to);
    }

    function _transition(uint256 vmId, VM storage vm, VMState to) private {
        VMState from = vm.state;
        vm.state = to;
        emit VMStateChanged(vmId, from, to);
    }

    /// @dev Counts `approver`'s approval of `m`; false if it was counted already. Starts the lock at the threshold.
    function _approve(uint256 vmId, Migration storage m, address approver) private returns (bool) {
        uint256 index = _approverIndex[approver];
        if (index == 0) revert VMMigrationNotApprover(approver);
        uint32 epoch = _epoch;
        if (m.epoch != epoch) {
            // The approver set changed since these approvals: they no longer count.
            m.epoch = epoch;
            m.approvedBits = 0;
            m.approvals = 0;
            m.unlockAt = 0;
        }
        uint32 bit = uint32(1 << (index - 1));
        if (m.approvedBits & bit != 0) return false;
        m.approvedBits |= bit;
        uint8 approvals;
        unchecked {
            // At most MAX_APPROVERS (32) distinct bits can be set.
            approvals = m.approvals + 1;
        }
        m.approvals = approvals;
        emit MigrationApproved(vmId, m.nonce, approver, approvals);
        if (approvals == _threshold) {
            uint256 unlockAt = block.timestamp + _delay;
            // forge-lint: disable-next-line(unsafe-typecast)
            m.unlockAt = uint40(unlockAt);
            emit MigrationLocked(vmId, m.nonce, unlockAt);
        }
        return true;
    }

    function _vmId(address owner, bytes32 nameHash) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(owner, nameHash)));
    }

    /// @dev Locks `amount` of `owner`'s `resource` stake. A refusal because the stake not under lien is short is
    ///      reported as VMReservationInsufficient (what to stake); any other refusal (e.g. staking paused) as is.
    function _placeLien(address owner, ResourceType resource, uint256 amount) private {
        try _staking.placeLien(owner, resource, amount) {}
        catch (bytes memory reason) {
            uint256 required = _staking.lienOf(owner, resource) + amount;
            uint256 staked = _staking.reservedCapacity(owner, resource);
            if (required > staked) revert VMReservationInsufficient(owner, resource, required, staked);
            // Re-raise the staking contract's own error unchanged.
            assembly ("memory-safe") {
                revert(add(reason, 32), mload(reason))
            }
        }
    }

    function _checkReservation(address owner, uint256 cpu, uint256 memoryMb) private view {
        (uint256 cpuNeed, uint256 memNeed) = requiredReservation(cpu, memoryMb);
        uint256 cpuHave = _staking.reservedCapacity(owner, ResourceType.CPU);
        if (cpuHave < cpuNeed) revert VMReservationInsufficient(owner, ResourceType.CPU, cpuNeed, cpuHave);
        uint256 memHave = _staking.reservedCapacity(owner, ResourceType.MEM);
        if (memHave < memNeed) revert VMReservationInsufficient(owner, ResourceType.MEM, memNeed, memHave);
    }

    function _region(string calldata region) private pure returns (bytes32) {
        uint256 length = bytes(region).length;
        if (length == 0 || length > 32) revert VMInvalidRegion(region);
        return bytes32(bytes(region));
    }

    function _setApprovers(address[] memory approvers, uint256 threshold) private {
        uint256 count = approvers.length;
        if (count == 0 || count > MAX_APPROVERS || threshold == 0 || threshold > count) {
            revert VMInvalidApproverSet(count, threshold);
        }
        address[] storage old = _approvers;
        for (uint256 i = 0; i < old.length; ++i) {
            delete _approverIndex[old[i]];
        }
        delete _approvers;
        for (uint256 i = 0; i < count; ++i) {
            address a = approvers[i];
            if (a == address(0) || _approverIndex[a] != 0) revert VMInvalidApproverSet(count, threshold);
            _approvers.push(a);
            _approverIndex[a] = i + 1;
        }
        uint32 epoch;
        unchecked {
            // 2**32 changes of the approver set cannot happen.
            epoch = _epoch + 1;
        }
        _epoch = epoch;
        // forge-lint: disable-next-line(unsafe-typecast)
        _threshold = uint8(threshold);
        emit ApproversSet(approvers, threshold, epoch);
    }

    function _setDelay(uint256 delay) private {
        if (delay > MAX_MIGRATION_DELAY) revert VMMigrationDelayTooLong(delay, MAX_MIGRATION_DELAY);
        // forge-lint: disable-next-line(unsafe-typecast)
        _delay = uint40(delay);
        emit MigrationDelaySet(delay);
    }
}
