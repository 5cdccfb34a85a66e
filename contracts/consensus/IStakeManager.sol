// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IStakeManager
/// @notice The validator registry of NovaCron's proof of stake (seed §7): validators bond NOVA, register a BLS12-381
///         key, and sign checkpoints that the CheckpointVerifier accepts with more than 2/3 of an epoch's stake.
///
///         Epochs. `currentEpoch() = anchorEpoch + (block.timestamp - anchorTime) / epochLength` (see `epochClock`;
///         epoch 0 starts at deployment). Every change to the validator set (register, top-up, unbond, slash, jail,
///         unjail) takes effect at `currentEpoch() + 1`, so a checkpoint of epoch e is always checked against one
///         fixed set: `stakeAt(index, e)`, `totalStakeAt(e)` and `aggregatePubkeyAt(e)` never change once e has
///         begun.
///
///         Keys. A validator's BLS public key is a G1 point in the EIP-2537 encoding (128 bytes: 16 zero bytes, x in
///         48 bytes, 16 zero bytes, y in 48 bytes). Registration needs a proof of possession: a BLS signature (G2,
///         256 bytes) with DST `BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_` over the 32-byte message
///         `popMessage(owner, signer, pubkey) = keccak256(abi.encode(POP_TYPEHASH, block.chainid, address(this),
///         owner, signer, keccak256(pubkey)))` with `POP_TYPEHASH =
///         keccak256("NovaCronProofOfPossession(address owner,address signer,bytes pubkey)")`. Binding the owner, the
///         chain and this contract means a proof seen in the mempool cannot be replayed by anyone else.
///
///         Stake. `bonded` counts for consensus (unless the validator is jailed or tombstoned); `unbond` moves stake
///         to `unbonding`, withdrawable `unbondingPeriod` seconds later (a later unbond adds to it and restarts the
///         clock). Unbonding stake stays slashable until it is withdrawn.
///
///         Slashing. Anyone may report two valid BLS signatures (DST `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_`)
///         of one validator over checkpoint digests (`ICheckpointVerifier.checkpointDigest`) of the same (domain,
///         height) with different roots. The validator loses `slashingRateBps` of its bonded plus unbonding stake
///         (rounded up), is tombstoned (never active again; its remaining stake becomes withdrawable after the
///         unbonding period) and the reporter gets `reporterRewardBps` of the slashed amount (rounded down), the
///         treasury the rest. A validator is slashed at most once, so no evidence is used twice.
///
///         Downtime. Anyone may jail a validator with the non-signer lists of `downtimeWindow` consecutive
///         checkpoints of one domain (consecutive by sequence number, all at or after the validator's `rejoinEpoch`,
///         the last among the domain's latest `downtimeWindow` checkpoints) in which it signed fewer than
///         `downtimeMinSignedBps` of them. A jailed validator has no weight from the next epoch; its owner may
///         `unjail` once `jailDuration` has passed.
interface IStakeManager {
    /// @notice Governance-set parameters (the timelock's, in production).
    /// @param minStake Least stake (token base units) to register, and to keep bonded after a partial unbond.
    /// @param maxValidators Most validators with weight at once (bounds checkpoint verification gas).
    /// @param minValidators Active-set size below which the network calls itself under-decentralised
    ///        (`underDecentralised`); informational, nothing is refused.
    /// @param unbondingPeriod Seconds from an unbond (or a slash) to the withdrawal; at least two epochs.
    /// @param slashingRateBps Share of a double-signer's stake that is slashed, in basis points (1000 = 10%).
    /// @param reporterRewardBps Share of the slashed amount paid to the reporter, in basis points.
    /// @param downtimeWindow Number of consecutive checkpoints a downtime proof covers (1 to 1,000).
    /// @param downtimeMinSignedBps A validator that signed fewer than this share of the window can be jailed.
    /// @param jailDuration Seconds from a jailing until the owner may unjail.
    /// @param treasury Receives the slashed stake not paid to reporters.
    struct Parameters {
        uint256 minStake;
        uint32 maxValidators;
        uint32 minValidators;
        uint64 unbondingPeriod;
        uint16 slashingRateBps;
        uint16 reporterRewardBps;
        uint32 downtimeWindow;
        uint16 downtimeMinSignedBps;
        uint64 jailDuration;
        address treasury;
    }

