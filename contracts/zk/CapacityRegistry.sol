// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IDIDRegistry} from "../did/IDIDRegistry.sol";
import {Guarded} from "../security/Guarded.sol";
import {ResourceType} from "../tokens/ResourceType.sol";
import {ICapacityRegistry} from "./ICapacityRegistry.sol";
import {IGroth16Verifier} from "./IGroth16Verifier.sol";

/// @title CapacityRegistry
/// @notice Provider capacity registered with a zero-knowledge proof over an issuer-certified, committed claim (see
///         {ICapacityRegistry}). The market and the scheduler read `activeCapacity(provider, resource)` and never
///         learn the certified figures.
///
///         The issuer signs, with EIP-712 under the domain {name: "NovaCron Committed Credential", version: "1"}
///         (no chain id, no contract: a credential is an off-chain document valid wherever its issuer is trusted),
///         `CommittedClaim(address issuer,address subject,bytes32 credentialId,string claim,uint256 commitment,
///         uint64 expiresAt)`.
/// @dev Guarded: a guardian pauses registrations; withdrawals stay open (they only take capacity off the market).
///      Every external call (DIDRegistry reads, the verifier) is a view call made before any state change.
contract CapacityRegistry is ICapacityRegistry, Guarded {
    /// @notice The BLS12-381 scalar field order r.
    uint256 public constant SCALAR_FIELD = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001;

    /// @notice The circuit's code of the predicate "value >= threshold" (its second public input).
    uint256 public constant OP_GE = 1;

    /// @notice Tag of the proof context: contexts of this registry never equal another verifier's.
    bytes32 public constant CONTEXT_TAG = keccak256("NovaCron.CapacityRegistry.v1");

    /// @notice The DIDRegistry delegate type of keys that may sign for an issuer.
    bytes32 public constant VERI_KEY = "veriKey";

    /// @notice EIP-712 type of the issuer's signature over a committed claim.
    bytes32 public constant COMMITTED_CLAIM_TYPEHASH = keccak256(
        "CommittedClaim(address issuer,address subject,bytes32 credentialId,string claim,uint256 commitment,"
        "uint64 expiresAt)"
    );

    /// @notice EIP-712 domain separator of committed claims: name "NovaCron Committed Credential", version "1".
    bytes32 public constant CLAIM_DOMAIN_SEPARATOR = keccak256(
        abi.encode(
            keccak256("EIP712Domain(string name,string version)"),
            keccak256("NovaCron Committed Credential"),
            keccak256("1")
        )
    );

    /// @notice Gas the registry keeps for itself after the verifier returns (storage writes and the event).
    uint256 private constant AFTER_VERIFY_GAS = 80_000;

    IDIDRegistry private immutable _did;
    IGroth16Verifier private immutable _verifier;
    uint256 private immutable _verifyGas;

    mapping(address issuer => bool) private _trusted;
    mapping(address provider => uint256) private _nonces;
    mapping(address provider => mapping(ResourceType resource => Capacity)) private _capacity;

    /// @param admin Holder of DEFAULT_ADMIN_ROLE: manages trusted issuers, unpauses (the timelock in production).
    /// @param guardian Holder of GUARDIAN_ROLE (may pause); the zero address for none yet.
    /// @param didRegistry_ The DIDRegistry (identities, delegates, revocations).
    /// @param verifier_ The Groth16 verifier of the credential predicate circuit (4 public inputs).
    /// @param issuers Issuers trusted from the start.
    constructor(address admin, address guardian, address didRegistry_, address verifier_, address[] memory issuers)
        Guarded(admin, guardian)
    {
        if (didRegistry_ == address(0) || verifier_ == address(0)) revert CapacityRegistryZeroAddress();
        _did = IDIDRegistry(didRegistry_);
        _verifier = IGroth16Verifier(verifier_);
        uint256 count = IGroth16Verifier(verifier_).publicInputCount();
        if (count != 4) revert CapacityRegistryVerifierInputs(count);
        _verifyGas = IGroth16Verifier(verifier_).verificationGas();
        for (uint256 i = 0; i < issuers.length; ++i) {
            _setTrusted(issuers[i], true);
        }
    }

    // -- registration ------------------------------------------------------------------------------------------

    /// @inheritdoc ICapacityRegistry
    function registerCapacity(
        ResourceType resource,
        uint256 amount,
        CommittedClaim calldata claim,
        uint256 nonce,
        bytes calldata proof
    ) external whenNotPaused {
        if (amount == 0 || amount > type(uint64).max) {
            revert CapacityRegistryInvalidAmount(amount, type(uint64).max);
        }
        _checkClaim(msg.sender, resource, claim);
        if (claim.commitment >= SCALAR_FIELD) revert CapacityRegistryCommitmentOutOfField(claim.commitment);
        uint256 expected = _nonces[msg.sender];
        if (nonce < expected) revert CapacityRegistryNonceUsed(msg.sender, nonce, expected);
        if (nonce > expected) revert CapacityRegistryWrongNonce(msg.sender, nonce, expected);

        uint256[] memory inputs = new uint256[](4);
        inputs[0] = claim.commitment;
        inputs[1] = OP_GE;
        inputs[2] = amount;
        inputs[3] = _context(msg.sender, nonce);
        // the verifier gets its gas explicitly: short of gas, a verifier would answer false for a valid proof, so a
        // transaction without enough gas is refused as such instead
        uint256 gasNeeded = _verifyGas + _verifyGas / 63 + AFTER_VERIFY_GAS;
        if (gasleft() < gasNeeded) revert CapacityRegistryInsufficientGas(gasNeeded, gasleft());
        if (!_verifier.verifyProof{gas: _verifyGas}(proof, inputs)) {
            revert CapacityRegistryInvalidProof(msg.sender, resource, amount);
        }

        _nonces[msg.sender] = expected + 1;
        _capacity[msg.sender][resource] = Capacity({
            amount: uint64(amount), // checked above: at most 2^64 - 1
            expiresAt: claim.expiresAt,
            registeredAt: uint64(block.timestamp),
            issuer: claim.issuer,
            credentialId: claim.credentialId,
            commitment: claim.commitment
        });
        emit CapacityRegistered(
            msg.sender, resource, amount, claim.commitment, claim.issuer, claim.credentialId, nonce
        );
    }

    /// @inheritdoc ICapacityRegistry
    function withdrawCapacity(ResourceType resource) external {
        if (_capacity[msg.sender][resource].amount == 0) revert CapacityRegistryNotRegistered(msg.sender, resource);
        delete _capacity[msg.sender][resource];
        emit CapacityWithdrawn(msg.sender, resource);
    }

    /// @inheritdoc ICapacityRegistry
    function setTrustedIssuer(address issuer, bool trusted) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTrusted(issuer, trusted);
    }

    // -- reads -------------------------------------------------------------------------------------------------

    /// @inheritdoc ICapacityRegistry
    function didRegistry() external view returns (address) {
        return address(_did);
    }

    /// @inheritdoc ICapacityRegistry
    function verifier() external view returns (address) {
        return address(_verifier);
    }

    /// @inheritdoc ICapacityRegistry
    function isTrustedIssuer(address issuer) external view returns (bool) {
        return _trusted[issuer];
    }

    /// @inheritdoc ICapacityRegistry
    function nonceOf(address provider) external view returns (uint256) {
        return _nonces[provider];
    }

    /// @inheritdoc ICapacityRegistry
    function contextOf(address provider, uint256 nonce) external view returns (uint256) {
        return _context(provider, nonce);
    }

    /// @inheritdoc ICapacityRegistry
    function claimDigest(
        address issuer,
        address subject,
        bytes32 credentialId,
        string calldata claimName,
        uint256 commitment,
        uint64 expiresAt
    ) external pure returns (bytes32) {
        return _claimDigest(issuer, subject, credentialId, claimName, commitment, expiresAt);
    }

    /// @inheritdoc ICapacityRegistry
    function claimNameOf(ResourceType resource) public pure returns (string memory) {
        if (resource == ResourceType.CPU) return "cpu";
        if (resource == ResourceType.MEM) return "memory";
        if (resource == ResourceType.STO) return "storage";
        return "network";
    }

    /// @inheritdoc ICapacityRegistry
    function capacityOf(address provider, ResourceType resource) external view returns (Capacity memory) {
        return _capacity[provider][resource];
    }

    /// @inheritdoc ICapacityRegistry
    function isActive(address provider, ResourceType resource) public view returns (bool) {
        Capacity storage c = _capacity[provider][resource];
        if (c.amount == 0) return false;
        if (c.expiresAt != 0 && c.expiresAt <= block.timestamp) return false;
        address issuer = c.issuer;
        if (!_trusted[issuer] || _did.isDeactivated(issuer)) return false;
        return !_did.isRevoked(issuer, c.credentialId);
    }

    /// @inheritdoc ICapacityRegistry
    function activeCapacity(address provider, ResourceType resource) external view returns (uint256) {
        return isActive(provider, resource) ? _capacity[provider][resource].amount : 0;
    }

    /// @notice ERC-165: also answers true for ICapacityRegistry.
    /// @param interfaceId The interface id asked about.
    /// @return Whether this contract implements it.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(ICapacityRegistry).interfaceId || super.supportsInterface(interfaceId);
    }

    // -- internals ---------------------------------------------------------------------------------------------

    /// @dev Trust, issuer status, signature, revocation and expiry of `claim` for `subject`'s `resource`.
    function _checkClaim(address subject, ResourceType resource, CommittedClaim calldata claim) private view {
        address issuer = claim.issuer;
        if (!_trusted[issuer]) revert CapacityRegistryUntrustedIssuer(issuer);
        if (_did.isDeactivated(issuer)) revert CapacityRegistryIssuerDeactivated(issuer);
        bytes32 digest =
            _claimDigest(issuer, subject, claim.credentialId, claimNameOf(resource), claim.commitment, claim.expiresAt);
        // tryRecover returns address(0) on every failure (bad length, high s, bad v), which the check below refuses
        // slither-disable-next-line unused-return
        (address signer,,) = ECDSA.tryRecover(digest, claim.signature);
        if (
            signer == address(0)
                || (signer != _did.identityOwner(issuer) && !_did.validDelegate(issuer, VERI_KEY, signer))
        ) {
            revert CapacityRegistryBadIssuerSignature(issuer, signer);
        }
        uint256 revokedAt = _did.revokedAt(issuer, claim.credentialId);
        if (revokedAt != 0) revert CapacityRegistryCredentialRevoked(issuer, claim.credentialId, revokedAt);
        if (claim.expiresAt != 0 && claim.expiresAt <= block.timestamp) {
            revert CapacityRegistryCredentialExpired(claim.credentialId, claim.expiresAt, block.timestamp);
        }
    }

    function _claimDigest(
        address issuer,
        address subject,
        bytes32 credentialId,
        string memory claimName,
        uint256 commitment,
        uint64 expiresAt
    ) private pure returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                COMMITTED_CLAIM_TYPEHASH,
                issuer,
                subject,
                credentialId,
                keccak256(bytes(claimName)),
                commitment,
                expiresAt
            )
        );
        return MessageHashUtils.toTypedDataHash(CLAIM_DOMAIN_SEPARATOR, structHash);
    }

    function _context(address provider, uint256 nonce) private view returns (uint256) {
        bytes32 h = keccak256(abi.encode(CONTEXT_TAG, block.chainid, address(this), provider, nonce));
        return uint256(h) % SCALAR_FIELD;
    }

    function _setTrusted(address issuer, bool trusted) private {
        if (issuer == address(0)) revert CapacityRegistryZeroAddress();
        _trusted[issuer] = trusted;
        emit IssuerTrustSet(issuer, trusted);
    }
}
