// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {BLS} from "../../../contracts/consensus/BLS.sol";
import {CheckpointVerifier} from "../../../contracts/consensus/CheckpointVerifier.sol";
import {IStakeManager} from "../../../contracts/consensus/IStakeManager.sol";
import {StakeManager} from "../../../contracts/consensus/StakeManager.sol";
import {NovaToken} from "../../../contracts/governance/NovaToken.sol";
import {Test} from "../utils/Test.sol";

/// @notice The cheatcodes the consensus tests use beyond test/forge/utils/Test.sol's.
interface VmConsensus {
    struct Gas {
        uint64 gasLimit;
        uint64 gasTotalUsed;
        uint64 gasMemoryUsed;
        int64 gasRefunded;
        uint64 gasRemaining;
    }

    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function lastCallGas() external view returns (Gas memory);
    function skip(bool skipTest) external;
    function envOr(string calldata name, string calldata defaultValue) external view returns (string memory);
    function etch(address target, bytes calldata newRuntimeBytecode) external;
    function setNonce(address account, uint64 newNonce) external;
    function store(address target, bytes32 slot, bytes32 value) external;
    function computeCreateAddress(address deployer, uint256 nonce) external pure returns (address);
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory);
}

/// @notice BLS keys and signatures made on chain with the EIP-2537 MSM precompiles: a public key is G1MSM(G1, sk),
///         a signature G2MSM(hash_to_curve(message), sk), so the tests need no external signer. The library's own
///         hash_to_curve is checked against py_ecc vectors in BLS.t.sol, so signatures made here are the ones py_ecc
///         would make.
library BLSKeys {
    /// @notice The BLS12-381 group order r.
    uint256 internal constant R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001;

    /// @notice The G1 generator in the EIP-2537 encoding.
    function g1Generator() internal pure returns (bytes memory) {
        return
            hex"0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb0000000000000000000000000000000008b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1";
    }

    /// @notice A deterministic secret key in [1, r).
    function secretKey(uint256 seed) internal pure returns (uint256) {
        return (uint256(keccak256(abi.encode("novacron-test-bls-key", seed))) % (R - 1)) + 1;
    }

    /// @notice `scalar * point` in G1.
    function g1Mul(bytes memory point, uint256 scalar) internal view returns (bytes memory out) {
        (bool ok, bytes memory result) = BLS.G1MSM.staticcall(bytes.concat(point, bytes32(scalar)));
        require(ok && result.length == 128, "G1MSM failed");
        out = result;
    }

    /// @notice `scalar * point` in G2.
    function g2Mul(bytes memory point, uint256 scalar) internal view returns (bytes memory out) {
        (bool ok, bytes memory result) = BLS.G2MSM.staticcall(bytes.concat(point, bytes32(scalar)));
        require(ok && result.length == 256, "G2MSM failed");
        out = result;
    }

    /// @notice The public key of `sk`.
    function pubkey(uint256 sk) internal view returns (bytes memory) {
        return g1Mul(g1Generator(), sk);
    }

    /// @notice `sk`'s signature over the 32-byte `message` with `dst`.
    function sign(uint256 sk, bytes32 message, bytes memory dst) internal view returns (bytes memory) {
        return g2Mul(BLS.hashToG2(abi.encodePacked(message), dst), sk);
    }
}

