'use strict';
// Writes <data>/channel/configtx.yaml for configtxgen: the orderer org, the four peer orgs
// with their anchor peers, SmartBFT or Raft consenters, capabilities V3_0/V2_0/V2_5.
// configtxgen reads YAML, and JSON is YAML, so the file is written as JSON.
// Usage: node configtx.js   (prints the profile name)
const fs = require('fs');
const path = require('path');
const { loadConfig } = require('./config');

const PROFILE = 'CityLedgerChannel';

const signature = (rule) => ({ Type: 'Signature', Rule: rule });
const implicit = (rule) => ({ Type: 'ImplicitMeta', Rule: rule });

function organization(config, key) {
  const org = config.orgs[key];
  const msp = org.mspId;
  const def = {
    Name: msp,
    ID: msp,
    MSPDir: org.paths.msp,
    Policies: {
      Readers: signature(`OR('${msp}.admin', '${msp}.peer', '${msp}.client')`),
      Writers: signature(`OR('${msp}.admin', '${msp}.client')`),
      Admins: signature(`OR('${msp}.admin')`),
    },
  };
  if (org.kind === 'orderer') {
    def.Policies.Readers = signature(`OR('${msp}.member')`);
    def.Policies.Writers = signature(`OR('${msp}.member')`);
    def.OrdererEndpoints = config.activeOrderers.map((n) => `${config.host}:${config.orderers[n].port}`);
  } else {
    def.Policies.Endorsement = signature(`OR('${msp}.peer')`);
    def.AnchorPeers = [{ Host: config.host, Port: org.peer.port }];
  }
  return def;
}

function smartBft(bft, maxMessageCount) {
  return {
    RequestBatchMaxCount: maxMessageCount,
    RequestBatchMaxBytes: 10485760,
    RequestBatchMaxInterval: bft.requestBatchMaxInterval,
    IncomingMessageBufferSize: 200,
    RequestPoolSize: 20000,
    RequestForwardTimeout: bft.requestForwardTimeout,
    RequestComplainTimeout: bft.requestComplainTimeout,
    RequestAutoRemoveTimeout: '3m0s',
    ViewChangeResendInterval: '5s',
    ViewChangeTimeout: bft.viewChangeTimeout,
    LeaderHeartbeatTimeout: bft.leaderHeartbeatTimeout,
    LeaderHeartbeatCount: 10,
    CollectTimeout: '1s',
    SyncOnStart: true,
    SpeedUpViewChange: false,
  };
}

function orderer(config) {
  const ordering = config.ordering;
  const ordererOrg = config.orgs[config.orgList.orderer];
  const section = {
    BatchTimeout: ordering.raft.batchTimeout,
    BatchSize: {
      MaxMessageCount: ordering.maxMessageCount,
      AbsoluteMaxBytes: ordering.absoluteMaxBytes,
      PreferredMaxBytes: ordering.preferredMaxBytes,
    },
    Organizations: [organization(config, config.orgList.orderer)],
    Policies: {
      Readers: implicit('ANY Readers'),
      Writers: implicit('ANY Writers'),
      Admins: implicit('MAJORITY Admins'),
      BlockValidation: implicit('ANY Writers'),
    },
    Capabilities: { V2_0: true },
  };
  const nodes = config.activeOrderers.map((name) => config.orderers[name]);
  if (ordering.type === 'bft') {
    section.OrdererType = 'BFT';
    section.SmartBFT = smartBft(ordering.bft, ordering.maxMessageCount);
    section.ConsenterMapping = nodes.map((o, i) => ({
      ID: i + 1,
      Host: config.host,
      Port: o.port,
      MSPID: ordererOrg.mspId,
      Identity: o.cert,
      ClientTLSCert: o.tls.cert,
      ServerTLSCert: o.tls.cert,
    }));
  } else {
    section.OrdererType = 'etcdraft';
    section.EtcdRaft = {
      Consenters: nodes.map((o) => ({
        Host: config.host,
        Port: o.port,
        ClientTLSCert: o.tls.cert,
        ServerTLSCert: o.tls.cert,
      })),
      Options: {
        TickInterval: '500ms',
        ElectionTick: 10,
        HeartbeatTick: 1,
        MaxInflightBlocks: 5,
        SnapshotIntervalSize: '16 MB',
      },
    };
  }
  return section;
}

function configtx(config) {
  return {
    Profiles: {
      [PROFILE]: {
        Policies: {
          Readers: implicit('ANY Readers'),
          Writers: implicit('ANY Writers'),
          Admins: implicit('MAJORITY Admins'),
        },
        Capabilities: { V3_0: true },
        Orderer: orderer(config),
        Application: {
          Organizations: config.orgList.peer.map((key) => organization(config, key)),
          Policies: {
            Readers: implicit('ANY Readers'),
            Writers: implicit('ANY Writers'),
            Admins: implicit('MAJORITY Admins'),
            LifecycleEndorsement: implicit('MAJORITY Endorsement'),
            Endorsement: implicit('MAJORITY Endorsement'),
          },
          Capabilities: { V2_5: true },
        },
      },
    },
  };
}

function main() {
  const config = loadConfig();
  fs.mkdirSync(config.paths.channel, { recursive: true });
  const file = path.join(config.paths.channel, 'configtx.yaml');
  fs.writeFileSync(file, `${JSON.stringify(configtx(config), null, 2)}\n`);
  process.stdout.write(`${PROFILE}\n`);
}

main();
