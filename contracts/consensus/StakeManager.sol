// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {Guarded} from "../security/Guarded.sol";
import {BLS} from "./BLS.sol";
import {ICheckpointVerifier} from "./ICheckpointVerifier.sol";
import {IStakeManager} from "./IStakeManager.sol";

/// @notice The double-sign slashing split of a validator's `stake` (bonded + unbonding): `slashed` is `rateBps` of it
///         rounded up (`rateBps` <= 10,000, so `slashed` <= `stake`), `reward` is `rewardBps` of `slashed` rounded
///         down (the reporter's part; the treasury gets `slashed - reward`). A free function so that the symbolic
///         proofs in test/halmos run the very code the StakeManager runs (the BLS evidence around it is out of their
///         reach).
function slashSplit(uint256 stake, uint256 rateBps, uint256 rewardBps) pure returns (uint256 slashed, uint256 reward) {
    slashed = Math.mulDiv(stake, rateBps, 10_000, Math.Rounding.Ceil);
    reward = Math.mulDiv(slashed, rewardBps, 10_000);
}

/// @title StakeManager
/// @notice NovaCron's validator registry: bonded NOVA, BLS keys with proofs of possession, per-epoch validator sets,
///         double-sign slashing and downtime jailing (see {IStakeManager}). Pausable by a guardian (see {Guarded});
///         reads work while paused.
/// @dev Storage is laid out for the checkpoint verifier's hot path, `signingSet`, which costs per non-signer one cold
///      storage slot (its weight cache) and one cold EXTCODECOPY (its key):
///      - each validator's key lives in the code of a tiny contract the StakeManager creates at registration (the
///        StakeManager creates nothing else, so the address follows from the validator's index and needs no storage
///        read; the code is the 128-byte key behind a STOP byte);
///      - each validator's weight sits in one slot that answers for the last two weight changes (`_Weight`), with an
///        OpenZeppelin `Checkpoints.Trace208` holding the full history for older epochs;
///      - the total weight and the active count per epoch are `Trace208`s, the aggregate key (sum of the active keys,
///        kept with G1ADD on each activation and deactivation) is stored per epoch where it changed, in 3 slots.
///      All set changes are keyed by the next epoch, so the traces only ever append or rewrite their last entry.
contract StakeManager is IStakeManager, ReentrancyGuard, Guarded {
    using SafeERC20 for IERC20;
    using Checkpoints for Checkpoints.Trace208;

    /// @notice Type hash of the proof-of-possession message (see `popMessage`).
    bytes32 public constant POP_TYPEHASH =
        keccak256("NovaCronProofOfPossession(address owner,address signer,bytes pubkey)");

    uint256 private constant BPS = 10_000;
    uint256 private constant MAX_DOWNTIME_WINDOW = 1000;
    uint256 private constant HIGH_128 = 0xffffffffffffffffffffffffffffffff00000000000000000000000000000000;

    /// @dev Init code of a key store: PUSH2 129, DUP1, PUSH1 10, PUSH0, CODECOPY, PUSH0, RETURN; then the code it
    ///      returns: STOP and the 128-byte key.
    bytes private constant KEY_STORE_PREFIX = hex"61008180600a5f395ff300";

    /// @dev A validator in 3 slots.
    struct ValidatorData {
        address owner;
        uint48 withdrawableAt;
        uint48 jailedUntil;
        address signer;
        uint96 bonded;
        uint96 unbonding;
        uint48 rejoinEpoch;
        bool jailed;
        bool tombstoned;
    }

    /// @dev A validator's weight is `current` from epoch `epoch` on and `previous` from `previousEpoch` until then;
    ///      for earlier epochs, see its history trace.
    struct Weight {
        uint32 epoch;
        uint32 previousEpoch;
        uint96 previous;
        uint96 current;
    }

    /// @dev `currentEpoch() = anchorEpoch + (block.timestamp - anchorTime) / epochLength`.
    struct Clock {
        uint64 anchorEpoch;
        uint64 anchorTime;
        uint64 epochLength;
    }

    IERC20 private immutable _token;
    address private _verifier;
    Clock private _clock;
    Parameters private _params;

    ValidatorData[] private _validators;
    mapping(uint256 index => Weight) private _weights;
    mapping(uint256 index => Checkpoints.Trace208) private _weightHistory;
    mapping(address owner => uint256 indexPlusOne) private _indexOf;
    mapping(bytes32 pubkeyHash => uint256 indexPlusOne) private _indexOfPubkey;

    Checkpoints.Trace208 private _totalStake;
    Checkpoints.Trace208 private _activeCount;
    /// @dev epoch => the epoch whose `_aggregateKeys` entry holds the aggregate key from that epoch on
    Checkpoints.Trace208 private _aggregateEpochs;
    // written through a storage pointer in _addToAggregate (slither does not follow it)
    // slither-disable-next-line uninitialized-state
    mapping(uint256 epoch => bytes32[3]) private _aggregateKeys;

    /// @param admin Holder of DEFAULT_ADMIN_ROLE (parameters, unpause): the timelock in production.
    /// @param guardian Holder of GUARDIAN_ROLE (may pause); the zero address for none yet.
    /// @param stakeToken_ The stake token (NOVA): a plain ERC-20 (no fee on transfer, no rebasing).
    /// @param epochLength Seconds per epoch (epoch 0 starts now).
    /// @param parameters_ The initial parameters.
    constructor(
        address admin,
        address guardian,
        address stakeToken_,
        uint64 epochLength,
        Parameters memory parameters_
    ) Guarded(admin, guardian) {
        if (stakeToken_ == address(0)) revert StakeManagerZeroAddress();
        _validateParameters(parameters_, epochLength);
        _token = IERC20(stakeToken_);
        _clock = Clock({anchorEpoch: 0, anchorTime: SafeCast.toUint64(block.timestamp), epochLength: epochLength});
        _params = parameters_;
    }

    // -- validator writes --------------------------------------------------------------------------------------

    /// @inheritdoc IStakeManager
    function register(
        address signer,
        bytes calldata pubkey,
        bytes calldata popSignature,
        uint256 amount
    ) external whenNotPaused nonReentrant returns (uint256 index) {
        if (signer == address(0)) revert StakeManagerZeroAddress();
        uint256 existing = _indexOf[msg.sender];
        if (existing != 0) revert StakeManagerAlreadyRegistered(msg.sender, existing - 1);
        uint256 minStake = _params.minStake;
        if (amount < minStake) revert StakeManagerStakeBelowMinimum(amount, minStake);
        _checkPubkeyEncoding(pubkey);
        bytes32 pubkeyHash = keccak256(pubkey);
        uint256 taken = _indexOfPubkey[pubkeyHash];
        if (taken != 0) revert StakeManagerPubkeyTaken(taken - 1);
        if (!BLS.verify(pubkey, _popMessage(msg.sender, signer, pubkeyHash), popSignature, BLS.DST_POP)) {
            revert StakeManagerBadProofOfPossession();
        }

        index = _validators.length;
        _validators.push(
            ValidatorData({
                owner: msg.sender,
                withdrawableAt: 0,
                jailedUntil: 0,
                signer: signer,
                bonded: SafeCast.toUint96(amount),
                unbonding: 0,
                rejoinEpoch: 0,
                jailed: false,
                tombstoned: false
            })
        );
        _indexOf[msg.sender] = index + 1;
        _indexOfPubkey[pubkeyHash] = index + 1;
        _storePubkey(index, pubkey);
        uint64 next = _currentEpoch() + 1;
        _setWeight(index, amount, next);
        emit ValidatorRegistered(index, msg.sender, signer, pubkey, amount, next);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IStakeManager
    function topUp(uint256 amount) external whenNotPaused nonReentrant {
        if (amount == 0) revert StakeManagerZeroAmount();
        uint256 index = _ownIndex();
        ValidatorData storage v = _validators[index];
        if (v.tombstoned) revert StakeManagerTombstoned(index);
        uint256 bonded = v.bonded + amount;
        uint256 minStake = _params.minStake;
        if (bonded < minStake) revert StakeManagerStakeBelowMinimum(bonded, minStake);
        v.bonded = SafeCast.toUint96(bonded);
        uint64 next = _currentEpoch() + 1;
        _setWeight(index, _weightOf(v), next);
        emit ValidatorToppedUp(index, amount, bonded, next);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IStakeManager
    function unbond(uint256 amount) external whenNotPaused {
        if (amount == 0) revert StakeManagerZeroAmount();
        uint256 index = _ownIndex();
        ValidatorData storage v = _validators[index];
        uint256 bonded = v.bonded;
        if (amount > bonded) revert StakeManagerUnbondExceedsBonded(amount, bonded);
        uint256 remaining = bonded - amount;
        uint256 minStake = _params.minStake;
        if (remaining != 0 && remaining < minStake) revert StakeManagerStakeBelowMinimum(remaining, minStake);
        uint256 unbonding = v.unbonding + amount;
        uint48 withdrawableAt = SafeCast.toUint48(block.timestamp + _params.unbondingPeriod);
        // remaining <= bonded and unbonding <= bonded + unbonding, both already stored in uint96
        // forge-lint: disable-next-line(unsafe-typecast)
        v.bonded = uint96(remaining);
        // forge-lint: disable-next-line(unsafe-typecast)
        v.unbonding = uint96(unbonding);
        v.withdrawableAt = withdrawableAt;
        uint64 next = _currentEpoch() + 1;
        _setWeight(index, _weightOf(v), next);
        emit ValidatorUnbonded(index, amount, remaining, unbonding, withdrawableAt, next);
    }

    /// @inheritdoc IStakeManager
    function withdraw() external whenNotPaused nonReentrant returns (uint256 amount) {
        uint256 index = _ownIndex();
        ValidatorData storage v = _validators[index];
        amount = v.unbonding;
        if (amount == 0) revert StakeManagerNothingToWithdraw(index);
        uint48 withdrawableAt = v.withdrawableAt;
        // unbonding periods are days long: a block producer's few seconds of clock drift do not matter
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < withdrawableAt) revert StakeManagerWithdrawTooEarly(index, withdrawableAt);
        v.unbonding = 0;
        v.withdrawableAt = 0;
        emit StakeWithdrawn(index, msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IStakeManager
    function unjail() external whenNotPaused {
        uint256 index = _ownIndex();
        ValidatorData storage v = _validators[index];
        if (v.tombstoned) revert StakeManagerTombstoned(index);
        if (!v.jailed) revert StakeManagerNotJailed(index);
        uint48 jailedUntil = v.jailedUntil;
        // jail durations are hours to days long: clock drift of seconds does not matter
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < jailedUntil) revert StakeManagerJailNotOver(index, jailedUntil);
        v.jailed = false;
        uint64 next = _currentEpoch() + 1;
        _setWeight(index, _weightOf(v), next);
        emit ValidatorUnjailed(index, next);
    }

    // -- evidence ----------------------------------------------------------------------------------------------

    /// @inheritdoc IStakeManager
    function reportDoubleSign(
        uint256 index,
        bytes32 domain,
        uint64 height,
        bytes32 rootA,
        uint64 epochA,
        bytes calldata signatureA,
        bytes32 rootB,
        uint64 epochB,
        bytes calldata signatureB
    ) external whenNotPaused nonReentrant {
        if (rootA == rootB) revert StakeManagerEvidenceSameRoot(rootA);
        _requireValidator(index);
        if (_validators[index].tombstoned) revert StakeManagerTombstoned(index);
        _checkEvidence(index, domain, height, rootA, epochA, signatureA, 0);
        _checkEvidence(index, domain, height, rootB, epochB, signatureB, 1);
        (uint256 slashed, uint256 reward) = _slash(index);
        _emitSlashed(index, domain, height, rootA, rootB, slashed, reward);
        _token.safeTransfer(msg.sender, reward);
        _token.safeTransfer(_params.treasury, slashed - reward);
    }

    /// @inheritdoc IStakeManager
    function jail(
        uint256 index,
        bytes32 domain,
        uint64[] calldata heights,
        uint256[][] calldata nonSigners
    ) external whenNotPaused {
        _requireValidator(index);
        ValidatorData storage v = _validators[index];
        if (v.tombstoned) revert StakeManagerTombstoned(index);
        if (v.jailed) revert StakeManagerAlreadyJailed(index);
        uint64 next = _currentEpoch() + 1;
        if (_weights[index].current == 0) revert StakeManagerNotActive(index, next);
        uint256 window = _params.downtimeWindow;
        if (heights.length != window || nonSigners.length != window) {
            revert StakeManagerBadDowntimeWindow(heights.length, nonSigners.length, window);
        }
        uint256 missed = _countMissed(index, domain, heights, nonSigners, v.rejoinEpoch);
        // missed <= window: at most one miss per checkpoint
        uint256 signed = window - missed;
        if (signed * BPS >= uint256(_params.downtimeMinSignedBps) * window) {
            revert StakeManagerEnoughSigned(signed, window);
        }
        uint48 jailedUntil = SafeCast.toUint48(block.timestamp + _params.jailDuration);
        v.jailed = true;
        v.jailedUntil = jailedUntil;
        _setWeight(index, 0, next);
        emit ValidatorJailed(index, msg.sender, domain, missed, window, jailedUntil, next);
    }

    // -- admin -------------------------------------------------------------------------------------------------

    /// @inheritdoc IStakeManager
    function setParameters(Parameters calldata parameters_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _validateParameters(parameters_, _clock.epochLength);
        _params = parameters_;
        emit ParametersChanged(parameters_);
    }

    /// @inheritdoc IStakeManager
    function setEpochLength(uint64 epochLength) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (epochLength == 0 || uint256(epochLength) * 2 > _params.unbondingPeriod) {
            revert StakeManagerInvalidParameter("epochLength", epochLength);
        }
        Clock memory clock = _clock;
        uint64 current = _currentEpoch();
        uint64 start = clock.anchorTime + (current - clock.anchorEpoch) * clock.epochLength;
        _clock = Clock({anchorEpoch: current, anchorTime: start, epochLength: epochLength});
        emit EpochLengthChanged(epochLength, current);
    }

    /// @inheritdoc IStakeManager
    function setCheckpointVerifier(address verifier) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (verifier == address(0)) revert StakeManagerZeroAddress();
        if (_verifier != address(0)) revert StakeManagerVerifierAlreadySet(_verifier);
        _verifier = verifier;
        emit CheckpointVerifierSet(verifier);
    }

    // -- reads -------------------------------------------------------------------------------------------------

    /// @inheritdoc IStakeManager
    function stakeToken() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IStakeManager
    function checkpointVerifier() external view returns (address) {
        return _verifier;
    }

    /// @inheritdoc IStakeManager
    function parameters() external view returns (Parameters memory) {
        return _params;
    }

    /// @inheritdoc IStakeManager
    function currentEpoch() external view returns (uint64) {
        return _currentEpoch();
    }

    /// @inheritdoc IStakeManager
    function epochClock() external view returns (uint64 anchorEpoch, uint64 anchorTime, uint64 epochLength) {
        Clock memory clock = _clock;
        return (clock.anchorEpoch, clock.anchorTime, clock.epochLength);
    }

    /// @inheritdoc IStakeManager
    function nextEpochAt() external view returns (uint64) {
        Clock memory clock = _clock;
        return clock.anchorTime + (_currentEpoch() + 1 - clock.anchorEpoch) * clock.epochLength;
    }

    /// @inheritdoc IStakeManager
    function validatorCount() external view returns (uint256) {
        return _validators.length;
    }

    /// @inheritdoc IStakeManager
    function activeValidatorCount() public view returns (uint256) {
        return _recentLookup(_activeCount, SafeCast.toUint48(_currentEpoch()));
    }

    /// @inheritdoc IStakeManager
    function activeValidatorCountAt(uint64 epoch) external view returns (uint256) {
        return _recentLookup(_activeCount, SafeCast.toUint48(epoch));
    }

    /// @inheritdoc IStakeManager
    function underDecentralised() external view returns (bool) {
        return activeValidatorCount() < _params.minValidators;
    }

    /// @inheritdoc IStakeManager
    function validator(uint256 index) external view returns (Validator memory) {
        _requireValidator(index);
        ValidatorData memory v = _validators[index];
        return
            Validator({
                owner: v.owner,
                signer: v.signer,
                pubkey: _pubkey(index),
                bonded: v.bonded,
                unbonding: v.unbonding,
                withdrawableAt: v.withdrawableAt,
                jailedUntil: v.jailedUntil,
                rejoinEpoch: v.rejoinEpoch,
                jailed: v.jailed,
                tombstoned: v.tombstoned
            });
    }

    /// @inheritdoc IStakeManager
    function indexOf(address owner) external view returns (uint256) {
        uint256 indexPlusOne = _indexOf[owner];
        if (indexPlusOne == 0) revert StakeManagerNotRegistered(owner);
        return indexPlusOne - 1;
    }

    /// @inheritdoc IStakeManager
    function isRegistered(address owner) external view returns (bool) {
        return _indexOf[owner] != 0;
    }

    /// @inheritdoc IStakeManager
    function pubkeyOf(uint256 index) external view returns (bytes memory) {
        _requireValidator(index);
        return _pubkey(index);
    }

    /// @inheritdoc IStakeManager
    function stakeAt(uint256 index, uint64 epoch) external view returns (uint256) {
        return _weightAt(index, epoch);
    }

    /// @inheritdoc IStakeManager
    function totalStakeAt(uint64 epoch) external view returns (uint256) {
        return _recentLookup(_totalStake, SafeCast.toUint48(epoch));
    }

    /// @inheritdoc IStakeManager
    function aggregatePubkeyAt(uint64 epoch) external view returns (bytes memory) {
        return _aggregateAt(SafeCast.toUint48(epoch));
    }

    /// @inheritdoc IStakeManager
    function signingSet(
        uint64 epoch,
        uint256[] calldata nonSigners
    ) external view returns (bytes memory aggregatePubkey, uint256 signedStake, uint256 totalStake) {
        uint48 key = SafeCast.toUint48(epoch);
        totalStake = _recentLookup(_totalStake, key);
        aggregatePubkey = _aggregateAt(key);
        uint256 count = nonSigners.length;
        if (count == 0) return (aggregatePubkey, totalStake, totalStake);

        // buffer = [running sum of the non-signers' keys | the next key]: G1ADD reads it whole and writes the sum
        // back into its first half
        bytes memory buffer = new bytes(256);
        uint256 missing;
        uint256 previous;
        for (uint256 k = 0; k < count; ++k) {
            uint256 index = nonSigners[k];
            if (k != 0 && index <= previous) revert StakeManagerNonSignersNotSorted(k);
            previous = index;
            uint256 weight = _weightAt(index, epoch);
            // a listed non-signer must have weight in the epoch: zero is the exact value that means "not active"
            // slither-disable-next-line incorrect-equality
            if (weight == 0) revert StakeManagerNotActive(index, epoch);
            missing += weight;
            address store = _keyStore(index);
            bool ok;
            assembly ("memory-safe") {
                let b := add(buffer, 0x20)
                extcodecopy(store, add(b, 128), 1, 128)
                ok := staticcall(gas(), 0x0b, b, 256, b, 128)
                ok := and(ok, eq(returndatasize(), 128))
            }
            if (!ok) revert BLS.BLSPrecompileFailed(BLS.G1ADD);
        }
        bytes memory missingKey = new bytes(128);
        assembly ("memory-safe") {
            mcopy(add(missingKey, 0x20), add(buffer, 0x20), 128)
        }
        aggregatePubkey = BLS.g1Add(aggregatePubkey, BLS.g1Negate(missingKey));
        // every non-signer's weight is part of the epoch's total
        signedStake = totalStake - missing;
    }

    /// @inheritdoc IStakeManager
    function popMessage(address owner, address signer, bytes calldata pubkey) external view returns (bytes32) {
        return _popMessage(owner, signer, keccak256(pubkey));
    }

    // -- private -----------------------------------------------------------------------------------------------

    function _currentEpoch() private view returns (uint64) {
        Clock memory clock = _clock;
        return clock.anchorEpoch + uint64((block.timestamp - clock.anchorTime) / clock.epochLength);
    }

    function _popMessage(address owner, address signer, bytes32 pubkeyHash) private view returns (bytes32) {
        return keccak256(abi.encode(POP_TYPEHASH, block.chainid, address(this), owner, signer, pubkeyHash));
    }

    function _ownIndex() private view returns (uint256) {
        uint256 indexPlusOne = _indexOf[msg.sender];
        if (indexPlusOne == 0) revert StakeManagerNotRegistered(msg.sender);
        return indexPlusOne - 1;
    }

    function _requireValidator(uint256 index) private view {
        uint256 count = _validators.length;
        if (index >= count) revert StakeManagerUnknownValidator(index, count);
    }

    function _requireVerifier() private view returns (ICheckpointVerifier) {
        address verifier = _verifier;
        if (verifier == address(0)) revert StakeManagerVerifierNotSet();
        return ICheckpointVerifier(verifier);
    }

    /// @dev The weight a validator's state gives it.
    function _weightOf(ValidatorData storage v) private view returns (uint256) {
        return v.jailed || v.tombstoned ? 0 : v.bonded;
    }

    function _weightAt(uint256 index, uint64 epoch) private view returns (uint256) {
        Weight memory w = _weights[index];
        if (epoch >= w.epoch) return w.current;
        if (epoch >= w.previousEpoch) return w.previous;
        return _weightHistory[index].upperLookupRecent(SafeCast.toUint48(epoch));
    }

    /// @dev Schedules validator `index`'s weight `weight` from epoch `next` (the current epoch + 1) and updates the
    ///      epoch's total, active count and aggregate key. Activating a validator needs room in the active set and
    ///      starts a new stretch (`rejoinEpoch`).
    function _setWeight(uint256 index, uint256 weight, uint64 next) private {
        Weight memory w = _weights[index];
        uint256 old = w.current;
        // weights are exact stake amounts we wrote ourselves, not balances an attacker can nudge: equality is intended
        // slither-disable-next-line incorrect-equality
        if (old == weight) return;
        uint32 epoch = SafeCast.toUint32(next);
        if (w.epoch != epoch) {
            w.previousEpoch = w.epoch;
            w.previous = w.current;
            w.epoch = epoch;
        }
        // weights are bonded stakes, stored as uint96
        // forge-lint: disable-next-line(unsafe-typecast)
        w.current = uint96(weight);
        _weights[index] = w;
        uint48 key = uint48(epoch);
        // a uint96 weight fits uint208; `key` is a uint32 epoch
        // forge-lint: disable-next-line(unsafe-typecast)
        // Checkpoints.push returns the previous and new values, which this bookkeeping does not need
        // slither-disable-next-line unused-return
        _weightHistory[index].push(key, uint208(weight));
        // slither-disable-next-line unused-return
        _totalStake.push(key, SafeCast.toUint208(_totalStake.latest() + weight - old));
        // slither-disable-next-line incorrect-equality
        if (old == 0 || weight == 0) {
            uint256 active = _activeCount.latest();
            bytes memory pubkey = _pubkey(index);
            // slither-disable-next-line incorrect-equality
            if (old == 0) {
                uint256 maxValidators = _params.maxValidators;
                if (active >= maxValidators) revert StakeManagerValidatorSetFull(maxValidators);
                // counts are bounded by maxValidators (uint32)
                // forge-lint: disable-next-line(unsafe-typecast)
                // Checkpoints.push returns the previous and new values, which this bookkeeping does not need
                // slither-disable-next-line unused-return
                _activeCount.push(key, uint208(active + 1));
                _validators[index].rejoinEpoch = key;
                _addToAggregate(key, pubkey);
            } else {
                // the validator was active, so it was counted
                // forge-lint: disable-next-line(unsafe-typecast)
                // slither-disable-next-line unused-return
                _activeCount.push(key, uint208(active - 1));
                _addToAggregate(key, BLS.g1Negate(pubkey));
            }
        }
    }

    /// @dev Reverts unless `signature` is validator `index`'s over the checkpoint digest of (domain, height, root,
    ///      epoch).
    function _checkEvidence(
        uint256 index,
        bytes32 domain,
        uint64 height,
        bytes32 root,
        uint64 epoch,
        bytes calldata signature,
        uint256 which
    ) private view {
        bytes32 digest = _requireVerifier().checkpointDigest(domain, height, root, epoch);
        if (!BLS.verify(_pubkey(index), digest, signature, BLS.DST_SIG)) revert StakeManagerBadEvidenceSignature(which);
    }

    function _emitSlashed(
        uint256 index,
        bytes32 domain,
        uint64 height,
        bytes32 rootA,
        bytes32 rootB,
        uint256 slashed,
        uint256 reward
    ) private {
        emit ValidatorSlashed(index, msg.sender, domain, height, rootA, rootB, slashed, reward);
    }

    /// @dev Takes `slashingRateBps` of the validator's bonded and unbonding stake (rounded up), tombstones it and
    ///      schedules its remaining stake for withdrawal after the unbonding period.
    function _slash(uint256 index) private returns (uint256 slashed, uint256 reward) {
        ValidatorData storage v = _validators[index];
        Parameters storage p = _params;
        uint256 stake = uint256(v.bonded) + v.unbonding;
        (slashed, reward) = slashSplit(stake, p.slashingRateBps, p.reporterRewardBps);
        // slashed <= stake (rate <= 100%), and stake fit in uint96 before
        // forge-lint: disable-next-line(unsafe-typecast)
        uint96 remaining = uint96(stake - slashed);
        v.bonded = 0;
        v.unbonding = remaining;
        v.tombstoned = true;
        uint48 withdrawableAt = SafeCast.toUint48(block.timestamp + p.unbondingPeriod);
        if (withdrawableAt > v.withdrawableAt) v.withdrawableAt = withdrawableAt;
        _setWeight(index, 0, _currentEpoch() + 1);
    }

    /// @dev Counts the window's checkpoints whose non-signer list holds `index`, checking the proof on the way.
    function _countMissed(
        uint256 index,
        bytes32 domain,
        uint64[] calldata heights,
        uint256[][] calldata nonSigners,
        uint48 rejoinEpoch
    ) private view returns (uint256 missed) {
        ICheckpointVerifier verifier = _requireVerifier();
        uint256 window = heights.length;
        // zero until the first window entry sets it (k == 0 below); read only after that
        // slither-disable-next-line uninitialized-local
        uint64 firstSeq;
        for (uint256 k = 0; k < window; ++k) {
            (uint64 seq, bool missedIt) = _checkWindowEntry(
                verifier,
                index,
                domain,
                heights[k],
                nonSigners[k],
                rejoinEpoch,
                k
            );
            if (k == 0) {
                firstSeq = seq;
            } else if (seq != firstSeq + k) {
                revert StakeManagerWindowNotConsecutive(k);
            }
            if (missedIt) ++missed;
        }
        uint64 count = verifier.checkpointCount(domain);
        // the window's last checkpoint must be among the domain's latest `window` checkpoints
        // window <= MAX_DOWNTIME_WINDOW
        // forge-lint: disable-next-line(unsafe-typecast)
        uint64 lastSeq = firstSeq + uint64(window) - 1;
        if (lastSeq + window < count) revert StakeManagerWindowNotRecent(lastSeq, count);
    }

    /// @dev Checks one checkpoint of a downtime proof; returns its sequence number and whether `index` missed it.
    function _checkWindowEntry(
        ICheckpointVerifier verifier,
        uint256 index,
        bytes32 domain,
        uint64 height,
        uint256[] calldata list,
        uint48 rejoinEpoch,
        uint256 position
    ) private view returns (uint64 seq, bool missedIt) {
        ICheckpointVerifier.Checkpoint memory c = verifier.checkpoint(domain, height);
        if (c.submittedAt == 0) revert StakeManagerUnknownCheckpoint(domain, height);
        if (c.epoch < rejoinEpoch) revert StakeManagerWindowBeforeRejoin(position, c.epoch, rejoinEpoch);
        bytes32 listHash = list.length == 0 ? bytes32(0) : keccak256(abi.encodePacked(list));
        if (listHash != c.nonSignersHash) revert StakeManagerNonSignersMismatch(position);
        return (c.seq, _contains(list, index));
    }

    /// @dev Binary search in a strictly increasing list (the verifier accepted it, so it is sorted).
    function _contains(uint256[] calldata list, uint256 value) private pure returns (bool) {
        uint256 low = 0;
        uint256 high = list.length;
        while (low < high) {
            uint256 mid = Math.average(low, high);
            uint256 item = list[mid];
            if (item == value) return true;
            if (item < value) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return false;
    }

    function _validateParameters(Parameters memory p, uint64 epochLength) private pure {
        if (p.minStake == 0 || p.minStake > type(uint96).max) {
            revert StakeManagerInvalidParameter("minStake", p.minStake);
        }
        if (p.maxValidators == 0) revert StakeManagerInvalidParameter("maxValidators", 0);
        if (epochLength == 0) revert StakeManagerInvalidParameter("epochLength", 0);
        if (p.unbondingPeriod < uint256(epochLength) * 2) {
            revert StakeManagerInvalidParameter("unbondingPeriod", p.unbondingPeriod);
        }
        if (p.slashingRateBps > BPS) revert StakeManagerInvalidParameter("slashingRateBps", p.slashingRateBps);
        if (p.reporterRewardBps > BPS) {
            revert StakeManagerInvalidParameter("reporterRewardBps", p.reporterRewardBps);
        }
        if (p.downtimeWindow == 0 || p.downtimeWindow > MAX_DOWNTIME_WINDOW) {
            revert StakeManagerInvalidParameter("downtimeWindow", p.downtimeWindow);
        }
        if (p.downtimeMinSignedBps > BPS) {
            revert StakeManagerInvalidParameter("downtimeMinSignedBps", p.downtimeMinSignedBps);
        }
        if (p.treasury == address(0)) revert StakeManagerZeroAddress();
    }

    function _checkPubkeyEncoding(bytes calldata pubkey) private pure {
        if (pubkey.length != BLS.G1_LENGTH) revert StakeManagerInvalidPubkey();
        // the 16 padding bytes before x and before y must be zero, and the point must not be infinity (all zero)
        if (bytes16(pubkey[0:16]) != 0 || bytes16(pubkey[64:80]) != 0) revert StakeManagerInvalidPubkey();
        bytes32 any = bytes32(pubkey[0:32]) | bytes32(pubkey[32:64]) | bytes32(pubkey[64:96]) | bytes32(pubkey[96:128]);
        if (any == 0) revert StakeManagerInvalidPubkey();
    }

    /// @dev Creates validator `index`'s key store, which must land at `_keyStore(index)`.
    function _storePubkey(uint256 index, bytes calldata pubkey) private {
        bytes memory init = bytes.concat(KEY_STORE_PREFIX, pubkey);
        address store;
        assembly ("memory-safe") {
            store := create(0, add(init, 0x20), mload(init))
        }
        if (store == address(0) || store != _keyStore(index)) revert StakeManagerKeyStoreFailed();
    }

    /// @dev Address of validator `index`'s key store. The StakeManager creates nothing but key stores, one per
    ///      registration, so store `index` was created with nonce `index + 1` (a contract's nonce starts at 1,
    ///      EIP-161): its address is the last 20 bytes of keccak256(rlp([address(this), index + 1])).
    function _keyStore(uint256 index) private view returns (address store) {
        uint256 nonce = index + 1;
        assembly ("memory-safe") {
            // scratch space: [list prefix][0x94][20-byte address][nonce encoding]
            mstore(0x02, shl(96, address()))
            mstore8(0x01, 0x94)
            switch lt(nonce, 0x80)
            case 1 {
                // a nonce below 0x80 is its own one-byte encoding; the list's payload is 22 bytes
                mstore8(0x16, nonce)
                mstore8(0x00, 0xd6)
                store := keccak256(0x00, 23)
            }
            default {
                // 0x80 + n, then the nonce's n big-endian bytes (n <= 4: fewer than 2^32 validators)
                let n := 1
                if gt(nonce, 0xff) { n := 2 }
                if gt(nonce, 0xffff) { n := 3 }
                if gt(nonce, 0xffffff) { n := 4 }
                mstore8(0x16, add(0x80, n))
                mstore(0x17, shl(sub(256, mul(8, n)), nonce))
                mstore8(0x00, add(0xd6, n))
                store := keccak256(0x00, add(23, n))
            }
            store := and(store, 0xffffffffffffffffffffffffffffffffffffffff)
        }
    }

    /// @dev Validator `index`'s key (128 bytes), read from its key store.
    function _pubkey(uint256 index) private view returns (bytes memory pubkey) {
        pubkey = new bytes(BLS.G1_LENGTH);
        address store = _keyStore(index);
        assembly ("memory-safe") {
            extcodecopy(store, add(pubkey, 0x20), 1, 128)
        }
    }

    /// @dev `trace.upperLookupRecent(key)`, but reading the last three entries first: set changes are keyed by the
    ///      next epoch and checkpoints ask for the current or the previous one, so the answer is almost always among
    ///      them, for one cold slot each instead of a binary search over the whole history.
    function _recentLookup(Checkpoints.Trace208 storage trace, uint48 key) private view returns (uint256) {
        uint256 length = trace.length();
        uint256 last = length < 3 ? length : 3;
        for (uint256 k = 1; k <= last; ++k) {
            // k <= length, and length fits the trace's uint32 positions
            // forge-lint: disable-next-line(unsafe-typecast)
            Checkpoints.Checkpoint208 memory c = trace.at(uint32(length - k));
            if (c._key <= key) return c._value;
        }
        return length <= 3 ? 0 : trace.upperLookupRecent(key);
    }

    /// @dev The aggregate key in effect at epoch `key` (all zeros, infinity, when no validator was ever active).
    function _aggregateAt(uint48 key) private view returns (bytes memory point) {
        bytes32[3] storage words = _aggregateKeys[_recentLookup(_aggregateEpochs, key)];
        point = new bytes(BLS.G1_LENGTH);
        bytes32 w0 = words[0];
        bytes32 w1 = words[1];
        bytes32 w2 = words[2];
        assembly ("memory-safe") {
            // words = x (48 bytes) || y (48 bytes); the encoding puts 16 zero bytes before each
            let p := add(point, 0x20)
            mstore(add(p, 16), w0)
            mstore(add(p, 48), and(w1, HIGH_128))
            mstore(add(p, 80), shl(128, w1))
            mstore(add(p, 96), w2)
        }
    }

    /// @dev Adds `point` to the aggregate key from epoch `key` on.
    function _addToAggregate(uint48 key, bytes memory point) private {
        // the checkpoint's value is not needed: the key itself names the _aggregateKeys entry
        // slither-disable-next-line unused-return
        (bool exists, uint48 lastKey, ) = _aggregateEpochs.latestCheckpoint();
        bytes memory sum = BLS.g1Add(exists ? _aggregateAt(lastKey) : new bytes(BLS.G1_LENGTH), point);
        bytes32 w0;
        bytes32 w1;
        bytes32 w2;
        assembly ("memory-safe") {
            let p := add(sum, 0x20)
            w0 := mload(add(p, 16))
            w1 := or(and(mload(add(p, 48)), HIGH_128), shr(128, mload(add(p, 80))))
            w2 := mload(add(p, 96))
        }
        bytes32[3] storage words = _aggregateKeys[key];
        words[0] = w0;
        words[1] = w1;
        words[2] = w2;
        // slither-disable-next-line unused-return
        if (!exists || lastKey != key) _aggregateEpochs.push(key, key);
    }
}
