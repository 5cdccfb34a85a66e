// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ResourceType} from "../tokens/ResourceType.sol";

/// @title IVMLifecycle
/// @notice VM lifecycle on chain (seed §2 "VMLifecycle.sol"): every VM has an owner, a region, vCPUs and memory, and
///         moves through Stopped, Starting, Running, Migrating and Terminated by legal transitions only, each one
///         emitted as `VMStateChanged` (the audit trail the state component reads):
///
///             (create) -> Stopped            createVM, by the owner
///             Stopped  -> Starting           startVM, by the owner
///             Starting -> Running            confirmRunning, by an operator (the host reports the VM booted)
///             Starting -> Stopped            stopVM, by the owner or an operator (an aborted start)
///             Running  -> Stopped            stopVM, by the owner or an operator
///             Running | Stopped -> Migrating migrateVM, by the owner (opens a migration request)
///             Migrating -> Running | Stopped executeMigration (the VM moved) or vetoMigration (it did not):
///                                            back to the state the migration started from
///             Stopped  -> Terminated         terminateVM, by the owner; final
///
///         Names: a VM's id is `keccak256(abi.encode(owner, keccak256(name)))`: names are unique per owner, so nobody
///         can take (front-run) a name another account is about to create; `vmIdOf` computes it.
///
///         Payment: a VM's capacity must be covered by its owner's reservation in ResourceStaking (staked CPU and MEM
///         tokens: one whole CPU token per vCPU, one whole MEM token per GiB of memory). The contract keeps each
///         owner's allocation (the sum over their VMs that are not terminated) and refuses to create a VM the
///         reservation does not cover. Starting a VM places a lien on the owner's stake for the VM's share
///         (ResourceStaking refuses any unstake that would leave less staked than the lien), and stopping it releases
///         the lien: the stake that backs a VM that is starting, running or migrating from running cannot be
///         withdrawn under it. Terminating a VM releases its share of the allocation.
///
///         Migration across regions is a governed primitive: the owner opens a request naming the target region and
///         the CID of the VM's snapshot; `threshold` of the approver set approve it (on chain, or with EIP-712
///         signatures relayed by anyone); the threshold-th approval starts a time-lock of `migrationDelay` seconds
///         during which the owner or a guardian can veto; after it, the owner or an operator completes the move by
///         presenting the snapshot CID, which must be the one recorded at the request. Changing the approver set
///         invalidates the approvals of open requests (they carry the set's epoch).
interface IVMLifecycle {
    /// @notice States of a VM (the seed's four plus Terminated). In the ABI an enum is a uint8.
    enum VMState {
        Stopped,
        Starting,
        Running,
        Migrating,
        Terminated
    }

    /// @notice A VM as `getVM` returns it.
    /// @param owner Who created it and controls it.
    /// @param state Its current state.
    /// @param cpu vCPUs.
    /// @param memoryMb Memory in MB.
    /// @param createdAt When it was created (unix seconds).
    /// @param region Its region, as bytes32 (the region text, zero-padded).
    struct VMInfo {
        address owner;
        VMState state;
        uint256 cpu;
        uint256 memoryMb;
        uint256 createdAt;
        bytes32 region;
    }

    /// @notice A VM's latest migration request as `getMigration` returns it (all zero if none was ever opened).
    /// @param nonce The request's number for this VM (from 1); approvals and signatures name it.
    /// @param targetRegion The region the VM moves to, as bytes32.
    /// @param snapshotHash keccak256 of the snapshot CID recorded at the request.
    /// @param requestedAt When the request was opened.
    /// @param unlockAt When the time-lock ends (0 until the threshold is reached).
    /// @param approvals Approvals counted for the current approver set.
    /// @param epoch The approver set's epoch the approvals belong to.
    /// @param resumeState The state the VM returns to when the migration ends.
    /// @param open Whether the request is still open.
    struct MigrationInfo {
        uint256 nonce;
        bytes32 targetRegion;
        bytes32 snapshotHash;
        uint256 requestedAt;
        uint256 unlockAt;
        uint256 approvals;
        uint256 epoch;
        VMState resumeState;
        bool open;
    }

