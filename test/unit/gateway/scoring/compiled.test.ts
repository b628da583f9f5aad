// The worker entry must also run from the compiled package (gateway/dist/scoring/worker.js), as the
// service does. This builds the gateway (incremental: quick when up to date) and scores in a plain
// Node process, outside jest.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO, golden, tinyOptions } from './support/fixtures';

jest.setTimeout(180_000);

it('scores through gateway/dist/scoring with the compiled worker.js', () => {
  execFileSync(
    process.execPath,
    [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'gateway'],
    {
      cwd: REPO,
      stdio: 'pipe',
    },
  );
  const script = `
    const { ScoringPool } = require(${JSON.stringify(path.join(REPO, 'gateway', 'dist', 'scoring', 'index.js'))});
    const options = JSON.parse(process.argv[1]);
    (async () => {
      const pool = await ScoringPool.create(options);
      const scores = await pool.scoreMany(options.rows);
      await pool.close();
      process.stdout.write(JSON.stringify(scores.map((s) => s.attackProbability)));
    })().catch((err) => { console.error(err); process.exit(1); });
  `;
  const options = { ...tinyOptions(), rows: golden.rows.slice(0, 4) };
  const out = execFileSync(process.execPath, ['-e', script, JSON.stringify(options)], { encoding: 'utf8' });
  const scores = JSON.parse(out) as number[];
  expect(scores).toHaveLength(4);
  scores.forEach((s, i) => {
    expect(s).toBeCloseTo(golden.outputs.attack_probability[i]!, 6);
  });
});
