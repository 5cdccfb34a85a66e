// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IHashedTimelock
/// @notice Hashed-timelock contracts (HTLCs) for atomic swaps of the native coin and ERC-20 tokens between chains.
///
///         A sender locks `amount` of `token` (the zero address: the native coin) for a `recipient` under a `hash`
///         and a `deadline`. Before the deadline anyone may `claim` it with the preimage, and it goes to the
///         recipient; from the deadline on anyone may `refund` it, and it goes back to the sender. Each lock ends
///         exactly once, claimed or refunded. The hash is `sha256(preimage)` with a 32-byte preimage, as in
///         Bitcoin's HTLC scripts, Binance's BEP3 and the dcrdex swap contracts, so one secret can lock coins on
///         any of those chains too.
///
///         Storage holds one slot per lock, its state; the lock's fields are committed to by its id,
///         `keccak256(abi.encode(lock))`, emitted in full in `Locked` and passed back to `claim` and `refund` (as in
///         the dcrdex v1 contract). That keeps a lock at one new storage slot, which is what puts its gas below
///         BEP3's and dcrdex's.
///
///         Pausing (see Guarded) stops new locks only: a claim or a refund must work at any time, or a pause could
///         let one side's deadline pass and break the swap's atomicity.
interface IHashedTimelock {
    /// @notice The fields of a lock. Its id is `keccak256(abi.encode(lock))`.
    /// @param sender Who locked it; gets it back on refund.
    /// @param recipient Who gets it on claim.
    /// @param token The ERC-20 locked, or the zero address for the native coin.
    /// @param amount How much is locked (in the token's smallest unit, or wei).
    /// @param hash `sha256(preimage)`.
    /// @param deadline Unix time from which it can be refunded and no longer claimed.
    struct Lock {
        address sender;
        address recipient;
        address token;
        uint256 amount;
        bytes32 hash;
        uint64 deadline;
    }

    /// @notice Where a lock is in its life.
    enum State {
        None,
        Open,
        Claimed,
        Refunded
    }

    // -- events ------------------------------------------------------------------------------------------------

    /// @notice A lock was made.
    /// @param id The lock's id, `keccak256(abi.encode(lock))`.
    /// @param hash `sha256(preimage)`: a watcher on another chain filters by it.
    /// @param recipient Who gets it on claim.
    /// @param sender Who gets it back on refund.
    /// @param token The ERC-20, or the zero address for the native coin.
    /// @param amount How much.
    /// @param deadline Unix time from which it can be refunded.
    event Locked(
        bytes32 indexed id,
        bytes32 indexed hash,
        address indexed recipient,
        address sender,
        address token,
        uint256 amount,
        uint64 deadline
    );

    /// @notice A lock was claimed: its amount went to its recipient. The preimage is now public, which is what
    ///         lets the other side of a swap claim on its chain.
    /// @param id The lock's id.
    /// @param hash `sha256(preimage)`.
    /// @param preimage The secret.
    event Claimed(bytes32 indexed id, bytes32 indexed hash, bytes32 preimage);

    /// @notice A lock was refunded to its sender after its deadline.
    /// @param id The lock's id.
    event Refunded(bytes32 indexed id);

    // -- errors ------------------------------------------------------------------------------------------------

    /// @notice The amount is zero.
    error HashedTimelockZeroAmount();

    /// @notice The recipient is the zero address.
    error HashedTimelockZeroRecipient();

    /// @notice The hash is zero (no secret was hashed).
    error HashedTimelockZeroHash();

    /// @notice The deadline is not in the future.
    /// @param deadline The deadline given.
    /// @param timestamp The block's time.
    error HashedTimelockDeadlinePassed(uint64 deadline, uint256 timestamp);

    /// @notice The native coin sent does not match: a native lock sends exactly `amount`, a token lock none.
    /// @param sent The value sent.
    /// @param expected The value expected.
    error HashedTimelockWrongValue(uint256 sent, uint256 expected);

    /// @notice The token moved less than `amount` into the contract (a fee-on-transfer token): refused, so that
    ///         every open lock stays fully backed.
    /// @param received What arrived.
    /// @param expected The amount locked.
    error HashedTimelockShortfall(uint256 received, uint256 expected);

    /// @notice A lock with the same fields (so the same id) was already made.
    /// @param id The lock's id.
    error HashedTimelockExists(bytes32 id);

    /// @notice No lock has these fields: the id is unknown (a field differs from the `Locked` event's).
    /// @param id The id the fields give.
    error HashedTimelockUnknown(bytes32 id);

    /// @notice The lock already ended: claimed or refunded.
    /// @param id The lock's id.
    /// @param state Its state (2 claimed, 3 refunded).
    error HashedTimelockClosed(bytes32 id, State state);

    /// @notice `sha256(preimage)` is not the lock's hash.
    /// @param id The lock's id.
    /// @param hash The lock's hash.
    error HashedTimelockWrongPreimage(bytes32 id, bytes32 hash);

    /// @notice The lock's deadline has passed: it can no longer be claimed, only refunded.
    /// @param id The lock's id.
    /// @param deadline Its deadline.
    error HashedTimelockExpired(bytes32 id, uint64 deadline);

    /// @notice The lock's deadline has not come yet: it cannot be refunded.
    /// @param id The lock's id.
    /// @param deadline Its deadline.
    error HashedTimelockNotExpired(bytes32 id, uint64 deadline);

    /// @notice Sending the native coin failed (the receiver refused it).
    /// @param to The receiver.
    /// @param amount The amount.
    error HashedTimelockTransferFailed(address to, uint256 amount);

    // -- writes ------------------------------------------------------------------------------------------------

    /// @notice Locks `amount` of `token` for `recipient` until `deadline` under `hash`; the sender is the caller.
    ///         For the native coin (`token` zero) send exactly `amount` as value; for an ERC-20, approve this
    ///         contract first and send no value. Refused while paused.
    /// @param hash `sha256(preimage)`, not zero.
    /// @param deadline Unix time from which it can be refunded; in the future.
    /// @param recipient Who gets it on claim; not zero.
    /// @param token The ERC-20, or the zero address for the native coin.
    /// @param amount How much; not zero.
    /// @return id The lock's id, `keccak256(abi.encode(Lock(msg.sender, recipient, token, amount, hash,
    ///         deadline)))`.
    function lock(
        bytes32 hash,
        uint64 deadline,
        address recipient,
        address token,
        uint256 amount
    ) external payable returns (bytes32 id);

    /// @notice Claims an open lock before its deadline with the preimage of its hash: its amount goes to its
    ///         recipient. Anyone may call it (a watcher claims for the recipient).
    /// @param lock_ The lock's fields, as in its `Locked` event.
    /// @param preimage The secret, with `sha256(preimage) == lock_.hash`.
    function claim(Lock calldata lock_, bytes32 preimage) external;

    /// @notice Refunds an open lock from its deadline on: its amount goes back to its sender. Anyone may call it.
    /// @param lock_ The lock's fields, as in its `Locked` event.
    function refund(Lock calldata lock_) external;

    // -- reads -------------------------------------------------------------------------------------------------

    /// @notice The state of lock `id`.
    /// @param id The lock's id.
    /// @return Its state (None when no such lock was made).
    function stateOf(bytes32 id) external view returns (State);

    /// @notice The id of a lock with these fields, `keccak256(abi.encode(lock_))`.
    /// @param lock_ The fields.
    /// @return The id.
    function idOf(Lock calldata lock_) external pure returns (bytes32);
}
