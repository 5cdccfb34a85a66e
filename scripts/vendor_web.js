#!/usr/bin/env node
// Build-time copy of the web dashboard's third-party code from node_modules into the Python package, so that the
// server needs no node at run time: uPlot (MIT), a small canvas chart library, pinned in package.json's
// devDependencies. Writes src/novacron_chain/api/web/vendor/ (committed) with a VENDOR.json that records each file's
// package, version, licence and SHA-256.
//
//   node scripts/vendor_web.js           copy (after `npm ci`), then commit the vendor folder
//   node scripts/vendor_web.js --check   exit 1 if the committed copy differs from node_modules
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(ROOT, "src", "novacron_chain", "api", "web", "vendor");
// package -> [file in the package, name in vendor/]
const FILES = {
  uplot: [
    ["dist/uPlot.esm.js", "uPlot.esm.js"],
    ["dist/uPlot.min.css", "uPlot.min.css"],
    ["LICENSE", "uPlot.LICENSE"],
  ],
};

function sha256(buf) {
  return crypto.createHash("sha256").update(buf).digest("hex");
}

function plan() {
  const files = [];
  const packages = {};
  for (const [pkg, list] of Object.entries(FILES)) {
    const dir = path.join(ROOT, "node_modules", pkg);
    const manifestPath = path.join(dir, "package.json");
    if (!fs.existsSync(manifestPath)) {
      console.error(`node_modules/${pkg} is missing: run \`npm ci\` first`);
      process.exit(2);
    }
    const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
    const license = manifest.license;
    if (!["MIT", "ISC", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0"].includes(license)) {
      console.error(`${pkg}@${manifest.version} is licensed ${license}: only permissive licences may be vendored`);
      process.exit(2);
    }
    packages[pkg] = { version: manifest.version, license, files: {} };
    for (const [from, to] of list) {
      const data = fs.readFileSync(path.join(dir, from));
      files.push({ to, data });
      packages[pkg].files[to] = { from, sha256: sha256(data) };
    }
  }
  const record = Buffer.from(JSON.stringify({ generated_by: "scripts/vendor_web.js", packages }, null, 2) + "\n");
  files.push({ to: "VENDOR.json", data: record });
  return files;
}

function main() {
  const check = process.argv.includes("--check");
  const files = plan();
  if (check) {
    const stale = files.filter((f) => {
      const p = path.join(OUT, f.to);
      return !fs.existsSync(p) || !fs.readFileSync(p).equals(f.data);
    });
    if (stale.length) {
      console.error(`vendored web files differ from node_modules: ${stale.map((f) => f.to).join(", ")}`);
      console.error("run `node scripts/vendor_web.js` and commit src/novacron_chain/api/web/vendor/");
      process.exit(1);
    }
    console.log(`vendored web files match node_modules (${files.length} files)`);
    return;
  }
  fs.mkdirSync(OUT, { recursive: true });
  for (const f of files) fs.writeFileSync(path.join(OUT, f.to), f.data);
  console.log(`wrote ${files.length} files to ${path.relative(ROOT, OUT)}`);
}

main();
