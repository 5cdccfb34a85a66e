// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IDIDRegistry
/// @notice The did:novacron registry: an ERC-1056 style identity registry plus a credential revocation registry.
///
///         Every address is an identity at no cost: until something is written for it, an identity is owned by
///         itself and has no delegates and no attributes. The owner may hand the identity to another key
///         (`changeOwner`, key rotation), add delegates that act for it for a while (`addDelegate`), and publish
///         attributes such as public keys and service endpoints (`setAttribute`). Changing the owner to the zero
///         address deactivates the identity for good: nobody can change it afterwards.
///
///         Every change is an event carrying `previousChange`, the block of the identity's change before it, and
///         `changed(identity)` is the block of the latest: a resolver rebuilds an identity's whole history by
///         reading the logs of those blocks only, newest first, as with ERC-1056. The three identity events have
///         exactly ERC-1056's signatures, so ERC-1056 resolvers read this registry's logs unchanged.
///
///         Each operation also has a `...Signed` form that anyone may send with the owner's EIP-712 signature
///         (domain "NovaCronDIDRegistry", version "1"), so identity keys (a VM's, a host's) never need to hold
///         native coins: the platform's account relays and pays. Signatures are bound to the identity's `nonce`.
///
///         Issuers revoke verifiable credentials here by a 32-byte credential id (NovaCron uses the keccak256
///         of the credential's `id`); `isRevoked(issuer, id)` is what verifiers check.
interface IDIDRegistry {
    // -- events ------------------------------------------------------------------------------------------------

    /// @notice The owner of `identity` changed to `owner`; the zero address means the identity is deactivated.
    /// @param identity The identity (its address is the DID's method-specific id).
    /// @param owner The new owner.
    /// @param previousChange Block of the identity's previous change (0 for its first).
    event DIDOwnerChanged(address indexed identity, address owner, uint256 previousChange);

    /// @notice A delegate of `identity` was added (validTo in the future) or revoked (validTo now).
    /// @param identity The identity.
    /// @param delegateType The kind of delegation, e.g. "veriKey" (may sign for it) or "sigAuth" (may authenticate).
    /// @param delegate The delegate's address.
    /// @param validTo Unix time until which the delegate is valid (exclusive).
    /// @param previousChange Block of the identity's previous change (0 for its first).
    event DIDDelegateChanged(
        address indexed identity,
        bytes32 delegateType,
        address delegate,
        uint256 validTo,
        uint256 previousChange
    );

    /// @notice An attribute of `identity` was set (validTo in the future) or revoked (validTo 0).
    /// @param identity The identity.
    /// @param name Attribute name, e.g. "did/pub/Secp256k1/veriKey/hex" (a public key) or "did/svc/<type>".
    /// @param value Attribute value (raw key bytes, an endpoint URL, ...).
    /// @param validTo Unix time until which the attribute is valid (exclusive); 0 when revoked.
    /// @param previousChange Block of the identity's previous change (0 for its first).
    event DIDAttributeChanged(
        address indexed identity,
        bytes32 name,
        bytes value,
        uint256 validTo,
        uint256 previousChange
    );

    /// @notice `issuer` revoked the credential `credentialId`. Revocation is permanent.
    /// @param issuer The issuing identity.
    /// @param credentialId The credential's 32-byte id (keccak256 of its `id` for NovaCron credentials).
    event CredentialRevoked(address indexed issuer, bytes32 indexed credentialId);

    // -- errors ------------------------------------------------------------------------------------------------

    /// @notice `actor` tried to change `identity`, but only its owner `owner` may.
    /// @param identity The identity.
    /// @param actor Who tried (the sender, or the signer of a signed change).
    /// @param owner The identity's owner.
    error DIDRegistryUnauthorized(address identity, address actor, address owner);

    /// @notice The signature of a signed change does not come from the identity's owner (or is not a valid
    ///         signature at all, then `signer` is the zero address). Signatures are bound to the current nonce.
    /// @param identity The identity.
    /// @param signer The address the signature recovers to.
    /// @param owner The identity's owner.
    error DIDRegistryBadSignature(address identity, address signer, address owner);

    /// @notice `identity` was deactivated (its owner set to the zero address): it can no longer change.
    /// @param identity The identity.
    error DIDRegistryDeactivated(address identity);