    /// @notice A validator as stored.
    /// @param owner The account that registered and funds it; the only one that can top up, unbond, withdraw,
    ///        unjail.
    /// @param signer The address the validator process signs with on the ECDSA side (informational).
    /// @param pubkey The BLS public key, 128 bytes (EIP-2537 G1).
    /// @param bonded Stake bonded (token base units).
    /// @param unbonding Stake waiting for withdrawal.
    /// @param withdrawableAt When `unbonding` can be withdrawn (unix seconds; 0 when nothing is unbonding).
    /// @param jailedUntil When a jailed validator may unjail (unix seconds; 0 when never jailed).
    /// @param rejoinEpoch First epoch of the validator's current stretch with weight (registration, re-activation
    ///        after a full unbond, or unjail); downtime proofs only count checkpoints from this epoch on.
    /// @param jailed Whether it is jailed (no weight from the epoch after the jailing).
    /// @param tombstoned Whether it was slashed for double signing (no weight, ever again).
    struct Validator {
        address owner;
        address signer;
        bytes pubkey;
        uint256 bonded;
        uint256 unbonding;
        uint64 withdrawableAt;
        uint64 jailedUntil;
        uint64 rejoinEpoch;
        bool jailed;
        bool tombstoned;
    }

    // -- events ------------------------------------------------------------------------------------------------

    /// @notice A validator registered.
    /// @param index Its index (registration order, from 0; permanent).
    /// @param owner The registering account.
    /// @param signer Its ECDSA-side signer address.
    /// @param pubkey Its BLS public key (128 bytes).
    /// @param amount Stake bonded.
    /// @param effectiveEpoch First epoch in which it has weight.
    event ValidatorRegistered(
        uint256 indexed index,
        address indexed owner,
        address signer,
        bytes pubkey,
        uint256 amount,
        uint64 effectiveEpoch
    );

    /// @notice A validator's owner added stake.
    /// @param index The validator.
    /// @param amount Stake added.
    /// @param bonded Bonded stake after the top-up.
    /// @param effectiveEpoch First epoch in which the new stake counts.
    event ValidatorToppedUp(uint256 indexed index, uint256 amount, uint256 bonded, uint64 effectiveEpoch);

    /// @notice A validator's owner unbonded stake.
    /// @param index The validator.
    /// @param amount Stake unbonded.
    /// @param bonded Bonded stake left.
    /// @param unbonding Total stake waiting for withdrawal.
    /// @param withdrawableAt When it can be withdrawn.
    /// @param effectiveEpoch First epoch in which the unbonded stake no longer counts.
    event ValidatorUnbonded(
        uint256 indexed index,
        uint256 amount,
        uint256 bonded,
        uint256 unbonding,
        uint64 withdrawableAt,
        uint64 effectiveEpoch
    );

    /// @notice Unbonded stake was paid out to the validator's owner.
    /// @param index The validator.
    /// @param owner The owner, who received it.
    /// @param amount Amount paid.
    event StakeWithdrawn(uint256 indexed index, address indexed owner, uint256 amount);

    /// @notice A validator was slashed for signing two roots for one (domain, height), and tombstoned.
    /// @param index The validator.
    /// @param reporter Who reported it (received `reward`).
    /// @param domain The checkpoint domain.
    /// @param height The height it signed twice.
    /// @param rootA One root it signed.
    /// @param rootB The other root it signed.
    /// @param slashed Stake taken.
    /// @param reward Part of `slashed` paid to the reporter; the rest went to the treasury.
    event ValidatorSlashed(
        uint256 indexed index,
        address indexed reporter,
        bytes32 indexed domain,
        uint64 height,
        bytes32 rootA,
        bytes32 rootB,
        uint256 slashed,
        uint256 reward
    );

