// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IL2Portal} from "./IL2Portal.sol";
import {IL2Rollup} from "./IL2Rollup.sol";

/// @title L2StateTransition
/// @notice The rollup's state transition function on L1, for fraud proofs: parses one segment of packed ops and
///         applies it to a state header, reading every touched leaf and its Merkle siblings from the witness (format
///         in {IL2Rollup}) and verifying and updating the tree in one pass per touch. Total on the segment bytes
///         (every byte string is a valid segment); a bad witness reverts with `RollupBadWitness`.
library L2StateTransition {
    /// @notice Depth of the accounts tree.
    uint256 internal constant ACCOUNT_DEPTH = 24;
    /// @notice Depth of the withdrawals tree.
    uint256 internal constant WITHDRAWAL_DEPTH = 32;
    /// @notice Token slots.
    uint256 internal constant TOKENS = 8;
    /// @notice Ops executed per segment at most (the rest is ignored).
    uint256 internal constant MAX_SEGMENT_OPS = 32;
    /// @notice Accounts the tree holds.
    uint256 internal constant MAX_ACCOUNTS = 1 << 24;

    bytes32 internal constant TRANSFER_TYPEHASH =
        keccak256("Transfer(uint32 account,address to,address token,uint256 amount,uint256 fee,uint64 nonce)");
    bytes32 internal constant WITHDRAWAL_TYPEHASH =
        keccak256("Withdrawal(uint32 account,address token,uint256 amount,uint256 fee,uint64 nonce)");

    /// @notice What re-execution needs besides the state: the signature domain, the token registry, the batch's
    ///         queueEnd, the portal (queue item hashes), the zero-subtree hashes and the witness cursor.
    struct Context {
        bytes32 domainSeparator;
        address[8] tokens;
        uint64 queueEnd;
        IL2Portal portal;
        bytes32[33] zeros;
        uint256 wp; // absolute calldata offset of the next witness byte
        uint256 wEnd; // absolute calldata offset just past the witness
        // blob batches (docs/l2-blobs.md): ops are bodies without signatures; every signature is taken as valid
        // except op `sigOp`'s, checked against (sigR, sigVs); `badSig` set when that check fails (replay stops)
        bool blob;
        uint256 pos; // position of the op being executed in the segment
        uint256 sigOp; // type(uint256).max: none
        bytes32 sigR;
        bytes32 sigVs;
        bool badSig;
    }

    // a parsed signed op (0x01, 0x02, 0x03)
    struct Op {
        uint256 from;
        uint256 to; // 0x01: index
        address toAddr; // 0x02: address; 0x01: read from the leaf of `to`
        uint256 token;
        uint256 amount;
        uint256 fee;
        bytes32 r;
        bytes32 vs;
    }

    /// @notice Z[0..32]: Z[0] = 0, Z[i+1] = keccak256(Z[i] ‖ Z[i]).
    function zeroHashes() internal pure returns (bytes32[33] memory z) {
        for (uint256 i = 0; i < 32; ++i) {
            z[i + 1] = hashPair(z[i], z[i]);
        }
    }

    /// @notice A context for re-executing segments of a batch with `queueEnd` (witness cursor unset).
    function context(
        bytes32 domainSeparator,
        IL2Portal portal,
        uint64 queueEnd
    ) internal view returns (Context memory c) {
        c.domainSeparator = domainSeparator;
        c.tokens = portal.tokens();
        c.queueEnd = queueEnd;
        c.portal = portal;
        c.zeros = zeroHashes();
    }

    /// @notice keccak256(a ‖ b).
    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore(0x00, a)
            mstore(0x20, b)
            h := keccak256(0x00, 0x40)
        }
    }

    /// @notice The state root of a header.
    function headerRoot(IL2Rollup.StateHeader memory s) internal pure returns (bytes32) {
        return keccak256(abi.encode(s));
    }

    /// @notice An account leaf: keccak256(abi.encode(address addr, uint64 nonce, uint256[8] balances)), from its 10
    ///         words [addr, nonce, balance0 .. balance7].
    function accountLeaf(uint256[10] memory a) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            h := keccak256(a, 320)
        }
    }

    /// @notice A withdrawal leaf.
    function withdrawalLeaf(address recipient, uint256 token, uint256 amount) internal pure returns (bytes32) {
        return keccak256(abi.encode(recipient, uint8(token), amount));
    }

    /// @notice EIP-712 digest of a transfer under `domainSeparator`.
    function transferDigest(
        bytes32 domainSeparator,
        uint256 account,
        address to,
        address token,
        uint256 amount,
        uint256 fee,
        uint256 nonce
    ) internal pure returns (bytes32) {
        return
            MessageHashUtils.toTypedDataHash(
                domainSeparator,
                keccak256(abi.encode(TRANSFER_TYPEHASH, account, to, token, amount, fee, nonce))
            );
    }

    /// @notice EIP-712 digest of a withdrawal under `domainSeparator`.
    function withdrawalDigest(
        bytes32 domainSeparator,
        uint256 account,
        address token,
        uint256 amount,
        uint256 fee,
        uint256 nonce
    ) internal pure returns (bytes32) {
        return
            MessageHashUtils.toTypedDataHash(
                domainSeparator,
                keccak256(abi.encode(WITHDRAWAL_TYPEHASH, account, token, amount, fee, nonce))
            );
    }

    /// @notice A packed amount: mantissa (top `bits - 5` bits) * 10 ** exponent (low 5 bits).
    function unpack(uint256 packed) internal pure returns (uint256) {
        return (packed >> 5) * 10 ** (packed & 31);
    }

    // -- segment --------------------------------------------------------------------------------------------

    /// @notice Applies `segment` to `s` in place, reading the witness from `witness`. With `c.blob` the segment is a
    ///         blob batch's body segment (signed ops without their 64-byte signature): every signature is taken as
    ///         valid except op `c.sigOp`'s, checked against `(c.sigR, c.sigVs)`; when that one does not recover the
    ///         sender, `c.badSig` is set and the replay stops after the op (processed as invalid).
    function applySegment(
        Context memory c,
        IL2Rollup.StateHeader memory s,
        bytes calldata segment,
        bytes calldata witness
    ) internal view {
        uint256 base;
        assembly {
            base := segment.offset
        }
        {
            uint256 wBase;
            assembly {
                wBase := witness.offset
            }
            c.wp = wBase;
            c.wEnd = wBase + witness.length;
        }
        uint256 end = segment.length;
        uint256 p = 0;
        uint256 sigLen = c.blob ? 0 : 64; // a blob batch's body segment: no signatures
        for (uint256 n = 0; n < MAX_SEGMENT_OPS && p < end; ++n) {
            uint256 t = _read(base + p, 1);
            uint256 len = t == 1 ? 17 + sigLen : t == 2 ? 33 + sigLen : t == 3 ? 13 + sigLen : t == 4 ? 5 : 0;
            if (len == 0 || p + len > end) break;
            if (sigLen == 0) c.pos = n;
            uint256 cur = base + p + 1;
            if (t == 4) {
                _queueOp(c, s, _read(cur, 4));
            } else {
                Op memory op;
                op.from = _read(cur, 4);
                if (t == 1) {
                    op.to = _read(cur + 4, 4);
                    cur += 8;
                } else if (t == 2) {
                    op.toAddr = address(uint160(_read(cur + 4, 20)));
                    cur += 24;
                } else {
                    cur += 4;
                }
                op.token = _read(cur, 1);
                op.amount = unpack(_read(cur + 1, 5));
                op.fee = unpack(_read(cur + 6, 2));
                if (sigLen != 0) {
                    op.r = bytes32(_read(cur + 8, 32));
                    op.vs = bytes32(_read(cur + 40, 32));
                }
                if (t == 1) _transfer(c, s, op);
                else if (t == 2) _transferNew(c, s, op);
                else _withdraw(c, s, op);
                if (c.badSig) break;
            }
            p += len;
        }
    }

    // -- ops ------------------------------------------------------------------------------------------------

    function _transfer(Context memory c, IL2Rollup.StateHeader memory s, Op memory op) private pure {
        if (op.from >= s.accountCount || op.to >= s.accountCount || !_registered(c, op.token)) return;
        // Account(from) then Account(to): the preimages first (to's address signs into the digest), the proofs
        // after, against the roots the op's validity implies
        uint256[10] memory f = _readPreimage(c);
        uint256 fromSibs = c.wp;
        _skipSiblings(c, ACCOUNT_DEPTH);
        uint256[10] memory t = _readPreimage(c);
        uint256 toSibs = c.wp;
        _skipSiblings(c, ACCOUNT_DEPTH);
        uint256 after_ = c.wp;
        op.toAddr = address(uint160(t[0]));
        bool valid = _signedOk(c, f, op, false);
        bytes32 root = s.accountsRoot;
        c.wp = fromSibs;
        if (!valid) {
            bytes32 fromLeaf = accountLeaf(f);
            _update(c, root, op.from, ACCOUNT_DEPTH, fromLeaf, fromLeaf);
            c.wp = toSibs;
            bytes32 toLeaf = accountLeaf(t);
            _update(c, root, op.to, ACCOUNT_DEPTH, toLeaf, toLeaf);
            c.wp = after_;
            return;
        }
        root = _debitSender(c, root, f, op);
        c.wp = toSibs;
        bytes32 oldTo = accountLeaf(t);
        t[2 + op.token] += op.amount;
        root = _update(c, root, op.to, ACCOUNT_DEPTH, oldTo, accountLeaf(t));
        c.wp = after_;
        s.accountsRoot = _creditFee(c, root, op);
    }

    function _transferNew(Context memory c, IL2Rollup.StateHeader memory s, Op memory op) private pure {
        uint256 count = s.accountCount;
        if (op.from >= count || !_registered(c, op.token) || op.toAddr == address(0) || count >= MAX_ACCOUNTS) {
            return;
        }
        uint256[10] memory f = _readPreimage(c);
        bool valid = _signedOk(c, f, op, false);
        bytes32 root = s.accountsRoot;
        if (!valid) {
            bytes32 leaf = accountLeaf(f);
            _update(c, root, op.from, ACCOUNT_DEPTH, leaf, leaf);
            return;
        }
        root = _debitSender(c, root, f, op);
        uint256[10] memory a;
        a[0] = uint160(op.toAddr);
        a[2 + op.token] = op.amount;
        root = _update(c, root, count, ACCOUNT_DEPTH, bytes32(0), accountLeaf(a));
        s.accountCount = uint32(count + 1);
        s.accountsRoot = _creditFee(c, root, op);
    }

    function _withdraw(Context memory c, IL2Rollup.StateHeader memory s, Op memory op) private pure {
        if (op.from >= s.accountCount || !_registered(c, op.token)) return;
        uint256[10] memory f = _readPreimage(c);
        bool valid = _signedOk(c, f, op, true);
        bytes32 root = s.accountsRoot;
        if (!valid) {
            bytes32 leaf = accountLeaf(f);
            _update(c, root, op.from, ACCOUNT_DEPTH, leaf, leaf);
            return;
        }
        root = _debitSender(c, root, f, op);
        _appendWithdrawal(c, s, address(uint160(f[0])), op.token, op.amount);
        s.accountsRoot = _creditFee(c, root, op);
    }

    function _queueOp(Context memory c, IL2Rollup.StateHeader memory s, uint256 hint) private view {
        uint64 q = s.queueProcessed;
        if (q >= c.queueEnd) return;
        uint256 kind = _take(c, 1);
        address account = address(uint160(_take(c, 20)));
        uint256 token = _take(c, 1);
        uint256 amount = _take(c, 32);
        // only the hash matters here (the L1 block is the force-inclusion clock, checked at proposal)
        // slither-disable-next-line unused-return
        (bytes32 itemHash, ) = c.portal.queueItem(q);
        if (keccak256(abi.encode(uint8(kind), account, uint8(token), amount)) != itemHash) {
            revert IL2Rollup.RollupBadWitness();
        }
        // the portal only queues registered token ids (< 8), so the balance index below is in range
        uint256 count = s.accountCount;
        bytes32 root = s.accountsRoot;
        bool done = false;
        if (hint < count) {
            uint256[10] memory a = _readPreimage(c);
            bytes32 oldLeaf = accountLeaf(a);
            if (address(uint160(a[0])) == account) {
                if (kind == 1) {
                    a[2 + token] += amount;
                    done = true;
                } else if (kind == 2 && a[2 + token] >= amount) {
                    a[2 + token] -= amount;
                    done = true;
                }
            }
            root = _update(c, root, hint, ACCOUNT_DEPTH, oldLeaf, accountLeaf(a));
        }
        if (kind == 1 && !done) {
            // not credited at the hint: a new account, unless the tree is full (then the item is not consumed)
            if (count >= MAX_ACCOUNTS) return;
            uint256[10] memory a;
            a[0] = uint160(account);
            a[2 + token] = amount;
            root = _update(c, root, count, ACCOUNT_DEPTH, bytes32(0), accountLeaf(a));
            s.accountCount = uint32(count + 1);
        }
        s.accountsRoot = root;
        if (kind == 2 && done) _appendWithdrawal(c, s, account, token, amount);
        s.queueProcessed = q + 1;
    }

    // -- effects --------------------------------------------------------------------------------------------

    // from.nonce += 1, from.balance[token] -= amount + fee; the witness cursor is at from's siblings
    function _debitSender(
        Context memory c,
        bytes32 root,
        uint256[10] memory f,
        Op memory op
    ) private pure returns (bytes32) {
        bytes32 oldLeaf = accountLeaf(f);
        f[1] += 1;
        f[2 + op.token] -= op.amount + op.fee;
        return _update(c, root, op.from, ACCOUNT_DEPTH, oldLeaf, accountLeaf(f));
    }

    // Account(0) from the witness: the fee account's balance[token] += fee
    function _creditFee(Context memory c, bytes32 root, Op memory op) private pure returns (bytes32) {
        uint256[10] memory x = _readPreimage(c);
        bytes32 oldLeaf = accountLeaf(x);
        x[2 + op.token] += op.fee;
        return _update(c, root, 0, ACCOUNT_DEPTH, oldLeaf, accountLeaf(x));
    }

    function _appendWithdrawal(
        Context memory c,
        IL2Rollup.StateHeader memory s,
        address recipient,
        uint256 token,
        uint256 amount
    ) private pure {
        uint64 n = s.withdrawalCount;
        s.withdrawalsRoot = _update(
            c,
            s.withdrawalsRoot,
            n,
            WITHDRAWAL_DEPTH,
            bytes32(0),
            withdrawalLeaf(recipient, token, amount)
        );
        s.withdrawalCount = n + 1;
    }

    // the checks of a signed op given the sender's leaf: an address, the balance, the signature over the op's digest
    // (with the leaf's nonce in it). Blob mode: the signature is taken as valid, except at op `c.sigOp`, checked
    // against the opened one (a failure there sets `c.badSig`: the batch is fraudulent)
    function _signedOk(
        Context memory c,
        uint256[10] memory f,
        Op memory op,
        bool withdrawal
    ) private pure returns (bool) {
        if (f[0] == 0 || f[2 + op.token] < op.amount + op.fee) return false;
        bytes32 r = op.r;
        bytes32 vs = op.vs;
        if (c.blob) {
            if (c.pos != c.sigOp) return true;
            r = c.sigR;
            vs = c.sigVs;
        }
        // tryRecover yields address(0) on every failure (bad s, bad v, no point), which never equals f[0] != 0
        // slither-disable-next-line unused-return
        (address signer, , ) = ECDSA.tryRecover(_opDigest(c, op, f[1], withdrawal), r, vs);
        bool ok = uint160(signer) == f[0];
        if (!ok && c.blob) c.badSig = true;
        return ok;
    }

    function _opDigest(Context memory c, Op memory op, uint256 nonce, bool withdrawal) private pure returns (bytes32) {
        address token = c.tokens[op.token];
        if (withdrawal) return withdrawalDigest(c.domainSeparator, op.from, token, op.amount, op.fee, nonce);
        return transferDigest(c.domainSeparator, op.from, op.toAddr, token, op.amount, op.fee, nonce);
    }

    function _registered(Context memory c, uint256 token) private pure returns (bool) {
        return token < TOKENS && c.tokens[token] != address(0);
    }

    // -- witness --------------------------------------------------------------------------------------------

    // n (<= 32) big-endian bytes at absolute calldata offset `ptr` (the caller checked the bounds)
    function _read(uint256 ptr, uint256 n) private pure returns (uint256 v) {
        assembly {
            v := shr(sub(256, mul(8, n)), calldataload(ptr))
        }
    }

    // the next n (<= 32) witness bytes
    function _take(Context memory c, uint256 n) private pure returns (uint256 v) {
        uint256 p = c.wp;
        if (p + n > c.wEnd) revert IL2Rollup.RollupBadWitness();
        c.wp = p + n;
        assembly {
            v := shr(sub(256, mul(8, n)), calldataload(p))
        }
    }

    // an Account item's preimage: addr 20, nonce 8, balMask 1, the set balances
    function _readPreimage(Context memory c) private pure returns (uint256[10] memory a) {
        uint256 p = c.wp;
        uint256 end = c.wEnd;
        if (p + 29 > end) revert IL2Rollup.RollupBadWitness();
        assembly ("memory-safe") {
            let w := calldataload(p)
            mstore(a, shr(96, w))
            mstore(add(a, 0x20), and(shr(32, w), 0xffffffffffffffff))
            let mask := byte(28, w)
            p := add(p, 29)
            for {
                let t := 0
            } lt(t, 8) {
                t := add(t, 1)
            } {
                if and(shr(t, mask), 1) {
                    mstore(add(a, shl(5, add(t, 2))), calldataload(p))
                    p := add(p, 32)
                }
            }
        }
        if (p > end) revert IL2Rollup.RollupBadWitness();
        c.wp = p;
    }

    function _skipSiblings(Context memory c, uint256 depth) private pure {
        uint256 mask = _take(c, depth / 8);
        uint256 n = 0;
        for (; mask != 0; mask &= mask - 1) ++n;
        uint256 p = c.wp + 32 * n;
        if (p > c.wEnd) revert IL2Rollup.RollupBadWitness();
        c.wp = p;
    }

    // Siblings(depth) from the witness: checks that `oldLeaf` at `index` hashes to `root` and returns the root with
    // `newLeaf` there instead (one pass over the path; assembly: this loop is most of a fraud proof's execution gas)
    function _update(
        Context memory c,
        bytes32 root,
        uint256 index,
        uint256 depth,
        bytes32 oldLeaf,
        bytes32 newLeaf
    ) private pure returns (bytes32 n) {
        uint256 p = c.wp;
        uint256 maskBytes = depth >> 3;
        if (p + maskBytes > c.wEnd) revert IL2Rollup.RollupBadWitness();
        bytes32[33] memory z = c.zeros;
        bytes32 o;
        assembly ("memory-safe") {
            let mask := shr(sub(256, shl(3, maskBytes)), calldataload(p))
            p := add(p, maskBytes)
            o := oldLeaf
            n := newLeaf
            for {
                let i := 0
            } lt(i, depth) {
                i := add(i, 1)
            } {
                let sib := 0
                switch and(shr(i, mask), 1)
                case 0 {
                    sib := mload(add(z, shl(5, i)))
                }
                default {
                    sib := calldataload(p)
                    p := add(p, 0x20)
                }
                switch and(shr(i, index), 1)
                case 0 {
                    mstore(0x00, o)
                    mstore(0x20, sib)
                    o := keccak256(0x00, 0x40)
                    mstore(0x00, n)
                    n := keccak256(0x00, 0x40)
                }
                default {
                    mstore(0x00, sib)
                    mstore(0x20, o)
                    o := keccak256(0x00, 0x40)
                    mstore(0x20, n)
                    n := keccak256(0x00, 0x40)
                }
            }
        }
        // siblings past the witness end were read from whatever calldata follows it: refuse them here
        if (p > c.wEnd || o != root) revert IL2Rollup.RollupBadWitness();
        c.wp = p;
    }
}
