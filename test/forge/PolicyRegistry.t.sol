// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IPolicyRegistry} from "../../contracts/governance/IPolicyRegistry.sol";
import {PolicyRegistry} from "../../contracts/governance/PolicyRegistry.sol";
import {Test} from "./utils/Test.sol";

abstract contract PolicySetup is Test {
    address internal constant ADMIN = address(0xAD);
    address internal constant GUARDIAN = address(0x6A);
    address internal constant STRANGER = address(0x5757);
    uint64 internal constant LIFETIME = 7 days;
    PolicyRegistry internal reg;
    address[] internal approvers;

    function _deploy(uint256 n, uint256 k) internal {
        vm.warp(1_000_000);
        for (uint160 i = 0; i < n; ++i) approvers.push(address(0xA000 + i));
        reg = new PolicyRegistry(ADMIN, GUARDIAN, approvers, k, LIFETIME);
    }

    function _value(string memory name) internal view returns (string memory value, uint64 version) {
        (value, version, ) = reg.getPolicy(name);
    }

    function _eq(string memory a, string memory b) internal pure returns (bool) {
        return keccak256(bytes(a)) == keccak256(bytes(b));
    }
}

/// @notice The workflow, case by case: k approvals apply, k-1 do not, the refusals.
contract PolicyRegistryTest is PolicySetup {
    string internal constant NAME = "autoscale.limit.eu-west-1";

    function setUp() public {
        _deploy(3, 2);
    }

    function _propose(uint256 who, string memory value) internal returns (uint256 id) {
        vm.prank(approvers[who]);
        id = reg.proposeChange(NAME, value);
    }

    function test_kApprovalsApplyAndKMinusOneDoNot() public {
        uint256 id = _propose(0, "40");
        (string memory v, uint64 version) = _value(NAME);
        assertTrue(_eq(v, "") && version == 0, "one approval of two changes nothing");
        assertTrue(reg.getChange(id).status == IPolicyRegistry.ChangeStatus.Pending, "pending");
        vm.prank(approvers[1]);
        assertTrue(reg.approve(id), "the second approval applies");
        (v, version) = _value(NAME);
        assertTrue(_eq(v, "40") && version == 1, "applied as version 1");
        IPolicyRegistry.Change memory c = reg.getChange(id);
        assertTrue(c.status == IPolicyRegistry.ChangeStatus.Applied, "applied");
        assertEq(c.approvals, 2, "two approvals");
        vm.prank(approvers[2]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPolicyRegistry.PolicyRegistryChangeNotPending.selector,
                id,
                IPolicyRegistry.ChangeStatus.Applied
            )
        );
        reg.approve(id);
    }

    function test_strangersAndDoubleApprovalsAreRefused() public {
        bytes32 role = reg.APPROVER_ROLE();
        vm.prank(STRANGER);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                STRANGER,
                role
            )
        );
        reg.proposeChange(NAME, "1");
        uint256 id = _propose(0, "40");
        vm.prank(STRANGER);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                STRANGER,
                role
            )
        );
        reg.approve(id);
        vm.prank(approvers[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IPolicyRegistry.PolicyRegistryAlreadyApproved.selector, id, approvers[0])
        );
        reg.approve(id);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyRegistryNotProposer.selector, id, STRANGER));
        reg.cancelChange(id);
        vm.prank(approvers[1]);
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyRegistryUnknownChange.selector, 99));
        reg.approve(99);
    }

    function test_aStaleChangeNeverApplies() public {
        uint256 first = _propose(0, "40");
        uint256 second = _propose(1, "50");
        vm.prank(approvers[2]);
        reg.approve(second); // applies "50" as version 1
        assertTrue(reg.getChange(first).status == IPolicyRegistry.ChangeStatus.Stale, "first is stale");
        vm.prank(approvers[2]);
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyRegistryStaleChange.selector, first, 0, 1));
        reg.approve(first);
        (string memory v, uint64 version) = _value(NAME);
        assertTrue(_eq(v, "50") && version == 1, "the newer value stays");
    }

    function test_theAdminPathSetsAndMakesPendingChangesStale() public {
        uint256 id = _propose(0, "40");
        vm.prank(STRANGER);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, bytes32(0))
        );
        reg.setPolicy(NAME, "1");
        vm.prank(ADMIN);
        reg.setPolicy(NAME, "60");
        (string memory v, uint64 version) = _value(NAME);
        assertTrue(_eq(v, "60") && version == 1, "set by the admin");
        vm.prank(approvers[1]);
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyRegistryStaleChange.selector, id, 0, 1));
        reg.approve(id);
    }

    function test_anExpiredChangeNeverApplies() public {
        uint256 id = _propose(0, "40");
        uint64 expiresAt = reg.getChange(id).expiresAt;
        assertEq(expiresAt, block.timestamp + LIFETIME, "expiry");
        vm.warp(expiresAt + 1);
        assertTrue(reg.getChange(id).status == IPolicyRegistry.ChangeStatus.Expired, "expired");
        vm.prank(approvers[1]);
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyRegistryChangeExpired.selector, id, expiresAt));
        reg.approve(id);
    }

    function test_revokeAndCancel() public {
        uint256 id = _propose(0, "40");
        vm.prank(approvers[0]);
        reg.revokeApproval(id);
        assertEq(reg.getChange(id).approvals, 0, "revoked");
        vm.prank(approvers[0]);
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyRegistryNotApproved.selector, id, approvers[0]));
        reg.revokeApproval(id);
        vm.prank(approvers[1]);
        assertTrue(!reg.approve(id), "one approval again: not applied");
        vm.prank(approvers[0]);
        reg.cancelChange(id); // its proposer
        vm.prank(approvers[2]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPolicyRegistry.PolicyRegistryChangeNotPending.selector,
                id,
                IPolicyRegistry.ChangeStatus.Cancelled
            )
        );
        reg.approve(id);
        uint256 other = _propose(1, "41");
        vm.prank(ADMIN);
        reg.cancelChange(other); // the admin
        (, uint64 version) = _value(NAME);
        assertEq(version, 0, "nothing applied");
    }

    function test_approvalsOfRemovedApproversDoNotCount() public {
        uint256 id = _propose(0, "40");
        bytes32 role = reg.APPROVER_ROLE();
        vm.prank(ADMIN);
        reg.revokeRole(role, approvers[0]);
        assertEq(reg.approverCount(), 2, "two approvers left");
        assertEq(reg.validApprovals(id), 0, "the removed approver's approval no longer counts");
        vm.prank(approvers[1]);
        assertTrue(!reg.approve(id), "one valid approval of two");
        vm.prank(approvers[2]);
        assertTrue(reg.approve(id), "two valid approvals");
    }

    function test_thresholdAndLifetimeBounds() public {
        vm.startPrank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyRegistryInvalidThreshold.selector, 0, 3));
        reg.setThreshold(0);
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyRegistryInvalidThreshold.selector, 4, 3));
        reg.setThreshold(4);
        reg.setThreshold(1);
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyRegistryInvalidLifetime.selector, 0));
        reg.setChangeLifetime(0);
        vm.stopPrank();
        uint256 id = _propose(2, "7"); // threshold 1: the proposal applies
        assertTrue(reg.getChange(id).status == IPolicyRegistry.ChangeStatus.Applied, "applied at once");
        vm.prank(approvers[0]);
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.PolicyRegistryInvalidPolicy.selector, 0, 1, 64, 1024));
        reg.proposeChange("", "x");
    }

    function test_aPauseStopsProposalsAndApprovals() public {
        uint256 id = _propose(0, "40");
        vm.prank(GUARDIAN);
        reg.pause();
        vm.prank(approvers[1]);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        reg.approve(id);
        vm.prank(approvers[1]);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        reg.proposeChange(NAME, "1");
        vm.prank(approvers[0]);
        reg.cancelChange(id); // a withdrawal stays open
    }
}