    /// @notice A validator was jailed for downtime.
    /// @param index The validator.
    /// @param reporter Who proved the downtime.
    /// @param domain The domain of the checkpoints proving it.
    /// @param missed How many of the window's checkpoints it did not sign.
    /// @param window The window's size.
    /// @param jailedUntil When its owner may unjail.
    /// @param effectiveEpoch First epoch in which it has no weight.
    event ValidatorJailed(
        uint256 indexed index,
        address indexed reporter,
        bytes32 indexed domain,
        uint256 missed,
        uint256 window,
        uint64 jailedUntil,
        uint64 effectiveEpoch
    );

    /// @notice A jailed validator's owner unjailed it.
    /// @param index The validator.
    /// @param effectiveEpoch First epoch in which it has weight again.
    event ValidatorUnjailed(uint256 indexed index, uint64 effectiveEpoch);

    /// @notice The admin changed the parameters.
    /// @param parameters The new parameters.
    event ParametersChanged(Parameters parameters);

    /// @notice The admin changed the epoch length; epochs from `fromEpoch` on have the new length.
    /// @param epochLength The new length in seconds.
    /// @param fromEpoch The current epoch at the change (its start time is kept).
    event EpochLengthChanged(uint64 epochLength, uint64 fromEpoch);

    /// @notice The admin set the checkpoint verifier (once).
    /// @param verifier Its address.
    event CheckpointVerifierSet(address verifier);

    // -- errors ------------------------------------------------------------------------------------------------

    /// @notice An address that must be set is the zero address (stake token, treasury, signer, verifier).
    error StakeManagerZeroAddress();

    /// @notice A parameter is out of its range.
    /// @param name The parameter.
    /// @param value The value given.
    error StakeManagerInvalidParameter(string name, uint256 value);

    /// @notice An amount is zero.
    error StakeManagerZeroAmount();

    /// @notice The stake would be below the minimum.
    /// @param amount The stake it would be.
    /// @param minimum The minimum (`minStake`).
    error StakeManagerStakeBelowMinimum(uint256 amount, uint256 minimum);

    /// @notice The owner already registered a validator.
    /// @param owner The owner.
    /// @param index Its validator.
    error StakeManagerAlreadyRegistered(address owner, uint256 index);

    /// @notice The account has no validator.
    /// @param owner The account.
    error StakeManagerNotRegistered(address owner);

    /// @notice No validator has this index.
    /// @param index The index.
    /// @param count How many validators there are.
    error StakeManagerUnknownValidator(uint256 index, uint256 count);

    /// @notice The public key is not a 128-byte EIP-2537 G1 encoding of a point other than infinity.
    error StakeManagerInvalidPubkey();

    /// @notice Storing the public key (in the code of a small contract the StakeManager creates) failed: out of gas,
    ///         or a chain whose contract nonces do not follow EIP-161.
    error StakeManagerKeyStoreFailed();

    /// @notice Another validator registered this public key.
    /// @param index That validator.
    error StakeManagerPubkeyTaken(uint256 index);

    /// @notice The proof of possession is not a valid signature of the registration message (see `popMessage`).
    error StakeManagerBadProofOfPossession();

    /// @notice The active set is full.
    /// @param maxValidators Its size limit.
    error StakeManagerValidatorSetFull(uint256 maxValidators);

    /// @notice The validator was slashed for double signing and can never be active again.
    /// @param index The validator.
    error StakeManagerTombstoned(uint256 index);

    /// @notice More stake to unbond than is bonded.
    /// @param amount The amount asked.
    /// @param bonded The bonded stake.
    error StakeManagerUnbondExceedsBonded(uint256 amount, uint256 bonded);

    /// @notice Nothing is waiting for withdrawal.
    /// @param index The validator.
    error StakeManagerNothingToWithdraw(uint256 index);

