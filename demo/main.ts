import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultDataDir, LedgerClient, loadConnectionProfile } from '@cityledger/client';
import { ensureGateway, ensureModels, ensurePolicy } from './consortium-setup';
import { capture, run, start, stop, waitFor } from './processes';

/**
 * The main job end to end, on the network `npm run network -- up` started: the consortium
 * registers the models, a data owner's policy and an edge gateway; the gateway scores real
 * IoT traffic (an IoT-23 capture replayed through softflowd, a real NetFlow exporter) and
 * carries data exchanges; an auditor then queries and verifies what reached the ledger.
 */

const REPO = path.resolve(__dirname, '..', '..');
/** The gateway's own command: Node with its V8 flags (gateway/node-options), then its CLI. */
const GATEWAY_COMMAND = path.join(REPO, 'gateway', 'bin', 'cityledger-gateway.sh');
const AUDIT_CLI = path.join(REPO, 'auditor', 'dist', 'cli.js');
const SAMPLES = path.join(REPO, 'models', 'samples');
/** Real captures (models/samples/README.md): Mirai C&C traffic, then a benign device's held-out traffic. */
const SAMPLE_PCAPS = [
  {
    file: path.join(SAMPLES, 'iot23-34-1-irc-tail.pcap'),
    what: 'a Raspberry Pi running Mirai, talking to its IRC C&C',
  },
  { file: path.join(SAMPLES, 'iot23-4-1-hue-tail.pcap'), what: 'a Philips Hue bridge (benign)' },
];
const HTTP_PORT = 18480;
const CATEGORY = 'transport/traffic-counts';

function banner(text: string): void {
  console.log(`\n━━ ${text} ${'━'.repeat(Math.max(0, 74 - text.length))}`);
}

function connect(org: string, identity: string): LedgerClient {
  return LedgerClient.connect({ profile: loadConnectionProfile(org), identity });
}

async function setUpConsortium(demoDir: string): Promise<string> {
  banner('1/4 consortium: models, the data owner’s policy, the edge gateway');
  const steward = connect('transport', 'steward');
  const gatewayIdentity = connect('transport', 'gateway');
  try {
    for (const line of await ensureModels(steward, path.join(REPO, 'models', 'manifest.json'))) {
      console.log(`  ${line}`);
    }
    const version = await ensurePolicy(steward, {
      category: CATEGORY,
      grants: [
        {
          grantee: 'energy',
          purposes: ['grid-planning'],
          validFrom: '2026-01-01T00:00:00.000Z',
          validUntil: '2030-01-01T00:00:00.000Z',
          maxVerdict: 'suspicious',
        },
      ],
    });
    console.log(`  policy ${CATEGORY} v${version}: energy may receive it for grid-planning`);
    const gw = await ensureGateway(
      steward,
      gatewayIdentity,
      { idPrefix: 'transport-demo-gw', department: 'transport', zone: 'city-centre' },
      demoDir,
    );
    console.log(
      `  gateway ${gw.id} ${gw.created ? 'registered' : 'already registered'} (attestation key ${gw.keyPath})`,
    );
    const config = {
      gatewayId: gw.id,
      department: 'transport',
      zone: 'city-centre',
      dataDir: path.join(demoDir, 'gateway-data'),
      attestationKeyPath: gw.keyPath,
      logLevel: 'warn',
      fabric: { profilePath: path.join(defaultDataDir(), 'connections', 'transport.json') },
      collector: { udpPort: 0 },
      http: { port: HTTP_PORT },
      batching: { maxRecords: 256, maxWaitMs: 2000 },
      policy: { categories: [CATEGORY] },
      submit: { flowAlertFunction: 'exchange:recordFlowAlert' },
    };
    const configPath = path.join(demoDir, 'gateway.json');
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    return configPath;
  } finally {
    steward.close();
    gatewayIdentity.close();
  }
}

function replayTraffic(configPath: string): void {
  banner('2/4 gateway: score real IoT traffic (IoT-23 pcap → softflowd → NetFlow v9 → ONNX)');
  for (const pcap of SAMPLE_PCAPS) {
    console.log(`\n  ${path.basename(pcap.file)}: ${pcap.what}`);
    run('bash', [GATEWAY_COMMAND, 'replay', pcap.file, '-c', configPath, '--drain', '120'], REPO);
  }
}

interface ExchangeAnswer {
  readonly decision: string;
  readonly recordId: string;
  readonly code?: string;
  readonly reason?: string;
}

async function postExchange(body: Record<string, unknown>): Promise<ExchangeAnswer> {
  const response = await fetch(`http://127.0.0.1:${HTTP_PORT}/exchanges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as ExchangeAnswer;
}

async function carryExchanges(configPath: string): Promise<string[]> {
  banner('3/4 gateway: data exchanges decided at the edge and attested');
  const gateway = start('bash', [GATEWAY_COMMAND, 'start', '-c', configPath], REPO);
  try {
    await waitFor(
      'the gateway to be ready',
      async () => {
        const r = await fetch(`http://127.0.0.1:${HTTP_PORT}/readyz`);
        return r.ok ? true : undefined;
      },
      60_000,
    );
    const payload = Buffer.from(
      JSON.stringify({ junction: 'J-17', vehiclesPerHour: 1342, at: new Date().toISOString() }),
    );
    const allowed = await postExchange({
      sourceDepartment: 'transport',
      consumerDepartment: 'energy',
      category: CATEGORY,
      purpose: 'grid-planning',
      payload: payload.toString('base64'),
    });
    console.log(`  transport → energy, grid-planning: ${allowed.decision} (record ${allowed.recordId})`);
    const denied = await postExchange({
      sourceDepartment: 'transport',
      consumerDepartment: 'health',
      category: CATEGORY,
      purpose: 'research',
      payload: payload.toString('base64'),
    });
    console.log(
      `  transport → health, research: ${denied.decision} (${denied.reason ?? denied.code ?? ''}), record ${denied.recordId}`,
    );
    const ids = [allowed.recordId, denied.recordId];
    for (const id of ids) {
      const state = await waitFor(
        `record ${id.slice(0, 12)} to commit`,
        async () => {
          const r = await fetch(`http://127.0.0.1:${HTTP_PORT}/records/${id}`);
          const row = (await r.json()) as { state?: string; block?: number };
          return row.state === 'committed' || row.state === 'rejected' ? row : undefined;
        },
        120_000,
      );
      console.log(`  record ${id.slice(0, 12)}… ${state.state ?? ''} in block ${state.block ?? '-'}`);
    }
    return ids;
  } finally {
    await stop(gateway, 30_000);
  }
}

function audit(recordId: string, since: string): void {
  banner('4/4 auditor: query and verify the ledger (Audit org identity)');
  run('node', [AUDIT_CLI, 'records', '--category', CATEGORY, '--from', since, '--limit', '10'], REPO);
  console.log('');
  run('node', [AUDIT_CLI, 'verify', 'record', recordId], REPO);
  console.log('');
  const report = capture(
    'node',
    [AUDIT_CLI, 'report', '--from', since, '--to', new Date(Date.now() + 60_000).toISOString()],
    REPO,
  );
  console.log(report.split('\n').slice(0, 40).join('\n'));
}

async function main(): Promise<void> {
  const since = new Date(Date.now() - 10 * 60_000).toISOString();
  const demoDir = path.join(defaultDataDir(), 'demo');
  const configPath = await setUpConsortium(demoDir);
  replayTraffic(configPath);
  const [allowedId] = await carryExchanges(configPath);
  if (allowedId !== undefined) {
    audit(allowedId, since);
  }
  banner('done');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
