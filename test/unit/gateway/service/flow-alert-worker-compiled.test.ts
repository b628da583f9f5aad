// The flow-alert worker entry must also run from the compiled package (gateway/dist), as the service
// starts it, with @cityledger/core from core/dist. This builds the gateway (incremental: quick when up
// to date) and builds an alert in a plain Node process, outside jest.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseFlowAlert, verifyFlowAlertAttestation } from '@cityledger/core';
import { REPO, tinyOptions } from '../scoring/support/fixtures';
import { biflow, keyPem } from './fixtures';

jest.setTimeout(180_000);

it('builds and signs alerts through gateway/dist with the compiled flow-alert-worker.js', () => {
  execFileSync(
    process.execPath,
    [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'gateway'],
    {
      cwd: REPO,
      stdio: 'pipe',
    },
  );
  const dist = (file: string): string => JSON.stringify(path.join(REPO, 'gateway', 'dist', file));
  const script = `
    const { ScoringPool } = require(${dist('scoring/index.js')});
    const { alertTaskInput, flowAlertTasks } = require(${dist('flow-alert-task.js')});
    const { KeyFileSigner } = require(${dist('attestation-signer.js')});
    const { options, pem, flow } = JSON.parse(process.argv[1]);
    const signer = KeyFileSigner.fromPem(pem);
    const models = { classifier: { id: 'flow-classifier', version: '1.0.0' } };
    const tasks = flowAlertTasks(signer, { gatewayId: 'transport-gw-1', salt: 'cd'.repeat(32), models });
    (async () => {
      const pool = await ScoringPool.create({ ...options, tasks });
      const scores = { attackProbability: 0.97, verdict: 'malicious', threatScore: 0.97 };
      const built = await pool.runTask(alertTaskInput([flow], [scores], [0]));
      await pool.close();
      process.stdout.write(JSON.stringify({ entry: tasks.entry, publicKeyPem: signer.publicKeyPem, built }));
    })().catch((err) => { console.error(err); process.exit(1); });
  `;
  const input = { options: tinyOptions(), pem: keyPem(), flow: biflow(1, { dstPort: 23 }) };
  const out = execFileSync(process.execPath, ['-e', script, JSON.stringify(input)], { encoding: 'utf8' });
  const { entry, publicKeyPem, built } = JSON.parse(out) as {
    entry: string;
    publicKeyPem: string;
    built: { payloads: string[]; invalid: unknown[] };
  };
  expect(entry).toMatch(/gateway\/dist\/flow-alert-worker\.js$/);
  expect(built.invalid).toEqual([]);
  const alert = parseFlowAlert(JSON.parse(built.payloads[0]!));
  expect(alert).toMatchObject({ verdict: 'malicious', threatScore: 0.97, gatewayId: 'transport-gw-1' });
  expect(verifyFlowAlertAttestation(publicKeyPem, alert)).toBe(true);
});
