/**
 * The long fuzz run of the flow decoder (the jest suite runs a short one):
 *   npx tsc -p gateway/scripts && node gateway/scripts/dist/gateway/scripts/fuzz-flow-decoder.js [COUNT] [SEED]
 * Default 1,000,000 inputs, seed 1. Prints inputs, time, crashes (exceptions), invalid outputs and the
 * slowest input; exits 1 if anything failed, printing the first failing inputs in hex to reproduce.
 */
import { fuzz } from '../../test/unit/gateway/flow/support/fuzz';

function main(): number {
  const count = Number(process.argv[2] ?? 1_000_000);
  const seed = Number(process.argv[3] ?? 1);
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seed)) {
    console.error('usage: fuzz-flow-decoder [COUNT] [SEED]');
    return 2;
  }
  const chunk = 100_000;
  let done = 0;
  let crashes = 0;
  let invalid = 0;
  let records = 0;
  let issues = 0;
  let seconds = 0;
  let slowestMs = 0;
  const failures: { input: string; error: string }[] = [];
  while (done < count) {
    const n = Math.min(chunk, count - done);
    const r = fuzz(n, seed + done);
    done += n;
    crashes += r.crashes;
    invalid += r.invalid;
    records += r.records;
    issues += r.issues;
    seconds += r.seconds;
    slowestMs = Math.max(slowestMs, r.slowestMs);
    failures.push(...r.failures.slice(0, 5 - failures.length));
    console.log(`${done} inputs, ${seconds.toFixed(1)} s, crashes ${crashes}, invalid ${invalid}`);
  }
  console.log(
    JSON.stringify({
      inputs: done,
      seed,
      seconds: Number(seconds.toFixed(2)),
      crashes,
      invalid,
      records,
      issues,
      slowestMs: Number(slowestMs.toFixed(1)),
    }),
  );
  for (const f of failures) console.log(`FAIL ${f.error}\n  input ${f.input}`);
  return crashes + invalid === 0 ? 0 : 1;
}

process.exitCode = main();