    /// @notice The unbonding period has not passed.
    /// @param index The validator.
    /// @param withdrawableAt When it will have.
    error StakeManagerWithdrawTooEarly(uint256 index, uint64 withdrawableAt);

    /// @notice The validator has no weight in this epoch (a listed non-signer must have; a jailed validator must
    ///         have weight scheduled).
    /// @param index The validator.
    /// @param epoch The epoch.
    error StakeManagerNotActive(uint256 index, uint64 epoch);

    /// @notice A non-signer list is not strictly increasing at `position`.
    /// @param position The position in the list.
    error StakeManagerNonSignersNotSorted(uint256 position);

    /// @notice The checkpoint verifier is not set yet (double-sign evidence and downtime proofs need it).
    error StakeManagerVerifierNotSet();

    /// @notice The checkpoint verifier is already set.
    /// @param verifier The verifier.
    error StakeManagerVerifierAlreadySet(address verifier);

    /// @notice Double-sign evidence names the same root twice: it proves nothing.
    /// @param root The root.
    error StakeManagerEvidenceSameRoot(bytes32 root);

    /// @notice A signature of the double-sign evidence is not the validator's over its checkpoint digest.
    /// @param which 0 for the first signature, 1 for the second.
    error StakeManagerBadEvidenceSignature(uint256 which);

    /// @notice The validator is already jailed.
    /// @param index The validator.
    error StakeManagerAlreadyJailed(uint256 index);

    /// @notice The validator is not jailed.
    /// @param index The validator.
    error StakeManagerNotJailed(uint256 index);

    /// @notice The jail duration has not passed.
    /// @param index The validator.
    /// @param jailedUntil When it will have.
    error StakeManagerJailNotOver(uint256 index, uint64 jailedUntil);

    /// @notice A downtime proof does not have `downtimeWindow` checkpoints (and one non-signer list each).
    /// @param checkpoints The number of heights given.
    /// @param lists The number of non-signer lists given.
    /// @param window The window size required.
    error StakeManagerBadDowntimeWindow(uint256 checkpoints, uint256 lists, uint256 window);

    /// @notice A downtime proof names a checkpoint that was not finalized.
    /// @param domain The domain.
    /// @param height The height.
    error StakeManagerUnknownCheckpoint(bytes32 domain, uint64 height);

    /// @notice A downtime proof's checkpoints are not consecutive in their domain at `position`.
    /// @param position The position in the proof.
    error StakeManagerWindowNotConsecutive(uint256 position);

    /// @notice A downtime proof's checkpoint at `position` is from before the validator's `rejoinEpoch`.
    /// @param position The position in the proof.
    /// @param epoch The checkpoint's epoch.
    /// @param rejoinEpoch The validator's rejoin epoch.
    error StakeManagerWindowBeforeRejoin(uint256 position, uint64 epoch, uint64 rejoinEpoch);

    /// @notice A downtime proof's window ends too long ago: its last checkpoint must be among the domain's latest
    ///         `downtimeWindow` checkpoints.
    /// @param lastSeq Sequence number of the window's last checkpoint.
    /// @param count How many checkpoints the domain has.
    error StakeManagerWindowNotRecent(uint64 lastSeq, uint64 count);

    /// @notice A non-signer list of a downtime proof is not the one the checkpoint at `position` was accepted with.
    /// @param position The position in the proof.
    error StakeManagerNonSignersMismatch(uint256 position);

    /// @notice The validator signed enough of the window: the proof proves no downtime.
    /// @param signed Checkpoints of the window it signed.
    /// @param window The window size.
    error StakeManagerEnoughSigned(uint256 signed, uint256 window);

    // -- validator writes --------------------------------------------------------------------------------------

