'use strict';
// Writes <data>/connections/<org>.json for every peer org and the outsider org, in the
// format of docs/architecture.md ("Connection profiles"). All paths are absolute.
// Extensions to the documented format (clients may ignore them):
//   description        what the org is
//   clientTls          a TLS client certificate of the org (only needed if peers are
//                      switched to mutual TLS; see network/README.md)
// The outsider org has no peer: its profile lists the peer of orgs.outsider.profilePeerOrg,
// so that its identities can be shown to be rejected there.
// Usage: node profiles.js
const fs = require('fs');
const path = require('path');
const { loadConfig } = require('./config');

function peerEntry(config, key) {
  const org = config.orgs[key];
  return {
    name: org.peer.name,
    endpoint: `${config.host}:${org.peer.port}`,
    hostAlias: org.peer.hostname,
    tlsRootCertPath: org.paths.caCert,
  };
}

function profile(config, key) {
  const org = config.orgs[key];
  const peerOrg = org.kind === 'outsider' ? org.profilePeerOrg : key;
  const identities = {};
  for (const name of org.identityNames) {
    identities[name] = { certPath: org.identities[name].cert, keyPath: org.identities[name].key };
  }
  const result = {
    org: key,
    mspId: org.mspId,
    channel: config.channel,
    chaincode: config.chaincode.name,
    description: org.description,
    peers: [peerEntry(config, peerOrg)],
    identities,
  };
  const admin = org.identities.admin;
  if (admin && admin.tls) result.clientTls = { certPath: admin.tls.cert, keyPath: admin.tls.key };
  return result;
}

function main() {
  const config = loadConfig();
  const dir = config.paths.connections;
  fs.mkdirSync(dir, { recursive: true });
  for (const key of [...config.orgList.peer, ...config.orgList.outsider]) {
    const file = path.join(dir, `${key}.json`);
    fs.writeFileSync(file, `${JSON.stringify(profile(config, key), null, 2)}\n`);
  }
}

main();
