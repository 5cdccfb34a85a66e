// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ResourceType} from "../tokens/ResourceType.sol";

/// @title ICapacityRegistry
/// @notice Capacity a provider offers to the resource market and the VM scheduler, registered with a zero-knowledge
///         proof that the provider's certified figure covers it: "my host has at least `amount` CPUs, as certified
///         by a trusted issuer", without publishing the certified figure.
///
///         An issuer (a did:novacron identity of the DIDRegistry) certifies a claim of its subject (the provider)
///         without stating it: it signs a Poseidon commitment to the claim's value (EIP-712, see `claimDigest`).
///         To register, the provider sends that commitment with the issuer's signature and a Groth16 proof that the
///         committed value is >= `amount`. The registry checks, in this order: the amount (1 to 2^64 - 1); that the
///         issuer is trusted here, not deactivated in the DIDRegistry, and signed the commitment (its owner key or a
///         valid "veriKey" delegate); that the credential is not revoked in the DIDRegistry and not expired; that
///         `nonce` is the provider's next nonce; then the proof, against public inputs it builds itself:
///         (commitment, OP_GE, amount, context) with `context = contextOf(provider, nonce)`, a hash of this chain,
///         this contract, the provider and the nonce. A proof therefore works once, here, for this provider.
///
///         Amounts are in the claim's unit: CPU cores for CPU ("cpu"), MiB for MEM ("memory"), GiB for STO
///         ("storage"), Mbit/s for NET ("network"). A new registration of a resource replaces the provider's
///         previous one. `isActive` re-checks revocation and expiry at read time, so a revoked credential stops
///         counting at once.
interface ICapacityRegistry {
    /// @notice A registration.
    /// @param amount The capacity offered (0: none registered).
    /// @param commitment The commitment the proof was made against.
    /// @param issuer The certifying issuer's identity.
    /// @param credentialId The credential's id in the DIDRegistry (keccak256 of its `id`).
    /// @param expiresAt When the credential expires (unix seconds; 0: never).
    /// @param registeredAt When it was registered (unix seconds).
    struct Capacity {
        uint64 amount;
        uint64 expiresAt;
        uint64 registeredAt;
        address issuer;
        bytes32 credentialId;
        uint256 commitment;
    }

    /// @notice The issuer-signed part of a credential that a registration presents.
    /// @param issuer The issuer's identity (did:novacron address).
    /// @param credentialId keccak256 of the credential's `id` (its key in the DIDRegistry's revocation registry).
    /// @param commitment The commitment to the claim's value (a field element below r).
    /// @param expiresAt When the credential expires (unix seconds; 0: never).
    /// @param signature The issuer's 65-byte ECDSA signature (r || s || v) over `claimDigest(...)`.
    struct CommittedClaim {
        address issuer;
        bytes32 credentialId;
        uint256 commitment;
        uint64 expiresAt;
        bytes signature;
    }

    // -- events ------------------------------------------------------------------------------------------------

    /// @notice `provider` registered `amount` of `resource`, proven covered by the committed certified figure.
    /// @param provider The provider (the credential's subject).
    /// @param resource The resource.
    /// @param amount The capacity offered, in the claim's unit.
    /// @param commitment The commitment the proof was made against.
    /// @param issuer The certifying issuer.
    /// @param credentialId The credential id.
    /// @param nonce The provider's nonce the proof was bound to.
    event CapacityRegistered(
        address indexed provider,
        ResourceType indexed resource,
        uint256 amount,
        uint256 commitment,
        address indexed issuer,
        bytes32 credentialId,
        uint256 nonce
    );

    /// @notice `provider` withdrew its registration of `resource`.
    /// @param provider The provider.
    /// @param resource The resource.
    event CapacityWithdrawn(address indexed provider, ResourceType indexed resource);

    /// @notice The admin made `issuer` trusted (or no longer trusted) to certify capacity.
    /// @param issuer The issuer's identity.
    /// @param trusted Whether its credentials are accepted.
    event IssuerTrustSet(address indexed issuer, bool trusted);