    /// @notice A VM was created (in state Stopped).
    /// @param vmId keccak256(abi.encode(owner, keccak256(name))), as uint256.
    /// @param owner Its owner.
    /// @param nameHash keccak256 of the name (so the VMs of a name can be found by topic).
    /// @param name The VM's name (e.g. "vm-12345").
    /// @param region Its region.
    /// @param cpu vCPUs.
    /// @param memoryMb Memory in MB.
    event VMCreated(
        uint256 indexed vmId,
        address indexed owner,
        bytes32 indexed nameHash,
        string name,
        string region,
        uint256 cpu,
        uint256 memoryMb
    );

    /// @notice A VM moved from one state to another.
    /// @param vmId The VM.
    /// @param from The state before.
    /// @param to The state after.
    event VMStateChanged(uint256 indexed vmId, VMState from, VMState to);

    /// @notice The owner opened a migration request (the VM is now Migrating).
    /// @param vmId The VM.
    /// @param nonce The request's number for this VM.
    /// @param fromRegion The VM's region, as bytes32.
    /// @param targetRegion The target region.
    /// @param snapshotCid The CID of the VM's snapshot, which the completion must present.
    /// @param threshold Approvals needed.
    event MigrationRequested(
        uint256 indexed vmId,
        uint256 indexed nonce,
        bytes32 fromRegion,
        string targetRegion,
        string snapshotCid,
        uint256 threshold
    );

    /// @notice An approver approved a migration.
    /// @param vmId The VM.
    /// @param nonce The request.
    /// @param approver Who approved.
    /// @param approvals Approvals counted after this one.
    event MigrationApproved(uint256 indexed vmId, uint256 indexed nonce, address indexed approver, uint256 approvals);

    /// @notice The threshold was reached: the time-lock runs until `unlockAt`.
    /// @param vmId The VM.
    /// @param nonce The request.
    /// @param unlockAt When the migration can be executed (unix seconds).
    event MigrationLocked(uint256 indexed vmId, uint256 indexed nonce, uint256 unlockAt);

    /// @notice A migration completed: the VM is in its target region.
    /// @param vmId The VM.
    /// @param nonce The request.
    /// @param executor Who completed it.
    /// @param region The VM's new region, as bytes32.
    event MigrationExecuted(uint256 indexed vmId, uint256 indexed nonce, address indexed executor, bytes32 region);

    /// @notice A migration was vetoed (by the owner or a guardian): the VM stays where it is.
    /// @param vmId The VM.
    /// @param nonce The request.
    /// @param by Who vetoed.
    event MigrationVetoed(uint256 indexed vmId, uint256 indexed nonce, address indexed by);

    /// @notice The approver set was replaced; approvals of open requests no longer count.
    /// @param approvers The new set.
    /// @param threshold Approvals needed from it.
    /// @param epoch The set's epoch.
    event ApproversSet(address[] approvers, uint256 threshold, uint256 epoch);

    /// @notice The migration time-lock was set (applies to requests reaching their threshold from now on).
    /// @param delay Seconds.
    event MigrationDelaySet(uint256 delay);

    /// @notice The region is empty or longer than 32 bytes.
    /// @param region The region given.
    error VMInvalidRegion(string region);

    /// @notice The VM name is empty or longer than 64 bytes.
    error VMInvalidName();

    /// @notice vCPUs or memory are zero or above the maximum.
    /// @param cpu vCPUs given.
    /// @param memoryMb Memory given, in MB.
    /// @param maxCpu Largest vCPU count.
    /// @param maxMemoryMb Largest memory, in MB.
    error VMInvalidResources(uint256 cpu, uint256 memoryMb, uint256 maxCpu, uint256 maxMemoryMb);

    /// @notice The caller has a VM with this name already (names are unique per owner).
    /// @param vmId The id.
    error VMAlreadyExists(uint256 vmId);

    /// @notice No VM has this id.
    /// @param vmId The id.
    error VMUnknown(uint256 vmId);

    /// @notice The caller may not do this to the VM (it is not the owner, nor an operator or guardian where those
    ///         may act).
    /// @param vmId The VM.
    /// @param caller The caller.
    error VMUnauthorized(uint256 vmId, address caller);

    /// @notice The VM's state does not allow this transition.
    /// @param vmId The VM.
    /// @param from Its state.
    /// @param to The state asked for.
    error VMIllegalTransition(uint256 vmId, VMState from, VMState to);

