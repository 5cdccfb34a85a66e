// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {DIDRegistry} from "../../contracts/did/DIDRegistry.sol";
import {Guarded} from "../../contracts/security/Guarded.sol";
import {IDIDRegistry} from "../../contracts/did/IDIDRegistry.sol";
import {Test} from "./utils/Test.sol";

/// @notice The log-recording cheatcodes these tests use beyond test/forge/utils/Test.sol's.
interface VmDidLogs {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory);
}

/// @notice The EIP-712 types of signed changes, written out from the interface's documentation (the contract keeps
///         its typehashes private), and signing with forge's `vm.sign`.
abstract contract DidSigning is Test {
    bytes32 internal constant CHANGE_OWNER = keccak256("ChangeOwner(address identity,address newOwner,uint256 nonce)");
    bytes32 internal constant ADD_DELEGATE =
        keccak256("AddDelegate(address identity,bytes32 delegateType,address delegate,uint256 validity,uint256 nonce)");
    bytes32 internal constant REVOKE_DELEGATE =
        keccak256("RevokeDelegate(address identity,bytes32 delegateType,address delegate,uint256 nonce)");
    bytes32 internal constant SET_ATTRIBUTE =
        keccak256("SetAttribute(address identity,bytes32 name,bytes value,uint256 validity,uint256 nonce)");
    bytes32 internal constant REVOKE_ATTRIBUTE =
        keccak256("RevokeAttribute(address identity,bytes32 name,bytes value,uint256 nonce)");
    bytes32 internal constant REVOKE_CREDENTIAL =
        keccak256("RevokeCredential(address issuer,bytes32 credentialId,uint256 nonce)");
    /// secp256k1 group order, to build the malleable (high-s) twin of a signature
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    uint256 internal constant MAX_VALIDITY = 100 * 365 days;

    VmDidLogs internal constant logs = VmDidLogs(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    struct Sig {
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    function _sign(DIDRegistry registry, uint256 key, bytes32 structHash) internal view returns (Sig memory sig) {
        bytes32 digest = MessageHashUtils.toTypedDataHash(registry.DOMAIN_SEPARATOR(), structHash);
        (sig.v, sig.r, sig.s) = vm.sign(key, digest);
    }

    /// @dev The same signature with s replaced by n - s (and v flipped): it recovers to the same key, so ECDSA
    ///      rejects it (EIP-2) and the registry sees signer 0.
    function _malleate(Sig memory sig) internal pure returns (Sig memory twin) {
        twin = Sig(sig.v == 27 ? 28 : 27, sig.r, bytes32(SECP256K1_N - uint256(sig.s)));
    }
}

contract DIDRegistryTest is DidSigning {
    DIDRegistry internal registry;
    address internal admin = address(0xAD);
    address internal guardian = address(0x6A2D);
    uint256 internal constant ALICE_KEY = 0xA11CE;
    uint256 internal constant BOB_KEY = 0xB0B;
    address internal alice;
    address internal bob;
    address internal relayer = address(0x7E1A);
    bytes32 internal constant VERI_KEY = bytes32("veriKey");
    bytes32 internal constant CRED = keccak256("urn:uuid:credential-1");

    function setUp() public {
        registry = new DIDRegistry(admin, guardian);
        alice = vm.addr(ALICE_KEY);
        bob = vm.addr(BOB_KEY);
    }

    function _changeOwnerSig(uint256 key, address identity, address newOwner, uint256 nonce_)
        internal
        view
        returns (Sig memory)
    {
        return _sign(registry, key, keccak256(abi.encode(CHANGE_OWNER, identity, newOwner, nonce_)));
    }

    /// @dev each direct change of alice's identity, sent by the caller being pranked, reverts with `err`
    function _expectDirectChangesRefused(bytes memory err, address newOwner) internal {
        vm.expectRevert(err);
        registry.changeOwner(alice, newOwner);
        vm.expectRevert(err);
        registry.addDelegate(alice, VERI_KEY, bob, 1 days);
        vm.expectRevert(err);
        registry.revokeDelegate(alice, VERI_KEY, bob);
        vm.expectRevert(err);
        registry.setAttribute(alice, "n", "v", 1 days);
        vm.expectRevert(err);
        registry.revokeAttribute(alice, "n", "v");
        vm.expectRevert(err);
        registry.revokeCredential(alice, CRED);
    }

    /// @dev each signed change of alice's identity, signed by alice's key at nonce 0, reverts with `err`
    function _expectSignedChangesRefused(bytes memory err, address newOwner) internal {
        Sig memory sig = _changeOwnerSig(ALICE_KEY, alice, newOwner, 0);
        vm.expectRevert(err);
        registry.changeOwnerSigned(alice, sig.v, sig.r, sig.s, newOwner);
        sig = _sign(registry, ALICE_KEY, keccak256(abi.encode(ADD_DELEGATE, alice, VERI_KEY, bob, 1 days, 0)));
        vm.expectRevert(err);
        registry.addDelegateSigned(alice, sig.v, sig.r, sig.s, VERI_KEY, bob, 1 days);
        sig = _sign(registry, ALICE_KEY, keccak256(abi.encode(REVOKE_DELEGATE, alice, VERI_KEY, bob, 0)));
        vm.expectRevert(err);
        registry.revokeDelegateSigned(alice, sig.v, sig.r, sig.s, VERI_KEY, bob);
        sig = _sign(
            registry, ALICE_KEY, keccak256(abi.encode(SET_ATTRIBUTE, alice, bytes32("n"), keccak256("v"), 60, 0))
        );
        vm.expectRevert(err);
        registry.setAttributeSigned(alice, sig.v, sig.r, sig.s, "n", "v", 60);
        sig =
            _sign(registry, ALICE_KEY, keccak256(abi.encode(REVOKE_ATTRIBUTE, alice, bytes32("n"), keccak256("v"), 0)));
        vm.expectRevert(err);
        registry.revokeAttributeSigned(alice, sig.v, sig.r, sig.s, "n", "v");
        sig = _sign(registry, ALICE_KEY, keccak256(abi.encode(REVOKE_CREDENTIAL, alice, CRED, 0)));
        vm.expectRevert(err);
        registry.revokeCredentialSigned(alice, sig.v, sig.r, sig.s, CRED);
    }

    function test_everyAddressOwnsItselfAtNoCost() public view {
        assertEq(registry.identityOwner(alice), alice, "self-owned");
        assertEq(registry.changed(alice), 0, "never changed");
        assertEq(registry.nonce(alice), 0, "nonce");
        assertTrue(!registry.isDeactivated(alice), "active");
        assertTrue(!registry.validDelegate(alice, VERI_KEY, bob), "no delegates");
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("NovaCronDIDRegistry"),
                keccak256("1"),
                block.chainid,
                address(registry)
            )
        );
        assertTrue(registry.DOMAIN_SEPARATOR() == expected, "domain separator");
    }

    function test_onlyTheOwnerChangesAnIdentity() public {
        vm.startPrank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUnauthorized.selector, alice, bob, alice));
        registry.changeOwner(alice, bob);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUnauthorized.selector, alice, bob, alice));
        registry.addDelegate(alice, VERI_KEY, bob, 1 days);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUnauthorized.selector, alice, bob, alice));
        registry.revokeDelegate(alice, VERI_KEY, bob);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUnauthorized.selector, alice, bob, alice));
        registry.setAttribute(alice, "did/svc/Hub", "https://hub", 1 days);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUnauthorized.selector, alice, bob, alice));
        registry.revokeAttribute(alice, "did/svc/Hub", "https://hub");
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUnauthorized.selector, alice, bob, alice));
        registry.revokeCredential(alice, CRED);
        vm.stopPrank();
        // after a rotation the old key is a stranger and the new one the owner
        vm.prank(alice);
        registry.changeOwner(alice, bob);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryUnauthorized.selector, alice, alice, bob));
        registry.changeOwner(alice, alice);
        vm.prank(bob);
        registry.addDelegate(alice, VERI_KEY, bob, 1 days);
        assertTrue(registry.validDelegate(alice, VERI_KEY, bob), "the new owner acts");
    }

    function test_signedChangesAreBoundToOwnerNonceAndIdentity() public {
        // bob signs for alice: refused, naming bob as the signer
        Sig memory sig = _changeOwnerSig(BOB_KEY, alice, bob, 0);
        vm.prank(relayer);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryBadSignature.selector, alice, bob, alice));
        registry.changeOwnerSigned(alice, sig.v, sig.r, sig.s, bob);
        // alice's signature for bob's identity does not move bob's
        sig = _changeOwnerSig(ALICE_KEY, bob, alice, 0);
        vm.prank(relayer);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryBadSignature.selector, bob, alice, bob));
        registry.changeOwnerSigned(bob, sig.v, sig.r, sig.s, alice);
        // a valid one, relayed by anyone, consumes the nonce and cannot be replayed
        sig = _changeOwnerSig(ALICE_KEY, alice, bob, 0);
        vm.prank(relayer);
        registry.changeOwnerSigned(alice, sig.v, sig.r, sig.s, bob);
        assertEq(registry.identityOwner(alice), bob, "rotated");
        assertEq(registry.nonce(alice), 1, "nonce consumed");
        bytes32 digest = MessageHashUtils.toTypedDataHash(
            registry.DOMAIN_SEPARATOR(), keccak256(abi.encode(CHANGE_OWNER, alice, bob, uint256(1)))
        );
        address replayed = ecrecover(digest, sig.v, sig.r, sig.s);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryBadSignature.selector, alice, replayed, bob));
        registry.changeOwnerSigned(alice, sig.v, sig.r, sig.s, bob);
        // a direct change does not use the nonce
        vm.prank(bob);
        registry.addDelegate(alice, VERI_KEY, alice, 1 days);
        assertEq(registry.nonce(alice), 1, "direct changes keep the nonce");
    }

    function test_malformedSignaturesRecoverToNobody() public {
        Sig memory sig = _changeOwnerSig(ALICE_KEY, alice, bob, 0);
        Sig memory twin = _malleate(sig);
        bytes memory nobody =
            abi.encodeWithSelector(IDIDRegistry.DIDRegistryBadSignature.selector, alice, address(0), alice);
        vm.expectRevert(nobody);
        registry.changeOwnerSigned(alice, twin.v, twin.r, twin.s, bob);
        vm.expectRevert(nobody);
        registry.changeOwnerSigned(alice, 29, sig.r, sig.s, bob);
        vm.expectRevert(nobody);
        registry.changeOwnerSigned(alice, 27, bytes32(0), bytes32(0), bob);
        // a signature that recovers to nobody is refused even though a deactivated identity's owner is nobody
        assertEq(registry.identityOwner(alice), alice, "unchanged");
        assertEq(registry.nonce(alice), 0, "nonce unchanged");
    }

    function test_everySignedFormRefusesAForeignSigner() public {
        Sig memory s1 = _sign(registry, BOB_KEY, keccak256(abi.encode(ADD_DELEGATE, alice, VERI_KEY, bob, 1 days, 0)));
        bytes memory bad = abi.encodeWithSelector(IDIDRegistry.DIDRegistryBadSignature.selector, alice, bob, alice);
        vm.expectRevert(bad);
        registry.addDelegateSigned(alice, s1.v, s1.r, s1.s, VERI_KEY, bob, 1 days);
        s1 = _sign(registry, BOB_KEY, keccak256(abi.encode(REVOKE_DELEGATE, alice, VERI_KEY, bob, 0)));
        vm.expectRevert(bad);
        registry.revokeDelegateSigned(alice, s1.v, s1.r, s1.s, VERI_KEY, bob);
        bytes memory value = "https://hub";
        s1 = _sign(
            registry, BOB_KEY, keccak256(abi.encode(SET_ATTRIBUTE, alice, bytes32("n"), keccak256(value), 60, 0))
        );
        vm.expectRevert(bad);
        registry.setAttributeSigned(alice, s1.v, s1.r, s1.s, "n", value, 60);
        bytes32 revokeHash = keccak256(abi.encode(REVOKE_ATTRIBUTE, alice, bytes32("n"), keccak256(value), 0));
        s1 = _sign(registry, BOB_KEY, revokeHash);
        vm.expectRevert(bad);
        registry.revokeAttributeSigned(alice, s1.v, s1.r, s1.s, "n", value);
        s1 = _sign(registry, BOB_KEY, keccak256(abi.encode(REVOKE_CREDENTIAL, alice, CRED, 0)));
        vm.expectRevert(bad);
        registry.revokeCredentialSigned(alice, s1.v, s1.r, s1.s, CRED);
        // the owner's own signatures pass, each consuming one nonce
        s1 = _sign(registry, ALICE_KEY, keccak256(abi.encode(REVOKE_CREDENTIAL, alice, CRED, 0)));
        registry.revokeCredentialSigned(alice, s1.v, s1.r, s1.s, CRED);
        s1 = _sign(
            registry, ALICE_KEY, keccak256(abi.encode(SET_ATTRIBUTE, alice, bytes32("n"), keccak256(value), 60, 1))
        );
        registry.setAttributeSigned(alice, s1.v, s1.r, s1.s, "n", value, 60);
        assertEq(registry.nonce(alice), 2, "two signed changes");
    }

    function test_delegatesAndAttributesCheckTheirInput() public {
        vm.startPrank(alice);
        vm.expectRevert(IDIDRegistry.DIDRegistryZeroDelegate.selector);
        registry.addDelegate(alice, VERI_KEY, address(0), 1 days);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryInvalidValidity.selector, 0, MAX_VALIDITY));
        registry.addDelegate(alice, VERI_KEY, bob, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IDIDRegistry.DIDRegistryInvalidValidity.selector, MAX_VALIDITY + 1, MAX_VALIDITY)
        );
        registry.addDelegate(alice, VERI_KEY, bob, MAX_VALIDITY + 1);
        vm.expectRevert(abi.encodeWithSelector(IDIDRegistry.DIDRegistryInvalidValidity.selector, 0, MAX_VALIDITY));
        registry.setAttribute(alice, "did/svc/Hub", "https://hub", 0);
        vm.expectRevert(
            abi.encodeWithSelector(IDIDRegistry.DIDRegistryInvalidValidity.selector, type(uint256).max, MAX_VALIDITY)
        );
        registry.setAttribute(alice, "did/svc/Hub", "https://hub", type(uint256).max);
        assertEq(registry.changed(alice), 0, "nothing changed");
        registry.addDelegate(alice, VERI_KEY, bob, MAX_VALIDITY);
        registry.setAttribute(alice, "did/svc/Hub", "https://hub", MAX_VALIDITY);
        vm.stopPrank();
        assertEq(registry.delegates(alice, VERI_KEY, bob), block.timestamp + MAX_VALIDITY, "the longest validity");
    }

    function test_aDelegateIsValidUntilItsExpiryExclusive() public {
        vm.warp(1_000_000);
        vm.prank(alice);
        registry.addDelegate(alice, VERI_KEY, bob, 100);
        assertEq(registry.delegates(alice, VERI_KEY, bob), 1_000_100, "validTo");
        assertTrue(!registry.validDelegate(alice, bytes32("sigAuth"), bob), "another type");
        vm.warp(1_000_099);
        assertTrue(registry.validDelegate(alice, VERI_KEY, bob), "valid a second before");
        vm.warp(1_000_100);
        assertTrue(!registry.validDelegate(alice, VERI_KEY, bob), "invalid at validTo");
        // a revocation ends it at once
        vm.prank(alice);
        registry.addDelegate(alice, VERI_KEY, bob, 100);
        vm.prank(alice);
        registry.revokeDelegate(alice, VERI_KEY, bob);
        assertEq(registry.delegates(alice, VERI_KEY, bob), block.timestamp, "revoked now");
        assertTrue(!registry.validDelegate(alice, VERI_KEY, bob), "revoked");
    }

    function test_deactivationIsFinal() public {
        vm.prank(alice);
        registry.addDelegate(alice, VERI_KEY, bob, 1 days);
        vm.roll(block.number + 5);
        vm.prank(alice);
        registry.changeOwner(alice, address(0));
        uint256 at = registry.changed(alice);
        assertEq(at, block.number, "changed");
        assertTrue(registry.isDeactivated(alice), "deactivated");
        assertEq(registry.identityOwner(alice), address(0), "owned by nobody");
        assertTrue(!registry.validDelegate(alice, VERI_KEY, bob), "its delegates end with it");
        assertEq(registry.delegates(alice, VERI_KEY, bob), block.timestamp + 1 days, "the record itself stays");
        bytes memory dead = abi.encodeWithSelector(IDIDRegistry.DIDRegistryDeactivated.selector, alice);
        address[3] memory callers = [alice, bob, address(0)];
        for (uint256 i = 0; i < 3; ++i) {
            vm.startPrank(callers[i]);
            _expectDirectChangesRefused(dead, alice);
            vm.stopPrank();
        }
        // the old key's signatures cannot revive it either
        _expectSignedChangesRefused(dead, alice);
        vm.roll(block.number + 5);
        assertEq(registry.changed(alice), at, "no change after deactivation");
        assertEq(registry.nonce(alice), 0, "no nonce used");
    }

    function test_revocationIsFinalAndPerIssuer() public {
        vm.warp(2_000_000);
        vm.prank(alice);
        registry.revokeCredential(alice, CRED);
        assertTrue(registry.isRevoked(alice, CRED), "revoked");
        assertTrue(!registry.isRevoked(bob, CRED), "per issuer");
        assertEq(registry.changed(alice), 0, "a revocation is not a document change");
        (uint256 issuerChanged, uint256 revokedTime, uint256 now_) = registry.credentialState(alice, CRED);
        assertEq(issuerChanged + revokedTime + now_, 4_000_000, "credentialState");
        vm.warp(2_000_100);
        bytes memory already =
            abi.encodeWithSelector(IDIDRegistry.DIDRegistryAlreadyRevoked.selector, alice, CRED, 2_000_000);
        vm.prank(alice);
        vm.expectRevert(already);
        registry.revokeCredential(alice, CRED);
        Sig memory sig = _sign(registry, ALICE_KEY, keccak256(abi.encode(REVOKE_CREDENTIAL, alice, CRED, 0)));
        vm.expectRevert(already);
        registry.revokeCredentialSigned(alice, sig.v, sig.r, sig.s, CRED);
        assertEq(registry.nonce(alice), 0, "a refused revocation keeps the nonce");
        // rotating or deactivating the issuer does not un-revoke
        vm.prank(alice);
        registry.changeOwner(alice, address(0));
        assertEq(registry.revokedAt(alice, CRED), 2_000_000, "still revoked");
    }

    function test_pauseStopsEveryChangeButNotReads() public {
        vm.prank(alice);
        registry.addDelegate(alice, VERI_KEY, bob, 1 days);
        bytes32 guardianRole = registry.GUARDIAN_ROLE();
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, guardianRole)
        );
        registry.pause();
        vm.prank(guardian);
        registry.pause();
        bytes memory paused = abi.encodeWithSelector(Pausable.EnforcedPause.selector);
        vm.startPrank(alice);
        _expectDirectChangesRefused(paused, bob);
        vm.stopPrank();
        _expectSignedChangesRefused(paused, bob);
        // reads answer while paused
        assertTrue(registry.validDelegate(alice, VERI_KEY, bob), "reads work");
        assertEq(registry.identityOwner(alice), alice, "owner read");
        vm.prank(guardian);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, guardian, bytes32(0))
        );
        registry.unpause();
        vm.prank(admin);
        registry.unpause();
        vm.prank(alice);
        registry.changeOwner(alice, bob);
        assertEq(registry.identityOwner(alice), bob, "changes resume");
    }

    function test_eventsLinkEachChangeToThePreviousOne() public {
        vm.roll(100);
        logs.recordLogs();
        vm.prank(alice);
        registry.addDelegate(alice, VERI_KEY, bob, 1 days);
        vm.roll(105);
        vm.prank(alice);
        registry.setAttribute(alice, "did/svc/Hub", "https://hub", 60);
        vm.prank(alice); // same block
        registry.changeOwner(alice, bob);
        VmDidLogs.Log[] memory entries = logs.getRecordedLogs();
        assertEq(entries.length, 3, "three events");
        assertTrue(entries[0].topics[0] == IDIDRegistry.DIDDelegateChanged.selector, "delegate event");
        assertTrue(
            keccak256(entries[0].data) == keccak256(abi.encode(VERI_KEY, bob, block.timestamp + 1 days, uint256(0))),
            "first change points to 0"
        );
        assertTrue(entries[1].topics[0] == IDIDRegistry.DIDAttributeChanged.selector, "attribute event");
        assertTrue(
            keccak256(entries[1].data)
                == keccak256(
                    abi.encode(bytes32("did/svc/Hub"), bytes("https://hub"), block.timestamp + 60, uint256(100))
                ),
            "second points to block 100"
        );
        assertTrue(entries[2].topics[0] == IDIDRegistry.DIDOwnerChanged.selector, "owner event");
        assertTrue(keccak256(entries[2].data) == keccak256(abi.encode(bob, uint256(105))), "third points to 105");
        assertTrue(entries[2].topics[1] == bytes32(uint256(uint160(alice))), "indexed identity");
        assertEq(registry.changed(alice), 105, "latest change");
    }
}

