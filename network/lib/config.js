'use strict';
// Reads network/network.config.json, validates it, adds derived values (absolute paths,
// host names, org lists) and prints every setting as one "key<TAB>value" line for
// network/lib/config.sh. Usage: node config.js <network dir>
const fs = require('fs');
const path = require('path');
const os = require('os');

function fail(message) {
  process.stderr.write(`network.config.json: ${message}\n`);
  process.exit(1);
}

function load(networkDir) {
  const file = path.join(networkDir, 'network.config.json');
  let config;
  try {
    config = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    fail(`cannot read ${file}: ${err.message}`);
  }
  return config;
}

function applyEnvironment(config, repo) {
  const env = process.env;
  if (env.CITYLEDGER_ORDERING) config.ordering.type = env.CITYLEDGER_ORDERING;
  const dataDir = env.CITYLEDGER_DATA_DIR || config.dataDir;
  config.dataDir = path.resolve(repo, dataDir);
  config.fabricHome = path.resolve(
    env.CITYLEDGER_FABRIC_HOME ||
      path.join(os.homedir(), '.cache', 'cityledger', `fabric-${config.fabric.version}`),
  );
}

function validate(config) {
  const type = config.ordering.type;
  if (type !== 'bft' && type !== 'raft') fail(`ordering.type must be bft or raft, not "${type}"`);
  const active = config.ordering[type].orderers;
  if (type === 'bft' && active.length < 4) fail('bft needs at least 4 orderers (3f+1 with f=1)');
  if (active.length < 1) fail(`ordering.${type}.orderers is empty`);
  for (const name of active) {
    if (!config.orderers[name]) fail(`ordering.${type}.orderers names unknown orderer "${name}"`);
  }
  const kinds = Object.values(config.orgs).map((org) => org.kind);
  if (kinds.filter((k) => k === 'orderer').length !== 1) fail('exactly one org must have kind "orderer"');
  for (const [key, org] of Object.entries(config.orgs)) {
    if (!/^[a-z][a-z0-9]*$/.test(key)) fail(`org key "${key}" must be lower-case letters and digits`);
    if (!['orderer', 'peer', 'outsider'].includes(org.kind)) fail(`orgs.${key}.kind is invalid`);
    if (org.kind === 'peer' && !org.peer) fail(`orgs.${key} has kind "peer" but no "peer" section`);
    if (!org.identities || !org.identities.admin) {
      if (org.kind !== 'outsider') fail(`orgs.${key} needs an "admin" identity`);
    }
  }
  const seen = new Map();
  const claim = (port, owner) => {
    if (!Number.isInteger(port) || port < 1024 || port > 65535) fail(`${owner}: bad port ${port}`);
    if (seen.has(port)) fail(`port ${port} used by both ${seen.get(port)} and ${owner}`);
    seen.set(port, owner);
  };
  for (const [name, o] of Object.entries(config.orderers)) {
    claim(o.port, `${name}.port`);
    claim(o.adminPort, `${name}.adminPort`);
    claim(o.operationsPort, `${name}.operationsPort`);
  }
  for (const [key, org] of Object.entries(config.orgs)) {
    claim(org.ca.port, `${key}.ca.port`);
    claim(org.ca.operationsPort, `${key}.ca.operationsPort`);
    if (org.peer) {
      claim(org.peer.port, `${key}.peer.port`);
      claim(org.peer.chaincodePort, `${key}.peer.chaincodePort`);
      claim(org.peer.operationsPort, `${key}.peer.operationsPort`);
    }
  }
  config.chaincode.ports.forEach((p, i) => claim(p, `chaincode.ports[${i}]`));
  if (config.chaincode.ports.length !== 2) fail('chaincode.ports needs two ports (old and new server overlap during a redeploy)');
}

function derive(config, repo, networkDir) {
  const byKind = (kind) => Object.keys(config.orgs).filter((k) => config.orgs[k].kind === kind);
  const domain = config.domain;
  config.repo = repo;
  config.networkDir = networkDir;
  config.orgList = {
    all: Object.keys(config.orgs),
    peer: byKind('peer'),
    orderer: byKind('orderer')[0],
    outsider: byKind('outsider'),
  };
  config.activeOrderers = config.ordering[config.ordering.type].orderers;
  for (const [name, o] of Object.entries(config.orderers)) o.hostname = `${name}.${domain}`;
  for (const [key, org] of Object.entries(config.orgs)) {
    org.ca.hostname = `ca.${key}.${domain}`;
    org.ca.name = `ca-${key}`;
    if (org.peer) {
      org.peer.name = `peer0.${key}`;
      org.peer.hostname = `peer0.${key}.${domain}`;
    }
    org.identityNames = Object.keys(org.identities);
    // The ordering org's identities carry a role but no department.
    const department = org.kind === 'orderer' ? '' : key;
    for (const id of Object.values(org.identities)) id.department = id.department ?? department;
  }
  config.chaincode.hostname = `chaincode.${domain}`;
}

// Flattens nested objects into dotted keys; arrays become space-separated values.
function flatten(value, prefix, out) {
  if (Array.isArray(value)) {
    out.push([prefix, value.join(' ')]);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.push([prefix, String(value)]);
  }
  return out;
}

function main() {
  const networkDir = path.resolve(process.argv[2] || path.join(__dirname, '..'));
  const repo = path.dirname(networkDir);
  const config = load(networkDir);
  applyEnvironment(config, repo);
  validate(config);
  derive(config, repo, networkDir);
  const lines = flatten(config, '', []).map(([k, v]) => {
    if (/[\t\n]/.test(v)) fail(`value of ${k} contains a tab or newline`);
    return `${k}\t${v}`;
  });
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