    /// @notice Registers the caller as a validator: moves `amount` of the stake token from the caller (approve
    ///         first), checks the proof of possession, and gives the validator weight from the next epoch. Refused
    ///         while paused, below `minStake`, for a second registration of an owner or a key, and when the active set
    ///         is full.
    /// @param signer The address the validator process uses on the ECDSA side (not zero).
    /// @param pubkey The BLS public key, 128 bytes (EIP-2537 G1, not infinity).
    /// @param popSignature BLS signature (256 bytes) with DST_POP over `popMessage(msg.sender, signer, pubkey)`.
    /// @param amount Stake to bond (at least `minStake`).
    /// @return index The new validator's index.
    function register(
        address signer,
        bytes calldata pubkey,
        bytes calldata popSignature,
        uint256 amount
    ) external returns (uint256 index);

    /// @notice Adds `amount` to the caller's validator's bonded stake, counting from the next epoch. Bonded stake
    ///         must end at least `minStake` (which also lets a fully unbonded validator return).
    /// @param amount Stake to add (not zero).
    function topUp(uint256 amount) external;

    /// @notice Moves `amount` of the caller's validator's bonded stake to unbonding: it stops counting from the next
    ///         epoch and can be withdrawn `unbondingPeriod` seconds from now (together with anything already
    ///         unbonding, whose clock restarts). What stays bonded must be zero or at least `minStake`.
    /// @param amount Stake to unbond (not zero, at most the bonded stake).
    function unbond(uint256 amount) external;

    /// @notice Pays the caller's validator's unbonding stake to the caller once the unbonding period has passed.
    /// @return amount Amount paid.
    function withdraw() external returns (uint256 amount);

    /// @notice Unjails the caller's validator once `jailDuration` has passed; it has weight again from the next
    ///         epoch (if it still has bonded stake and the active set has room).
    function unjail() external;

    // -- evidence ----------------------------------------------------------------------------------------------

