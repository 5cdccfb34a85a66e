// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {DIDRegistry} from "../../../contracts/did/DIDRegistry.sol";
import {ResourceType} from "../../../contracts/tokens/ResourceType.sol";
import {CapacityRegistry} from "../../../contracts/zk/CapacityRegistry.sol";
import {Groth16Verifier} from "../../../contracts/zk/Groth16Verifier.sol";
import {ICapacityRegistry} from "../../../contracts/zk/ICapacityRegistry.sol";
import {Test} from "../utils/Test.sol";
import {ZkVectors} from "./ZkVectors.sol";

/// @notice The cheatcodes the zk tests use beyond test/forge/utils/Test.sol.
interface VmZk {
    struct Gas {
        uint64 gasLimit;
        uint64 gasTotalUsed;
        uint64 gasMemoryUsed;
        int64 gasRefunded;
        uint64 gasRemaining;
    }

    function lastCallGas() external view returns (Gas memory);
    function skip(bool skipTest) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;
    function envOr(string calldata name, string calldata defaultValue) external view returns (string memory);
}

/// @notice The zk contracts deployed in the order ZkVectors expects (DIDRegistry, Groth16Verifier, CapacityRegistry
///         as this contract's CREATEs 1 to 3: the proofs' contexts are bound to the registry's address), a trusted
///         issuer and helpers that sign committed claims with its key.
abstract contract ZkFixture is Test {
    VmZk internal constant vmz = VmZk(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    uint256 internal constant ISSUER_KEY = 0xA11CE;
    uint256 internal constant OTHER_KEY = 0xB0B;
    bytes32 internal constant CREDENTIAL_ID = keccak256("urn:uuid:host-7-cpu");
    address internal constant GUARDIAN = address(0x6A4D);

    DIDRegistry internal did;
    Groth16Verifier internal verifier;
    CapacityRegistry internal registry;
    address internal issuer;
    address internal provider = ZkVectors.PROVIDER;

    function _requirePrague() internal {
        (bool ok, bytes memory out) = address(0x0b).staticcall(new bytes(256));
        if (ok && out.length == 128) return;
        if (keccak256(bytes(vmz.envOr("FOUNDRY_PROFILE", string("")))) == keccak256("prague")) {
            revert("EIP-2537 precompiles missing under the prague profile");
        }
        vmz.skip(true);
    }

    /// @dev Deploys with the verifying key `vk` (ZkVectors.VK: simulated; ZkVectors.REAL_VK: the compare circuit).
    function _deploy(bytes memory vk) internal {
        issuer = vm.addr(ISSUER_KEY);
        did = new DIDRegistry(address(this), GUARDIAN);
        verifier = new Groth16Verifier(vk);
        address[] memory issuers = new address[](1);
        issuers[0] = issuer;
        registry = new CapacityRegistry(address(this), GUARDIAN, address(did), address(verifier), issuers);
        assertEq(address(registry), ZkVectors.REGISTRY, "registry address the vectors were made for");
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev A committed claim of `subject`'s `resource` with ZkVectors.REAL_COMMITMENT (a certified 8), signed by
    ///      `key` for `claimIssuer`.
    function _claim(uint256 key, address claimIssuer, address subject, ResourceType resource, uint64 expiresAt)
        internal
        view
        returns (ICapacityRegistry.CommittedClaim memory c)
    {
        c.issuer = claimIssuer;
        c.credentialId = CREDENTIAL_ID;
        c.commitment = ZkVectors.REAL_COMMITMENT;
        c.expiresAt = expiresAt;
        bytes32 digest = registry.claimDigest(
            claimIssuer, subject, CREDENTIAL_ID, registry.claimNameOf(resource), c.commitment, expiresAt
        );
        c.signature = _sign(key, digest);
    }

    function _cpuClaim() internal view returns (ICapacityRegistry.CommittedClaim memory) {
        return _claim(ISSUER_KEY, issuer, provider, ResourceType.CPU, 0);
    }
}
