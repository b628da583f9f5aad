'use strict';
// Chaincode helpers for network/lib/chaincode.sh:
//   node chaincode.js hash                  hash of the compiled chaincode and the workspace
//                                            packages it uses (what actually runs)
//   node chaincode.js snapshot DEST         copies that compiled code to DEST, so the running
//                                            server does not change when someone rebuilds
//   node chaincode.js package-files DIR LABEL PORT
//                                            writes DIR/connection.json and DIR/metadata.json
//                                            of a chaincode-as-a-service package
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { loadConfig } = require('./config');

const WORKSPACE_SCOPE = '@cityledger/';

// The chaincode package and every workspace package it depends on: [name, folder].
function sources(config) {
  const chaincodeDir = path.join(config.repo, 'chaincode');
  const manifest = JSON.parse(fs.readFileSync(path.join(chaincodeDir, 'package.json'), 'utf8'));
  const list = [['chaincode', chaincodeDir]];
  for (const dep of Object.keys(manifest.dependencies || {}).sort()) {
    if (dep.startsWith(WORKSPACE_SCOPE)) {
      list.push([dep, fs.realpathSync(path.join(config.repo, 'node_modules', dep))]);
    }
  }
  return list;
}

// package.json and every file under dist/, sorted, as paths relative to the package.
function packageFiles(dir) {
  const files = ['package.json'];
  const walk = (rel) => {
    const abs = path.join(dir, rel);
    for (const entry of fs
      .readdirSync(abs, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && !entry.name.endsWith('.tsbuildinfo')) files.push(child);
    }
  };
  if (!fs.existsSync(path.join(dir, 'dist'))) throw new Error(`${dir}/dist is missing: build first`);
  walk('dist');
  return files;
}

function hash(config) {
  const h = crypto.createHash('sha256');
  for (const [name, dir] of sources(config)) {
    for (const rel of packageFiles(dir)) {
      const content = fs.readFileSync(path.join(dir, rel));
      h.update(`${name}/${rel}\0${content.length}\0`);
      h.update(content);
    }
  }
  return h.digest('hex');
}

// DEST/chaincode holds the contract; DEST/node_modules/@cityledger/* the workspace packages
// it requires. Third-party packages still resolve from the repository's node_modules.
function snapshot(config, dest) {
  for (const [name, dir] of sources(config)) {
    const target =
      name === 'chaincode' ? path.join(dest, 'chaincode') : path.join(dest, 'node_modules', name);
    for (const rel of packageFiles(dir)) {
      fs.mkdirSync(path.dirname(path.join(target, rel)), { recursive: true });
      fs.copyFileSync(path.join(dir, rel), path.join(target, rel));
    }
  }
}

function packageFilesFor(config, dir, label, port) {
  const cc = config.chaincode;
  const read = (file) => fs.readFileSync(file, 'utf8');
  const connection = {
    address: `${config.host}:${port}`,
    domain: cc.hostname,
    dial_timeout: '10s',
    tls_required: true,
    client_auth_required: true,
    client_cert: read(cc.tls.client.cert),
    client_key: read(cc.tls.client.key),
    root_cert: read(cc.tls.rootCert),
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'connection.json'), `${JSON.stringify(connection, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'metadata.json'), `${JSON.stringify({ type: 'ccaas', label })}\n`);
}

function main() {
  const [command, ...args] = process.argv.slice(2);
  const config = loadConfig();
  switch (command) {
    case 'hash':
      process.stdout.write(`${hash(config)}\n`);
      break;
    case 'snapshot':
      snapshot(config, path.resolve(args[0]));
      break;
    case 'package-files':
      packageFilesFor(config, path.resolve(args[0]), args[1], Number(args[2]));
      break;
    default:
      process.stderr.write('usage: node chaincode.js hash | snapshot DEST | package-files DIR LABEL PORT\n');
      process.exit(2);
  }
}

main();