    // -- errors ------------------------------------------------------------------------------------------------

    /// @notice A constructor address (DIDRegistry, verifier) or an issuer is the zero address.
    error CapacityRegistryZeroAddress();

    /// @notice The verifier does not take 4 public inputs (commitment, op, threshold, context).
    /// @param count The verifier's number of public inputs.
    error CapacityRegistryVerifierInputs(uint256 count);

    /// @notice The amount offered is 0 or does not fit the circuit's 64-bit comparison.
    /// @param amount The amount.
    /// @param max The largest amount accepted (2^64 - 1).
    error CapacityRegistryInvalidAmount(uint256 amount, uint256 max);

    /// @notice The issuer is not on this registry's list of trusted issuers.
    /// @param issuer The issuer.
    error CapacityRegistryUntrustedIssuer(address issuer);

    /// @notice The issuer's identity was deactivated in the DIDRegistry.
    /// @param issuer The issuer.
    error CapacityRegistryIssuerDeactivated(address issuer);

    /// @notice The signature over the commitment is not the issuer's: it recovers to `signer` (zero when it is not
    ///         a valid signature at all), which is neither the issuer's owner nor a valid "veriKey" delegate of it.
    ///         Also the error for a claim signed for another subject, resource, commitment or expiry.
    /// @param issuer The issuer.
    /// @param signer The recovered address.
    error CapacityRegistryBadIssuerSignature(address issuer, address signer);

    /// @notice The issuer revoked the credential in the DIDRegistry.
    /// @param issuer The issuer.
    /// @param credentialId The credential id.
    /// @param revokedAt When it was revoked (unix seconds).
    error CapacityRegistryCredentialRevoked(address issuer, bytes32 credentialId, uint256 revokedAt);

    /// @notice The credential expired.
    /// @param credentialId The credential id.
    /// @param expiresAt Its expiry (unix seconds).
    /// @param timestamp The block's time.
    error CapacityRegistryCredentialExpired(bytes32 credentialId, uint256 expiresAt, uint256 timestamp);

    /// @notice The commitment is not below the scalar field order r (no proof can be made against it).
    /// @param commitment The commitment.
    error CapacityRegistryCommitmentOutOfField(uint256 commitment);

    /// @notice `nonce` was already used by `provider` (a replay): the next one is `expected`.
    /// @param provider The provider.
    /// @param nonce The nonce given.
    /// @param expected The provider's next nonce.
    error CapacityRegistryNonceUsed(address provider, uint256 nonce, uint256 expected);

    /// @notice `nonce` is ahead of the provider's next nonce `expected` (proofs are made for `nonceOf(provider)`).
    /// @param provider The provider.
    /// @param nonce The nonce given.
    /// @param expected The provider's next nonce.
    error CapacityRegistryWrongNonce(address provider, uint256 nonce, uint256 expected);

    /// @notice The proof does not verify for (commitment, OP_GE, amount, contextOf(provider, nonce)): tampered,
    ///         made for another amount, commitment, nonce, provider, chain or registry, or the certified figure is
    ///         below the amount.
    /// @param provider The provider.
    /// @param resource The resource.
    /// @param amount The amount offered.
    error CapacityRegistryInvalidProof(address provider, ResourceType resource, uint256 amount);

    /// @notice The provider has no registration of `resource` to withdraw.
    /// @param provider The provider.
    /// @param resource The resource.
    error CapacityRegistryNotRegistered(address provider, ResourceType resource);

    /// @notice The call has too little gas left to run the proof verification (which would otherwise fail as an
    ///         invalid proof): send the transaction with more gas.
    /// @param needed Gas needed from this point.
    /// @param available Gas left.
    error CapacityRegistryInsufficientGas(uint256 needed, uint256 available);

    // -- registration ------------------------------------------------------------------------------------------

