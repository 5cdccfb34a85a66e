// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IBridge} from "../../contracts/crosschain/IBridge.sol";
import {Bridge} from "../../contracts/crosschain/Bridge.sol";
import {WrappedResourceToken} from "../../contracts/crosschain/WrappedResourceToken.sol";
import {ConsensusFixture} from "./consensus/ConsensusFixture.sol";
import {MessageTree} from "./BridgeCheckpoint.t.sol";
import {deployBridge} from "./Bridge.t.sol";

/// @notice The checkpoint path with the real CheckpointVerifier and BLS signatures of a registered validator set
///         (EIP-2537: `FOUNDRY_PROFILE=prague forge test --offline --match-contract BridgeCheckpointGasTest -vv`;
///         skipped in the default cancun profile): a root of source 1001's messages finalized by 2/3+ of the stake
///         delivers; the same root signed for the plain "bridge" domain, or a height not finalized, does not; and
///         the gas of delivery by checkpoint beside the 13-of-19 guardian delivery.
contract BridgeCheckpointGasTest is ConsensusFixture {
    event log_named_uint(string key, uint256 val);

    uint64 internal constant SOURCE = 1001;
    uint256 internal constant VALIDATORS = 19;
    address internal constant BOB = address(0xB0B);
    address internal constant HOME_TOKEN = address(0x70CE);

    Bridge internal bridge;
    uint256[] internal guardianKeys;
    address[] internal guardianAddrs;

    function setUp() public {
        _requirePrague();
        _deploy();
        _registerMany(VALIDATORS);
        _nextEpoch();
        for (uint256 i = 1; i <= 19; ++i) {
            uint256 k = uint256(keccak256(abi.encode("guardian", i)));
            guardianKeys.push(k);
            guardianAddrs.push(vm.addr(k));
            for (uint256 j = guardianAddrs.length - 1; j > 0 && guardianAddrs[j - 1] > guardianAddrs[j]; --j) {
                (guardianAddrs[j - 1], guardianAddrs[j]) = (guardianAddrs[j], guardianAddrs[j - 1]);
                (guardianKeys[j - 1], guardianKeys[j]) = (guardianKeys[j], guardianKeys[j - 1]);
            }
        }
        bridge = deployBridge(address(this), address(this), guardianAddrs, 13, 1 days, 1e30, 1e30);
    }

    function _msg(uint64 nonce) internal view returns (IBridge.Message memory) {
        return IBridge.Message(SOURCE, uint64(block.chainid), nonce, SOURCE, HOME_TOKEN, 1e18, BOB, BOB);
    }

    function _gas() internal view returns (uint256) {
        return vmc.lastCallGas().gasTotalUsed;
    }

    function _guardianDeliver(IBridge.Message memory m) internal returns (uint256) {
        bytes32 digest = bridge.deliveryDigest(m);
        bytes[] memory sigs = new bytes[](13);
        for (uint256 i = 0; i < 13; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(guardianKeys[i], digest);
            sigs[i] = abi.encodePacked(r, s, v);
        }
        bridge.deliver(m, sigs);
        return _gas();
    }

    function test_realCheckpointDeliversAndGasSideBySide() public {
        // guardians first (the bridge's default), two deliveries: the first creates the wrapped token
        _guardianDeliver(_msg(1));
        uint256 guardianGas = _guardianDeliver(_msg(2));

        // the validator set takes over
        bridge.setCheckpointVerifier(address(verifier));
        bytes32[] memory leaves = new bytes32[](16);
        IBridge.Message[] memory ms = new IBridge.Message[](16);
        for (uint256 i = 0; i < 16; ++i) {
            ms[i] = _msg(uint64(3 + i));
            leaves[i] = MessageTree.leaf(ms[i]);
        }
        bytes32 root = MessageTree.root(leaves);
        bytes32 domain = bridge.checkpointDomain(SOURCE);
        assertTrue(domain == keccak256("bridge:1001"), "domain");
        uint256[] memory nonSigners = new uint256[](6); // 13 of 19 sign, just over 2/3
        for (uint256 k = 0; k < 6; ++k) nonSigners[k] = 3 * k;
        // signed for the plain "bridge" domain the root proves nothing on this route
        _submit(VALIDATORS, keccak256("bridge"), 500, root, nonSigners);
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeCheckpointNotFinal.selector, domain, 500, root));
        bridge.deliverWithCheckpoint(ms[0], 500, root, MessageTree.proof(leaves, 0));
        _submit(VALIDATORS, domain, 500, root, nonSigners);
        uint256 checkpointGas = _gas();
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeCheckpointNotFinal.selector, domain, 501, root));
        bridge.deliverWithCheckpoint(ms[0], 501, root, MessageTree.proof(leaves, 0));
        bridge.deliverWithCheckpoint(ms[5], 500, root, MessageTree.proof(leaves, 5));
        uint256 deliveryGas = _gas();
        assertTrue(bridge.isDelivered(SOURCE, ms[5].nonce), "delivered");
        WrappedResourceToken w = WrappedResourceToken(bridge.wrappedOf(SOURCE, HOME_TOKEN));
        assertEq(w.balanceOf(BOB), 3e18, "two by guardians, one by checkpoint");

        emit log_named_uint("deliver, guardians 13 of 19 (call gas)", guardianGas);
        emit log_named_uint("deliverWithCheckpoint, root of 16 (call gas)", deliveryGas);
        emit log_named_uint("submitCheckpoint, 13 of 19 validators (call gas)", checkpointGas);
        emit log_named_uint("checkpoint path per message, 16 per root", deliveryGas + checkpointGas / 16);
        assertTrue(deliveryGas < guardianGas, "a proof costs less than 13 signatures");
    }
}
