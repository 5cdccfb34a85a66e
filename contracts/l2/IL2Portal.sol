// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IL2Rollup} from "./IL2Rollup.sol";

/// @title IL2Portal
/// @notice The L1 side of the rollup's money: holds every token deposited to L2, keeps the L1 queue the sequencer
///         must include (deposits, and forced withdrawals for censorship resistance), and releases withdrawals
///         against a Merkle proof into the withdrawals tree of a final state root, each exactly once.
///
///         Token registry: ids 0..7 in registration order (deploy registers CPU=0, MEM=1, STO=2, NET=3, NOVA=4);
///         append-only, an id never changes address. Queue item hash =
///         keccak256(abi.encode(uint8 kind, address account, uint8 tokenId, uint256 amount)), kind 1 deposit
///         (account = the L2 recipient), kind 2 forced withdrawal (account = the L1 sender); items are numbered from
///         0 and record their L1 block (the rollup's force-inclusion clock).
///
///         The guardian's pause stops deposits only. Withdrawals (forced requests and finalization) stay open: the
///         rollup's promise is that a user can always leave with what a final root says is theirs, even if the
///         operator turns hostile; a pause that froze exits would hand whoever holds the guardian key (or coerces
///         it) the power to hold every deposit hostage, and adds no safety, since only final roots pay out.
interface IL2Portal {
    /// @notice A queue item was added.
    /// @param index Its number (from 0).
    /// @param kind 1 deposit, 2 forced withdrawal.
    /// @param account The L2 recipient (deposit) or the L1 sender (forced withdrawal).
    /// @param tokenId The token id.
    /// @param amount The amount (base units).
    /// @param l1Block The L1 block it was added in.
    event QueueItemAdded(
        uint64 indexed index,
        uint8 kind,
        address indexed account,
        uint8 tokenId,
        uint256 amount,
        uint64 l1Block
    );

    /// @notice A token was registered.
    /// @param tokenId Its id.
    /// @param token Its L1 address.
    event TokenRegistered(uint8 indexed tokenId, address indexed token);

    /// @notice The rollup was set (once).
    /// @param rollup Its address.
    event RollupSet(address rollup);

    /// @notice A withdrawal was paid out on L1.
    /// @param index Its index in the withdrawals tree.
    /// @param recipient Who received it.
    /// @param tokenId The token id.
    /// @param amount The amount.
    /// @param batchIndex The final batch whose root proved it.
    event WithdrawalFinalized(
        uint64 indexed index,
        address indexed recipient,
        uint8 tokenId,
        uint256 amount,
        uint64 batchIndex
    );

    /// @notice The token is not registered.
    /// @param token The address given.
    error PortalUnknownToken(address token);

    /// @notice The token id has no token.
    /// @param tokenId The id.
    error PortalUnknownTokenId(uint8 tokenId);

    /// @notice All 8 token ids are taken, or the token is zero or already registered.
    /// @param token The address given.
    error PortalCannotRegister(address token);

    /// @notice The amount is zero.
    error PortalZeroAmount();

    /// @notice The L2 recipient is the zero address.
    error PortalZeroRecipient();

    /// @notice The token moved less than `amount` into the portal (a fee-on-transfer token): refused.
    /// @param received What arrived.
    /// @param expected The amount.
    error PortalShortfall(uint256 received, uint256 expected);

    /// @notice The rollup is not set yet, or was already set, or is the zero address.
    error PortalRollup();

    /// @notice The batch is not final (or does not exist).
    /// @param batchIndex The batch.
    error PortalNotFinal(uint64 batchIndex);

    /// @notice The header does not hash to the batch's state root.
    error PortalBadHeader();

    /// @notice The withdrawal's Merkle proof (or index) does not match the header.
    error PortalBadProof();

    /// @notice The withdrawal was already paid.
    /// @param index Its index.
    error PortalAlreadyClaimed(uint64 index);

    /// @notice No queue item with this number.
    /// @param index The number.
    error PortalNoQueueItem(uint64 index);

    /// @notice Registers `token` under the next id (admin).
    /// @return tokenId The id.
    function registerToken(address token) external returns (uint8 tokenId);

    /// @notice Sets the rollup whose final roots pay withdrawals (admin, once).
    function setRollup(address rollup) external;

    /// @notice Locks `amount` of `token` (approve first) and queues its credit to `l2Recipient` on L2. Refused
    ///         while paused.
    /// @return index The queue item's number.
    function deposit(address token, uint256 amount, address l2Recipient) external returns (uint64 index);

    /// @notice Queues a forced withdrawal of `amount` of `token` from the sender's L2 account (the one whose address
    ///         is the sender, at the index the sequencer names), which the rollup must include within the
    ///         force-inclusion delay. Never paused.
    /// @return index The queue item's number.
    function requestWithdrawal(address token, uint256 amount) external returns (uint64 index);

    /// @notice Pays withdrawal `index` (recipient, token, amount) of the withdrawals tree of final batch
    ///         `batchIndex`'s state, once. Anyone may call; never paused.
    /// @param batchIndex A final batch.
    /// @param header Its state header.
    /// @param recipient The withdrawal's recipient.
    /// @param tokenId Its token id.
    /// @param amount Its amount.
    /// @param index Its index in the withdrawals tree (< header.withdrawalCount).
    /// @param siblings The 32 siblings of its leaf, leaf level first.
    function finalizeWithdrawal(
        uint64 batchIndex,
        IL2Rollup.StateHeader calldata header,
        address recipient,
        uint8 tokenId,
        uint256 amount,
        uint64 index,
        bytes32[] calldata siblings
    ) external;

    /// @notice The L1 address of token `tokenId` (zero when not registered).
    function tokenAt(uint8 tokenId) external view returns (address);

    /// @notice The 8 token slots (zero where unregistered).
    function tokens() external view returns (address[8] memory);

    /// @notice The id of `token` (reverts when not registered).
    function tokenIdOf(address token) external view returns (uint8);

    /// @notice How many tokens are registered.
    function tokenCount() external view returns (uint8);

    /// @notice Number of queue items so far.
    function queueLength() external view returns (uint64);

    /// @notice Queue item `index`: its hash and the L1 block it was added in.
    function queueItem(uint64 index) external view returns (bytes32 hash, uint64 l1Block);

    /// @notice Whether withdrawal `index` was paid.
    function isClaimed(uint64 index) external view returns (bool);

    /// @notice The rollup (zero until set).
    function rollup() external view returns (address);
}
