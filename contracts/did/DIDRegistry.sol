// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Guarded} from "../security/Guarded.sol";
import {IDIDRegistry} from "./IDIDRegistry.sol";

/// @title DIDRegistry
/// @notice The did:novacron identity and credential-status registry (see {IDIDRegistry}). ERC-1056 semantics and
///         event signatures, with three differences: an identity's owner, latest-change block and nonce share one
///         storage slot (each change reads and writes one slot, where ERC-1056 touches two), signed changes use
///         EIP-712, and deactivation (owner set to the zero address) is final instead of handing the identity
///         back to its own key. Pausable by a guardian (see {Guarded}); reads work while paused.
contract DIDRegistry is IDIDRegistry, Guarded, EIP712 {
    /// @notice Longest validity of a delegate or an attribute: 100 years (365-day years).
    uint256 public constant MAX_VALIDITY = 100 * 365 days;

    bytes32 private constant CHANGE_OWNER_TYPEHASH =
        keccak256("ChangeOwner(address identity,address newOwner,uint256 nonce)");
    bytes32 private constant ADD_DELEGATE_TYPEHASH = keccak256(
        "AddDelegate(address identity,bytes32 delegateType,address delegate,uint256 validity,uint256 nonce)"
    );
    bytes32 private constant REVOKE_DELEGATE_TYPEHASH =
        keccak256("RevokeDelegate(address identity,bytes32 delegateType,address delegate,uint256 nonce)");
    bytes32 private constant SET_ATTRIBUTE_TYPEHASH =
        keccak256("SetAttribute(address identity,bytes32 name,bytes value,uint256 validity,uint256 nonce)");
    bytes32 private constant REVOKE_ATTRIBUTE_TYPEHASH =
        keccak256("RevokeAttribute(address identity,bytes32 name,bytes value,uint256 nonce)");
    bytes32 private constant REVOKE_CREDENTIAL_TYPEHASH =
        keccak256("RevokeCredential(address issuer,bytes32 credentialId,uint256 nonce)");

    /// @dev One slot per identity (20 + 6 + 5 + 1 bytes). `owner` 0 means "itself" unless `deactivated`.
    ///      uint48 block numbers and uint40 nonces cannot overflow in practice (2^48 blocks, 2^40 signed changes).
    struct Identity {
        address owner;
        uint48 changed;
        uint40 nonce;
        bool deactivated;
    }

    mapping(address identity => Identity) private _identities;
    mapping(address identity => mapping(bytes32 delegateType => mapping(address delegate => uint256 validTo)))
        private _delegates;
    mapping(address issuer => mapping(bytes32 credentialId => uint256 revokedAt)) private _revoked;

    /// @param admin Holder of DEFAULT_ADMIN_ROLE (grants roles, unpauses): the timelock in production.
    /// @param guardian Holder of GUARDIAN_ROLE (may pause); the zero address for none yet.
    constructor(address admin, address guardian) Guarded(admin, guardian) EIP712("NovaCronDIDRegistry", "1") {}

    // -- reads -------------------------------------------------------------------------------------------------

    /// @inheritdoc IDIDRegistry
    function identityOwner(address identity) public view returns (address) {
        Identity memory id = _identities[identity];
        return _ownerOf(identity, id);
    }

    /// @inheritdoc IDIDRegistry
    function changed(address identity) external view returns (uint256) {
        return _identities[identity].changed;
    }

    /// @inheritdoc IDIDRegistry
    function nonce(address identity) external view returns (uint256) {
        return _identities[identity].nonce;
    }

    /// @inheritdoc IDIDRegistry
    function isDeactivated(address identity) external view returns (bool) {
        return _identities[identity].deactivated;
    }

    /// @inheritdoc IDIDRegistry
    function delegates(address identity, bytes32 delegateType, address delegate) external view returns (uint256) {
        return _delegates[identity][delegateType][delegate];
    }

    /// @inheritdoc IDIDRegistry
    function validDelegate(address identity, bytes32 delegateType, address delegate) external view returns (bool) {
        return !_identities[identity].deactivated && _delegates[identity][delegateType][delegate] > block.timestamp;
    }

    /// @inheritdoc IDIDRegistry
    function isRevoked(address issuer, bytes32 credentialId) external view returns (bool) {
        return _revoked[issuer][credentialId] != 0;
    }

    /// @inheritdoc IDIDRegistry
    function revokedAt(address issuer, bytes32 credentialId) external view returns (uint256) {
        return _revoked[issuer][credentialId];
    }

    /// @inheritdoc IDIDRegistry
    function credentialState(address issuer, bytes32 credentialId)
        external
        view
        returns (uint256 issuerChanged, uint256 credentialRevokedAt, uint256 timestamp)
    {
        return (_identities[issuer].changed, _revoked[issuer][credentialId], block.timestamp);
    }

    /// @inheritdoc IDIDRegistry
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice ERC-165: also answers true for IDIDRegistry.
    /// @param interfaceId The interface id asked about.
    /// @return Whether this contract implements it.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IDIDRegistry).interfaceId || super.supportsInterface(interfaceId);
    }

    // -- owner -------------------------------------------------------------------------------------------------

    /// @inheritdoc IDIDRegistry
    function changeOwner(address identity, address newOwner) external whenNotPaused {
        Identity memory id = _asOwner(identity, msg.sender);
        _changeOwner(identity, id, newOwner);
    }

    /// @inheritdoc IDIDRegistry
    function changeOwnerSigned(address identity, uint8 sigV, bytes32 sigR, bytes32 sigS, address newOwner)
        external
        whenNotPaused
    {
        Identity memory id = _identities[identity];
        bytes32 structHash = keccak256(abi.encode(CHANGE_OWNER_TYPEHASH, identity, newOwner, id.nonce));
        _asSigner(identity, id, structHash, sigV, sigR, sigS);
        _changeOwner(identity, id, newOwner);
    }

    // -- delegates ---------------------------------------------------------------------------------------------

    /// @inheritdoc IDIDRegistry
    function addDelegate(address identity, bytes32 delegateType, address delegate, uint256 validity)
        external
        whenNotPaused
    {
        Identity memory id = _asOwner(identity, msg.sender);
        _addDelegate(identity, id, delegateType, delegate, validity);
    }

    /// @inheritdoc IDIDRegistry
    function addDelegateSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 delegateType,
        address delegate,
        uint256 validity
    ) external whenNotPaused {
        Identity memory id = _identities[identity];
        bytes32 structHash =
            keccak256(abi.encode(ADD_DELEGATE_TYPEHASH, identity, delegateType, delegate, validity, id.nonce));
        _asSigner(identity, id, structHash, sigV, sigR, sigS);
        _addDelegate(identity, id, delegateType, delegate, validity);
    }

    /// @inheritdoc IDIDRegistry
    function revokeDelegate(address identity, bytes32 delegateType, address delegate) external whenNotPaused {
        Identity memory id = _asOwner(identity, msg.sender);
        _revokeDelegate(identity, id, delegateType, delegate);
    }

    /// @inheritdoc IDIDRegistry
    function revokeDelegateSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 delegateType,
        address delegate
    ) external whenNotPaused {
        Identity memory id = _identities[identity];
        bytes32 structHash =
            keccak256(abi.encode(REVOKE_DELEGATE_TYPEHASH, identity, delegateType, delegate, id.nonce));
        _asSigner(identity, id, structHash, sigV, sigR, sigS);
        _revokeDelegate(identity, id, delegateType, delegate);
    }

    // -- attributes --------------------------------------------------------------------------------------------

    /// @inheritdoc IDIDRegistry
    function setAttribute(address identity, bytes32 name, bytes calldata value, uint256 validity)
        external
        whenNotPaused
    {
        Identity memory id = _asOwner(identity, msg.sender);
        _setAttribute(identity, id, name, value, validity);
    }

    /// @inheritdoc IDIDRegistry
    function setAttributeSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 name,
        bytes calldata value,
        uint256 validity
    ) external whenNotPaused {
        Identity memory id = _identities[identity];
        bytes32 structHash =
            keccak256(abi.encode(SET_ATTRIBUTE_TYPEHASH, identity, name, keccak256(value), validity, id.nonce));
        _asSigner(identity, id, structHash, sigV, sigR, sigS);
        _setAttribute(identity, id, name, value, validity);
    }

    /// @inheritdoc IDIDRegistry
    function revokeAttribute(address identity, bytes32 name, bytes calldata value) external whenNotPaused {
        Identity memory id = _asOwner(identity, msg.sender);
        _revokeAttribute(identity, id, name, value);
    }

    /// @inheritdoc IDIDRegistry
    function revokeAttributeSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 name,
        bytes calldata value
    ) external whenNotPaused {
        Identity memory id = _identities[identity];
        bytes32 structHash =
            keccak256(abi.encode(REVOKE_ATTRIBUTE_TYPEHASH, identity, name, keccak256(value), id.nonce));
        _asSigner(identity, id, structHash, sigV, sigR, sigS);
        _revokeAttribute(identity, id, name, value);
    }

    // -- credential status -------------------------------------------------------------------------------------

    /// @inheritdoc IDIDRegistry
    function revokeCredential(address issuer, bytes32 credentialId) external whenNotPaused {
        _asOwner(issuer, msg.sender);
        _revokeCredential(issuer, credentialId);
    }

    /// @inheritdoc IDIDRegistry
    function revokeCredentialSigned(address issuer, uint8 sigV, bytes32 sigR, bytes32 sigS, bytes32 credentialId)
        external
        whenNotPaused
    {
        Identity memory id = _identities[issuer];
        bytes32 structHash = keccak256(abi.encode(REVOKE_CREDENTIAL_TYPEHASH, issuer, credentialId, id.nonce));
        _asSigner(issuer, id, structHash, sigV, sigR, sigS);
        _identities[issuer] = id; // the used nonce; a revocation is not a change of the DID document
        _revokeCredential(issuer, credentialId);
    }

    // -- internals ---------------------------------------------------------------------------------------------

    function _ownerOf(address identity, Identity memory id) private pure returns (address) {
        if (id.deactivated) return address(0);
        return id.owner == address(0) ? identity : id.owner;
    }

    /// @dev Loads `identity` and checks that `actor` (the sender) owns it.
    function _asOwner(address identity, address actor) private view returns (Identity memory id) {
        id = _identities[identity];
        if (id.deactivated) revert DIDRegistryDeactivated(identity);
        address owner = _ownerOf(identity, id);
        if (actor != owner) revert DIDRegistryUnauthorized(identity, actor, owner);
    }

    /// @dev Checks that the owner of `identity` signed `structHash` (which includes `id.nonce`) and consumes the
    ///      nonce in `id`; the caller stores `id`.
    function _asSigner(
        address identity,
        Identity memory id,
        bytes32 structHash,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS
    ) private view {
        if (id.deactivated) revert DIDRegistryDeactivated(identity);
        // tryRecover returns address(0) on every failure, which the check below rejects: its error code adds nothing
        // slither-disable-next-line unused-return
        (address signer,,) = ECDSA.tryRecover(_hashTypedDataV4(structHash), sigV, sigR, sigS);
        address owner = _ownerOf(identity, id);
        if (signer != owner || signer == address(0)) revert DIDRegistryBadSignature(identity, signer, owner);
        id.nonce += 1;
    }

    /// @dev Records a change of `identity` in this block and stores `id`; returns the block of the change before.
    function _touch(address identity, Identity memory id) private returns (uint256 previousChange) {
        previousChange = id.changed;
        id.changed = uint48(block.number); // fits for 2^48 blocks
        _identities[identity] = id;
    }

    function _changeOwner(address identity, Identity memory id, address newOwner) private {
        id.owner = newOwner;
        id.deactivated = newOwner == address(0);
        uint256 previousChange = _touch(identity, id);
        emit DIDOwnerChanged(identity, newOwner, previousChange);
    }

    function _addDelegate(
        address identity,
        Identity memory id,
        bytes32 delegateType,
        address delegate,
        uint256 validity
    ) private {
        if (delegate == address(0)) revert DIDRegistryZeroDelegate();
        _checkValidity(validity);
        uint256 validTo = block.timestamp + validity;
        _delegates[identity][delegateType][delegate] = validTo;
        uint256 previousChange = _touch(identity, id);
        emit DIDDelegateChanged(identity, delegateType, delegate, validTo, previousChange);
    }

    function _revokeDelegate(address identity, Identity memory id, bytes32 delegateType, address delegate) private {
        _delegates[identity][delegateType][delegate] = block.timestamp;
        uint256 previousChange = _touch(identity, id);
        emit DIDDelegateChanged(identity, delegateType, delegate, block.timestamp, previousChange);
    }

    function _setAttribute(
        address identity,
        Identity memory id,
        bytes32 name,
        bytes calldata value,
        uint256 validity
    ) private {
        _checkValidity(validity);
        uint256 previousChange = _touch(identity, id);
        emit DIDAttributeChanged(identity, name, value, block.timestamp + validity, previousChange);
    }

    function _revokeAttribute(address identity, Identity memory id, bytes32 name, bytes calldata value) private {
        uint256 previousChange = _touch(identity, id);
        emit DIDAttributeChanged(identity, name, value, 0, previousChange);
    }

    function _revokeCredential(address issuer, bytes32 credentialId) private {
        uint256 revokedTime = _revoked[issuer][credentialId];
        if (revokedTime != 0) revert DIDRegistryAlreadyRevoked(issuer, credentialId, revokedTime);
        _revoked[issuer][credentialId] = block.timestamp;
        emit CredentialRevoked(issuer, credentialId);
    }

    function _checkValidity(uint256 validity) private pure {
        if (validity == 0 || validity > MAX_VALIDITY) revert DIDRegistryInvalidValidity(validity, MAX_VALIDITY);
    }
}
