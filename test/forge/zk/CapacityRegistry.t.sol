// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ResourceType} from "../../../contracts/tokens/ResourceType.sol";
import {CapacityRegistry} from "../../../contracts/zk/CapacityRegistry.sol";
import {Groth16Verifier} from "../../../contracts/zk/Groth16Verifier.sol";
import {ICapacityRegistry} from "../../../contracts/zk/ICapacityRegistry.sol";
import {ZkFixture} from "./ZkFixture.sol";
import {ZkVectors} from "./ZkVectors.sol";

/// @notice Capacity registration with a proof: accepted when every check holds, refused with the matching error
///         otherwise (tampered proof, wrong or replayed nonce, revoked credential, untrusted issuer, an amount the
///         proof does not cover, ...). Proofs are real: the compare circuit's committed key, the project's prover, a
///         certified cpu figure of 8, bound to this deployment's contexts (test/forge/zk/zk_vectors.py).
contract CapacityRegistryTest is ZkFixture {
    event CapacityRegistered(
        address indexed provider,
        ResourceType indexed resource,
        uint256 amount,
        uint256 commitment,
        address indexed issuer,
        bytes32 credentialId,
        uint256 nonce
    );

    function setUp() public {
        _requirePrague();
        _deploy(ZkVectors.REAL_VK);
    }

    bytes private _pendingRevert;

    /// @dev Registers as the provider; expects the revert set by `_expectRevert` if any (applied right before the
    ///      registry call, after the arguments' own calls such as `claimDigest`).
    function _register(uint256 amount, ICapacityRegistry.CommittedClaim memory claim, uint256 nonce, bytes memory proof)
        internal
    {
        if (_pendingRevert.length != 0) {
            vm.expectRevert(_pendingRevert);
            delete _pendingRevert;
        }
        vm.prank(provider);
        registry.registerCapacity(ResourceType.CPU, amount, claim, nonce, proof);
    }

    function _expectRevert(bytes memory data) internal {
        _pendingRevert = data;
    }

    // -- accepted ----------------------------------------------------------------------------------------------

    function test_ValidProofRegisters() public {
        assertEq(registry.contextOf(provider, 0) % 1, 0, "context readable");
        vmz.expectEmit(true, true, true, true);
        emit CapacityRegistered(provider, ResourceType.CPU, 4, ZkVectors.REAL_COMMITMENT, issuer, CREDENTIAL_ID, 0);
        _register(4, _cpuClaim(), 0, ZkVectors.REAL_N0_A4);
        ICapacityRegistry.Capacity memory c = registry.capacityOf(provider, ResourceType.CPU);
        assertEq(c.amount, 4, "amount");
        assertEq(c.issuer, issuer, "issuer");
        assertEq(c.commitment, ZkVectors.REAL_COMMITMENT, "commitment");
        assertTrue(c.credentialId == CREDENTIAL_ID, "credential id");
        assertEq(registry.nonceOf(provider), 1, "nonce consumed");
        assertTrue(registry.isActive(provider, ResourceType.CPU), "active");
        assertEq(registry.activeCapacity(provider, ResourceType.CPU), 4, "active amount");
        assertEq(registry.activeCapacity(provider, ResourceType.MEM), 0, "other resource");
    }

    function test_NextNonceReplaces() public {
        _register(4, _cpuClaim(), 0, ZkVectors.REAL_N0_A4);
        _register(3, _cpuClaim(), 1, ZkVectors.REAL_N1_A3);
        assertEq(registry.capacityOf(provider, ResourceType.CPU).amount, 3, "replaced");
        assertEq(registry.nonceOf(provider), 2, "nonce");
    }

    function test_DelegateMaySignForIssuer() public {
        address delegate = vm.addr(OTHER_KEY);
        vm.prank(issuer);
        did.addDelegate(issuer, "veriKey", delegate, 1 days);
        _register(4, _claim(OTHER_KEY, issuer, provider, ResourceType.CPU, 0), 0, ZkVectors.REAL_N0_A4);
        assertEq(registry.activeCapacity(provider, ResourceType.CPU), 4, "registered");
    }

    function test_RotatedIssuerKeySigns() public {
        address newOwner = vm.addr(OTHER_KEY);
        vm.prank(issuer);
        did.changeOwner(issuer, newOwner);
        _expectRevert(
            abi.encodeWithSelector(ICapacityRegistry.CapacityRegistryBadIssuerSignature.selector, issuer, issuer)
        );
        _register(4, _cpuClaim(), 0, ZkVectors.REAL_N0_A4);
        _register(4, _claim(OTHER_KEY, issuer, provider, ResourceType.CPU, 0), 0, ZkVectors.REAL_N0_A4);
    }

    // -- refused: the proof ------------------------------------------------------------------------------------

    function test_TamperedProofRefused() public {
        bytes memory proof = ZkVectors.REAL_N0_A4;
        proof[100] = proof[100] ^ 0x01;
        _expectRevert(
            abi.encodeWithSelector(
                ICapacityRegistry.CapacityRegistryInvalidProof.selector, provider, ResourceType.CPU, 4
            )
        );
        _register(4, _cpuClaim(), 0, proof);
        assertEq(registry.nonceOf(provider), 0, "nonce kept");
    }

    /// @dev The proof covers 4: offering 5 with it fails.
    function test_OfferAboveProvenRefused() public {
        _expectRevert(
            abi.encodeWithSelector(
                ICapacityRegistry.CapacityRegistryInvalidProof.selector, provider, ResourceType.CPU, 5
            )
        );
        _register(5, _cpuClaim(), 0, ZkVectors.REAL_N0_A4);
    }

    /// @dev The certified figure is 8: offering 8 is proven, 9 cannot be (the prover refuses a false statement, and
    ///      no proof made for 8 or less verifies for 9).
    function test_OfferAboveCertifiedRefused() public {
        _expectRevert(
            abi.encodeWithSelector(
                ICapacityRegistry.CapacityRegistryInvalidProof.selector, provider, ResourceType.CPU, 9
            )
        );
        _register(9, _cpuClaim(), 0, ZkVectors.REAL_N0_A8);
        _register(8, _cpuClaim(), 0, ZkVectors.REAL_N0_A8);
        assertEq(registry.activeCapacity(provider, ResourceType.CPU), 8, "the whole certified figure");
    }

    function test_ProofForAnotherNonceRefused() public {
        _expectRevert(
            abi.encodeWithSelector(
                ICapacityRegistry.CapacityRegistryInvalidProof.selector, provider, ResourceType.CPU, 4
            )
        );
        _register(4, _cpuClaim(), 0, ZkVectors.REAL_N1_A4);
    }

    function test_ProofOfAnotherProviderRefused() public {
        address thief = address(0xBAD);
        ICapacityRegistry.CommittedClaim memory claim = _claim(ISSUER_KEY, issuer, thief, ResourceType.CPU, 0);
        vm.prank(thief);
        vm.expectRevert(
            abi.encodeWithSelector(ICapacityRegistry.CapacityRegistryInvalidProof.selector, thief, ResourceType.CPU, 4)
        );
        registry.registerCapacity(ResourceType.CPU, 4, claim, 0, ZkVectors.REAL_N0_A4);
        // the provider's own claim presented by someone else: signed for another subject
        claim = _cpuClaim();
        vm.prank(thief);
        vm.expectRevert();
        registry.registerCapacity(ResourceType.CPU, 4, claim, 0, ZkVectors.REAL_N0_A4);
    }

    // -- refused: the nonce ------------------------------------------------------------------------------------

    function test_WrongNonceRefused() public {
        _expectRevert(abi.encodeWithSelector(ICapacityRegistry.CapacityRegistryWrongNonce.selector, provider, 1, 0));
        _register(4, _cpuClaim(), 1, ZkVectors.REAL_N1_A4);
    }

    function test_ReplayedNonceRefused() public {
        _register(4, _cpuClaim(), 0, ZkVectors.REAL_N0_A4);
        _expectRevert(abi.encodeWithSelector(ICapacityRegistry.CapacityRegistryNonceUsed.selector, provider, 0, 1));
        _register(4, _cpuClaim(), 0, ZkVectors.REAL_N0_A4);
    }

    // -- refused: the credential -------------------------------------------------------------------------------

    function test_RevokedCredentialRefused() public {
        vm.warp(1_000_000);
        vm.prank(issuer);
        did.revokeCredential(issuer, CREDENTIAL_ID);
        _expectRevert(
            abi.encodeWithSelector(
                ICapacityRegistry.CapacityRegistryCredentialRevoked.selector, issuer, CREDENTIAL_ID, 1_000_000
            )
        );
        _register(4, _cpuClaim(), 0, ZkVectors.REAL_N0_A4);
    }

    function test_RevocationEndsActiveCapacity() public {
        _register(4, _cpuClaim(), 0, ZkVectors.REAL_N0_A4);
        vm.prank(issuer);
        did.revokeCredential(issuer, CREDENTIAL_ID);
        assertTrue(!registry.isActive(provider, ResourceType.CPU), "inactive");
        assertEq(registry.activeCapacity(provider, ResourceType.CPU), 0, "no active capacity");
        assertEq(registry.capacityOf(provider, ResourceType.CPU).amount, 4, "record kept");
    }

    function test_UntrustedIssuerRefused() public {
        registry.setTrustedIssuer(issuer, false);
        _expectRevert(abi.encodeWithSelector(ICapacityRegistry.CapacityRegistryUntrustedIssuer.selector, issuer));
        _register(4, _cpuClaim(), 0, ZkVectors.REAL_N0_A4);
        address stranger = vm.addr(OTHER_KEY);
        _expectRevert(abi.encodeWithSelector(ICapacityRegistry.CapacityRegistryUntrustedIssuer.selector, stranger));
        _register(4, _claim(OTHER_KEY, stranger, provider, ResourceType.CPU, 0), 0, ZkVectors.REAL_N0_A4);
    }

    function test_DistrustEndsActiveCapacity() public {
        _register(4, _cpuClaim(), 0, ZkVectors.REAL_N0_A4);
        registry.setTrustedIssuer(issuer, false);
        assertEq(registry.activeCapacity(provider, ResourceType.CPU), 0, "distrusted");
    }

    function test_DeactivatedIssuerRefused() public {
        vm.prank(issuer);
        did.changeOwner(issuer, address(0));
        _expectRevert(abi.encodeWithSelector(ICapacityRegistry.CapacityRegistryIssuerDeactivated.selector, issuer));
        _register(4, _cpuClaim(), 0, ZkVectors.REAL_N0_A4);
    }

    function test_ForgedSignatureRefused() public {
        address forger = vm.addr(OTHER_KEY);
        _expectRevert(
            abi.encodeWithSelector(ICapacityRegistry.CapacityRegistryBadIssuerSignature.selector, issuer, forger)
        );
        _register(4, _claim(OTHER_KEY, issuer, provider, ResourceType.CPU, 0), 0, ZkVectors.REAL_N0_A4);
    }

    function test_ClaimOfAnotherResourceRefused() public {
        // signed as a memory claim, presented for CPU: the digest differs, the signature recovers elsewhere
        ICapacityRegistry.CommittedClaim memory claim = _claim(ISSUER_KEY, issuer, provider, ResourceType.MEM, 0);
        vm.prank(provider);
        vm.expectRevert();
        registry.registerCapacity(ResourceType.CPU, 4, claim, 0, ZkVectors.REAL_N0_A4);
    }

    function test_AlteredCommitmentRefused() public {
        ICapacityRegistry.CommittedClaim memory claim = _cpuClaim();
        claim.commitment += 1;
        vm.prank(provider);
        vm.expectRevert();
        registry.registerCapacity(ResourceType.CPU, 4, claim, 0, ZkVectors.REAL_N0_A4);
    }

    function test_GarbageSignatureRefused() public {
        ICapacityRegistry.CommittedClaim memory claim = _cpuClaim();
        claim.signature = hex"1234";
        _expectRevert(
            abi.encodeWithSelector(ICapacityRegistry.CapacityRegistryBadIssuerSignature.selector, issuer, address(0))
        );
        _register(4, claim, 0, ZkVectors.REAL_N0_A4);
    }

    function test_ExpiredCredentialRefused() public {
        vm.warp(2_000_000);
        ICapacityRegistry.CommittedClaim memory claim =
            _claim(ISSUER_KEY, issuer, provider, ResourceType.CPU, 2_000_000);
        _expectRevert(
            abi.encodeWithSelector(
                ICapacityRegistry.CapacityRegistryCredentialExpired.selector, CREDENTIAL_ID, 2_000_000, 2_000_000
            )
        );
        _register(4, claim, 0, ZkVectors.REAL_N0_A4);
    }

    function test_ExpiryEndsActiveCapacity() public {
        vm.warp(1_000);
        _register(4, _claim(ISSUER_KEY, issuer, provider, ResourceType.CPU, 5_000), 0, ZkVectors.REAL_N0_A4);
        assertTrue(registry.isActive(provider, ResourceType.CPU), "active before");
        vm.warp(5_000);
        assertTrue(!registry.isActive(provider, ResourceType.CPU), "expired");
    }

    // -- refused: the call -------------------------------------------------------------------------------------

    function test_BadAmountsRefused() public {
        _expectRevert(
            abi.encodeWithSelector(ICapacityRegistry.CapacityRegistryInvalidAmount.selector, 0, type(uint64).max)
        );
        _register(0, _cpuClaim(), 0, ZkVectors.REAL_N0_A4);
        uint256 big = uint256(type(uint64).max) + 1;
        _expectRevert(
            abi.encodeWithSelector(ICapacityRegistry.CapacityRegistryInvalidAmount.selector, big, type(uint64).max)
        );
        _register(big, _cpuClaim(), 0, ZkVectors.REAL_N0_A4);
    }

    function test_CommitmentNotBelowRRefused() public {
        ICapacityRegistry.CommittedClaim memory claim;
        claim.issuer = issuer;
        claim.credentialId = CREDENTIAL_ID;
        claim.commitment = registry.SCALAR_FIELD();
        claim.signature =
            _sign(ISSUER_KEY, registry.claimDigest(issuer, provider, CREDENTIAL_ID, "cpu", claim.commitment, 0));
        _expectRevert(
            abi.encodeWithSelector(ICapacityRegistry.CapacityRegistryCommitmentOutOfField.selector, claim.commitment)
        );
        _register(4, claim, 0, ZkVectors.REAL_N0_A4);
    }

    function test_ShortOfGasRefused() public {
        ICapacityRegistry.CommittedClaim memory claim = _cpuClaim();
        bytes memory proof = ZkVectors.REAL_N0_A4;
        vm.prank(provider);
        try registry.registerCapacity{gas: 200_000}(ResourceType.CPU, 4, claim, 0, proof) {
            revert("registered short of gas");
        } catch (bytes memory reason) {
            assertTrue(bytes4(reason) == ICapacityRegistry.CapacityRegistryInsufficientGas.selector, "InsufficientGas");
        }
    }

    function test_PausedRefusesRegistration() public {
        vm.prank(GUARDIAN);
        registry.pause();
        _expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        _register(4, _cpuClaim(), 0, ZkVectors.REAL_N0_A4);
        registry.unpause();
        _register(4, _cpuClaim(), 0, ZkVectors.REAL_N0_A4);
    }

    function test_OnlyAdminManagesIssuers() public {
        bytes32 adminRole = registry.DEFAULT_ADMIN_ROLE();
        vm.prank(provider);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, provider, adminRole)
        );
        registry.setTrustedIssuer(provider, true);
        vm.expectRevert(abi.encodeWithSelector(ICapacityRegistry.CapacityRegistryZeroAddress.selector));
        registry.setTrustedIssuer(address(0), true);
    }

    function test_Withdraw() public {
        vm.expectRevert(
            abi.encodeWithSelector(ICapacityRegistry.CapacityRegistryNotRegistered.selector, provider, ResourceType.CPU)
        );
        vm.prank(provider);
        registry.withdrawCapacity(ResourceType.CPU);
        _register(4, _cpuClaim(), 0, ZkVectors.REAL_N0_A4);
        vm.prank(GUARDIAN);
        registry.pause(); // withdrawals stay open while paused
        vm.prank(provider);
        registry.withdrawCapacity(ResourceType.CPU);
        assertEq(registry.capacityOf(provider, ResourceType.CPU).amount, 0, "withdrawn");
    }

    function test_ConstructorChecks() public {
        address[] memory none = new address[](0);
        vm.expectRevert(abi.encodeWithSelector(ICapacityRegistry.CapacityRegistryZeroAddress.selector));
        new CapacityRegistry(address(this), GUARDIAN, address(0), address(verifier), none);
        bytes memory key = ZkVectors.VK;
        bytes memory shorter = new bytes(key.length - 128); // the same key without its last IC point: 3 inputs
        for (uint256 i = 0; i < shorter.length; ++i) {
            shorter[i] = key[i];
        }
        Groth16Verifier three = new Groth16Verifier(shorter);
        vm.expectRevert(abi.encodeWithSelector(ICapacityRegistry.CapacityRegistryVerifierInputs.selector, 3));
        new CapacityRegistry(address(this), GUARDIAN, address(did), address(three), none);
    }

    function test_ClaimNames() public view {
        assertTrue(keccak256(bytes(registry.claimNameOf(ResourceType.CPU))) == keccak256("cpu"), "cpu");
        assertTrue(keccak256(bytes(registry.claimNameOf(ResourceType.MEM))) == keccak256("memory"), "memory");
        assertTrue(keccak256(bytes(registry.claimNameOf(ResourceType.STO))) == keccak256("storage"), "storage");
        assertTrue(keccak256(bytes(registry.claimNameOf(ResourceType.NET))) == keccak256("network"), "network");
        assertTrue(registry.supportsInterface(type(ICapacityRegistry).interfaceId), "ERC-165");
    }
}
