#!/usr/bin/env node
// OpenZeppelin's own upgrade-safety validation (@openzeppelin/upgrades-core, pinned in package.json) of every
// upgradeable (UUPS) contract, at build time and in CI (`make contracts-check`):
//
//  * unsafe patterns in the implementation and everything it inherits: constructors (other than one marked
//    `@custom:oz-upgrades-unsafe-allow constructor` that only locks the initializers), immutables, selfdestruct,
//    delegatecall, state variable assignments, missing initializer calls, external libraries;
//  * storage-layout compatibility of each shipped upgradeable contract with the layout of its previous release,
//    kept in-tree in contracts/layouts/<Contract>.json (upgrades-core's own layout format, ERC-7201 namespaces of
//    OpenZeppelin's bases included), so a change that moves, retypes or drops a variable fails here;
//  * the test fixtures keep their meaning: SLAContractV2 is a safe upgrade of the SLAContract, SLAContractBadLayout
//    an unsafe one.
//
// The upgradeable contracts are the artifacts carrying a `storageLayout` (scripts/compile.js writes one for every
// contract with `proxiableUUID()`); only their sources (and imports) are compiled here, with compile.js's settings
// plus the AST upgrades-core reads. The run-time check (`security upgrade` on a machine without node) is the Python
// port in src/novacron_chain/security/_layout.py; tests/security/test_layout_crosscheck.py runs this script with
// --json and asserts both give the same verdict on every pair.
//
//   node scripts/check_layouts.js            validate; exit 1 on any problem
//   node scripts/check_layouts.js --json     the same, the verdicts as JSON on stdout
//   node scripts/check_layouts.js --update   record the current layouts as the released baselines (at a release)
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');
const core = require('@openzeppelin/upgrades-core');

const ROOT = path.resolve(__dirname, '..');
const ARTIFACTS = path.join(ROOT, 'src', 'novacron_chain', 'artifacts');
const BASELINES = path.join(ROOT, 'contracts', 'layouts');
// compile.js's settings (the layouts must be the shipped build's), plus the AST for upgrades-core
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  viaIR: false,
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  outputSelection: {
    '*': {
      '': ['ast'],
      '*': ['storageLayout', 'evm.bytecode.object', 'evm.bytecode.linkReferences', 'evm.methodIdentifiers'],
    },
  },
};
// test-only implementations and the verdict their upgrade of a released contract must get
const FIXTURES = [
  { from: 'SLAContract', to: 'SLAContractV2', compatible: true },
  { from: 'SLAContract', to: 'SLAContractBadLayout', compatible: false },
];
// upgrades-core options: nothing unsafe allowed beyond what the code itself annotates
const OPTS = core.withValidationDefaults({ kind: 'uups' });

function findImport(importPath) {
  for (const base of [ROOT, path.join(ROOT, 'node_modules')]) {
    const p = path.join(base, importPath);
    if (fs.existsSync(p)) return { contents: fs.readFileSync(p, 'utf8') };
  }
  return { error: `import not found: ${importPath} (run \`npm ci\`)` };
}

function compile(sources) {
  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) {
    for (const e of errors) process.stderr.write(e.formattedMessage + '\n');
    throw new Error(`compilation failed with ${errors.length} error(s)`);
  }
  // solc-js resolved the imports through the callback: upgrades-core's source decoder wants them in the input too
  const full = { ...input, sources: {} };
  for (const source of Object.keys(output.sources)) {
    full.sources[source] = sources[source] || { content: findImport(source).contents };
  }
  return { input: full, output };
}

/** The upgradeable artifacts: name -> { sourceName, testOnly }. */
function upgradeable() {
  const out = {};
  for (const f of fs.readdirSync(ARTIFACTS).filter((n) => n.endsWith('.json')).sort()) {
    const a = JSON.parse(fs.readFileSync(path.join(ARTIFACTS, f), 'utf8'));
    if (a.storageLayout) out[a.contractName] = { sourceName: a.sourceName, testOnly: a.testOnly };
  }
  return out;
}

function explain(report) {
  return report.explain(false).split('\n').map((l) => '    ' + l).join('\n');
}

