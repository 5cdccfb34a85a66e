// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Guarded} from "../security/Guarded.sol";
import {IHashedTimelock} from "./IHashedTimelock.sol";

/// @title HashedTimelock
/// @notice Hashed-timelock locks of the native coin and ERC-20s for atomic swaps (see {IHashedTimelock}).
///         Checks, then the state change and its event, then the transfer. `lock` is also behind a reentrancy guard
///         (OpenZeppelin's transient-storage variant): its fee-on-transfer check measures the token balance around
///         `transferFrom`, which a nested lock of the same token must not inflate. `claim` and `refund` need none:
///         each closes its lock (one storage write) before its only external call, so a reentrant call finds the lock
///         closed, and anything else it may do (another lock's claim or refund, a new lock) is an ordinary call that
///         could as well have come first; leaving the guard off saves its ~300 gas on each. A guardian can pause new
///         locks; claims and refunds never pause.
contract HashedTimelock is IHashedTimelock, ReentrancyGuardTransient, Guarded {
    using SafeERC20 for IERC20;

    // The one slot per lock, and the tombstone that makes each lock end once: claim and refund move it from Open to
    // Claimed or Refunded (one cold read, 2,100 gas, and one non-zero to non-zero write, 2,900). Clearing it instead
    // would earn EIP-3529's 4,800 refund but let a claimed lock's fields be locked, and claimed, again before its
    // deadline, and stateOf could no longer tell a refunded lock from one never made (the swap driver needs both).
    mapping(bytes32 id => State) private _states;

    /// @param admin Holder of DEFAULT_ADMIN_ROLE (unpauses): the timelock in production.
    /// @param guardian Holder of GUARDIAN_ROLE (may pause new locks); the zero address for none yet.
    constructor(address admin, address guardian) Guarded(admin, guardian) {}

    /// @inheritdoc IHashedTimelock
    function lock(
        bytes32 hash,
        uint64 deadline,
        address recipient,
        address token,
        uint256 amount
    ) external payable whenNotPaused nonReentrant returns (bytes32 id) {
        if (amount == 0) revert HashedTimelockZeroAmount();
        if (recipient == address(0)) revert HashedTimelockZeroRecipient();
        if (hash == bytes32(0)) revert HashedTimelockZeroHash();
        if (deadline <= block.timestamp) revert HashedTimelockDeadlinePassed(deadline, block.timestamp);
        id = keccak256(abi.encode(Lock(msg.sender, recipient, token, amount, hash, deadline)));
        if (_states[id] != State.None) revert HashedTimelockExists(id);
        _states[id] = State.Open;
        emit Locked(id, hash, recipient, msg.sender, token, amount, deadline);
        if (token == address(0)) {
            if (msg.value != amount) revert HashedTimelockWrongValue(msg.value, amount);
        } else {
            if (msg.value != 0) revert HashedTimelockWrongValue(msg.value, 0);
            IERC20 erc20 = IERC20(token);
            uint256 before = erc20.balanceOf(address(this));
            erc20.safeTransferFrom(msg.sender, address(this), amount);
            // a token that delivers less than it was asked to (fee on transfer) would leave the lock under-backed
            uint256 received = erc20.balanceOf(address(this)) - before;
            if (received != amount) revert HashedTimelockShortfall(received, amount);
        }
    }

    /// @inheritdoc IHashedTimelock
    function claim(Lock calldata lock_, bytes32 preimage) external {
        bytes32 id = keccak256(abi.encode(lock_));
        _requireOpen(id);
        if (block.timestamp >= lock_.deadline) revert HashedTimelockExpired(id, lock_.deadline);
        if (sha256(abi.encode(preimage)) != lock_.hash) revert HashedTimelockWrongPreimage(id, lock_.hash);
        _states[id] = State.Claimed;
        emit Claimed(id, lock_.hash, preimage);
        _send(lock_.token, lock_.recipient, lock_.amount);
    }

    /// @inheritdoc IHashedTimelock
    function refund(Lock calldata lock_) external {
        bytes32 id = keccak256(abi.encode(lock_));
        _requireOpen(id);
        if (block.timestamp < lock_.deadline) revert HashedTimelockNotExpired(id, lock_.deadline);
        _states[id] = State.Refunded;
        emit Refunded(id);
        _send(lock_.token, lock_.sender, lock_.amount);
    }

    /// @inheritdoc IHashedTimelock
    function stateOf(bytes32 id) external view returns (State) {
        return _states[id];
    }

    /// @inheritdoc IHashedTimelock
    function idOf(Lock calldata lock_) external pure returns (bytes32) {
        return keccak256(abi.encode(lock_));
    }

    function _requireOpen(bytes32 id) private view {
        State state = _states[id];
        if (state == State.None) revert HashedTimelockUnknown(id);
        if (state != State.Open) revert HashedTimelockClosed(id, state);
    }

    function _send(address token, address to, uint256 amount) private {
        if (token == address(0)) {
            // `to` is the lock's recipient (claim) or its sender (refund), fixed when the lock was made
            // slither-disable-next-line arbitrary-send-eth
            (bool ok, ) = to.call{value: amount}("");
            if (!ok) revert HashedTimelockTransferFailed(to, amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }
}
