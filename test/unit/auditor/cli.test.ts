import { CHECK_CATALOGUE, CHECK_NAMES } from '../../../auditor/src/checks';
import { main } from '../../../auditor/src/cli/main';

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, {
    io: { out: (t) => (out += t), err: (t) => (err += t) },
    env: { CITYLEDGER_DATA_DIR: '/nonexistent' },
  });
  return { code, out, err };
}

describe('cityledger-audit', () => {
  it('documents every exit code in its help', async () => {
    const help = await run('--help');
    expect(help.code).toBe(0);
    for (const name of CHECK_NAMES) {
      expect(help.out).toContain(`${CHECK_CATALOGUE[name].exit}  ${name}`);
    }
  });

  it('exits 2 on bad usage', async () => {
    expect((await run('verify', 'record', 'not-an-id')).code).toBe(2);
    expect((await run('records', '--verdict', 'awful')).code).toBe(2);
    expect((await run('nonsense')).code).toBe(2);
  });

  it('exits 1 with a clear message when there is no network profile', async () => {
    const r = await run('verify', 'record', 'a'.repeat(64));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot read connection profile .*is the network up/);
  });

  it('gives every check a distinct exit code outside 0-4', () => {
    const codes = CHECK_NAMES.map((n) => CHECK_CATALOGUE[n].exit);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.every((c) => c >= 10 && c < 126)).toBe(true);
  });
});