/// @notice Drives the registry with random valid and invalid operations and keeps a model of what must hold.
contract PolicyHandler is Test {
    PolicyRegistry internal reg;
    address internal admin;
    address[] internal actors; // approvers 0..3 (3 is toggled in and out) and a stranger
    bool internal actor3IsApprover = true;
    string[2] internal names = ["autoscale.limit.a", "autoscale.limit.b"];

    // the model
    mapping(bytes32 => bytes32) public modelValue;
    mapping(bytes32 => uint64) public modelVersion;
    mapping(uint256 => bool) internal applied;
    mapping(uint256 => bool) internal closed; // applied or cancelled
    mapping(uint256 => mapping(address => bool)) internal approved;
    mapping(uint256 => address[]) internal approvalsOf;
    mapping(uint256 => uint64) internal base;
    mapping(uint256 => uint64) internal expiry;
    mapping(uint256 => bytes32) internal keyOf;
    mapping(uint256 => bytes32) internal valueOf;
    mapping(uint256 => address) internal proposerOf;
    uint256 public ids;
    uint256 public mismatches;
    uint256 public doubleApplies;
    uint256 public appliedCount;

    constructor(PolicyRegistry reg_, address admin_, address[] memory approvers_) {
        reg = reg_;
        admin = admin_;
        for (uint256 i = 0; i < approvers_.length; ++i) actors.push(approvers_[i]);
        actors.push(address(0x5757));
    }

    function _isApprover(address a) internal view returns (bool) {
        if (a == actors[3]) return actor3IsApprover;
        return a != actors[4];
    }

    function _valid(uint256 id) internal view returns (uint256 n) {
        for (uint256 i = 0; i < approvalsOf[id].length; ++i) if (_isApprover(approvalsOf[id][i])) ++n;
    }

    function _applyable(uint256 id) internal view returns (bool) {
        return !closed[id] && block.timestamp <= expiry[id] && modelVersion[keyOf[id]] == base[id];
    }

    function _record(uint256 id, address who) internal {
        approved[id][who] = true;
        approvalsOf[id].push(who);
        if (_valid(id) >= reg.threshold()) {
            if (applied[id]) ++doubleApplies;
            applied[id] = true;
            closed[id] = true;
            ++appliedCount;
            modelValue[keyOf[id]] = valueOf[id];
            ++modelVersion[keyOf[id]];
        }
    }

    function propose(uint256 actorSeed, uint256 nameSeed, uint256 valueSeed) external {
        address who = actors[bound(actorSeed, 0, 4)];
        string memory name = names[nameSeed % 2];
        string memory value = string(abi.encodePacked("v", bytes1(uint8(48 + (valueSeed % 10)))));
        vm.prank(who);
        try reg.proposeChange(name, value) returns (uint256 id) {
            if (!_isApprover(who) || id != ids + 1) ++mismatches;
            ids = id;
            keyOf[id] = keccak256(bytes(name));
            valueOf[id] = keccak256(bytes(value));
            base[id] = modelVersion[keyOf[id]];
            expiry[id] = uint64(block.timestamp) + reg.changeLifetime();
            proposerOf[id] = who;
            _record(id, who);
            if (applied[id] != (reg.getChange(id).status == IPolicyRegistry.ChangeStatus.Applied)) ++mismatches;
        } catch {
            if (_isApprover(who)) ++mismatches;
        }
    }

    function approve(uint256 actorSeed, uint256 idSeed) external {
        if (ids == 0) return;
        address who = actors[bound(actorSeed, 0, 4)];
        uint256 id = bound(idSeed, 1, ids);
        bool ok = _isApprover(who) && _applyable(id) && !approved[id][who];
        vm.prank(who);
        try reg.approve(id) returns (bool didApply) {
            if (!ok) ++mismatches;
            _record(id, who);
            if (didApply != applied[id]) ++mismatches;
        } catch {
            if (ok) ++mismatches;
        }
    }

    function revoke(uint256 actorSeed, uint256 idSeed) external {
        if (ids == 0) return;
        address who = actors[bound(actorSeed, 0, 4)];
        uint256 id = bound(idSeed, 1, ids);
        bool ok = _isApprover(who) && _applyable(id) && approved[id][who];
        vm.prank(who);
        try reg.revokeApproval(id) {
            if (!ok) ++mismatches;
            approved[id][who] = false;
            address[] storage list = approvalsOf[id];
            for (uint256 i = 0; i < list.length; ++i) {
                if (list[i] == who) {
                    list[i] = list[list.length - 1];
                    list.pop();
                    break;
                }
            }
        } catch {
            if (ok) ++mismatches;
        }
    }

    function cancel(uint256 actorSeed, uint256 idSeed) external {
        if (ids == 0) return;
        uint256 pick = bound(actorSeed, 0, 5);
        address who = pick == 5 ? admin : actors[pick];
        uint256 id = bound(idSeed, 1, ids);
        bool ok = !closed[id] && (who == admin || who == proposerOf[id]);
        vm.prank(who);
        try reg.cancelChange(id) {
            if (!ok) ++mismatches;
            closed[id] = true;
        } catch {
            if (ok) ++mismatches;
        }
    }

    function adminSet(uint256 nameSeed, uint256 valueSeed) external {
        string memory name = names[nameSeed % 2];
        string memory value = string(abi.encodePacked("g", bytes1(uint8(48 + (valueSeed % 10)))));
        vm.prank(admin);
        reg.setPolicy(name, value);
        bytes32 key = keccak256(bytes(name));
        modelValue[key] = keccak256(bytes(value));
        ++modelVersion[key];
    }

    function toggleApprover() external {
        bytes32 role = reg.APPROVER_ROLE();
        vm.prank(admin);
        if (actor3IsApprover) reg.revokeRole(role, actors[3]);
        else reg.grantRole(role, actors[3]);
        actor3IsApprover = !actor3IsApprover;
    }

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 1, 3 days));
    }

    /// @notice Whether the registry's value and version of policy `i` are the model's.
    function matches(uint256 i) external view returns (bool) {
        (string memory value, uint64 version, ) = reg.getPolicy(names[i]);
        bytes32 key = keccak256(bytes(names[i]));
        bytes32 expected = modelVersion[key] == 0 ? keccak256("") : modelValue[key];
        return keccak256(bytes(value)) == expected && version == modelVersion[key];
    }
}

/// @notice A policy's value changes only through k distinct current approvals or the admin, no change applies
///         twice, and a stale or expired change never applies: the registry always equals the handler's model.
contract PolicyRegistryInvariantTest is PolicySetup {
    PolicyHandler internal handler;

    function setUp() public {
        _deploy(4, 2);
        handler = new PolicyHandler(reg, ADMIN, approvers);
        targetContract(address(handler));
    }

    /// forge-config: default.invariant.runs = 200
    function invariant_registryEqualsTheModel() public view {
        assertEq(handler.mismatches(), 0, "an operation succeeded or failed against the model");
        assertTrue(handler.matches(0) && handler.matches(1), "a policy differs from the model");
        assertEq(handler.doubleApplies(), 0, "a change applied twice");
    }
}
