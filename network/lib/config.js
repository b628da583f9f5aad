'use strict';
// Reads network/network.config.json, validates it and adds derived values (absolute paths,
// host names, org lists). Run as a program it prints every setting as one "key<TAB>value"
// line for network/lib/config.sh (usage: node config.js [network dir]); the other helpers
// require() it and call loadConfig().
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

// Environment overrides. CITYLEDGER_ORDERING, CITYLEDGER_MUTUAL_TLS and
// CITYLEDGER_PORT_OFFSET shape a network when it is created; `up` records them in
// <data>/state/settings.json, and from then on the recorded values apply to every command
// on that data directory (a running network cannot change them).
function applyEnvironment(config, repo) {
  const env = process.env;
  const dataDir = env.CITYLEDGER_DATA_DIR || config.dataDir;
  config.dataDir = path.resolve(repo, dataDir);
  config.fabricHome = path.resolve(
    env.CITYLEDGER_FABRIC_HOME ||
      path.join(os.homedir(), '.cache', 'cityledger', `fabric-${config.fabric.version}`),
  );
  const settings = {
    ordering: env.CITYLEDGER_ORDERING || config.ordering.type,
    mutualTls: env.CITYLEDGER_MUTUAL_TLS ? env.CITYLEDGER_MUTUAL_TLS === '1' : config.mutualTls,
    portOffset: Number(env.CITYLEDGER_PORT_OFFSET || 0),
  };
  const recorded = path.join(config.dataDir, 'state', 'settings.json');
  if (fs.existsSync(recorded)) Object.assign(settings, JSON.parse(fs.readFileSync(recorded, 'utf8')));
  config.ordering.type = settings.ordering;
  config.mutualTls = settings.mutualTls;
  // Shifts every port, so that a second network (other data directory) can run alongside.
  if (!Number.isInteger(settings.portOffset)) fail('CITYLEDGER_PORT_OFFSET must be an integer');
  config.portOffset = settings.portOffset;
  if (settings.portOffset !== 0) shiftPorts(config, settings.portOffset);
}

function shiftPorts(config, offset) {
  const shift = (obj) => {
    for (const [k, v] of Object.entries(obj)) {
      if (/^(port|adminPort|operationsPort|chaincodePort)$/.test(k)) obj[k] = v + offset;
      else if (v !== null && typeof v === 'object' && !Array.isArray(v)) shift(v);
    }
  };
  shift(config.orderers);
  shift(config.orgs);
  config.chaincode.ports = config.chaincode.ports.map((p) => p + offset);
}