/// @notice Random identity changes, direct and signed, by owners, former owners and strangers, with current, stale
///         and malformed signatures; delegates, attributes, credential revocations, pauses, time and blocks. Each
///         call's outcome is predicted from the handler's own model of the registry (the exact revert data on
///         refusal; the event, `changed` and `nonce` on success) and the model is compared to the contract.
contract DidHandler is DidSigning {
    DIDRegistry public immutable registry;
    address public immutable admin;
    address public immutable guardian;
    address internal constant RELAYER = address(0x7E1A);

    /// Keys 0..3 are the identities' own keys; 4 and 5 are other keys owners rotate to.
    uint256[6] internal keys = [uint256(0x1D01), 0x1D02, 0x1D03, 0x1D04, 0xE1, 0xE2];
    address[6] public pool;
    mapping(address account => uint256) internal indexOf;
    /// the registry's EIP-712 domain separator, read once (it is fixed for the chain and address)
    bytes32 internal immutable separator;
    bytes32[2] public types = [bytes32("veriKey"), bytes32("sigAuth")];

    // the model
    mapping(address identity => address) public ownerOf;
    mapping(address identity => bool) public deactivated;
    mapping(address identity => uint256) public nonceOf;
    mapping(address identity => uint256) public changedAt;
    mapping(address identity => uint256[]) internal _changeBlocks;
    mapping(address identity => uint256[]) internal _previous;
    mapping(address identity => mapping(bytes32 delegateType => mapping(address delegate => uint256))) public validTo;
    mapping(address issuer => mapping(bytes32 credentialId => uint256)) public revokedAt;

    /// Every (identity, type, delegate) and (issuer, credential) a call targeted, accepted or not: the entries the
    /// invariants compare and the pause digest covers (all others were never the target of any call).
    struct DelegateKey {
        address identity;
        bytes32 delegateType;
        address delegate;
    }

    struct CredentialKey {
        address issuer;
        bytes32 credentialId;
    }

    DelegateKey[] internal _delegateKeys;
    CredentialKey[] internal _credentialKeys;
    mapping(bytes32 key => bool) internal _seen;

    bool public paused;
    bytes32 public digestAtPause;
    uint256 public delegateKeysAtPause;
    uint256 public credentialKeysAtPause;
    uint256 public accepted;
    uint256 public refused;
    uint256 public signedAccepted;
    uint256 public deactivations;

    /// One call being tried: who it is for, who acts (the sender, or the signer of a signed change), the nonce
    /// the signature binds, and the signature.
    struct Attempt {
        address identity;
        uint256 key;
        address actor;
        bool signed;
        uint256 nonceUsed;
        bool malleate;
        Sig sig;
        address signer;
    }

    constructor(DIDRegistry registry_, address admin_, address guardian_) {
        registry = registry_;
        separator = registry_.DOMAIN_SEPARATOR();
        admin = admin_;
        guardian = guardian_;
        for (uint256 i = 0; i < 6; ++i) {
            pool[i] = vm.addr(keys[i]);
            indexOf[pool[i]] = i;
        }
        for (uint256 i = 0; i < 4; ++i) {
            ownerOf[pool[i]] = pool[i];
        }
    }

    // -- actions -----------------------------------------------------------------------------------------------

    function changeOwner(uint256 identitySeed, uint256 actorSeed, uint256 newOwnerSeed) external {
        Attempt memory a = _attempt(identitySeed, actorSeed);
        address newOwner = newOwnerSeed % 10 == 0 ? address(0) : pool[newOwnerSeed % 6];
        _signAs(
            a,
            keccak256(abi.encode(CHANGE_OWNER, a.identity, newOwner, a.nonceUsed)),
            keccak256(abi.encode(CHANGE_OWNER, a.identity, newOwner, nonceOf[a.identity]))
        );
        bytes memory call = a.signed
            ? abi.encodeCall(IDIDRegistry.changeOwnerSigned, (a.identity, a.sig.v, a.sig.r, a.sig.s, newOwner))
            : abi.encodeCall(IDIDRegistry.changeOwner, (a.identity, newOwner));
        bytes memory data = abi.encode(newOwner, changedAt[a.identity]);
        if (_exec(a, call, _identityRefusal(a), IDIDRegistry.DIDOwnerChanged.selector, data, true)) {
            ownerOf[a.identity] = newOwner;
            if (newOwner == address(0)) {
                deactivated[a.identity] = true;
                ++deactivations;
            }
        }
    }

    function addDelegate(uint256 identitySeed, uint256 actorSeed, uint256 typeSeed, uint256 delegateSeed, uint256 v)
        external
    {
        Attempt memory a = _attempt(identitySeed, actorSeed);
        bytes32 dtype = types[typeSeed % 2];
        address delegate = delegateSeed % 10 == 0 ? address(0) : pool[delegateSeed % 6];
        uint256 validity = _validity(v);
        _targetDelegate(a.identity, dtype, delegate);
        _signAs(
            a,
            keccak256(abi.encode(ADD_DELEGATE, a.identity, dtype, delegate, validity, a.nonceUsed)),
            keccak256(abi.encode(ADD_DELEGATE, a.identity, dtype, delegate, validity, nonceOf[a.identity]))
        );
        bytes memory call = a.signed
            ? abi.encodeCall(
                IDIDRegistry.addDelegateSigned, (a.identity, a.sig.v, a.sig.r, a.sig.s, dtype, delegate, validity)
            )
            : abi.encodeCall(IDIDRegistry.addDelegate, (a.identity, dtype, delegate, validity));
        bytes memory expected = _identityRefusal(a);
        if (expected.length == 0 && delegate == address(0)) {
            expected = abi.encodeWithSelector(IDIDRegistry.DIDRegistryZeroDelegate.selector);
        }
        if (expected.length == 0) expected = _validityRefusal(validity);
        uint256 until = expected.length == 0 ? block.timestamp + validity : 0;
        bytes memory data = abi.encode(dtype, delegate, until, changedAt[a.identity]);
        if (_exec(a, call, expected, IDIDRegistry.DIDDelegateChanged.selector, data, true)) {
            validTo[a.identity][dtype][delegate] = until;
        }
    }

    function revokeDelegate(uint256 identitySeed, uint256 actorSeed, uint256 typeSeed, uint256 delegateSeed) external {
        Attempt memory a = _attempt(identitySeed, actorSeed);
        bytes32 dtype = types[typeSeed % 2];
        address delegate = pool[delegateSeed % 6];
        _targetDelegate(a.identity, dtype, delegate);
        _signAs(
            a,
            keccak256(abi.encode(REVOKE_DELEGATE, a.identity, dtype, delegate, a.nonceUsed)),
            keccak256(abi.encode(REVOKE_DELEGATE, a.identity, dtype, delegate, nonceOf[a.identity]))
        );
        bytes memory call = a.signed
            ? abi.encodeCall(
                IDIDRegistry.revokeDelegateSigned, (a.identity, a.sig.v, a.sig.r, a.sig.s, dtype, delegate)
            )
            : abi.encodeCall(IDIDRegistry.revokeDelegate, (a.identity, dtype, delegate));
        bytes memory data = abi.encode(dtype, delegate, block.timestamp, changedAt[a.identity]);
        if (_exec(a, call, _identityRefusal(a), IDIDRegistry.DIDDelegateChanged.selector, data, true)) {
            validTo[a.identity][dtype][delegate] = block.timestamp;
        }
    }

    function setAttribute(uint256 identitySeed, uint256 actorSeed, uint256 nameSeed, uint256 v) external {
        Attempt memory a = _attempt(identitySeed, actorSeed);
        bytes32 name = _name(nameSeed);
        bytes memory value = _value(nameSeed);
        uint256 validity = _validity(v);
        _signAs(
            a,
            keccak256(abi.encode(SET_ATTRIBUTE, a.identity, name, keccak256(value), validity, a.nonceUsed)),
            keccak256(abi.encode(SET_ATTRIBUTE, a.identity, name, keccak256(value), validity, nonceOf[a.identity]))
        );
        bytes memory call = a.signed
            ? abi.encodeCall(
                IDIDRegistry.setAttributeSigned, (a.identity, a.sig.v, a.sig.r, a.sig.s, name, value, validity)
            )
            : abi.encodeCall(IDIDRegistry.setAttribute, (a.identity, name, value, validity));
        bytes memory expected = _identityRefusal(a);
        if (expected.length == 0) expected = _validityRefusal(validity);
        uint256 until = expected.length == 0 ? block.timestamp + validity : 0;
        bytes memory data = abi.encode(name, value, until, changedAt[a.identity]);
        _exec(a, call, expected, IDIDRegistry.DIDAttributeChanged.selector, data, true);
    }

    function revokeAttribute(uint256 identitySeed, uint256 actorSeed, uint256 nameSeed) external {
        Attempt memory a = _attempt(identitySeed, actorSeed);
        bytes32 name = _name(nameSeed);
        bytes memory value = _value(nameSeed);
        _signAs(
            a,
            keccak256(abi.encode(REVOKE_ATTRIBUTE, a.identity, name, keccak256(value), a.nonceUsed)),
            keccak256(abi.encode(REVOKE_ATTRIBUTE, a.identity, name, keccak256(value), nonceOf[a.identity]))
        );
        bytes memory call = a.signed
            ? abi.encodeCall(IDIDRegistry.revokeAttributeSigned, (a.identity, a.sig.v, a.sig.r, a.sig.s, name, value))
            : abi.encodeCall(IDIDRegistry.revokeAttribute, (a.identity, name, value));
        bytes memory data = abi.encode(name, value, uint256(0), changedAt[a.identity]);
        _exec(a, call, _identityRefusal(a), IDIDRegistry.DIDAttributeChanged.selector, data, true);
    }

    function revokeCredential(uint256 issuerSeed, uint256 actorSeed, uint256 credentialSeed) external {
        Attempt memory a = _attempt(issuerSeed, actorSeed);
        bytes32 credentialId = credential(credentialSeed);
        if (!_seen[keccak256(abi.encode(a.identity, credentialId))]) {
            _seen[keccak256(abi.encode(a.identity, credentialId))] = true;
            _credentialKeys.push(CredentialKey(a.identity, credentialId));
        }
        _signAs(
            a,
            keccak256(abi.encode(REVOKE_CREDENTIAL, a.identity, credentialId, a.nonceUsed)),
            keccak256(abi.encode(REVOKE_CREDENTIAL, a.identity, credentialId, nonceOf[a.identity]))
        );
        bytes memory call = a.signed
            ? abi.encodeCall(IDIDRegistry.revokeCredentialSigned, (a.identity, a.sig.v, a.sig.r, a.sig.s, credentialId))
            : abi.encodeCall(IDIDRegistry.revokeCredential, (a.identity, credentialId));
        bytes memory expected = _identityRefusal(a);
        uint256 at = revokedAt[a.identity][credentialId];
        if (expected.length == 0 && at != 0) {
            expected =
                abi.encodeWithSelector(IDIDRegistry.DIDRegistryAlreadyRevoked.selector, a.identity, credentialId, at);
        }
        // CredentialRevoked(issuer indexed, credentialId indexed) has no data; a revocation is not a document change
        if (_exec(a, call, expected, IDIDRegistry.CredentialRevoked.selector, abi.encode(credentialId), false)) {
            revokedAt[a.identity][credentialId] = block.timestamp;
        }
    }

    function pause(uint256 seed) external {
        if (seed % 3 != 0) return; // pauses are rare, so that sequences mostly run unpaused
        vm.prank(guardian);
        if (paused) {
            (bool ok, bytes memory err) = address(registry).call(abi.encodeCall(Guarded.pause, ()));
            require(
                !ok && keccak256(err) == keccak256(abi.encodeWithSelector(Pausable.EnforcedPause.selector)), "pause"
            );
            return;
        }
        registry.pause();
        paused = true;
        delegateKeysAtPause = _delegateKeys.length;
        credentialKeysAtPause = _credentialKeys.length;
        digestAtPause = stateDigest(delegateKeysAtPause, credentialKeysAtPause);
    }

    function unpause() external {
        if (!paused) return;
        vm.prank(admin);
        registry.unpause();
        paused = false;
    }

    /// @dev Moves time and blocks forward; with an even `toExpiry`, exactly to a delegate's validTo (the boundary).
    function warp(uint256 seconds_, uint256 blocks, uint256 toExpiry) external {
        uint256 target = block.timestamp + bound(seconds_, 1, 3 days);
        if (toExpiry % 2 == 0) {
            address identity = pool[(toExpiry >> 1) % 4];
            uint256 until = validTo[identity][types[(toExpiry >> 3) % 2]][pool[(toExpiry >> 4) % 6]];
            if (until > block.timestamp) target = until;
        }
        vm.warp(target);
        vm.roll(block.number + bound(blocks, 1, 5));
    }

    // -- reads for the invariants ------------------------------------------------------------------------------

    function credential(uint256 seed) public pure returns (bytes32) {
        return keccak256(abi.encode("urn:uuid:credential", seed % 3));
    }

    function changeCount(address identity) external view returns (uint256) {
        return _changeBlocks[identity].length;
    }

    function changeAt(address identity, uint256 index) external view returns (uint256 blockNumber, uint256 previous) {
        return (_changeBlocks[identity][index], _previous[identity][index]);
    }

    function delegateKeyCount() external view returns (uint256) {
        return _delegateKeys.length;
    }

    /// @notice The `index`th delegate entry targeted, with the model's validTo and whether its identity is
    ///         deactivated.
    function delegateKeyAt(uint256 index)
        external
        view
        returns (address identity, bytes32 delegateType, address delegate, uint256 until, bool dead)
    {
        DelegateKey memory k = _delegateKeys[index];
        return (
            k.identity,
            k.delegateType,
            k.delegate,
            validTo[k.identity][k.delegateType][k.delegate],
            deactivated[k.identity]
        );
    }

    function credentialKeyCount() external view returns (uint256) {
        return _credentialKeys.length;
    }

    /// @notice The `index`th credential targeted, with the model's revocation time.
    function credentialKeyAt(uint256 index) external view returns (address issuer, bytes32 credentialId, uint256 at) {
        CredentialKey memory k = _credentialKeys[index];
        return (k.issuer, k.credentialId, revokedAt[k.issuer][k.credentialId]);
    }

    /// @notice A hash of everything the registry stores for the handler's identities and the first `delegates` and
    ///         `credentials` entries calls targeted, as the contract reads it. (Entries first targeted later are
    ///         compared with the model, where they are zero, by the other invariants.)
    function stateDigest(uint256 delegates, uint256 credentials) public view returns (bytes32 digest) {
        for (uint256 i = 0; i < 4; ++i) {
            address identity = pool[i];
            digest = keccak256(
                abi.encode(
                    digest,
                    registry.identityOwner(identity),
                    registry.changed(identity),
                    registry.nonce(identity),
                    registry.isDeactivated(identity)
                )
            );
        }
        for (uint256 i = 0; i < delegates; ++i) {
            DelegateKey memory k = _delegateKeys[i];
            digest = keccak256(abi.encode(digest, registry.delegates(k.identity, k.delegateType, k.delegate)));
        }
        for (uint256 i = 0; i < credentials; ++i) {
            CredentialKey memory k = _credentialKeys[i];
            digest = keccak256(abi.encode(digest, registry.revokedAt(k.issuer, k.credentialId)));
        }
    }

    // -- internals ---------------------------------------------------------------------------------------------

    /// @dev Who tries: half the time the current owner (when it has a key), otherwise any key; half the calls are
    ///      signed, and one signed call in four binds a wrong nonce (the next, or a replay of the previous) or is
    ///      the malleable twin of a valid signature.
    function _attempt(uint256 identitySeed, uint256 actorSeed) internal view returns (Attempt memory a) {
        a.identity = pool[identitySeed % 4];
        address owner = ownerOf[a.identity];
        uint256 k = (actorSeed >> 1) % 2 == 0 && owner != address(0) ? indexOf[owner] : (actorSeed >> 2) % 6;
        a.key = keys[k];
        a.actor = pool[k];
        a.signed = actorSeed % 2 == 1;
        a.nonceUsed = nonceOf[a.identity];
        uint256 twist = (actorSeed >> 5) % 16;
        if (twist == 0) a.nonceUsed += 1;
        else if (twist == 1 && a.nonceUsed > 0) a.nonceUsed -= 1;
        else if (twist == 2) a.malleate = true;
    }

    function _targetDelegate(address identity, bytes32 delegateType, address delegate) internal {
        bytes32 key = keccak256(abi.encode(identity, delegateType, delegate));
        if (_seen[key]) return;
        _seen[key] = true;
        _delegateKeys.push(DelegateKey(identity, delegateType, delegate));
    }

    /// @dev Signs `signedHash` (the struct hash with the nonce `a` chose) with `a`'s key, and records the address
    ///      the registry will recover: the signer of the digest with the identity's current nonce (`currentHash`),
    ///      or nobody for a malleable (high-s) signature, which OpenZeppelin's ECDSA rejects.
    function _signAs(Attempt memory a, bytes32 signedHash, bytes32 currentHash) internal view {
        if (!a.signed) return;
        Sig memory s;
        (s.v, s.r, s.s) = vm.sign(a.key, MessageHashUtils.toTypedDataHash(separator, signedHash));
        if (a.malleate) {
            s = _malleate(s);
            a.signer = address(0);
        } else if (signedHash == currentHash) {
            a.signer = a.actor;
        } else {
            a.signer = ecrecover(MessageHashUtils.toTypedDataHash(separator, currentHash), s.v, s.r, s.s);
        }
        a.sig = s;
    }

    /// @dev The refusal the identity checks must give (pause, deactivation, then owner or signer), in the
    ///      contract's order; empty when they pass.
    function _identityRefusal(Attempt memory a) internal view returns (bytes memory) {
        if (paused) return abi.encodeWithSelector(Pausable.EnforcedPause.selector);
        if (deactivated[a.identity]) {
            return abi.encodeWithSelector(IDIDRegistry.DIDRegistryDeactivated.selector, a.identity);
        }
        address owner = ownerOf[a.identity];
        if (a.signed) {
            if (a.signer != owner || a.signer == address(0)) {
                return
                    abi.encodeWithSelector(IDIDRegistry.DIDRegistryBadSignature.selector, a.identity, a.signer, owner);
            }
        } else if (a.actor != owner) {
            return abi.encodeWithSelector(IDIDRegistry.DIDRegistryUnauthorized.selector, a.identity, a.actor, owner);
        }
        return "";
    }

    function _validity(uint256 v) internal pure returns (uint256) {
        uint256 k = v % 16;
        if (k == 0) return 0;
        if (k == 1) return bound(v, MAX_VALIDITY + 1, type(uint256).max);
        if (k == 2) return MAX_VALIDITY;
        return bound(v, 1, 4 days);
    }

    function _validityRefusal(uint256 validity) internal pure returns (bytes memory) {
        if (validity == 0 || validity > MAX_VALIDITY) {
            return abi.encodeWithSelector(IDIDRegistry.DIDRegistryInvalidValidity.selector, validity, MAX_VALIDITY);
        }
        return "";
    }

    function _name(uint256 seed) internal pure returns (bytes32) {
        return seed % 2 == 0 ? bytes32("did/pub/Secp256k1/veriKey/hex") : bytes32("did/svc/NovaCronHost");
    }

    function _value(uint256 seed) internal pure returns (bytes memory) {
        return abi.encodePacked("https://host-", seed % 5, ".novacron.example");
    }

    /// @dev Sends `call` (signed calls through a relayer) and checks the outcome against the model: the exact
    ///      refusal with nothing emitted, or one event with `topic0`, the identity and `data`, the change block
    ///      recorded (when `touches`), the nonce consumed by a signed call only. Returns whether it was accepted.
    function _exec(
        Attempt memory a,
        bytes memory call,
        bytes memory expected,
        bytes32 topic0,
        bytes memory data,
        bool touches
    ) internal returns (bool) {
        uint256 nonceBefore = registry.nonce(a.identity);
        uint256 changedBefore = registry.changed(a.identity);
        logs.recordLogs();
        vm.prank(a.signed ? RELAYER : a.actor);
        (bool ok, bytes memory ret) = address(registry).call(call);
        VmDidLogs.Log[] memory entries = logs.getRecordedLogs();
        if (!ok) {
            require(expected.length != 0, "a valid change was refused");
            require(keccak256(ret) == keccak256(expected), "refused with the wrong error");
            require(entries.length == 0, "a refused change emitted an event");
            require(registry.nonce(a.identity) == nonceBefore, "a refused change used the nonce");
            require(registry.changed(a.identity) == changedBefore, "a refused change moved `changed`");
            ++refused;
            return false;
        }
        require(expected.length == 0, "a change that must be refused was accepted");
        require(entries.length == 1 && entries[0].emitter == address(registry), "not exactly one event");
        require(entries[0].topics[0] == topic0, "wrong event");
        require(entries[0].topics[1] == bytes32(uint256(uint160(a.identity))), "event for another identity");
        if (topic0 == IDIDRegistry.CredentialRevoked.selector) {
            require(entries[0].topics.length == 3 && entries[0].topics[2] == bytes32(data), "credential id");
            require(entries[0].data.length == 0, "CredentialRevoked has no data");
        } else {
            require(keccak256(entries[0].data) == keccak256(data), "event data");
        }
        if (a.signed) {
            ++nonceOf[a.identity];
            ++signedAccepted;
        }
        require(registry.nonce(a.identity) == nonceOf[a.identity], "nonce after a change");
        if (touches) {
            // the event points at the block of the change before; `changed` moves to this block
            _changeBlocks[a.identity].push(block.number);
            _previous[a.identity].push(changedAt[a.identity]);
            changedAt[a.identity] = block.number;
        }
        require(registry.changed(a.identity) == changedAt[a.identity], "changed after a change");
        ++accepted;
        return true;
    }
}