    /// @notice Slashes and tombstones validator `index` for signing two roots for one (domain, height); pays the
    ///         caller `reporterRewardBps` of the slashed stake. Each signature is checked against the validator's key
    ///         over `ICheckpointVerifier.checkpointDigest(domain, height, root, epoch)` with DST_SIG.
    /// @param index The validator.
    /// @param domain The checkpoint domain.
    /// @param height The height signed twice.
    /// @param rootA The first root.
    /// @param epochA The epoch in the first digest.
    /// @param signatureA The validator's signature over the first digest (256 bytes).
    /// @param rootB The second root (different from `rootA`).
    /// @param epochB The epoch in the second digest.
    /// @param signatureB The validator's signature over the second digest (256 bytes).
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
    ) external;

    /// @notice Jails validator `index` for downtime (see the contract notice for what the proof must show).
    /// @param index The validator.
    /// @param domain The checkpoints' domain.
    /// @param heights The window's checkpoint heights, in sequence order (`downtimeWindow` of them).
    /// @param nonSigners For each checkpoint, the non-signer list it was accepted with.
    function jail(
        uint256 index,
        bytes32 domain,
        uint64[] calldata heights,
        uint256[][] calldata nonSigners
    ) external;

    // -- admin -------------------------------------------------------------------------------------------------

    /// @notice Replaces the parameters (DEFAULT_ADMIN_ROLE: the timelock in production). Takes effect at once
    ///         for new operations; stake already bonded below a raised `minStake` stays.
    /// @param parameters The new parameters.
    function setParameters(Parameters calldata parameters) external;

    /// @notice Changes the epoch length from the current epoch on, keeping the current epoch's number and start
    ///         (DEFAULT_ADMIN_ROLE). Epoch numbers never go back.
    /// @param epochLength The new length in seconds (at least 1, at most half the unbonding period).
    function setEpochLength(uint64 epochLength) external;

    /// @notice Sets the checkpoint verifier whose digests double-sign evidence is checked against and whose
    ///         checkpoints downtime proofs cite (DEFAULT_ADMIN_ROLE, once).
    /// @param verifier The CheckpointVerifier.
    function setCheckpointVerifier(address verifier) external;

    // -- reads -------------------------------------------------------------------------------------------------

    /// @notice The stake token (NOVA).
    /// @return The token's address.
    function stakeToken() external view returns (address);

    /// @notice The checkpoint verifier (zero until set).
    /// @return The verifier's address.
    function checkpointVerifier() external view returns (address);

    /// @notice The parameters.
    /// @return The parameters.
    function parameters() external view returns (Parameters memory);

    /// @notice The current epoch.
    /// @return The epoch number.
    function currentEpoch() external view returns (uint64);

    /// @notice The epoch clock: `currentEpoch() = anchorEpoch + (block.timestamp - anchorTime) / epochLength`.
    /// @return anchorEpoch Epoch number at `anchorTime`.
    /// @return anchorTime Start of `anchorEpoch` (unix seconds).
    /// @return epochLength Seconds per epoch.
    function epochClock() external view returns (uint64 anchorEpoch, uint64 anchorTime, uint64 epochLength);

    /// @notice When the next epoch begins (unix seconds).
    /// @return The time.
    function nextEpochAt() external view returns (uint64);

    /// @notice How many validators ever registered (indices are 0 to this minus 1).
    /// @return The count.
    function validatorCount() external view returns (uint256);

    /// @notice How many validators have weight in the current epoch.
    /// @return The count.
    function activeValidatorCount() external view returns (uint256);

    /// @notice How many validators have weight in `epoch` (for epochs after the next one: as scheduled now).
    /// @param epoch The epoch.
    /// @return The count.
    function activeValidatorCountAt(uint64 epoch) external view returns (uint256);

    /// @notice Whether fewer than `minValidators` validators have weight in the current epoch.
    /// @return True when under-decentralised.
    function underDecentralised() external view returns (bool);

    /// @notice Validator `index`.
    /// @param index The validator.
    /// @return The validator.
    function validator(uint256 index) external view returns (Validator memory);

    /// @notice The validator registered by `owner`; reverts with `StakeManagerNotRegistered` when there is none.
    /// @param owner The owner.
    /// @return The index.
    function indexOf(address owner) external view returns (uint256);

    /// @notice Whether `owner` registered a validator.
    /// @param owner The account.
    /// @return True when it did.
    function isRegistered(address owner) external view returns (bool);

    /// @notice Validator `index`'s BLS public key (128 bytes).
    /// @param index The validator.
    /// @return The key.
    function pubkeyOf(uint256 index) external view returns (bytes memory);

    /// @notice Validator `index`'s weight (stake counted for consensus) in `epoch`.
    /// @param index The validator.
    /// @param epoch The epoch.
    /// @return The weight (0 when not active).
    function stakeAt(uint256 index, uint64 epoch) external view returns (uint256);

    /// @notice Total weight in `epoch`.
    /// @param epoch The epoch.
    /// @return The total.
    function totalStakeAt(uint64 epoch) external view returns (uint256);

    /// @notice Sum of the public keys of the validators with weight in `epoch` (128 bytes; all zeros for none).
    /// @param epoch The epoch.
    /// @return The aggregate key.
    function aggregatePubkeyAt(uint64 epoch) external view returns (bytes memory);

    /// @notice The signers of a checkpoint of `epoch` in which the validators `nonSigners` did not sign: their
    ///         aggregate key, their weight and the epoch's total. Reverts with `StakeManagerNonSignersNotSorted`
    ///         unless `nonSigners` is strictly increasing, and `StakeManagerNotActive` for one without weight.
    /// @param epoch The epoch.
    /// @param nonSigners Validator indices that did not sign, strictly increasing.
    /// @return aggregatePubkey Sum of the signers' keys (128 bytes).
    /// @return signedStake Weight of the signers.
    /// @return totalStake Weight of all validators in the epoch.
    function signingSet(
        uint64 epoch,
        uint256[] calldata nonSigners
    ) external view returns (bytes memory aggregatePubkey, uint256 signedStake, uint256 totalStake);

    /// @notice The message a proof of possession signs (with DST_POP).
    /// @param owner The registering account.
    /// @param signer The signer address it registers.
    /// @param pubkey The public key (128 bytes).
    /// @return The 32-byte message.
    function popMessage(address owner, address signer, bytes calldata pubkey) external view returns (bytes32);
}
