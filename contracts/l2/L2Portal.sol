// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Guarded} from "../security/Guarded.sol";
import {IL2Portal} from "./IL2Portal.sol";
import {IL2Rollup} from "./IL2Rollup.sol";

/// @title L2Portal
/// @notice Deposits, the L1 queue and withdrawals of the rollup (see {IL2Portal}). The guardian's pause stops
///         `deposit` only: `requestWithdrawal` and `finalizeWithdrawal` are never paused, because the exit is the
///         user's guarantee against a hostile operator (and against whoever holds the pause key), and only final
///         roots ever pay, so pausing exits would add no safety.
contract L2Portal is IL2Portal, ReentrancyGuardTransient, Guarded {
    using SafeERC20 for IERC20;

    /// @notice Token slots.
    uint8 public constant TOKENS = 8;

    /// @notice Depth of the withdrawals tree.
    uint256 public constant WITHDRAWAL_DEPTH = 32;

    struct Item {
        bytes32 hash;
        uint64 l1Block;
    }

    address[8] private _tokens;
    uint8 private _tokenCount;
    mapping(address token => uint8 idPlusOne) private _idOf;
    Item[] private _queue;
    IL2Rollup private _rollup;
    mapping(uint256 word => uint256 bits) private _claimed;

    /// @param admin Holder of DEFAULT_ADMIN_ROLE (registers tokens, sets the rollup, unpauses).
    /// @param guardian Holder of GUARDIAN_ROLE (may pause deposits); zero for none.
    constructor(address admin, address guardian) Guarded(admin, guardian) {}

    // -- admin ----------------------------------------------------------------------------------------------

    /// @inheritdoc IL2Portal
    function registerToken(address token) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint8 tokenId) {
        tokenId = _tokenCount;
        if (token == address(0) || tokenId >= TOKENS || _idOf[token] != 0) revert PortalCannotRegister(token);
        _tokens[tokenId] = token;
        _idOf[token] = tokenId + 1;
        _tokenCount = tokenId + 1;
        emit TokenRegistered(tokenId, token);
    }

    /// @inheritdoc IL2Portal
    function setRollup(address rollup_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(_rollup) != address(0) || rollup_ == address(0)) revert PortalRollup();
        _rollup = IL2Rollup(rollup_);
        emit RollupSet(rollup_);
    }

    // -- queue ----------------------------------------------------------------------------------------------

    /// @inheritdoc IL2Portal
    function deposit(
        address token,
        uint256 amount,
        address l2Recipient
    ) external whenNotPaused nonReentrant returns (uint64 index) {
        uint8 id = tokenIdOf(token);
        if (amount == 0) revert PortalZeroAmount();
        if (l2Recipient == address(0)) revert PortalZeroRecipient();
        index = _enqueue(1, l2Recipient, id, amount);
        IERC20 erc20 = IERC20(token);
        uint256 before = erc20.balanceOf(address(this));
        erc20.safeTransferFrom(msg.sender, address(this), amount);
        // a fee-on-transfer token would credit on L2 more than the portal holds
        uint256 received = erc20.balanceOf(address(this)) - before;
        if (received != amount) revert PortalShortfall(received, amount);
    }

    /// @inheritdoc IL2Portal
    function requestWithdrawal(address token, uint256 amount) external nonReentrant returns (uint64 index) {
        uint8 id = tokenIdOf(token);
        if (amount == 0) revert PortalZeroAmount();
        index = _enqueue(2, msg.sender, id, amount);
    }

    // -- withdrawals ----------------------------------------------------------------------------------------

    /// @inheritdoc IL2Portal
    function finalizeWithdrawal(
        uint64 batchIndex,
        IL2Rollup.StateHeader calldata header,
        address recipient,
        uint8 tokenId,
        uint256 amount,
        uint64 index,
        bytes32[] calldata siblings
    ) external nonReentrant {
        _checkWithdrawal(batchIndex, header, keccak256(abi.encode(recipient, tokenId, amount)), index, siblings);
        _claim(index);
        address token = tokenId < TOKENS ? _tokens[tokenId] : address(0);
        if (token == address(0)) revert PortalUnknownTokenId(tokenId);
        emit WithdrawalFinalized(index, recipient, tokenId, amount, batchIndex);
        IERC20(token).safeTransfer(recipient, amount);
    }

    // -- reads ----------------------------------------------------------------------------------------------

    /// @inheritdoc IL2Portal
    function tokenAt(uint8 tokenId) external view returns (address) {
        return tokenId < TOKENS ? _tokens[tokenId] : address(0);
    }

    /// @inheritdoc IL2Portal
    function tokens() external view returns (address[8] memory) {
        return _tokens;
    }

    /// @inheritdoc IL2Portal
    function tokenIdOf(address token) public view returns (uint8) {
        uint8 idPlusOne = _idOf[token];
        if (idPlusOne == 0) revert PortalUnknownToken(token);
        return idPlusOne - 1;
    }

    /// @inheritdoc IL2Portal
    function tokenCount() external view returns (uint8) {
        return _tokenCount;
    }

    /// @inheritdoc IL2Portal
    function queueLength() external view returns (uint64) {
        return uint64(_queue.length);
    }

    /// @inheritdoc IL2Portal
    function queueItem(uint64 index) external view returns (bytes32 hash, uint64 l1Block) {
        if (index >= _queue.length) revert PortalNoQueueItem(index);
        Item storage it = _queue[index];
        return (it.hash, it.l1Block);
    }

    /// @inheritdoc IL2Portal
    function isClaimed(uint64 index) external view returns (bool) {
        return _claimed[index >> 8] & (1 << (index & 255)) != 0;
    }

    /// @inheritdoc IL2Portal
    function rollup() external view returns (address) {
        return address(_rollup);
    }

    /// @notice The hash of a queue item (kind 1 deposit, 2 forced withdrawal).
    /// @return The hash.
    function queueItemHash(uint8 kind, address account, uint8 tokenId, uint256 amount) public pure returns (bytes32) {
        return keccak256(abi.encode(kind, account, tokenId, amount));
    }

    // -- internals ------------------------------------------------------------------------------------------

    function _enqueue(uint8 kind, address account, uint8 tokenId, uint256 amount) private returns (uint64 index) {
        index = uint64(_queue.length);
        uint64 l1Block = uint64(block.number);
        _queue.push(Item(queueItemHash(kind, account, tokenId, amount), l1Block));
        emit QueueItemAdded(index, kind, account, tokenId, amount, l1Block);
    }

    // batch final, header its root, the leaf at `index` of the header's withdrawals tree
    function _checkWithdrawal(
        uint64 batchIndex,
        IL2Rollup.StateHeader calldata header,
        bytes32 leaf,
        uint64 index,
        bytes32[] calldata siblings
    ) private view {
        IL2Rollup r = _rollup;
        if (address(r) == address(0)) revert PortalRollup();
        if (!r.isFinal(batchIndex)) revert PortalNotFinal(batchIndex);
        if (keccak256(abi.encode(header)) != r.stateRoot(batchIndex)) revert PortalBadHeader();
        if (index >= header.withdrawalCount || siblings.length != WITHDRAWAL_DEPTH) revert PortalBadProof();
        bytes32 node = leaf;
        for (uint256 i = 0; i < WITHDRAWAL_DEPTH; ++i) {
            bytes32 sib = siblings[i];
            node = (index >> i) & 1 == 0 ? _hash(node, sib) : _hash(sib, node);
        }
        if (node != header.withdrawalsRoot) revert PortalBadProof();
    }

    function _claim(uint64 index) private {
        uint256 word = index >> 8;
        uint256 bit = 1 << (index & 255);
        uint256 bits = _claimed[word];
        if (bits & bit != 0) revert PortalAlreadyClaimed(index);
        _claimed[word] = bits | bit;
    }

    function _hash(bytes32 a, bytes32 b) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore(0x00, a)
            mstore(0x20, b)
            h := keccak256(0x00, 0x40)
        }
    }
}