contract DIDRegistryInvariantTest is Test {
    DIDRegistry internal registry;
    DidHandler internal handler;
    address internal admin = address(0xAD);
    address internal guardian = address(0x6A2D);

    function setUp() public {
        registry = new DIDRegistry(admin, guardian);
        handler = new DidHandler(registry, admin, guardian);
        targetContract(address(handler));
    }

    function _identity(uint256 i) internal view returns (address) {
        return handler.pool(i);
    }

    /// The owner is the model's: it moved only through calls the model accepted (the owner's own, or one signed
    /// by the owner with the current nonce); every other attempt was refused with the expected error. Each
    /// identity's nonce is the number of signed changes accepted for it: it only grows, by one per signed change.
    function invariant_ownerChangesOnlyByItsOwnerAndNoncesOnlyGrow() public view {
        uint256 total;
        for (uint256 i = 0; i < 4; ++i) {
            address identity = _identity(i);
            assertEq(registry.identityOwner(identity), handler.ownerOf(identity), "owner");
            assertEq(registry.nonce(identity), handler.nonceOf(identity), "nonce");
            total += registry.nonce(identity);
        }
        assertEq(total, handler.signedAccepted(), "nonces != signed changes accepted");
    }

    /// A deactivated identity stays deactivated: no owner, no valid delegate, and no change since the block that
    /// deactivated it.
    function invariant_deactivationIsFinal() public view {
        uint256 count;
        for (uint256 i = 0; i < 4; ++i) {
            address identity = _identity(i);
            bool dead = registry.isDeactivated(identity);
            assertTrue(dead == handler.deactivated(identity), "deactivated flag");
            if (!dead) continue;
            ++count;
            assertEq(registry.identityOwner(identity), address(0), "a deactivated identity has an owner");
            uint256 n = handler.changeCount(identity);
            (uint256 last,) = handler.changeAt(identity, n - 1);
            assertEq(registry.changed(identity), last, "changed after deactivation");
            // its delegates: invariant_delegateValidityEndsAtExpiry expects none valid
        }
        assertEq(count, handler.deactivations(), "deactivated twice");
    }

    /// A delegate is valid exactly while now < validTo (and the identity lives); validTo is the model's. Checked
    /// for every (identity, type, delegate) any call targeted.
    function invariant_delegateValidityEndsAtExpiry() public view {
        for (uint256 i = 0; i < handler.delegateKeyCount(); ++i) {
            (address identity, bytes32 dtype, address delegate, uint256 until, bool dead) = handler.delegateKeyAt(i);
            assertEq(registry.delegates(identity, dtype, delegate), until, "validTo");
            // forge-lint: disable-next-line(block-timestamp)
            bool expected = !dead && block.timestamp < until;
            assertTrue(registry.validDelegate(identity, dtype, delegate) == expected, "validDelegate");
        }
    }

    /// A revocation is final: revokedAt is set once per (issuer, credential), never cleared or moved. Checked for
    /// every (issuer, credential) any call targeted.
    function invariant_revocationIsFinal() public view {
        for (uint256 i = 0; i < handler.credentialKeyCount(); ++i) {
            (address issuer, bytes32 id, uint256 at) = handler.credentialKeyAt(i);
            (uint256 issuerChanged, uint256 revokedTime,) = registry.credentialState(issuer, id);
            assertEq(revokedTime, at, "revokedAt");
            assertTrue(registry.isRevoked(issuer, id) == (at != 0), "isRevoked");
            assertEq(issuerChanged, registry.changed(issuer), "credentialState.issuerChanged");
        }
    }

    /// The events form each identity's history: the first points at block 0, each later one at the block of the one
    /// before, blocks never go back, and `changed` is the last one's block (what an ERC-1056 resolver walks).
    function invariant_changePointersFormTheHistory() public view {
        for (uint256 i = 0; i < 4; ++i) {
            address identity = _identity(i);
            uint256 n = handler.changeCount(identity);
            uint256 before;
            for (uint256 k = 0; k < n; ++k) {
                (uint256 at, uint256 previous) = handler.changeAt(identity, k);
                assertEq(previous, before, "previousChange is not the change before");
                assertGe(at, before, "a change in an earlier block");
                before = at;
            }
            assertEq(registry.changed(identity), before, "changed is not the latest change");
            assertLe(before, block.number, "changed in the future");
        }
    }

    /// While paused, nothing the registry stores for these identities changes.
    function invariant_nothingChangesWhilePaused() public view {
        assertTrue(registry.paused() == handler.paused(), "paused flag");
        if (!handler.paused()) return;
        bytes32 digest = handler.stateDigest(handler.delegateKeysAtPause(), handler.credentialKeysAtPause());
        assertTrue(digest == handler.digestAtPause(), "a change while paused");
    }

    /// The handler's paths all succeed on ordinary input (guards against a handler that silently does nothing).
    function test_handlerPathsSucceed() public {
        // actorSeed: bit 0 signed; bit 1 clear = the owner's key; bits 5.. pick a twist (0: next nonce, 2: malleable)
        uint256 ownerDirect = 3 << 5; // twist 3: none
        uint256 ownerSigned = ownerDirect | 1;
        handler.addDelegate(0, ownerDirect, 0, 1, 3); // 3 % 16: a validity of 1..4 days
        handler.addDelegate(0, ownerSigned, 1, 2, 3);
        handler.warp(1, 1, 1);
        handler.setAttribute(0, ownerSigned, 0, 3);
        handler.revokeAttribute(0, ownerDirect, 1);
        handler.revokeDelegate(0, ownerSigned, 0, 1);
        handler.revokeCredential(0, ownerSigned, 0);
        handler.revokeCredential(0, ownerDirect, 1);
        assertEq(handler.accepted(), 7, "seven accepted");
        assertEq(handler.signedAccepted(), 4, "four signed");
        handler.revokeCredential(0, ownerDirect, 0); // already revoked
        handler.addDelegate(0, 1, 0, 1, 3); // signed by the owner with twist 0: the next nonce, refused
        handler.addDelegate(0, 2 << 5 | 1, 0, 1, 3); // malleable, refused
        handler.addDelegate(0, 2, 0, 1, 3); // bit 1 set: key 0, the identity's own key, still its owner: accepted
        handler.addDelegate(0, ownerDirect, 0, 0, 3); // delegate 0 % 10: zero, refused
        handler.addDelegate(0, ownerDirect, 0, 1, 0); // validity 0, refused
        handler.addDelegate(0, ownerDirect, 0, 1, 1); // validity over the maximum, refused
        handler.addDelegate(0, 1 << 2 | 2, 0, 1, 3); // key 1 acting for identity 0, refused
        assertEq(handler.refused(), 7, "seven refused");
        assertEq(handler.accepted(), 8, "eight accepted");
        handler.changeOwner(0, ownerSigned, 5); // to key 5
        handler.changeOwner(0, ownerDirect, 10); // to nobody
        assertTrue(handler.deactivated(handler.pool(0)), "deactivated");
        handler.setAttribute(0, ownerDirect, 0, 3); // refused: deactivated
        handler.pause(0);
        handler.changeOwner(1, ownerDirect, 1); // refused: paused
        handler.pause(0);
        handler.unpause();
        handler.changeOwner(1, ownerDirect, 1);
        assertEq(handler.accepted(), 11, "eleven accepted");
        assertEq(handler.refused(), 9, "nine refused");
        invariant_ownerChangesOnlyByItsOwnerAndNoncesOnlyGrow();
        invariant_deactivationIsFinal();
        invariant_delegateValidityEndsAtExpiry();
        invariant_revocationIsFinal();
        invariant_changePointersFormTheHistory();
        invariant_nothingChangesWhilePaused();
    }
}
