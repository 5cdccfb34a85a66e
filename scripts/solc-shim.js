#!/usr/bin/env node
// A `solc` executable made of the pinned solc-js, for tools that want a solc binary (forge, slither):
// supports `--version` and `--standard-json` (input on stdin, output on stdout), which is all they use.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require(path.resolve(__dirname, '..', 'node_modules', 'solc'));

const args = process.argv.slice(2);
if (args.includes('--version') || args.includes('-v')) {
  const v = solc.version().replace('.Emscripten.clang', '');
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${v}.Linux.g++\n`);
  process.exit(0);
}
if (!args.includes('--standard-json')) {
  process.stderr.write('this solc shim only supports --version and --standard-json\n');
  process.exit(2);
}
const roots = [process.cwd()];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--base-path' || args[i] === '--include-path') roots.push(args[i + 1]);
  if (args[i] === '--allow-paths') roots.push(...args[i + 1].split(','));
}
roots.push(path.resolve(__dirname, '..'), path.resolve(__dirname, '..', 'node_modules'));
function findImport(p) {
  for (const r of roots) {
    const full = path.isAbsolute(p) ? p : path.join(r, p);
    if (fs.existsSync(full)) return { contents: fs.readFileSync(full, 'utf8') };
  }
  return { error: `File not found: ${p}` };
}
const input = fs.readFileSync(0, 'utf8');
process.stdout.write(solc.compile(input, { import: findImport }));
