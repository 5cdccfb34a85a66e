// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IBridge
/// @notice A lock-and-mint token bridge between EVM chains, attested by a guardian quorum (k-of-n ECDSA, as
///         Wormhole's 13 of 19), rate-limited like Wormhole's Governor.
///
///         The same contract runs on every chain. `send` locks an ERC-20 on its home chain (or burns a wrapped one,
///         on its way back) and publishes a {Message}. The guardians watch each chain's bridge and sign the message
///         as EIP-712 typed data under the *target* bridge's domain (its chain id and address), so a signature is
///         good for one bridge on one chain only; the message itself names its source and target chains, so it
///         cannot be replayed on another route. Anyone (an untrusted relayer) calls `deliver` on the target with the
///         signatures: the target mints the wrapped token (only this bridge can) or releases what was locked, each
///         message at most once. The target never releases more of a token than it locked for that route.
///
///         Rate limits live on the source, where the tokens are taken: a transfer at or above the large-transfer
///         size, or one that would take a token's route past its daily limit, is delayed (`delay`, 24 h by default)
///         and published only then; within the delay a guardian quorum can cancel it, which returns it to its
///         sender. A guardian pauses (sends and deliveries); the admin (the governance timelock) resumes.
///
///         Two attestations, one message: where no checkpoint verifier is set, `deliver` takes a guardian quorum
///         ({verifyAttestation}). Where the proof-of-stake contracts run on the target chain and the admin set their
///         {ICheckpointVerifier} here, the validator set attests instead and `deliver` is closed (accepting either
///         would let the weaker of the two mint): `deliverWithCheckpoint` takes a Merkle proof of the message
///         against a final checkpoint `(checkpointDomain(sourceChainId), height, root)`.
///
///         Message roots, computed by anyone from the source bridge's public events: `root(height)` is the Merkle
///         root (sorted-pair keccak256, OpenZeppelin's MerkleProof) over `messageLeaf(m) = keccak256(abi.encode(m))`
///         of every message the source bridge published (`MessagePublished`, which includes delayed messages once
///         released) for this target chain in its blocks up to `height` (a source block number), in publication
///         order. The roots are cumulative, so any later final root proves every earlier message: checkpoints that
///         are superseded before they are final lose nothing, and a delayed message published out of nonce order
///         is simply in the next root. Validators recompute the root from the source chain before signing. The
///         domain `keccak256("bridge:<sourceChainId>")` (the consensus layer's name `bridge:<id>`) keeps each
///         source's heights apart; the checkpoint digest binds the target chain and its verifier; the leaf binds
///         both chain ids and the nonce: no root of one route proves a message of another, and each message is
///         still delivered once, by either path.
interface IBridge {
    /// @notice One transfer between two chains.
    /// @param sourceChainId The chain it was sent from.
    /// @param targetChainId The chain it is delivered on.
    /// @param nonce Its number among the source bridge's messages (from 1).
    /// @param tokenChainId The token's home chain (where it is locked; elsewhere it exists as a wrapped token).
    /// @param token The token's address on its home chain.
    /// @param amount How much, in the token's smallest unit.
    /// @param sender Who sent it on the source chain (gets it back if the guardians cancel a delayed transfer).
    /// @param recipient Who receives it on the target chain.
    struct Message {
        uint64 sourceChainId;
        uint64 targetChainId;
        uint64 nonce;
        uint64 tokenChainId;
        address token;
        uint256 amount;
        address sender;
        address recipient;
    }

    /// @notice Where an outgoing message is on its source chain.
    enum Outbound {
        None,
        Published,
        Delayed,
        Cancelled
    }

    /// @notice The limits of one token on one route (outgoing, from this chain).
    /// @param dailyLimit Most that may leave per UTC day without delay (0: the default).
    /// @param largeTransfer Transfers of at least this much are always delayed (0: the default).
    struct Limits {
        uint256 dailyLimit;
        uint256 largeTransfer;
    }

    // -- events ------------------------------------------------------------------------------------------------

    /// @notice A message was published: the guardians attest it now.
    /// @param nonce The message's nonce.
    /// @param targetChainId Its target chain.
    /// @param message The message.
    event MessagePublished(uint64 indexed nonce, uint64 indexed targetChainId, Message message);

    /// @notice A message was held back by the rate limits; it is published at `releaseAt` unless cancelled.
    /// @param nonce The message's nonce.
    /// @param targetChainId Its target chain.
    /// @param releaseAt When `releaseDelayed` may publish it.
    /// @param message The message.
    event MessageDelayed(uint64 indexed nonce, uint64 indexed targetChainId, uint64 releaseAt, Message message);

    /// @notice A delayed message was cancelled by a guardian quorum: its amount went back to its sender.
    /// @param nonce The message's nonce.
    event MessageCancelled(uint64 indexed nonce);