function main() {
  const json = process.argv.includes('--json');
  const update = process.argv.includes('--update');
  const started = Date.now();
  const contracts = upgradeable();
  const sources = {};
  for (const { sourceName } of Object.values(contracts)) {
    sources[sourceName] = { content: fs.readFileSync(path.join(ROOT, sourceName), 'utf8') };
  }
  const { input, output } = compile(sources);
  const version = solc.version().replace(/\.Emscripten.*$/, '').replace(/\+commit\..*$/, '');
  // ERC-7201: a second compile with each namespace struct as a variable, so its layout can be compared too
  const namespaced = compile(core.makeNamespacedInput(input, output, version).sources).output;
  const data = core.validate(output, core.solcInputOutputDecoder(input, output), version, input, namespaced);

  const problems = [];
  const results = [];
  const layouts = {};
  for (const [name, { sourceName, testOnly }] of Object.entries(contracts)) {
    const v = core.getContractVersion(data, `${sourceName}:${name}`);
    layouts[name] = core.getStorageLayout(data, v);
    if (testOnly) continue; // fixtures are judged by their layouts only (an upgrade like V2 needs no initializer)
    const errors = core.getErrors(data, v, OPTS);
    if (errors.length) {
      problems.push(`${name}: not upgrade safe\n${new core.ValidationErrors(name, errors).message}`);
    }
    results.push({ kind: 'safe', contract: name, ok: errors.length === 0, errors: errors.map((e) => e.kind) });
  }

  const compare = (fromName, fromLayout, to) => {
    const report = core.getStorageUpgradeReport(fromLayout, layouts[to], OPTS);
    return { kind: 'layout', from: fromName, to, ok: report.ok, explanation: report.ok ? '' : report.explain(false), report };
  };

  for (const [name, { testOnly }] of Object.entries(contracts)) {
    if (testOnly) continue;
    const file = path.join(BASELINES, `${name}.json`);
    if (update) {
      fs.mkdirSync(BASELINES, { recursive: true });
      fs.writeFileSync(file, JSON.stringify(layouts[name], null, 1) + '\n');
      continue;
    }
    if (!fs.existsSync(file)) {
      problems.push(`${name}: no released layout in ${path.relative(ROOT, file)} (a new upgradeable contract: ` +
        'record its first release with `node scripts/check_layouts.js --update`)');
      continue;
    }
    const r = compare(`${name} (released)`, JSON.parse(fs.readFileSync(file, 'utf8')), name);
    if (!r.ok) problems.push(`${name}: storage layout incompatible with its released layout\n${explain(r.report)}`);
    results.push(r);
  }
  for (const f of FIXTURES) {
    if (!layouts[f.from] || !layouts[f.to]) {
      problems.push(`fixture ${f.to}: ${f.from} or ${f.to} is not an upgradeable artifact`);
      continue;
    }
    const r = compare(f.from, layouts[f.from], f.to);
    if (r.ok !== f.compatible) {
      problems.push(`fixture ${f.to}: upgrades-core finds it ${r.ok ? 'compatible' : 'incompatible'} with ${f.from}, ` +
        `expected ${f.compatible ? 'compatible' : 'incompatible'}\n${r.ok ? '' : explain(r.report)}`);
    }
    results.push(r);
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (json) {
    process.stdout.write(JSON.stringify({ problems, results: results.map(({ report, ...r }) => r), seconds }, null, 1) + '\n');
  } else if (update) {
    console.log(`recorded ${Object.values(contracts).filter((c) => !c.testOnly).length} released layouts in ${path.relative(ROOT, BASELINES)}/`);
  } else {
    for (const p of problems) process.stderr.write(p + '\n');
  }
  if (problems.length) {
    if (!json) process.stderr.write(`upgrade safety (OpenZeppelin upgrades-core): ${problems.length} problem(s)\n`);
    process.exit(1);
  }
  if (!json && !update) {
    const names = Object.entries(contracts).filter(([, c]) => !c.testOnly).map(([n]) => n);
    console.log(`upgrade safe (OpenZeppelin upgrades-core): ${names.join(', ')} against their released layouts, ` +
      `${FIXTURES.length} fixtures as expected, ${seconds} s`);
  }
}

main();