    /// @notice Registers `amount` of `resource` for the sender, proven covered by the issuer-certified figure
    ///         committed in `claim`. Checks described on the interface; replaces the sender's previous registration
    ///         of `resource`; consumes the nonce.
    /// @param resource The resource.
    /// @param amount The capacity offered, in the claim's unit (1 to 2^64 - 1).
    /// @param claim The commitment, its issuer, credential id, expiry and the issuer's signature.
    /// @param nonce The sender's next nonce (`nonceOf(msg.sender)`), which the proof's context is bound to.
    /// @param proof The Groth16 proof, 512 bytes (A || B || C, EIP-2537 encodings).
    function registerCapacity(
        ResourceType resource,
        uint256 amount,
        CommittedClaim calldata claim,
        uint256 nonce,
        bytes calldata proof
    ) external;

    /// @notice Withdraws the sender's registration of `resource`.
    /// @param resource The resource.
    function withdrawCapacity(ResourceType resource) external;

    /// @notice Makes `issuer` trusted (or not) to certify capacity. Admin only (the timelock in production).
    /// @param issuer The issuer's identity.
    /// @param trusted Whether its credentials are accepted.
    function setTrustedIssuer(address issuer, bool trusted) external;

    // -- reads -------------------------------------------------------------------------------------------------

    /// @notice The DIDRegistry whose identities, delegates and revocations the registry reads.
    /// @return The registry.
    function didRegistry() external view returns (address);

    /// @notice The Groth16 verifier of the credential predicate circuit.
    /// @return The verifier.
    function verifier() external view returns (address);

    /// @notice Whether `issuer`'s credentials are accepted.
    /// @param issuer The issuer.
    /// @return True when trusted.
    function isTrustedIssuer(address issuer) external view returns (bool);

    /// @notice The nonce the provider's next proof must be bound to.
    /// @param provider The provider.
    /// @return The nonce (starts at 0, one more per registration).
    function nonceOf(address provider) external view returns (uint256);

    /// @notice The proof context (the circuit's fourth public input) for `provider` and `nonce`:
    ///         `uint256(keccak256(abi.encode(CONTEXT_TAG, block.chainid, address(this), provider, nonce))) % r`.
    /// @param provider The provider.
    /// @param nonce The nonce.
    /// @return The context, below r.
    function contextOf(address provider, uint256 nonce) external view returns (uint256);

    /// @notice The EIP-712 digest the issuer signs for a committed claim (see the contract for the type).
    /// @param issuer The issuer.
    /// @param subject The credential's subject (the provider).
    /// @param credentialId The credential id.
    /// @param claimName The claim's name ("cpu", "memory", "storage", "network").
    /// @param commitment The commitment.
    /// @param expiresAt The expiry (0: never).
    /// @return The digest.
    function claimDigest(
        address issuer,
        address subject,
        bytes32 credentialId,
        string calldata claimName,
        uint256 commitment,
        uint64 expiresAt
    ) external pure returns (bytes32);

    /// @notice The claim name a resource's capacity is certified under.
    /// @param resource The resource.
    /// @return "cpu", "memory", "storage" or "network".
    function claimNameOf(ResourceType resource) external pure returns (string memory);

    /// @notice The provider's registration of `resource` (all zero when none).
    /// @param provider The provider.
    /// @param resource The resource.
    /// @return The registration.
    function capacityOf(address provider, ResourceType resource) external view returns (Capacity memory);

    /// @notice Whether the provider's registration of `resource` counts right now: registered, the credential
    ///         neither revoked nor expired, the issuer still trusted and not deactivated.
    /// @param provider The provider.
    /// @param resource The resource.
    /// @return True when it counts.
    function isActive(address provider, ResourceType resource) external view returns (bool);

    /// @notice `capacityOf(provider, resource).amount` if `isActive`, else 0: what the market may match against.
    /// @param provider The provider.
    /// @param resource The resource.
    /// @return The active amount.
    function activeCapacity(address provider, ResourceType resource) external view returns (uint256);
}
