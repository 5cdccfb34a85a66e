// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {ReentrancyGuardTransientUpgradeable} from
    "@openzeppelin/contracts-upgradeable/utils/ReentrancyGuardTransientUpgradeable.sol";
import {ICheckpointVerifier} from "../consensus/ICheckpointVerifier.sol";
import {GuardedUpgradeable} from "../security/GuardedUpgradeable.sol";
import {IBridge} from "./IBridge.sol";
import {WrappedResourceToken} from "./WrappedResourceToken.sol";

/// @title Bridge
/// @notice Lock-and-mint bridge attested by a guardian quorum or by the validator set's checkpoints of message roots,
///         with Governor-style rate limits (see {IBridge}).
///         Checks, then state and event, then token moves; every write behind a (transient) reentrancy guard.
/// @dev Upgradeable (UUPS behind a `UUPSProxy`, like SLAContract), as Wormhole's and the OP Stack's bridges are under
///      their governance: the Bridge holds every locked token of every route and is the only minter of the wrapped
///      tokens, so a bug in message verification or rate limiting must be fixable in place, without a migration of
///      the locked funds and with the wrapped tokens' minter unchanged (it is this proxy's address). Only the admin
///      upgrades (the timelock in production: every upgrade is a governance proposal with its delay). Storage:
///      OpenZeppelin's bases keep theirs in ERC-7201 namespaces; this contract's own variables start at slot 0 (the
///      former immutables first) and a later version may only append (checked before a proposal and in CI).
contract Bridge is IBridge, EIP712Upgradeable, ReentrancyGuardTransientUpgradeable, GuardedUpgradeable {
    using SafeERC20 for IERC20;

    /// @notice EIP-712 type of a delivery attestation.
    bytes32 public constant MESSAGE_TYPEHASH =
        keccak256(
            "Message(uint64 sourceChainId,uint64 targetChainId,uint64 nonce,uint64 tokenChainId,address token,"
            "uint256 amount,address sender,address recipient)"
        );

    /// @notice EIP-712 type of a cancellation of a delayed message.
    bytes32 public constant CANCEL_TYPEHASH = keccak256("Cancel(bytes32 messageHash)");


    struct Delayed {
        bytes32 hash;
        uint64 releaseAt;
        Outbound state;
    }

    struct Usage {
        uint64 day;
        uint192 used;
    }

    uint64 private _lastNonce;

    /// @notice How long a rate-limited transfer waits before it is published (in the nonce's slot: a send reads
    ///         both). Storage, not an immutable: an implementation's immutables are not the proxy's state.
    uint64 public delay;

    /// @notice Daily limit of a token on a route without limits of its own.
    uint256 public defaultDailyLimit;

    /// @notice Large-transfer size of a token on a route without limits of its own.
    uint256 public defaultLargeTransfer;

    mapping(uint64 nonce => Delayed) private _delayed;
    mapping(uint64 chainId => mapping(address token => uint256)) private _locked;
    mapping(uint64 chainId => mapping(uint64 nonce => bool)) private _delivered;
    mapping(uint64 chainId => mapping(address token => address)) private _wrapped;
    mapping(address wrapped => uint64) private _wrappedHome;
    mapping(address token => mapping(uint64 chainId => Limits)) private _limits;
    mapping(address token => mapping(uint64 chainId => Usage)) private _usage;

    address[] private _guardians;
    uint8 private _threshold;
    uint32 private _setIndex;
    // where set, its checkpoints of message roots attest deliveries instead of the guardians (in the slot of the
    // threshold and set index: a guardian delivery reads the three together)
    ICheckpointVerifier private _checkpointVerifier;
    // a guardian's set index + 1: membership of the current set is one storage read
    mapping(address guardian => uint32) private _memberOf;

    /// @dev The implementation is never used directly: its initializers are locked.
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initializes the proxy's state; run once, by the proxy's constructor (`UUPSProxy(impl, data)`).
    /// @param admin Holder of DEFAULT_ADMIN_ROLE (unpause, limits, guardian set): the timelock in production.
    /// @param guardian Holder of GUARDIAN_ROLE (may pause); the zero address for none.
    /// @param guardians The attesting guardians, ascending.
    /// @param threshold How many of them must sign.
    /// @param delay_ How long rate-limited transfers wait (seconds).
    /// @param dailyLimit Default daily limit per token and route.
    /// @param largeTransfer Default large-transfer size per token and route.
    function initialize(
        address admin,
        address guardian,
        address[] calldata guardians,
        uint8 threshold,
        uint64 delay_,
        uint256 dailyLimit,
        uint256 largeTransfer
    ) external initializer {
        __EIP712_init("NovaCronBridge", "1");
        __ReentrancyGuardTransient_init();
        __Guarded_init(admin, guardian);
        delay = delay_;
        defaultDailyLimit = dailyLimit;
        defaultLargeTransfer = largeTransfer;
        _setGuardians(guardians, threshold);
    }

    // -- sending ----------------------------------------------------------------------------------------------

    /// @inheritdoc IBridge
    function send(
        address token,
        uint256 amount,
        uint64 targetChainId,
        address recipient
    ) external whenNotPaused nonReentrant returns (uint64 nonce) {
        if (amount == 0) revert BridgeZeroAmount();
        if (recipient == address(0)) revert BridgeZeroRecipient();
        uint64 here = uint64(block.chainid);
        if (targetChainId == 0 || targetChainId == here) revert BridgeBadTarget(targetChainId);
        nonce = ++_lastNonce;
        uint64 home = _wrappedHome[token];
        Message memory m = Message(here, targetChainId, nonce, here, token, amount, msg.sender, recipient);
        bool late = _rateLimited(token, targetChainId, amount);
        if (home != 0) {
            // a wrapped token goes back to its home chain only, where its original is locked for this route
            if (home != targetChainId) revert BridgeWrongReturnChain(home, targetChainId);
            m.tokenChainId = home;
            m.token = WrappedResourceToken(token).token();
            _publish(m, late);
            WrappedResourceToken(token).burn(msg.sender, amount);
        } else {
            _locked[targetChainId][token] += amount;
            _publish(m, late);
            IERC20 erc20 = IERC20(token);
            uint256 before = erc20.balanceOf(address(this));
            erc20.safeTransferFrom(msg.sender, address(this), amount);
            // a fee-on-transfer token would leave the route's lock short of what the target mints
            uint256 received = erc20.balanceOf(address(this)) - before;
            if (received != amount) revert BridgeShortfall(received, amount);
        }
    }

    /// @inheritdoc IBridge
    function releaseDelayed(Message calldata message) external whenNotPaused nonReentrant {
        Delayed storage d = _openDelayed(message);
        if (block.timestamp < d.releaseAt) revert BridgeStillDelayed(d.releaseAt);
        d.state = Outbound.Published;
        emit MessagePublished(message.nonce, message.targetChainId, message);
    }

    /// @inheritdoc IBridge
    function cancelDelayed(Message calldata message, bytes[] calldata signatures) external nonReentrant {
        Delayed storage d = _openDelayed(message);
        if (block.timestamp >= d.releaseAt) revert BridgeDelayOver(d.releaseAt);
        _verify(_cancelDigest(message), signatures);
        d.state = Outbound.Cancelled;
        emit MessageCancelled(message.nonce);
        if (message.tokenChainId == block.chainid) {
            _locked[message.targetChainId][message.token] -= message.amount;
            IERC20(message.token).safeTransfer(message.sender, message.amount);
        } else {
            WrappedResourceToken(_wrapped[message.tokenChainId][message.token]).mint(message.sender, message.amount);
        }
    }

    // -- delivering -------------------------------------------------------------------------------------------

    /// @inheritdoc IBridge
    function deliver(Message calldata message, bytes[] calldata signatures) external whenNotPaused nonReentrant {
        address verifier = address(_checkpointVerifier);
        if (verifier != address(0)) revert BridgeCheckpointRequired(verifier);
        _checkDeliverable(message);
        _verify(_deliveryDigest(message), signatures);
        _deliver(message);
    }

    /// @inheritdoc IBridge
    function deliverWithCheckpoint(
        Message calldata message,
        uint64 height,
        bytes32 root,
        bytes32[] calldata proof
    ) external whenNotPaused nonReentrant {
        ICheckpointVerifier verifier = _checkpointVerifier;
        if (address(verifier) == address(0)) revert BridgeNoCheckpointVerifier();
        _checkDeliverable(message);
        bytes32 domain = _checkpointDomain(message.sourceChainId);
        if (!verifier.isFinal(domain, height, root)) revert BridgeCheckpointNotFinal(domain, height, root);
        bytes32 leaf = keccak256(abi.encode(message));
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert BridgeNotInCheckpoint(leaf, root);
        _deliver(message);
    }

    // -- guardians and limits ---------------------------------------------------------------------------------

    /// @inheritdoc IBridge
    function guardianPause() external {
        if (_memberOf[msg.sender] != _setIndex + 1) revert BridgeNotGuardian(msg.sender);
        _pause();
    }

    /// @inheritdoc IBridge
    function setLimits(
        address token,
        uint64 targetChainId,
        uint256 dailyLimit,
        uint256 largeTransfer
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _limits[token][targetChainId] = Limits(dailyLimit, largeTransfer);
        emit LimitsChanged(token, targetChainId, dailyLimit, largeTransfer);
    }

    /// @inheritdoc IBridge
    function setGuardians(address[] calldata guardians, uint8 threshold) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setGuardians(guardians, threshold);
    }

    /// @inheritdoc IBridge
    function setCheckpointVerifier(address verifier) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkpointVerifier = ICheckpointVerifier(verifier);
        emit CheckpointVerifierChanged(verifier);
    }

    // -- reads ------------------------------------------------------------------------------------------------

    /// @inheritdoc IBridge
    function deliveryDigest(Message calldata message) external view returns (bytes32) {
        return _deliveryDigest(message);
    }

    /// @inheritdoc IBridge
    function cancelDigest(Message calldata message) external view returns (bytes32) {
        return _cancelDigest(message);
    }

    /// @inheritdoc IBridge
    function verifyAttestation(bytes32 digest, bytes[] calldata signatures) external view {
        _verify(digest, signatures);
    }

    /// @inheritdoc IBridge
    function isDelivered(uint64 sourceChainId, uint64 nonce) external view returns (bool) {
        return _delivered[sourceChainId][nonce];
    }

    /// @inheritdoc IBridge
    function outbound(uint64 nonce) external view returns (Outbound state, uint64 releaseAt) {
        Delayed storage d = _delayed[nonce];
        if (d.state != Outbound.None) return (d.state, d.releaseAt);
        // only delayed messages are stored; every other nonce sent was published at once
        return (nonce != 0 && nonce <= _lastNonce ? Outbound.Published : Outbound.None, 0);
    }

    /// @inheritdoc IBridge
    function locked(uint64 chainId, address token) external view returns (uint256) {
        return _locked[chainId][token];
    }

    /// @inheritdoc IBridge
    function wrappedOf(uint64 tokenChainId, address token) external view returns (address) {
        return _wrapped[tokenChainId][token];
    }

    /// @inheritdoc IBridge
    function checkpointVerifier() external view returns (address) {
        return address(_checkpointVerifier);
    }

    /// @inheritdoc IBridge
    function checkpointDomain(uint64 sourceChainId) external pure returns (bytes32) {
        return _checkpointDomain(sourceChainId);
    }

    /// @inheritdoc IBridge
    function messageLeaf(Message calldata message) external pure returns (bytes32) {
        return keccak256(abi.encode(message));
    }

    /// @inheritdoc IBridge
    function guardianSet() external view returns (address[] memory guardians, uint8 threshold, uint32 index) {
        return (_guardians, _threshold, _setIndex);
    }

    /// @notice The limits in force for `token` on the route to `targetChainId` and what was used today.
    /// @param token The token (of this chain, or a wrapped one).
    /// @param targetChainId The route's target.
    /// @return dailyLimit The daily limit.
    /// @return largeTransfer The large-transfer size.
    /// @return usedToday What left today (UTC day of the block) without delay.
    function limitsOf(
        address token,
        uint64 targetChainId
    ) external view returns (uint256 dailyLimit, uint256 largeTransfer, uint256 usedToday) {
        (dailyLimit, largeTransfer) = _limitsOf(token, targetChainId);
        Usage memory u = _usage[token][targetChainId];
        // Day numbers, not balances: equality is the test meant ("was the usage recorded today?"), and nobody can
        // make the two differ by a unit to slip past it.
        // slither-disable-next-line incorrect-equality
        usedToday = u.day == block.timestamp / 1 days ? u.used : 0;
    }

    /// @notice The last nonce this bridge sent.
    /// @return The nonce (0 before the first message).
    function lastNonce() external view returns (uint64) {
        return _lastNonce;
    }

    // -- internals --------------------------------------------------------------------------------------------

    function _publish(Message memory m, bool late) private {
        if (late) {
            uint64 releaseAt = uint64(block.timestamp) + delay;
            _delayed[m.nonce] = Delayed(keccak256(abi.encode(m)), releaseAt, Outbound.Delayed);
            emit MessageDelayed(m.nonce, m.targetChainId, releaseAt, m);
        } else {
            emit MessagePublished(m.nonce, m.targetChainId, m);
        }
    }

    // whether the transfer waits: large ones always, others when they would take the day past the limit (those
    // that wait do not count against the day, as in Wormhole's Governor)
    function _rateLimited(address token, uint64 targetChainId, uint256 amount) private returns (bool) {
        (uint256 dailyLimit, uint256 largeTransfer) = _limitsOf(token, targetChainId);
        if (amount >= largeTransfer) return true;
        uint64 today = uint64(block.timestamp / 1 days);
        Usage memory u = _usage[token][targetChainId];
        // Day numbers, not balances: equality is the test meant (usage recorded on another day counts as none).
        // slither-disable-next-line incorrect-equality
        uint256 used = u.day == today ? u.used : 0;
        if (used + amount > dailyLimit) return true;
        // used + amount <= dailyLimit <= 2**192 - 1 (_limitsOf caps it): the cast is exact
        _usage[token][targetChainId] = Usage(today, uint192(used + amount));
        return false;
    }

    function _limitsOf(address token, uint64 targetChainId) private view returns (uint256, uint256) {
        Limits memory l = _limits[token][targetChainId];
        uint256 daily = l.dailyLimit == 0 ? defaultDailyLimit : l.dailyLimit;
        return (
            daily > type(uint192).max ? type(uint192).max : daily,
            l.largeTransfer == 0 ? defaultLargeTransfer : l.largeTransfer
        );
    }

    function _openDelayed(Message calldata message) private view returns (Delayed storage d) {
        d = _delayed[message.nonce];
        if (
            message.sourceChainId != block.chainid ||
            d.state != Outbound.Delayed ||
            d.hash != keccak256(abi.encode(message))
        ) revert BridgeNotDelayed(message.nonce);
    }

    function _createWrapped(uint64 tokenChainId, address token) private returns (address wrapped) {
        wrapped = address(new WrappedResourceToken{salt: keccak256(abi.encode(tokenChainId, token))}(tokenChainId, token));
        _wrapped[tokenChainId][token] = wrapped;
        _wrappedHome[wrapped] = tokenChainId;
        emit WrappedCreated(tokenChainId, token, wrapped);
    }

    function _checkDeliverable(Message calldata message) private view {
        if (message.targetChainId != block.chainid) revert BridgeWrongChain(message.targetChainId);
        if (_delivered[message.sourceChainId][message.nonce]) {
            revert BridgeAlreadyDelivered(message.sourceChainId, message.nonce);
        }
    }

    // the same delivery rules whatever attested the message: once, never more than locked for the route
    function _deliver(Message calldata message) private {
        _delivered[message.sourceChainId][message.nonce] = true;
        if (message.tokenChainId == block.chainid) {
            // the way back: release what this bridge locked for the route, never more
            uint256 held = _locked[message.sourceChainId][message.token];
            if (held < message.amount) revert BridgeInsufficientLocked(held, message.amount);
            _locked[message.sourceChainId][message.token] = held - message.amount;
            emit MessageDelivered(message.sourceChainId, message.nonce, address(0));
            IERC20(message.token).safeTransfer(message.recipient, message.amount);
        } else {
            // only tokens of the source chain are minted: a wrapped token never hops on to a third chain
            if (message.tokenChainId != message.sourceChainId) {
                revert BridgeWrongReturnChain(message.tokenChainId, message.sourceChainId);
            }
            address wrapped = _wrapped[message.tokenChainId][message.token];
            if (wrapped == address(0)) wrapped = _createWrapped(message.tokenChainId, message.token);
            emit MessageDelivered(message.sourceChainId, message.nonce, wrapped);
            WrappedResourceToken(wrapped).mint(message.recipient, message.amount);
        }
    }

    function _checkpointDomain(uint64 sourceChainId) private pure returns (bytes32) {
        return keccak256(bytes(string.concat("bridge:", Strings.toString(sourceChainId))));
    }

    function _deliveryDigest(Message calldata m) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(MESSAGE_TYPEHASH, m)));
    }

    function _cancelDigest(Message calldata m) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(CANCEL_TYPEHASH, keccak256(abi.encode(m)))));
    }

    // a quorum of distinct current guardians: signers strictly ascending, so no signature counts twice
    function _verify(bytes32 digest, bytes[] calldata signatures) private view {
        uint32 member = _setIndex + 1;
        uint256 threshold = _threshold;
        if (signatures.length < threshold) revert BridgeQuorumNotMet(signatures.length, threshold);
        address last = address(0);
        for (uint256 i = 0; i < signatures.length; ++i) {
            bytes calldata sig = signatures[i];
            address signer = address(0);
            if (sig.length == 65) {
                // tryRecover returns address(0) on every failure, which the guardian check below rejects
                // slither-disable-next-line unused-return
                (signer, , ) = ECDSA.tryRecover(digest, uint8(sig[64]), bytes32(sig[0:32]), bytes32(sig[32:64]));
            }
            if (_memberOf[signer] != member || signer == address(0)) revert BridgeNotGuardian(signer);
            if (signer <= last) revert BridgeSignersNotSorted(signer);
            last = signer;
        }
    }

    function _setGuardians(address[] memory guardians, uint8 threshold) private {
        uint256 n = guardians.length;
        if (n == 0 || n > type(uint8).max || threshold == 0 || threshold > n) revert BridgeBadGuardianSet();
        uint32 index = _guardians.length == 0 ? 0 : _setIndex + 1;
        address last = address(0);
        for (uint256 i = 0; i < n; ++i) {
            if (guardians[i] <= last) revert BridgeBadGuardianSet();
            last = guardians[i];
            _memberOf[guardians[i]] = index + 1;
        }
        _guardians = guardians;
        _threshold = threshold;
        _setIndex = index;
        emit GuardianSetChanged(index, guardians, threshold);
    }
}