function validate(config) {
  if (typeof config.mutualTls !== 'boolean') fail('mutualTls must be true or false');
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
    if (!org.identities || (org.kind !== 'outsider' && !org.identities.admin)) {
      fail(`orgs.${key} needs an "admin" identity`);
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
  if (!config.orgs[config.chaincode.runsIn]) fail(`chaincode.runsIn names unknown org`);
  config.chaincode.ports.forEach((p, i) => claim(p, `chaincode.ports[${i}]`));
  if (config.chaincode.ports.length !== 2)
    fail('chaincode.ports needs two ports (old and new server overlap during a redeploy)');
}

// Host names and the on-disk layout of the data directory (documented in network/README.md).
function derive(config, repo, networkDir) {
  const byKind = (kind) => Object.keys(config.orgs).filter((k) => config.orgs[k].kind === kind);
  const domain = config.domain;
  const data = config.dataDir;
  const crypto = path.join(data, 'crypto');
  config.repo = repo;
  config.networkDir = networkDir;
  config.orgList = {
    all: Object.keys(config.orgs),
    peer: byKind('peer'),
    orderer: byKind('orderer')[0],
    outsider: byKind('outsider'),
  };
  config.activeOrderers = config.ordering[config.ordering.type].orderers;
  config.paths = {
    crypto,
    logs: path.join(data, 'logs'),
    pids: path.join(data, 'pids'),
    state: path.join(data, 'state'),
    channel: path.join(data, 'channel'),
    connections: path.join(data, 'connections'),
    chaincode: path.join(data, 'chaincode'),
    genesisBlock: path.join(data, 'channel', `${config.channel}.block`),
  };
  const tlsPair = (dir, base) => ({
    cert: path.join(dir, `${base}.crt`),
    key: path.join(dir, `${base}.key`),
  });
  for (const [key, org] of Object.entries(config.orgs)) {
    const dir = path.join(crypto, key);
    org.paths = {
      dir,
      caHome: path.join(dir, 'ca'),
      caCert: path.join(dir, 'ca', 'ca-cert.pem'),
      registrar: path.join(dir, 'registrar'),
      msp: path.join(dir, 'msp'),
    };
    org.ca.hostname = `ca.${key}.${domain}`;
    org.ca.name = `ca-${key}`;
    // The ordering org's identities carry a role but no department.
    const department = org.kind === 'orderer' ? '' : key;
    for (const [name, id] of Object.entries(org.identities)) {
      id.department = id.department ?? department;
      const home = path.join(dir, 'users', name);
      id.msp = path.join(home, 'msp');
      id.cert = path.join(home, 'msp', 'signcerts', 'cert.pem');
      id.key = path.join(home, 'msp', 'keystore', 'key.pem');
      // Admins also get a TLS client certificate (mutual TLS to orderers and their admin API).
      if (name === 'admin') id.tls = tlsPair(path.join(home, 'tls'), 'client');
    }
    org.identityNames = Object.keys(org.identities);
    if (org.peer) {
      org.peer.name = `peer0.${key}`;
      org.peer.process = `peer0-${key}`;
      org.peer.hostname = `peer0.${key}.${domain}`;
      const nodeDir = path.join(dir, 'nodes', 'peer0');
      org.peer.msp = path.join(nodeDir, 'msp');
      org.peer.tls = tlsPair(path.join(nodeDir, 'tls'), 'server');
      org.peer.data = path.join(data, 'peers', key);
    }
  }
  const ordererOrgDir = config.orgs[config.orgList.orderer].paths.dir;
  for (const [name, o] of Object.entries(config.orderers)) {
    o.hostname = `${name}.${domain}`;
    const nodeDir = path.join(ordererOrgDir, 'nodes', name);
    o.msp = path.join(nodeDir, 'msp');
    o.cert = path.join(nodeDir, 'msp', 'signcerts', 'cert.pem');
    o.tls = tlsPair(path.join(nodeDir, 'tls'), 'server');
    o.data = path.join(data, 'orderers', name);
  }
  const cc = config.chaincode;
  cc.hostname = `chaincode.${domain}`;
  const ccOrgDir = config.orgs[cc.runsIn].paths.dir;
  cc.tls = {
    server: tlsPair(path.join(ccOrgDir, 'nodes', 'chaincode', 'tls'), 'server'),
    client: tlsPair(path.join(ccOrgDir, 'nodes', 'chaincode', 'tls'), 'client'),
    rootCert: config.orgs[cc.runsIn].paths.caCert,
  };
  cc.collectionsPath = path.resolve(networkDir, cc.collections);
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

function loadConfig(networkDir = path.join(__dirname, '..')) {
  networkDir = path.resolve(networkDir);
  const repo = path.dirname(networkDir);
  const config = load(networkDir);
  applyEnvironment(config, repo);
  validate(config);
  derive(config, repo, networkDir);
  return config;
}

function main() {
  const config = loadConfig(process.argv[2]);
  const lines = flatten(config, '', []).map(([k, v]) => {
    if (/[\t\n]/.test(v)) fail(`value of ${k} contains a tab or newline`);
    return `${k}\t${v}`;
  });
  process.stdout.write(`${lines.join('\n')}\n`);
}

module.exports = { loadConfig };

if (require.main === module) main();