    /// @notice A message was delivered on this (its target) chain: minted or released to its recipient.
    /// @param sourceChainId Its source chain.
    /// @param nonce Its nonce.
    /// @param wrapped The wrapped token minted, or the zero address when the home token was released.
    event MessageDelivered(uint64 indexed sourceChainId, uint64 indexed nonce, address wrapped);

    /// @notice A wrapped token was created for a token of another chain.
    /// @param tokenChainId The token's home chain.
    /// @param token Its address there.
    /// @param wrapped The wrapped token here.
    event WrappedCreated(uint64 indexed tokenChainId, address indexed token, address wrapped);

    /// @notice The guardian set changed.
    /// @param index The new set's index.
    /// @param guardians The guardians, ascending.
    /// @param threshold Signatures needed.
    event GuardianSetChanged(uint32 indexed index, address[] guardians, uint8 threshold);

    /// @notice A token's limits on a route changed.
    /// @param token The token (of this chain, or a wrapped one).
    /// @param targetChainId The route's target.
    /// @param dailyLimit The new daily limit (0: the default).
    /// @param largeTransfer The new large-transfer size (0: the default).
    event LimitsChanged(address indexed token, uint64 indexed targetChainId, uint256 dailyLimit, uint256 largeTransfer);

    /// @notice The checkpoint verifier changed: deliveries take its checkpoints, or guardian quorums when zero.
    /// @param verifier The new verifier (zero: guardians attest).
    event CheckpointVerifierChanged(address indexed verifier);

    // -- errors ------------------------------------------------------------------------------------------------

    /// @notice The amount is zero.
    error BridgeZeroAmount();

    /// @notice The recipient is the zero address.
    error BridgeZeroRecipient();

    /// @notice The target is this chain (or zero).
    /// @param chainId The target given.
    error BridgeBadTarget(uint64 chainId);

    /// @notice A wrapped token can only go back to its home chain.
    /// @param tokenChainId Its home chain.
    /// @param targetChainId The target asked.
    error BridgeWrongReturnChain(uint64 tokenChainId, uint64 targetChainId);

    /// @notice The token moved less than `amount` into the bridge (a fee-on-transfer token): refused.
    /// @param received What arrived.
    /// @param expected The amount sent.
    error BridgeShortfall(uint256 received, uint256 expected);

    /// @notice The message is for another chain.
    /// @param targetChainId The message's target.
    error BridgeWrongChain(uint64 targetChainId);

    /// @notice The message was already delivered.
    /// @param sourceChainId Its source chain.
    /// @param nonce Its nonce.
    error BridgeAlreadyDelivered(uint64 sourceChainId, uint64 nonce);

    /// @notice Fewer valid guardian signatures than the threshold.
    /// @param valid Distinct guardian signatures found.
    /// @param threshold Signatures needed.
    error BridgeQuorumNotMet(uint256 valid, uint256 threshold);

    /// @notice A signature is not from a guardian of the current set.
    /// @param signer Who signed it.
    error BridgeNotGuardian(address signer);

    /// @notice The signers are not in strictly ascending order (a duplicate or an unsorted list).
    /// @param signer The signer out of order.
    error BridgeSignersNotSorted(address signer);

    /// @notice The release would take more of a token than this bridge locked for the route.
    /// @param locked What is locked for the route.
    /// @param amount What the message asks.
    error BridgeInsufficientLocked(uint256 locked, uint256 amount);

    /// @notice No delayed message has these fields.
    /// @param nonce The nonce given.
    error BridgeNotDelayed(uint64 nonce);

    /// @notice The delayed message's delay has not passed.
    /// @param releaseAt When it can be published.
    error BridgeStillDelayed(uint64 releaseAt);

    /// @notice The delay has passed: the message can no longer be cancelled, only published.
    /// @param releaseAt When it became publishable.
    error BridgeDelayOver(uint64 releaseAt);

    /// @notice A guardian set is invalid: empty, unsorted, with the zero address, or a threshold of 0 or above n.
    error BridgeBadGuardianSet();

    /// @notice `deliverWithCheckpoint` on a bridge without a checkpoint verifier: deliver with guardian signatures.
    error BridgeNoCheckpointVerifier();

    /// @notice Guardian delivery on a bridge attested by the validator set: deliver with a checkpoint proof.
    /// @param verifier The checkpoint verifier in use.
    error BridgeCheckpointRequired(address verifier);

    /// @notice The checkpoint `(domain, height, root)` is not final on this chain's verifier.
    /// @param domain The source chain's bridge domain.
    /// @param height The height given.
    /// @param root The root given.
    error BridgeCheckpointNotFinal(bytes32 domain, uint64 height, bytes32 root);

