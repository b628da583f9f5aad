// A scoring worker that crashes must come back in a process where no other thread holds
// onnxruntime-node (as in the gateway, whose main thread creates no session). Jest's own module
// system, or a test file that imports onnxruntime-node itself, would hide a failure, so this runs
// the compiled pool in a plain Node process, with a compiled worker entry that crashes on demand.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO, golden, tinyOptions } from './support/fixtures';

jest.setTimeout(180_000);

const CRASH = -12_345;

it('restarts a crashed worker of the compiled pool and scores again', () => {
  execFileSync(
    process.execPath,
    [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'gateway'],
    { cwd: REPO, stdio: 'pipe' },
  );
  const dir = mkdtempSync(path.join(tmpdir(), 'scoring-restart-'));
  try {
    const worker = path.join(dir, 'crashing-worker.js');
    writeFileSync(
      worker,
      `const { parentPort } = require('node:worker_threads');
       require(${JSON.stringify(path.join(REPO, 'gateway', 'dist', 'scoring', 'worker.js'))});
       parentPort.on('message', (m) => { if (m.type === 'run' && m.rows && m.rows[0] === ${CRASH}) process.exit(7); });`,
    );
    const script = `
      const { ScoringPool } = require(${JSON.stringify(path.join(REPO, 'gateway', 'dist', 'scoring', 'index.js'))});
      const options = JSON.parse(process.argv[1]);
      const timeout = setTimeout(() => { console.error('no score 20 s after the crash'); process.exit(3); }, 20_000);
      (async () => {
        const pool = await ScoringPool.create({ ...options, workerEntry: ${JSON.stringify(worker)} });
        const crash = Float32Array.from(options.rows[0]);
        crash[0] = ${CRASH};
        const reason = await pool.score(crash).then(() => 'scored', (e) => e.reason);
        const after = await pool.score(Float32Array.from(options.rows[1]));
        clearTimeout(timeout);
        await pool.close();
        process.stdout.write(JSON.stringify({ reason, after: after.attackProbability }));
      })().catch((err) => { console.error(err); process.exit(1); });
    `;
    const options = { ...tinyOptions(), rows: golden.rows.slice(0, 2).map((r) => Array.from(r)) };
    const out = execFileSync(process.execPath, ['-e', script, JSON.stringify(options)], { encoding: 'utf8' });
    const result = JSON.parse(out) as { reason: string; after: number };
    expect(result.reason).toBe('worker-crashed');
    expect(result.after).toBeCloseTo(golden.outputs.attack_probability[1]!, 6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
