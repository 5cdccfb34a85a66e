#!/usr/bin/env node
// Writes oz_vectors.json: Merkle roots and proofs made by OpenZeppelin's own JS library (@openzeppelin/merkle-tree
// 1.0.8, SimpleMerkleTree with sortLeaves: false), the oracle tests/state/test_merkle.py compares our tree with.
// Leaf i is keccak256(keccak256(utf8("record-" + i))), our leaf hashing of the bytes "record-i".
// Regenerate (the package is not a project dependency):
//   npm install --prefix /tmp/ozmt @openzeppelin/merkle-tree@1.0.8
//   NODE_PATH=/tmp/ozmt/node_modules node tests/state/data/make_oz_vectors.js > tests/state/data/oz_vectors.json
'use strict';
const { SimpleMerkleTree } = require('@openzeppelin/merkle-tree');
const { keccak256 } = require('ethereum-cryptography/keccak');
const { utf8ToBytes, bytesToHex } = require('ethereum-cryptography/utils');

const hex = (b) => '0x' + bytesToHex(b);
const out = { library: '@openzeppelin/merkle-tree@' + require('@openzeppelin/merkle-tree/package.json').version, cases: [] };
for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 33, 64]) {
  const leaves = [];
  for (let i = 0; i < n; i++) leaves.push(hex(keccak256(keccak256(utf8ToBytes('record-' + i)))));
  const tree = SimpleMerkleTree.of(leaves, { sortLeaves: false });
  const proofs = leaves.map((_, i) => tree.getProof(i));
  out.cases.push({ n, leaves, root: tree.root, proofs });
}
process.stdout.write(JSON.stringify(out) + '\n');