    /// @notice The owner's staking reservation does not cover their allocation with this VM (create), or their
    ///         stake not under lien does not cover the VM's share (start).
    /// @param owner The owner.
    /// @param resource CPU or MEM.
    /// @param required Base units of staked tokens needed (at a start: the lien it would make).
    /// @param reserved Base units staked (ResourceStaking.reservedCapacity).
    error VMReservationInsufficient(address owner, ResourceType resource, uint256 required, uint256 reserved);

    /// @notice The target region is the VM's region: only cross-region moves are governed here.
    /// @param vmId The VM.
    /// @param region The region.
    error VMMigrationSameRegion(uint256 vmId, bytes32 region);

    /// @notice The snapshot CID is empty or longer than 128 bytes.
    error VMMigrationInvalidSnapshot();

    /// @notice The VM has no open migration request.
    /// @param vmId The VM.
    error VMMigrationNotOpen(uint256 vmId);

    /// @notice The address is not in the approver set.
    /// @param account The address.
    error VMMigrationNotApprover(address account);

    /// @notice The approver approved this request already.
    /// @param vmId The VM.
    /// @param approver The approver.
    error VMMigrationAlreadyApproved(uint256 vmId, address approver);

    /// @notice Not enough approvals for the current approver set.
    /// @param vmId The VM.
    /// @param approvals Approvals counted.
    /// @param threshold Approvals needed.
    error VMMigrationNotEnoughApprovals(uint256 vmId, uint256 approvals, uint256 threshold);

    /// @notice The time-lock has not ended.
    /// @param vmId The VM.
    /// @param unlockAt When it ends.
    error VMMigrationLocked(uint256 vmId, uint256 unlockAt);

    /// @notice The snapshot presented is not the one recorded at the request.
    /// @param vmId The VM.
    /// @param expected keccak256 of the recorded CID.
    /// @param actual keccak256 of the CID presented.
    error VMMigrationSnapshotMismatch(uint256 vmId, bytes32 expected, bytes32 actual);

    /// @notice An approval signature is malformed or not from an approver.
    /// @param index Its position in the list.
    error VMMigrationInvalidSignature(uint256 index);

    /// @notice The approver set is empty, too large (over 32), has duplicates or zero addresses, or the threshold is
    ///         zero or above its size.
    /// @param count Approvers given.
    /// @param threshold Threshold given.
    error VMInvalidApproverSet(uint256 count, uint256 threshold);

    /// @notice The migration delay is above the maximum.
    /// @param delay Seconds given.
    /// @param maxDelay Largest allowed.
    error VMMigrationDelayTooLong(uint256 delay, uint256 maxDelay);

    /// @notice The staking contract is the zero address.
    error VMZeroStaking();

    /// @notice Creates a VM in state Stopped, owned by the caller; its capacity must be covered by the caller's
    ///         staking reservation together with their other VMs.
    /// @param name The VM's name (1 to 64 bytes), unique among the caller's VMs.
    /// @param region The region (1 to 32 bytes, e.g. "us-east-1").
    /// @param cpu vCPUs, 1 .. MAX_CPU.
    /// @param memoryMb Memory in MB, 1 .. MAX_MEMORY_MB.
    /// @return vmId The VM's id.
    function createVM(string calldata name, string calldata region, uint256 cpu, uint256 memoryMb)
        external
        returns (uint256 vmId);

    /// @notice Stopped -> Starting, by the owner; places a lien on the owner's CPU and MEM stake for the VM's share
    ///         (VMReservationInsufficient if the stake not under lien is short).
    /// @param vmId The VM.
    function startVM(uint256 vmId) external;

    /// @notice Starting -> Running, by an operator: the VM booted.
    /// @param vmId The VM.
    function confirmRunning(uint256 vmId) external;

    /// @notice Running or Starting -> Stopped, by the owner or an operator; releases the VM's lien on the stake.
    /// @param vmId The VM.
    function stopVM(uint256 vmId) external;

    /// @notice Stopped -> Terminated, by the owner; releases the VM's allocation. Final.
    /// @param vmId The VM.
    function terminateVM(uint256 vmId) external;

    /// @notice Opens a migration request to `targetRegion` (Running or Stopped -> Migrating), by the owner.
    /// @param vmId The VM.
    /// @param targetRegion A region other than the VM's (1 to 32 bytes).
    /// @param snapshotCid The CID of the VM's snapshot (1 to 128 bytes), checked at completion.
    function migrateVM(uint256 vmId, string calldata targetRegion, string calldata snapshotCid) external;