    /// @notice The Merkle proof does not lead from the message's leaf to the root.
    /// @param leaf The message's leaf (`messageLeaf`).
    /// @param root The root given.
    error BridgeNotInCheckpoint(bytes32 leaf, bytes32 root);

    // -- writes ------------------------------------------------------------------------------------------------

    /// @notice Sends `amount` of `token` to `recipient` on `targetChainId`: locks it (a token of this chain;
    ///         approve first) or burns it (a wrapped token of this bridge, which only goes back to its home chain).
    ///         Published at once, or delayed by the rate limits. Refused while paused.
    /// @return nonce The message's nonce.
    function send(address token, uint256 amount, uint64 targetChainId, address recipient) external returns (uint64 nonce);

    /// @notice A guardian of the current set pauses sends and deliveries (the admin resumes with `unpause`).
    function guardianPause() external;

    /// @notice Delivers `message` on its target chain with a guardian quorum's `signatures` over its EIP-712 digest
    ///         (65 bytes each, signers ascending). Anyone may call it; each message is delivered once.
    function deliver(Message calldata message, bytes[] calldata signatures) external;

    /// @notice Delivers `message` on its target chain with a proof that it is in the message root of a final
    ///         checkpoint `(checkpointDomain(message.sourceChainId), height, root)` of the validator set. Anyone may
    ///         call it; each message is delivered once (by either path). Only where a checkpoint verifier is set.
    /// @param message The message.
    /// @param height The checkpoint's height (the source block its root covers).
    /// @param root The checkpoint's root.
    /// @param proof The sibling hashes from the message's leaf up to `root` (OpenZeppelin MerkleProof).
    function deliverWithCheckpoint(
        Message calldata message,
        uint64 height,
        bytes32 root,
        bytes32[] calldata proof
    ) external;

    /// @notice Publishes a delayed message once its delay has passed (anyone).
    function releaseDelayed(Message calldata message) external;

    /// @notice Cancels a delayed message within its delay with a guardian quorum's signatures over
    ///         `Cancel(bytes32 messageHash)` in this bridge's domain; its amount goes back to its sender.
    function cancelDelayed(Message calldata message, bytes[] calldata signatures) external;

    /// @notice Sets `token`'s limits on the route to `targetChainId` (admin).
    function setLimits(address token, uint64 targetChainId, uint256 dailyLimit, uint256 largeTransfer) external;

    /// @notice Replaces the guardian set (admin): `guardians` ascending, `threshold` of them must sign.
    function setGuardians(address[] calldata guardians, uint8 threshold) external;

    /// @notice Sets the checkpoint verifier (admin): deliveries then take its checkpoints only; zero returns them
    ///         to the guardians (the fallback when the validator set stalls).
    function setCheckpointVerifier(address verifier) external;

    // -- reads -------------------------------------------------------------------------------------------------

    /// @notice The EIP-712 digest the guardians sign to deliver `message` on this chain's bridge.
    function deliveryDigest(Message calldata message) external view returns (bytes32);

    /// @notice The EIP-712 digest the guardians sign to cancel delayed `message` on this (its source) bridge.
    function cancelDigest(Message calldata message) external view returns (bytes32);

    /// @notice Reverts unless `signatures` are a quorum of the current guardians over `digest`.
    function verifyAttestation(bytes32 digest, bytes[] calldata signatures) external view;

    /// @notice Whether message (`sourceChainId`, `nonce`) was delivered here.
    function isDelivered(uint64 sourceChainId, uint64 nonce) external view returns (bool);

    /// @notice The state of outgoing message `nonce` and, when delayed, its release time.
    function outbound(uint64 nonce) external view returns (Outbound state, uint64 releaseAt);

    /// @notice How much of `token` (of this chain) is locked for the route to `chainId`.
    function locked(uint64 chainId, address token) external view returns (uint256);

    /// @notice The wrapped token of (`tokenChainId`, `token`) here, or zero when none was minted yet.
    function wrappedOf(uint64 tokenChainId, address token) external view returns (address);

    /// @notice The checkpoint verifier whose checkpoints deliver here (zero: guardian quorums do).
    function checkpointVerifier() external view returns (address);

    /// @notice The checkpoint domain of the messages of `sourceChainId`: `keccak256("bridge:<sourceChainId>")`.
    function checkpointDomain(uint64 sourceChainId) external pure returns (bytes32);

    /// @notice The Merkle leaf of `message` in a message root: `keccak256(abi.encode(message))`.
    function messageLeaf(Message calldata message) external pure returns (bytes32);

    /// @notice The current guardians (ascending) and threshold.
    function guardianSet() external view returns (address[] memory guardians, uint8 threshold, uint32 index);
}
