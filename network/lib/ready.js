'use strict';
// Waits until every peer's Fabric gateway can endorse a transaction proposal of the
// chaincode's smoke function (chaincode.smokeQuery) under the chaincode's endorsement policy.
// That needs the chaincode server and, since the policy asks for several orgs, gossip
// membership across orgs, which takes a few seconds after the peers join the channel.
// Nothing is submitted: the endorsed proposal is dropped.
// Usage: node ready.js TIMEOUT_SECONDS
const fs = require('fs');
const crypto = require('crypto');
const grpc = require('@grpc/grpc-js');
const { connect, signers } = require('@hyperledger/fabric-gateway');
const { loadConfig } = require('./config');

function gatewayFor(config, key) {
  const org = config.orgs[key];
  const admin = org.identities.admin;
  const credentials = config.mutualTls
    ? grpc.credentials.createSsl(
        fs.readFileSync(org.paths.caCert),
        fs.readFileSync(admin.tls.key),
        fs.readFileSync(admin.tls.cert),
      )
    : grpc.credentials.createSsl(fs.readFileSync(org.paths.caCert));
  const client = new grpc.Client(`${config.host}:${org.peer.port}`, credentials, {
    'grpc.ssl_target_name_override': org.peer.hostname,
  });
  const gateway = connect({
    client,
    identity: { mspId: org.mspId, credentials: fs.readFileSync(admin.cert) },
    signer: signers.newPrivateKeySigner(crypto.createPrivateKey(fs.readFileSync(admin.key))),
  });
  return { client, gateway };
}

async function endorseOnce(config, key) {
  const { client, gateway } = gatewayFor(config, key);
  try {
    const query = JSON.parse(config.chaincode.smokeQuery);
    const [fn, ...args] = query.Args;
    const contract = gateway.getNetwork(config.channel).getContract(config.chaincode.name);
    const proposal = contract.newProposal(fn, { arguments: args });
    await proposal.endorse({ deadline: Date.now() + 5000 });
  } finally {
    gateway.close();
    client.close();
  }
}

async function main() {
  const timeoutMs = Number(process.argv[2] || 60) * 1000;
  const config = loadConfig();
  const deadline = Date.now() + timeoutMs;
  for (const key of config.orgList.peer) {
    for (;;) {
      try {
        await endorseOnce(config, key);
        break;
      } catch (err) {
        if (Date.now() > deadline) {
          const detail = err.details ? `${err.message}: ${JSON.stringify(err.details)}` : err.message;
          process.stderr.write(`the ${key} peer's gateway cannot endorse: ${detail}\n`);
          process.exit(1);
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