    /// @notice The delegate is the zero address.
    error DIDRegistryZeroDelegate();

    /// @notice `validity` is 0 or longer than `max` seconds.
    /// @param validity The validity asked for, in seconds.
    /// @param max The longest validity accepted, in seconds.
    error DIDRegistryInvalidValidity(uint256 validity, uint256 max);

    /// @notice The credential was already revoked at `revokedAt` (unix time).
    /// @param issuer The issuing identity.
    /// @param credentialId The credential id.
    /// @param revokedAt When it was revoked.
    error DIDRegistryAlreadyRevoked(address issuer, bytes32 credentialId, uint256 revokedAt);

    // -- identity reads ----------------------------------------------------------------------------------------

    /// @notice The current owner of `identity`: itself until changed, the zero address once deactivated.
    /// @param identity The identity.
    /// @return The owner's address.
    function identityOwner(address identity) external view returns (address);

    /// @notice Block number of the identity's latest change (0: never changed).
    /// @param identity The identity.
    /// @return The block number.
    function changed(address identity) external view returns (uint256);

    /// @notice The nonce the next signed change of `identity` must be signed with.
    /// @param identity The identity.
    /// @return The nonce.
    function nonce(address identity) external view returns (uint256);

    /// @notice Whether `identity` was deactivated.
    /// @param identity The identity.
    /// @return True once its owner was set to the zero address.
    function isDeactivated(address identity) external view returns (bool);

    /// @notice Unix time until which `delegate` is a delegate of type `delegateType` of `identity` (exclusive).
    /// @param identity The identity.
    /// @param delegateType The delegation type.
    /// @param delegate The delegate.
    /// @return The validTo time (0: never added).
    function delegates(address identity, bytes32 delegateType, address delegate) external view returns (uint256);

    /// @notice Whether `delegate` is, right now, a valid delegate of type `delegateType` of `identity`.
    /// @param identity The identity.
    /// @param delegateType The delegation type.
    /// @param delegate The delegate.
    /// @return True while the delegation has not expired or been revoked (always false once deactivated).
    function validDelegate(address identity, bytes32 delegateType, address delegate) external view returns (bool);

    // -- identity changes --------------------------------------------------------------------------------------

    /// @notice Hands `identity` to `newOwner` (key rotation). The zero address deactivates it for good.
    /// @param identity The identity; the sender must be its owner.
    /// @param newOwner The new owner.
    function changeOwner(address identity, address newOwner) external;

    /// @notice `changeOwner` authorised by the owner's EIP-712 signature of
    ///         ChangeOwner(address identity,address newOwner,uint256 nonce).
    /// @param identity The identity.
    /// @param sigV Signature recovery byte (27 or 28).
    /// @param sigR Signature r.
    /// @param sigS Signature s.
    /// @param newOwner The new owner.
    function changeOwnerSigned(address identity, uint8 sigV, bytes32 sigR, bytes32 sigS, address newOwner) external;

    /// @notice Makes `delegate` a delegate of type `delegateType` for `validity` seconds from now.
    /// @param identity The identity; the sender must be its owner.
    /// @param delegateType The delegation type, e.g. "veriKey" or "sigAuth" (right-padded ASCII).
    /// @param delegate The delegate (not the zero address).
    /// @param validity Seconds the delegation lasts (1 to 100 years).
    function addDelegate(address identity, bytes32 delegateType, address delegate, uint256 validity) external;