    /// @notice Approves the VM's open migration request, by an approver. The threshold-th approval starts the lock.
    /// @param vmId The VM.
    function approveMigration(uint256 vmId) external;

    /// @notice Counts EIP-712 approvals (`MigrationApproval`) of the open request, relayed by anyone. Signatures are
    ///         65 bytes (r, s, v); signers must be approvers; ones that approved already are skipped.
    /// @param vmId The VM.
    /// @param signatures The approvers' signatures.
    function approveMigrationWithSignatures(uint256 vmId, bytes[] calldata signatures) external;

    /// @notice Completes the migration after the lock (Migrating -> the state it started from), by the owner or an
    ///         operator, presenting the snapshot CID recorded at the request.
    /// @param vmId The VM.
    /// @param snapshotCid The snapshot's CID.
    function executeMigration(uint256 vmId, string calldata snapshotCid) external;

    /// @notice Vetoes the open migration (Migrating -> the state it started from), by the owner or a guardian, at
    ///         any time before it is executed (also while the contract is paused).
    /// @param vmId The VM.
    function vetoMigration(uint256 vmId) external;

    /// @notice Replaces the approver set and threshold. Admin only. Open requests must be approved again.
    /// @param approvers 1 to 32 distinct non-zero addresses.
    /// @param threshold 1 .. approvers.length.
    function setApprovers(address[] calldata approvers, uint256 threshold) external;

    /// @notice Sets the migration time-lock. Admin only.
    /// @param delay Seconds, at most MAX_MIGRATION_DELAY.
    function setMigrationDelay(uint256 delay) external;

    /// @notice A VM (VMUnknown if none has this id).
    /// @param vmId The id.
    /// @return The VM.
    function getVM(uint256 vmId) external view returns (VMInfo memory);

    /// @notice A VM's latest migration request.
    /// @param vmId The VM.
    /// @return The request (all zero if none).
    function getMigration(uint256 vmId) external view returns (MigrationInfo memory);

    /// @notice Whether `approver` approved the VM's open request (for the current approver set).
    /// @param vmId The VM.
    /// @param approver The approver.
    /// @return True if counted.
    function hasApproved(uint256 vmId, address approver) external view returns (bool);

    /// @notice The approver set.
    /// @return approvers The addresses.
    /// @return threshold Approvals needed.
    /// @return epoch The set's epoch (increases with every change).
    function approverSet() external view returns (address[] memory approvers, uint256 threshold, uint256 epoch);

    /// @notice The migration time-lock, in seconds.
    /// @return The delay.
    function migrationDelay() external view returns (uint256);

    /// @notice An owner's allocation: the sum over their VMs that are not terminated.
    /// @param owner The owner.
    /// @return cpu vCPUs.
    /// @return memoryMb Memory in MB.
    function allocation(address owner) external view returns (uint256 cpu, uint256 memoryMb);

    /// @notice Staked base units needed to cover `cpu` vCPUs and `memoryMb` MB.
    /// @param cpu vCPUs.
    /// @param memoryMb Memory in MB.
    /// @return cpuTokens CPU base units (1e18 per vCPU).
    /// @return memTokens MEM base units (1e18 per GiB, rounded up).
    function requiredReservation(uint256 cpu, uint256 memoryMb)
        external
        pure
        returns (uint256 cpuTokens, uint256 memTokens);

    /// @notice The EIP-712 digest an approver signs to approve request `nonce` of the VM.
    /// @param vmId The VM.
    /// @param nonce The request.
    /// @param targetRegion The target region (bytes32).
    /// @param snapshotHash keccak256 of the snapshot CID.
    /// @return The digest.
    function approvalDigest(uint256 vmId, uint256 nonce, bytes32 targetRegion, bytes32 snapshotHash)
        external
        view
        returns (bytes32);

    /// @notice The id of `owner`'s VM named `name`: keccak256(abi.encode(owner, keccak256(bytes(name)))).
    /// @param owner The owner.
    /// @param name The name.
    /// @return The id.
    function vmIdOf(address owner, string calldata name) external pure returns (uint256);

    /// @notice The staking contract reservations are read from.
    /// @return Its address.
    function staking() external view returns (address);
}