/// @notice Deploys NOVA, the StakeManager and the CheckpointVerifier (the test contract is admin and guardian, and holds
///         the whole NOVA supply) and registers validators with on-chain-made keys. Tests skip themselves where the
///         EIP-2537 precompiles are missing (forge's default `cancun` profile), unless FOUNDRY_PROFILE is `prague`,
///         where missing precompiles fail them.
abstract contract ConsensusFixture is Test {
    VmConsensus internal constant vmc = VmConsensus(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    uint256 internal constant NOVA = 1e18;
    uint256 internal constant MIN_STAKE = 1_000_000 * NOVA;
    uint64 internal constant EPOCH = 1 hours;
    uint64 internal constant UNBONDING = 21 days;
    uint64 internal constant JAIL = 1 days;
    bytes32 internal constant STATE = keccak256("state");
    bytes32 internal constant L2 = keccak256("l2");
    address internal constant TREASURY = address(0x7EA5);

    NovaToken internal nova;
    StakeManager internal sm;
    CheckpointVerifier internal verifier;

    /// @dev secret key of each registered validator, by index
    mapping(uint256 index => uint256 sk) internal secretKeys;

    function _requirePrague() internal {
        (bool ok, bytes memory out) = BLS.G1ADD.staticcall(new bytes(256));
        if (ok && out.length == 128) return;
        if (keccak256(bytes(vmc.envOr("FOUNDRY_PROFILE", string("")))) == keccak256("prague")) {
            revert("EIP-2537 precompiles missing under the prague profile");
        }
        vmc.skip(true);
    }

    function _parameters() internal pure returns (IStakeManager.Parameters memory) {
        return
            IStakeManager.Parameters({
                minStake: MIN_STAKE,
                maxValidators: 2000,
                minValidators: 4,
                unbondingPeriod: UNBONDING,
                slashingRateBps: 1000,
                reporterRewardBps: 1000,
                downtimeWindow: 4,
                downtimeMinSignedBps: 5000,
                jailDuration: JAIL,
                treasury: TREASURY
            });
    }

    function _deploy(IStakeManager.Parameters memory p) internal {
        address[] memory holders = new address[](1);
        uint256[] memory amounts = new uint256[](1);
        holders[0] = address(this);
        amounts[0] = 1e12 * NOVA;
        nova = new NovaToken(holders, amounts);
        sm = new StakeManager(address(this), address(this), address(nova), EPOCH, p);
        verifier = new CheckpointVerifier(address(this), address(this), address(sm));
        sm.setCheckpointVerifier(address(verifier));
    }

    function _deploy() internal {
        _deploy(_parameters());
    }

    function _owner(uint256 seed) internal pure returns (address) {
        return address(uint160(0x100000 + seed));
    }

    /// @dev A proof of possession of `sk` for `owner` registering `signer`.
    function _pop(uint256 sk, address owner, address signer) internal view returns (bytes memory) {
        bytes32 message = sm.popMessage(owner, signer, BLSKeys.pubkey(sk));
        return BLSKeys.sign(sk, message, BLS.DST_POP);
    }

    /// @dev Funds `owner`, approves and registers the validator of key seed `seed` with `amount`.
    function _register(uint256 seed, uint256 amount) internal returns (uint256 index) {
        address owner = _owner(seed);
        uint256 sk = BLSKeys.secretKey(seed);
        bytes memory pubkey = BLSKeys.pubkey(sk);
        bytes memory pop = _pop(sk, owner, owner);
        nova.transfer(owner, amount);
        vm.prank(owner);
        nova.approve(address(sm), type(uint256).max);
        vm.prank(owner);
        index = sm.register(owner, pubkey, pop, amount);
        secretKeys[index] = sk;
    }

    function _registerMany(uint256 count) internal {
        _registerRange(0, count);
    }

    /// @dev Registers validators of key seeds `from` to `to - 1` with the minimum stake. Each registration's memory
    ///      is released afterwards: thousands of them in one call frame would otherwise grow its memory, and the
    ///      cost of memory, quadratically.
    function _registerRange(uint256 from, uint256 to) internal {
        for (uint256 i = from; i < to; ++i) {
            uint256 freeMemory;
            assembly ("memory-safe") {
                freeMemory := mload(0x40)
            }
            _register(i, MIN_STAKE);
            assembly ("memory-safe") {
                mstore(0x40, freeMemory)
            }
        }
    }

    function _nextEpoch() internal {
        vm.warp(sm.nextEpochAt());
    }

    /// @dev The aggregate signature of validators `signers` over the checkpoint digest: sum of their secret keys
    ///      times H(digest), one G2MSM.
    function _aggregateSign(
        uint256[] memory signers,
        bytes32 domain,
        uint64 height,
        bytes32 root,
        uint64 epoch
    ) internal view returns (bytes memory) {
        uint256 sum;
        for (uint256 k = 0; k < signers.length; ++k) {
            sum = addmod(sum, secretKeys[signers[k]], BLSKeys.R);
        }
        return BLSKeys.sign(sum, verifier.checkpointDigest(domain, height, root, epoch), BLS.DST_SIG);
    }

    /// @dev Validator `index`'s own signature over the checkpoint digest.
    function _signOne(
        uint256 index,
        bytes32 domain,
        uint64 height,
        bytes32 root,
        uint64 epoch
    ) internal view returns (bytes memory) {
        return BLSKeys.sign(secretKeys[index], verifier.checkpointDigest(domain, height, root, epoch), BLS.DST_SIG);
    }

    /// @dev Indices 0..count-1 without `excluded` (sorted).
    function _allBut(uint256 count, uint256[] memory excluded) internal pure returns (uint256[] memory signers) {
        signers = new uint256[](count - excluded.length);
        uint256 e;
        uint256 s;
        for (uint256 i = 0; i < count; ++i) {
            if (e < excluded.length && excluded[e] == i) {
                ++e;
            } else {
                signers[s++] = i;
            }
        }
    }

    /// @dev Submits a checkpoint of the current epoch signed by every validator 0..count-1 except `nonSigners`.
    function _submit(
        uint256 count,
        bytes32 domain,
        uint64 height,
        bytes32 root,
        uint256[] memory nonSigners
    ) internal {
        uint64 epoch = sm.currentEpoch();
        bytes memory signature = _aggregateSign(_allBut(count, nonSigners), domain, height, root, epoch);
        verifier.submitCheckpoint(domain, height, root, epoch, nonSigners, signature);
    }

    function _list(uint256 a) internal pure returns (uint256[] memory l) {
        l = new uint256[](1);
        l[0] = a;
    }

    function _list(uint256 a, uint256 b) internal pure returns (uint256[] memory l) {
        l = new uint256[](2);
        l[0] = a;
        l[1] = b;
    }

    function _none() internal pure returns (uint256[] memory) {
        return new uint256[](0);
    }
}