    /// @notice `addDelegate` authorised by the owner's EIP-712 signature of
    ///         AddDelegate(address identity,bytes32 delegateType,address delegate,uint256 validity,uint256 nonce).
    /// @param identity The identity.
    /// @param sigV Signature recovery byte (27 or 28).
    /// @param sigR Signature r.
    /// @param sigS Signature s.
    /// @param delegateType The delegation type.
    /// @param delegate The delegate.
    /// @param validity Seconds the delegation lasts.
    function addDelegateSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 delegateType,
        address delegate,
        uint256 validity
    ) external;

    /// @notice Ends the delegation of `delegate` (of type `delegateType`) now.
    /// @param identity The identity; the sender must be its owner.
    /// @param delegateType The delegation type.
    /// @param delegate The delegate.
    function revokeDelegate(address identity, bytes32 delegateType, address delegate) external;

    /// @notice `revokeDelegate` authorised by the owner's EIP-712 signature of
    ///         RevokeDelegate(address identity,bytes32 delegateType,address delegate,uint256 nonce).
    /// @param identity The identity.
    /// @param sigV Signature recovery byte (27 or 28).
    /// @param sigR Signature r.
    /// @param sigS Signature s.
    /// @param delegateType The delegation type.
    /// @param delegate The delegate.
    function revokeDelegateSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 delegateType,
        address delegate
    ) external;

    /// @notice Publishes the attribute `name` = `value` for `validity` seconds from now (only as an event).
    /// @param identity The identity; the sender must be its owner.
    /// @param name Attribute name.
    /// @param value Attribute value.
    /// @param validity Seconds the attribute lasts (1 to 100 years).
    function setAttribute(address identity, bytes32 name, bytes calldata value, uint256 validity) external;

    /// @notice `setAttribute` authorised by the owner's EIP-712 signature of
    ///         SetAttribute(address identity,bytes32 name,bytes value,uint256 validity,uint256 nonce).
    /// @param identity The identity.
    /// @param sigV Signature recovery byte (27 or 28).
    /// @param sigR Signature r.
    /// @param sigS Signature s.
    /// @param name Attribute name.
    /// @param value Attribute value.
    /// @param validity Seconds the attribute lasts.
    function setAttributeSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 name,
        bytes calldata value,
        uint256 validity
    ) external;

    /// @notice Revokes the attribute `name` = `value` (an event with validTo 0).
    /// @param identity The identity; the sender must be its owner.
    /// @param name Attribute name.
    /// @param value Attribute value.
    function revokeAttribute(address identity, bytes32 name, bytes calldata value) external;

    /// @notice `revokeAttribute` authorised by the owner's EIP-712 signature of
    ///         RevokeAttribute(address identity,bytes32 name,bytes value,uint256 nonce).
    /// @param identity The identity.
    /// @param sigV Signature recovery byte (27 or 28).
    /// @param sigR Signature r.
    /// @param sigS Signature s.
    /// @param name Attribute name.
    /// @param value Attribute value.
    function revokeAttributeSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 name,
        bytes calldata value
    ) external;

    // -- credential status -------------------------------------------------------------------------------------

    /// @notice Revokes the credential `credentialId` issued by `issuer`, permanently.
    /// @param issuer The issuing identity; the sender must be its owner.
    /// @param credentialId The credential id.
    function revokeCredential(address issuer, bytes32 credentialId) external;

    /// @notice `revokeCredential` authorised by the issuer owner's EIP-712 signature of
    ///         RevokeCredential(address issuer,bytes32 credentialId,uint256 nonce).
    /// @param issuer The issuing identity.
    /// @param sigV Signature recovery byte (27 or 28).
    /// @param sigR Signature r.
    /// @param sigS Signature s.
    /// @param credentialId The credential id.
    function revokeCredentialSigned(address issuer, uint8 sigV, bytes32 sigR, bytes32 sigS, bytes32 credentialId)
        external;

    /// @notice Whether `issuer` revoked `credentialId`.
    /// @param issuer The issuing identity.
    /// @param credentialId The credential id.
    /// @return True once revoked.
    function isRevoked(address issuer, bytes32 credentialId) external view returns (bool);

    /// @notice Unix time at which `issuer` revoked `credentialId` (0: not revoked).
    /// @param issuer The issuing identity.
    /// @param credentialId The credential id.
    /// @return The revocation time.
    function revokedAt(address issuer, bytes32 credentialId) external view returns (uint256);

    /// @notice Everything a verifier reads from the chain in one call: the issuer's latest change (to validate
    ///         a cached resolution), the credential's revocation time and the chain's time.
    /// @param issuer The issuing identity.
    /// @param credentialId The credential id.
    /// @return issuerChanged Block of the issuer's latest change.
    /// @return credentialRevokedAt Unix time of revocation (0: not revoked).
    /// @return timestamp The current block's timestamp.
    function credentialState(address issuer, bytes32 credentialId)
        external
        view
        returns (uint256 issuerChanged, uint256 credentialRevokedAt, uint256 timestamp);

    /// @notice The EIP-712 domain separator signed changes are bound to.
    /// @return The separator.
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32);
}
