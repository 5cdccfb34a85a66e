// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Guarded} from "../security/Guarded.sol";
import {IPolicyRegistry} from "./IPolicyRegistry.sol";

/// @title PolicyRegistry
/// @notice Zero-ops automation policies changed by k-of-n approvals or by governance (see {IPolicyRegistry}).
///         Pausable by a guardian (see {Guarded}): a pause stops proposing, approving and revoking; cancelling (a
///         withdrawal) and the admin's functions stay open, so governance can act during an incident.
/// @dev The admin (DEFAULT_ADMIN_ROLE) is the governance timelock in production: it grants and revokes
///      APPROVER_ROLE, sets the threshold and the lifetime, and sets policies directly (the DAO path). The number of
///      approvers is counted in the role hooks so that the threshold can be checked against it.
contract PolicyRegistry is IPolicyRegistry, Guarded {
    /// @notice Role of the accounts that propose and approve policy changes.
    bytes32 public constant APPROVER_ROLE = keccak256("APPROVER_ROLE");

    /// @notice Longest policy name, in bytes.
    uint256 public constant MAX_NAME_LENGTH = 64;

    /// @notice Longest policy value, in bytes.
    uint256 public constant MAX_VALUE_LENGTH = 1024;

    /// @notice Longest change lifetime.
    uint64 public constant MAX_LIFETIME = 365 days;

    struct Policy {
        string value;
        uint64 version;
        uint64 updatedAt;
    }

    mapping(bytes32 key => Policy) private _policies;
    mapping(uint256 id => Change) private _changes;
    mapping(uint256 id => address[]) private _approvers;
    mapping(uint256 id => mapping(address approver => bool)) private _approved;
    uint256 private _changeCount;
    uint256 private _threshold;
    uint256 private _approverCount;
    uint64 private _lifetime;

    /// @param admin Holder of DEFAULT_ADMIN_ROLE (the timelock in production).
    /// @param guardian Holder of GUARDIAN_ROLE (may pause); the zero address for none yet.
    /// @param approvers The initial approver set (may be empty: then only the admin sets policies until governance
    ///        grants APPROVER_ROLE).
    /// @param threshold_ Approvals a change needs (at least 1, at most `approvers.length` when it is not empty).
    /// @param lifetime How long a change stays approvable (1 second .. 365 days).
    constructor(
        address admin,
        address guardian,
        address[] memory approvers,
        uint256 threshold_,
        uint64 lifetime
    ) Guarded(admin, guardian) {
        for (uint256 i = 0; i < approvers.length; ++i) {
            _grantRole(APPROVER_ROLE, approvers[i]);
        }
        _setThreshold(threshold_);
        _setLifetime(lifetime);
    }

    // -- writes ------------------------------------------------------------------------------------------------

    /// @inheritdoc IPolicyRegistry
    function proposeChange(
        string calldata name,
        string calldata value
    ) external onlyRole(APPROVER_ROLE) whenNotPaused returns (uint256 id) {
        _checkPolicy(name, value);
        bytes32 key = keccak256(bytes(name));
        uint64 base = _policies[key].version;
        uint64 nowTs = SafeCast.toUint64(block.timestamp);
        uint64 expiresAt = nowTs + _lifetime;
        id = ++_changeCount;
        Change storage c = _changes[id];
        c.key = key;
        c.proposer = msg.sender;
        c.baseVersion = base;
        c.proposedAt = nowTs;
        c.expiresAt = expiresAt;
        c.status = ChangeStatus.Pending;
        c.name = name;
        c.value = value;
        emit PolicyChangeProposed(id, key, msg.sender, name, value, base, expiresAt);
        _approve(id, c);
    }

    /// @inheritdoc IPolicyRegistry
    function approve(uint256 id) external onlyRole(APPROVER_ROLE) whenNotPaused returns (bool applied) {
        Change storage c = _pending(id);
        if (_approved[id][msg.sender]) revert PolicyRegistryAlreadyApproved(id, msg.sender);
        return _approve(id, c);
    }

    /// @inheritdoc IPolicyRegistry
    function revokeApproval(uint256 id) external onlyRole(APPROVER_ROLE) whenNotPaused {
        Change storage c = _pending(id);
        if (!_approved[id][msg.sender]) revert PolicyRegistryNotApproved(id, msg.sender);
        _approved[id][msg.sender] = false;
        address[] storage list = _approvers[id];
        uint256 n = list.length;
        for (uint256 i = 0; i < n; ++i) {
            if (list[i] == msg.sender) {
                list[i] = list[n - 1];
                list.pop();
                break;
            }
        }
        c.approvals = uint32(list.length);
        emit PolicyApprovalRevoked(id, msg.sender, c.name, list.length);
    }

    /// @inheritdoc IPolicyRegistry
    function cancelChange(uint256 id) external {
        Change storage c = _changes[id];
        if (msg.sender != c.proposer && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert PolicyRegistryNotProposer(id, msg.sender);
        }
        if (c.status == ChangeStatus.None) revert PolicyRegistryUnknownChange(id);
        if (c.status != ChangeStatus.Pending) revert PolicyRegistryChangeNotPending(id, c.status);
        c.status = ChangeStatus.Cancelled;
        c.resolvedAt = SafeCast.toUint64(block.timestamp);
        emit PolicyChangeCancelled(id, msg.sender, c.name);
    }

    /// @inheritdoc IPolicyRegistry
    function setPolicy(string calldata name, string calldata value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkPolicy(name, value);
        _apply(keccak256(bytes(name)), name, value, 0);
    }

    /// @inheritdoc IPolicyRegistry
    function setThreshold(uint256 threshold_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setThreshold(threshold_);
    }

    /// @inheritdoc IPolicyRegistry
    function setChangeLifetime(uint64 lifetime) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setLifetime(lifetime);
    }

    // -- reads -------------------------------------------------------------------------------------------------

    /// @inheritdoc IPolicyRegistry
    function getPolicy(
        string calldata name
    ) external view returns (string memory value, uint64 version, uint64 updatedAt) {
        Policy storage p = _policies[keccak256(bytes(name))];
        return (p.value, p.version, p.updatedAt);
    }

    /// @inheritdoc IPolicyRegistry
    function getChange(uint256 id) external view returns (Change memory change) {
        if (id == 0 || id > _changeCount) revert PolicyRegistryUnknownChange(id);
        change = _changes[id];
        change.status = _status(change.status, change.key, change.baseVersion, change.expiresAt);
    }

    /// @inheritdoc IPolicyRegistry
    function approversOf(uint256 id) external view returns (address[] memory) {
        return _approvers[id];
    }

    /// @inheritdoc IPolicyRegistry
    function validApprovals(uint256 id) external view returns (uint256) {
        return _validApprovals(id);
    }

    /// @inheritdoc IPolicyRegistry
    function hasApproved(uint256 id, address approver) external view returns (bool) {
        return _approved[id][approver];
    }

    /// @inheritdoc IPolicyRegistry
    function changeCount() external view returns (uint256) {
        return _changeCount;
    }

    /// @inheritdoc IPolicyRegistry
    function threshold() external view returns (uint256) {
        return _threshold;
    }

    /// @inheritdoc IPolicyRegistry
    function changeLifetime() external view returns (uint64) {
        return _lifetime;
    }

    /// @inheritdoc IPolicyRegistry
    function approverCount() external view returns (uint256) {
        return _approverCount;
    }

    // -- internals ---------------------------------------------------------------------------------------------

    /// @dev The pending, unexpired, current change `id`, or the error saying why not.
    function _pending(uint256 id) private view returns (Change storage c) {
        c = _changes[id];
        ChangeStatus stored = c.status;
        if (stored == ChangeStatus.None) revert PolicyRegistryUnknownChange(id);
        if (stored != ChangeStatus.Pending) revert PolicyRegistryChangeNotPending(id, stored);
        // slither-disable-next-line timestamp (an expiry is a time: a validator's drift of seconds is immaterial)
        if (block.timestamp > c.expiresAt) revert PolicyRegistryChangeExpired(id, c.expiresAt);
        uint64 current = _policies[c.key].version;
        if (current != c.baseVersion) revert PolicyRegistryStaleChange(id, c.baseVersion, current);
    }

    function _status(
        ChangeStatus stored,
        bytes32 key,
        uint64 baseVersion,
        uint64 expiresAt
    ) private view returns (ChangeStatus) {
        if (stored != ChangeStatus.Pending) return stored;
        // slither-disable-next-line timestamp (as in _pending)
        if (block.timestamp > expiresAt) return ChangeStatus.Expired;
        if (_policies[key].version != baseVersion) return ChangeStatus.Stale;
        return ChangeStatus.Pending;
    }

    /// @dev Records the caller's approval of pending change `id` and applies it when the approvals of current
    ///      approvers reach the threshold.
    function _approve(uint256 id, Change storage c) private returns (bool applied) {
        _approved[id][msg.sender] = true;
        _approvers[id].push(msg.sender);
        uint256 recorded = _approvers[id].length;
        c.approvals = uint32(recorded);
        emit PolicyChangeApproved(id, msg.sender, c.name, recorded);
        if (recorded < _threshold || _validApprovals(id) < _threshold) return false;
        c.status = ChangeStatus.Applied;
        c.resolvedAt = SafeCast.toUint64(block.timestamp);
        _apply(c.key, c.name, c.value, id);
        return true;
    }

    function _validApprovals(uint256 id) private view returns (uint256 n) {
        address[] storage list = _approvers[id];
        uint256 len = list.length;
        for (uint256 i = 0; i < len; ++i) {
            if (hasRole(APPROVER_ROLE, list[i])) ++n;
        }
    }

    function _apply(bytes32 key, string memory name, string memory value, uint256 changeId) private {
        Policy storage p = _policies[key];
        uint64 version = p.version + 1;
        p.value = value;
        p.version = version;
        p.updatedAt = SafeCast.toUint64(block.timestamp);
        emit PolicyApplied(key, changeId, name, value, version);
    }

    function _checkPolicy(string calldata name, string calldata value) private pure {
        uint256 n = bytes(name).length;
        uint256 v = bytes(value).length;
        if (n == 0 || n > MAX_NAME_LENGTH || v > MAX_VALUE_LENGTH) {
            revert PolicyRegistryInvalidPolicy(n, v, MAX_NAME_LENGTH, MAX_VALUE_LENGTH);
        }
    }

    function _setThreshold(uint256 threshold_) private {
        if (threshold_ == 0 || (_approverCount != 0 && threshold_ > _approverCount)) {
            revert PolicyRegistryInvalidThreshold(threshold_, _approverCount);
        }
        _threshold = threshold_;
        emit PolicyThresholdChanged(threshold_);
    }

    function _setLifetime(uint64 lifetime) private {
        if (lifetime == 0 || lifetime > MAX_LIFETIME) revert PolicyRegistryInvalidLifetime(lifetime);
        _lifetime = lifetime;
        emit PolicyChangeLifetimeChanged(lifetime);
    }

    /// @dev Counts approvers as APPROVER_ROLE is granted.
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (granted && role == APPROVER_ROLE) ++_approverCount;
    }

    /// @dev Counts approvers as APPROVER_ROLE is revoked or renounced.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == APPROVER_ROLE) --_approverCount;
    }
}
