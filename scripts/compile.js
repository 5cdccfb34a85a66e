#!/usr/bin/env node
// Compiles every contract under contracts/ with the pinned solc-js and writes one JSON artifact per contract into
// src/novacron_chain/artifacts/. Output is byte-deterministic (sorted keys, fixed settings), so CI can recompile and
// fail on any difference (`node scripts/compile.js --check`).
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const solc = require('solc');

const ROOT = path.resolve(__dirname, '..');
const CONTRACTS = path.join(ROOT, 'contracts');
const OUT = path.join(ROOT, 'src', 'novacron_chain', 'artifacts');
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  viaIR: false,
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  outputSelection: {
    '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object', 'evm.deployedBytecode.immutableReferences', 'evm.methodIdentifiers', 'devdoc', 'userdoc', 'storageLayout'] },
  },
};
// Folders under contracts/ that are compiled for tests and benchmarks only; their artifacts are marked as such.
const TEST_DIRS = ['test/', 'reference/'];

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return e.name.endsWith('.sol') && !e.name.endsWith('.t.sol') ? [p] : [];
  });
}

function findImport(importPath) {
  for (const base of [ROOT, path.join(ROOT, 'node_modules')]) {
    const p = path.join(base, importPath);
    if (fs.existsSync(p)) return { contents: fs.readFileSync(p, 'utf8') };
  }
  return { error: `import not found: ${importPath} (run \`npm ci\`)` };
}

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  }
  return v;
}

// The storage layout of an upgradeable (UUPS) contract, without solc's AST ids (they change with any source): each
// variable's slot, offset and type, types expanded (struct members, mapping key/value, array base). Shipped in the
// artifact so that an upgrade's layout is checked against the running implementation's before it is proposed.
function canonicalLayout(layout) {
  const types = layout.types || {};
  const expand = (id, seen) => {
    const t = types[id];
    if (!t) return { label: id };
    const out = { bytes: Number(t.numberOfBytes), encoding: t.encoding, label: t.label.replace(/\)\d+/g, ')') };
    if (seen.includes(id)) return out; // a recursive struct (through a mapping): its label says enough
    const next = [...seen, id];
    if (t.members) out.members = t.members.map((m) => ({ label: m.label, offset: m.offset, slot: m.slot, type: expand(m.type, next) }));
    if (t.key) out.key = expand(t.key, next);
    if (t.value) out.value = expand(t.value, next);
    if (t.base) out.base = expand(t.base, next);
    return out;
  };
  return (layout.storage || []).map((v) => ({ contract: v.contract.split(':').pop(), label: v.label, offset: v.offset, slot: v.slot, type: expand(v.type, []) }));
}

function main() {
  const check = process.argv.includes('--check');
  const files = walk(CONTRACTS).sort();
  const sources = {};
  for (const f of files) {
    sources[path.relative(ROOT, f).split(path.sep).join('/')] = { content: fs.readFileSync(f, 'utf8') };
  }
  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  for (const e of output.errors || []) process.stderr.write(e.formattedMessage + '\n');
  if (errors.length) {
    process.stderr.write(`compilation failed with ${errors.length} error(s)\n`);
    process.exit(1);
  }

  const artifacts = {};
  for (const [source, contracts] of Object.entries(output.contracts || {})) {
    if (!source.startsWith('contracts/')) continue;
    for (const [name, c] of Object.entries(contracts)) {
      if (!c.evm.bytecode.object) continue; // interfaces and abstract contracts
      if (artifacts[name]) {
        process.stderr.write(`two contracts are named ${name}: ${artifacts[name].sourceName} and ${source}\n`);
        process.exit(1);
      }
      const rel = source.slice('contracts/'.length);
      artifacts[name] = {
        contractName: name,
        sourceName: source,
        testOnly: TEST_DIRS.some((d) => rel.startsWith(d)),
        abi: c.abi,
        bytecode: '0x' + c.evm.bytecode.object,
        deployedBytecode: '0x' + c.evm.deployedBytecode.object,
        // [start, length] byte ranges of immutables in deployedBytecode: filled in at deploy time, so code
        // verification masks them
        immutableRanges: Object.values(c.evm.deployedBytecode.immutableReferences || {})
          .flat()
          .map((r) => [r.start, r.length])
          .sort((a, b) => a[0] - b[0]),
        methodIdentifiers: c.evm.methodIdentifiers,
        sourceHash: '0x' + crypto.createHash('sha256').update(sources[source].content).digest('hex'),
        ...(c.evm.methodIdentifiers['proxiableUUID()'] ? { storageLayout: canonicalLayout(c.storageLayout) } : {}),
        compiler: { name: 'solc-js', version: solc.version(), settings: { optimizer: SETTINGS.optimizer, evmVersion: SETTINGS.evmVersion, metadata: SETTINGS.metadata } },
      };
    }
  }

  const wanted = new Map(
    Object.entries(artifacts).map(([n, a]) => [`${n}.json`, JSON.stringify(sortKeys(a), null, 1) + '\n']),
  );
  const existing = fs.existsSync(OUT) ? fs.readdirSync(OUT).filter((f) => f.endsWith('.json')) : [];
  const diffs = [];
  for (const [file, text] of wanted) {
    const p = path.join(OUT, file);
    if (!fs.existsSync(p) || fs.readFileSync(p, 'utf8') !== text) diffs.push(file);
  }
  for (const f of existing) if (!wanted.has(f)) diffs.push(`${f} (stale)`);
  if (check) {
    if (diffs.length) {
      process.stderr.write(`artifacts differ from a fresh compile: ${diffs.join(', ')}\nrun \`npm run build\` and commit\n`);
      process.exit(1);
    }
    console.log(`artifacts reproducible: ${wanted.size} contracts, solc ${solc.version()}`);
    return;
  }
  fs.mkdirSync(OUT, { recursive: true });
  for (const f of existing) if (!wanted.has(f)) fs.unlinkSync(path.join(OUT, f));
  for (const [file, text] of wanted) fs.writeFileSync(path.join(OUT, file), text);
  console.log(`compiled ${files.length} files into ${wanted.size} artifacts (${diffs.length} changed), solc ${solc.version()}`);
}

main();
