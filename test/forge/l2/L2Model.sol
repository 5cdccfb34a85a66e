// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IL2Rollup} from "../../../contracts/l2/IL2Rollup.sol";
import {L2Portal} from "../../../contracts/l2/L2Portal.sol";
import {L2Rollup} from "../../../contracts/l2/L2Rollup.sol";
import {Test} from "../utils/Test.sol";

/// @notice An honest L2 node in Solidity, for the tests: it keeps the whole state (a few accounts), executes ops by
///         the spec's rules, and writes the op bytes and the fraud-proof witness of each op in the encoding of
///         {IL2Rollup} (siblings equal to Z[i] omitted), exactly what the Python verifier generates. One snapshot
///         lets a handler roll the state back when a batch built on it is deleted by a fraud proof.
contract L2Model is Test {
    uint256 internal constant ACCOUNT_DEPTH = 24;
    uint256 internal constant WITHDRAWAL_DEPTH = 32;

    struct Item {
        uint8 kind;
        address account;
        uint8 token;
        uint256 amount;
    }

    struct State {
        address[] addrs;
        uint64[] nonces;
        uint256[8][] bals;
        bytes32[] wleaves;
        address[] wRecipients;
        uint8[] wTokens;
        uint256[] wAmounts;
        uint64 queueProcessed;
    }

    L2Rollup public immutable rollup;
    L2Portal public immutable portal;
    bytes32[33] internal zeros;
    State internal st;
    State internal snap;
    Item[] internal items; // the portal queue's preimages, mirrored
    mapping(address account => uint256 key) public keyOf;

    // "filled" mode (gas tests): the accounts tree pretends to hold 2**20 accounts; the real ones are 0..63 and the
    // subtrees right of them are made-up non-empty hashes, so proofs carry the ~20 non-default siblings of a
    // million-account tree
    bool public filled;
    bytes32[24] internal fillers;

    // the segment being built
    bytes public seg;
    bytes public wit;
    uint256 public segOps;
    IL2Rollup.StateHeader internal segPre;
    // the same segment as a blob batch writes it (docs/l2-blobs.md): the op bodies (no signatures) and the 64-byte
    // signature slot of each op (zero for 0x04)
    bytes public body;
    bytes public sigSlots;

    // blob-batch semantics (a sequencer that does not check signatures): every signature is taken as valid, so the
    // roots and the witness are those of the bodies' state transition even where the slot holds a forged signature
    bool public assumeValid;

    constructor(L2Rollup rollup_, L2Portal portal_, address feeRecipient) {
        rollup = rollup_;
        portal = portal_;
        for (uint256 i = 0; i < 32; ++i) zeros[i + 1] = keccak256(abi.encodePacked(zeros[i], zeros[i]));
        _push(feeRecipient);
    }

    // -- bookkeeping --------------------------------------------------------------------------------------------

    function addKey(uint256 key) external returns (address a) {
        a = vm.addr(key);
        keyOf[a] = key;
    }

    /// @notice Mirrors a queue item the test added to the portal.
    function enqueued(uint8 kind, address account, uint8 token, uint256 amount) external {
        items.push(Item(kind, account, token, amount));
    }

    function takeSnapshot() external {
        snap = st;
    }

    function restoreSnapshot() external {
        st = snap;
    }

    function fill() external {
        require(st.addrs.length <= 64, "fill: at most 64 real accounts");
        filled = true;
        for (uint256 d = 6; d < 20; ++d) fillers[d] = keccak256(abi.encode("filler", d));
    }

    function _pad(uint256 depth, uint256 d, uint256 position) internal view returns (bytes32) {
        if (filled && depth == ACCOUNT_DEPTH && position == 1 && d >= 6 && d < 20) return fillers[d];
        return zeros[d];
    }

    function accountCount() external view returns (uint256) {
        return st.addrs.length;
    }

    function addrOf(uint256 i) external view returns (address) {
        return st.addrs[i];
    }

    function nonceOf(uint256 i) external view returns (uint64) {
        return st.nonces[i];
    }

    function balanceOf(uint256 i, uint256 token) external view returns (uint256) {
        return st.bals[i][token];
    }

    function queueProcessed() external view returns (uint64) {
        return st.queueProcessed;
    }

    function queueLength() external view returns (uint256) {
        return items.length;
    }

    function item(uint256 q) external view returns (Item memory) {
        return items[q];
    }

    function withdrawalCount() external view returns (uint256) {
        return st.wleaves.length;
    }

    function withdrawal(uint256 i) external view returns (address recipient, uint8 token, uint256 amount) {
        return (st.wRecipients[i], st.wTokens[i], st.wAmounts[i]);
    }

    /// @notice Total of `token` on L2 (every account, fee account included).
    function credited(uint256 token) external view returns (uint256 sum) {
        for (uint256 i = 0; i < st.addrs.length; ++i) sum += st.bals[i][token];
    }

    // -- roots and proofs ---------------------------------------------------------------------------------------

    function accountLeaf(uint256 i) public view returns (bytes32) {
        return keccak256(abi.encode(st.addrs[i], st.nonces[i], st.bals[i]));
    }

    function _accountLeaves() internal view returns (bytes32[] memory l) {
        l = new bytes32[](st.addrs.length);
        for (uint256 i = 0; i < l.length; ++i) l[i] = accountLeaf(i);
    }

    /// @notice Root of a tree of `depth` with `leaves` at 0.. and zeros after, and the siblings of `index`.
    function treeProof(
        bytes32[] memory leaves,
        uint256 index,
        uint256 depth
    ) public view returns (bytes32 treeRoot, bytes32[] memory sibs) {
        sibs = new bytes32[](depth);
        bytes32[] memory level = leaves;
        uint256 idx = index;
        for (uint256 d = 0; d < depth; ++d) {
            uint256 s = idx ^ 1;
            sibs[d] = s < level.length ? level[s] : _pad(depth, d, s);
            bytes32[] memory next = new bytes32[]((level.length + 1) / 2);
            for (uint256 j = 0; j < next.length; ++j) {
                bytes32 right = 2 * j + 1 < level.length ? level[2 * j + 1] : _pad(depth, d, 2 * j + 1);
                next[j] = keccak256(abi.encodePacked(level[2 * j], right));
            }
            if (next.length == 0) {
                next = new bytes32[](1);
                next[0] = zeros[d + 1];
            }
            level = next;
            idx >>= 1;
        }
        treeRoot = level[0];
    }

    function header() public view returns (IL2Rollup.StateHeader memory h) {
        (bytes32 ar, ) = treeProof(_accountLeaves(), 0, ACCOUNT_DEPTH);
        (bytes32 wr, ) = treeProof(st.wleaves, 0, WITHDRAWAL_DEPTH);
        uint256 count = filled ? 1 << 20 : st.addrs.length;
        h = IL2Rollup.StateHeader(ar, uint32(count), wr, uint64(st.wleaves.length), st.queueProcessed);
    }

    function root() public view returns (bytes32) {
        return keccak256(abi.encode(header()));
    }

    /// @notice The 32 siblings of withdrawal `index` in the current withdrawals tree.
    function withdrawalProof(uint256 index) external view returns (bytes32[] memory sibs) {
        (, sibs) = treeProof(st.wleaves, index, WITHDRAWAL_DEPTH);
    }

    /// @notice The 32 siblings of withdrawal `index` in the withdrawals tree as it was with `count` leaves.
    function withdrawalProofAt(uint256 index, uint256 count) external view returns (bytes32[] memory sibs) {
        bytes32[] memory prefix = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) prefix[i] = st.wleaves[i];
        (, sibs) = treeProof(prefix, index, WITHDRAWAL_DEPTH);
    }

    function _sibs(bytes32[] memory sibs) internal view returns (bytes memory out) {
        uint256 mask = 0;
        bytes memory present;
        for (uint256 i = 0; i < sibs.length; ++i) {
            if (sibs[i] != zeros[i]) {
                mask |= 1 << i;
                present = abi.encodePacked(present, sibs[i]);
            }
        }
        out = sibs.length == ACCOUNT_DEPTH
            ? abi.encodePacked(uint24(mask), present)
            : abi.encodePacked(uint32(mask), present);
    }

    function _preimage(uint256 i) internal view returns (bytes memory out) {
        uint8 mask = 0;
        bytes memory balances;
        for (uint256 t = 0; t < 8; ++t) {
            if (st.bals[i][t] != 0) {
                mask |= uint8(1 << t);
                balances = abi.encodePacked(balances, st.bals[i][t]);
            }
        }
        out = abi.encodePacked(st.addrs[i], st.nonces[i], mask, balances);
    }

    // Account(i) against the current state
    function _wAccount(uint256 i) internal {
        (, bytes32[] memory sibs) = treeProof(_accountLeaves(), i, ACCOUNT_DEPTH);
        wit = abi.encodePacked(wit, _preimage(i), _sibs(sibs));
    }

    // Slot(24) at accountCount
    function _wAccountSlot() internal {
        (, bytes32[] memory sibs) = treeProof(_accountLeaves(), st.addrs.length, ACCOUNT_DEPTH);
        wit = abi.encodePacked(wit, _sibs(sibs));
    }

    // Slot(32) at withdrawalCount
    function _wWithdrawalSlot() internal {
        (, bytes32[] memory sibs) = treeProof(st.wleaves, st.wleaves.length, WITHDRAWAL_DEPTH);
        wit = abi.encodePacked(wit, _sibs(sibs));
    }

    // -- state changes --------------------------------------------------------------------------------------

    function _push(address a) internal {
        st.addrs.push(a);
        st.nonces.push(0);
        st.bals.push();
    }

    function _appendWithdrawal(address recipient, uint256 token, uint256 amount) internal {
        st.wleaves.push(keccak256(abi.encode(recipient, uint8(token), amount)));
        st.wRecipients.push(recipient);
        st.wTokens.push(uint8(token));
        st.wAmounts.push(amount);
    }

    // -- segments -------------------------------------------------------------------------------------------

    function setAssumeValid(bool on) external {
        assumeValid = on;
    }

    function beginSegment() external {
        delete seg;
        delete wit;
        delete body;
        delete sigSlots;
        segOps = 0;
        segPre = header();
    }

    /// @notice The segment built since beginSegment in the blob-batch form: the body segment, the witness, the pre
    ///         header, the root after it and the 64-byte signature slots of its ops in order.
    function endBodySegment()
        external
        view
        returns (
            bytes memory bodySegment,
            bytes memory witness,
            IL2Rollup.StateHeader memory pre,
            bytes32 post,
            bytes memory slots
        )
    {
        return (body, wit, segPre, root(), sigSlots);
    }

    /// @notice The segment built since beginSegment: its bytes, witness, pre header and the root after it.
    function endSegment()
        external
        view
        returns (bytes memory segment, bytes memory witness, IL2Rollup.StateHeader memory pre, bytes32 post)
    {
        return (seg, wit, segPre, root());
    }

    function pack(uint256 mantissa, uint256 exponent) public pure returns (uint256) {
        return (mantissa << 5) | exponent;
    }

    function _unpack(uint256 p) internal pure returns (uint256) {
        return (p >> 5) * 10 ** (p & 31);
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes32 r, bytes32 vs) {
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(key, digest);
        r = rr;
        vs = bytes32(uint256(s) | (uint256(v - 27) << 255));
    }

    function _registered(uint256 token) internal view returns (bool) {
        return token < 8 && portal.tokenAt(uint8(token)) != address(0);
    }

    function _sigOk(uint256 from, bytes32 digest, bytes32 r, bytes32 vs) internal view returns (bool) {
        if (assumeValid) return st.addrs[from] != address(0);
        (address signer, , ) = ECDSA.tryRecover(digest, r, vs);
        return signer != address(0) && signer == st.addrs[from];
    }

    function _transferDigestFor(
        uint32 from,
        uint32 to,
        uint8 token,
        uint256 amount,
        uint256 fee
    ) internal view returns (bytes32) {
        address toAddr = to < st.addrs.length ? st.addrs[to] : address(0);
        uint64 nonce = from < st.addrs.length ? st.nonces[from] : 0;
        return rollup.transferDigest(from, toAddr, portal.tokenAt(token < 8 ? token : 0), amount, fee, nonce);
    }

    /// @notice Appends a 0x01 transfer signed with `key` (the sender's key, or another one for an invalid op).
    function transfer(
        uint256 key,
        uint32 from,
        uint32 to,
        uint8 token,
        uint40 amountP,
        uint16 feeP
    ) external returns (bool valid) {
        bytes32 digest = _transferDigestFor(from, to, token, _unpack(amountP), _unpack(feeP));
        (bytes32 r, bytes32 vs) = _sign(key, digest);
        seg = abi.encodePacked(seg, uint8(1), from, to, token, amountP, feeP, r, vs);
        body = abi.encodePacked(body, uint8(1), from, to, token, amountP, feeP);
        sigSlots = abi.encodePacked(sigSlots, r, vs);
        ++segOps;
        if (from >= st.addrs.length || to >= st.addrs.length || !_registered(token)) return false;
        uint256 amount = _unpack(amountP);
        uint256 fee = _unpack(feeP);
        valid = st.bals[from][token] >= amount + fee && _sigOk(from, digest, r, vs);
        _wAccount(from);
        if (!valid) {
            _wAccount(to);
            return false;
        }
        st.nonces[from] += 1;
        st.bals[from][token] -= amount + fee;
        _wAccount(to);
        st.bals[to][token] += amount;
        _wAccount(0);
        st.bals[0][token] += fee;
    }

    /// @notice Appends a 0x02 transfer to a new account.
    function transferNew(
        uint256 key,
        uint32 from,
        address toAddr,
        uint8 token,
        uint40 amountP,
        uint16 feeP
    ) external returns (bool valid) {
        bytes32 digest;
        {
            uint64 nonce = from < st.addrs.length ? st.nonces[from] : 0;
            address tokenAddr = portal.tokenAt(token < 8 ? token : 0);
            digest = rollup.transferDigest(from, toAddr, tokenAddr, _unpack(amountP), _unpack(feeP), nonce);
        }
        (bytes32 r, bytes32 vs) = _sign(key, digest);
        seg = abi.encodePacked(seg, uint8(2), from, toAddr, token, amountP, feeP, r, vs);
        body = abi.encodePacked(body, uint8(2), from, toAddr, token, amountP, feeP);
        sigSlots = abi.encodePacked(sigSlots, r, vs);
        ++segOps;
        if (from >= st.addrs.length || !_registered(token) || toAddr == address(0)) return false;
        _wAccount(from);
        uint256 amount = _unpack(amountP);
        uint256 fee = _unpack(feeP);
        valid = st.bals[from][token] >= amount + fee && _sigOk(from, digest, r, vs);
        if (!valid) return false;
        st.nonces[from] += 1;
        st.bals[from][token] -= amount + fee;
        _wAccountSlot();
        _push(toAddr);
        st.bals[st.addrs.length - 1][token] = amount;
        _wAccount(0);
        st.bals[0][token] += fee;
    }

    /// @notice Appends a 0x03 withdrawal.
    function withdraw(
        uint256 key,
        uint32 from,
        uint8 token,
        uint40 amountP,
        uint16 feeP
    ) external returns (bool valid) {
        bytes32 digest;
        {
            uint64 nonce = from < st.addrs.length ? st.nonces[from] : 0;
            address tokenAddr = portal.tokenAt(token < 8 ? token : 0);
            digest = rollup.withdrawalDigest(from, tokenAddr, _unpack(amountP), _unpack(feeP), nonce);
        }
        (bytes32 r, bytes32 vs) = _sign(key, digest);
        seg = abi.encodePacked(seg, uint8(3), from, token, amountP, feeP, r, vs);
        body = abi.encodePacked(body, uint8(3), from, token, amountP, feeP);
        sigSlots = abi.encodePacked(sigSlots, r, vs);
        ++segOps;
        if (from >= st.addrs.length || !_registered(token)) return false;
        _wAccount(from);
        uint256 amount = _unpack(amountP);
        uint256 fee = _unpack(feeP);
        valid = st.bals[from][token] >= amount + fee && _sigOk(from, digest, r, vs);
        if (!valid) return false;
        st.nonces[from] += 1;
        st.bals[from][token] -= amount + fee;
        _wWithdrawalSlot();
        _appendWithdrawal(st.addrs[from], token, amount);
        _wAccount(0);
        st.bals[0][token] += fee;
    }

    /// @notice Appends a 0x04 op for the next queue item (bounded by `queueEnd`), with the sequencer's `hint`.
    function queueOp(uint32 hint, uint64 queueEnd) external {
        seg = abi.encodePacked(seg, uint8(4), hint);
        body = abi.encodePacked(body, uint8(4), hint);
        sigSlots = abi.encodePacked(sigSlots, bytes32(0), bytes32(0));
        ++segOps;
        uint64 q = st.queueProcessed;
        if (q >= queueEnd) return;
        Item memory it = items[q];
        wit = abi.encodePacked(wit, it.kind, it.account, it.token, it.amount);
        uint256 count = st.addrs.length;
        bool done = false;
        if (hint < count) {
            _wAccount(hint);
            if (st.addrs[hint] == it.account) {
                if (it.kind == 1) {
                    st.bals[hint][it.token] += it.amount;
                    done = true;
                } else if (st.bals[hint][it.token] >= it.amount) {
                    st.bals[hint][it.token] -= it.amount;
                    done = true;
                }
            }
        }
        if (it.kind == 1 && !done) {
            _wAccountSlot();
            _push(it.account);
            st.bals[count][it.token] = it.amount;
        }
        if (it.kind == 2 && done) {
            _wWithdrawalSlot();
            _appendWithdrawal(it.account, it.token, it.amount);
        }
        st.queueProcessed = q + 1;
    }

    /// @notice The index of the first account with address `a`, or type(uint32).max.
    function indexOf(address a) external view returns (uint32) {
        for (uint256 i = 0; i < st.addrs.length; ++i) if (st.addrs[i] == a) return uint32(i);
        return type(uint32).max;
    }
}
