/**
 * `cityledger-gateway features`: the rows training takes from a gateway. Host context must be the
 * arrival-order context the scorer computes (not end order), and the command must export a real capture
 * through softflowd (installed by scripts/setup.sh).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FEATURE_COUNT, FEATURE_NAMES } from '../../../../gateway/src/features';
import { featureRows, type FeatureRow, writeFeatureRowsFile } from '../../../../gateway/src/feature-rows';
import { biflow } from './fixtures';

jest.setTimeout(60_000);

const REPO = path.resolve(__dirname, '../../../..');
const HUE_TAIL = path.join(REPO, 'models', 'samples', 'iot23-4-1-hue-tail.pcap');
const CONTEXT_FLOWS = FEATURE_NAMES.indexOf('ctx_flows_log');

describe('featureRows', () => {
  it('gives each flow the host context of the flows that arrived before it', () => {
    // Same source; the third flow ended first but arrives last (as softflowd reports an expired flow).
    const source = { srcAddr: '10.0.0.7' };
    const flows = [
      biflow(1, { ...source, startMs: 10_000, endMs: 10_500 }),
      biflow(2, { ...source, startMs: 20_000, endMs: 20_500 }),
      biflow(3, { ...source, startMs: 5_000, endMs: 5_500 }),
    ];
    const rows = featureRows('site.pcap', flows);
    expect(rows.map((r) => r.arrival)).toEqual([0, 1, 2]);
    expect(rows.map((r) => r.endMs)).toEqual([10_500, 20_500, 5_500]);
    const contextFlows = rows.map((r) => Math.round(Math.expm1(r.features[CONTEXT_FLOWS] as number)));
    // Arrival order: the first two flows do not count the third, which ended before them but arrived
    // after them (in end order they would count 2 and 3 flows).
    expect(CONTEXT_FLOWS).toBeGreaterThanOrEqual(0);
    expect(contextFlows).toEqual([1, 2, 1]);
  });

  it('starts every capture with an empty context', () => {
    const flows = [biflow(1, { startMs: 10_000, endMs: 10_500 })];
    const first = featureRows('a.pcap', flows)[0] as FeatureRow;
    const again = featureRows('b.pcap', flows)[0] as FeatureRow;
    expect(again.features).toEqual(first.features);
    expect(again.capture).toBe('b.pcap');
  });
});

describe('writeFeatureRowsFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'feature-rows-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exports a real capture through softflowd into one JSON line per flow', async () => {
    const file = path.join(dir, 'rows.jsonl');
    const [count] = await writeFeatureRowsFile([HUE_TAIL], file);
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
    expect(count).toBeGreaterThan(50);
    expect(lines).toHaveLength(count as number);
    const rows = lines.map((l) => JSON.parse(l) as FeatureRow);
    expect(rows.map((r) => r.arrival)).toEqual(rows.map((_, i) => i));
    for (const row of rows) {
      expect(row.capture).toBe(HUE_TAIL);
      expect(row.features).toHaveLength(FEATURE_COUNT);
      expect(row.features.every(Number.isFinite)).toBe(true);
      expect(row.endMs).toBeGreaterThanOrEqual(row.startMs);
    }
    // The Hue bridge's recording is on 192.168.100.0/24 (models/samples/README.md), besides IPv6 mDNS.
    const hue = rows.filter(
      (r) => r.srcAddr.startsWith('192.168.100.') || r.dstAddr.startsWith('192.168.100.'),
    );
    expect(hue.length).toBeGreaterThan((count as number) / 2);
  });

  it('fails with the capture named when it is not a pcap', async () => {
    const bogus = path.join(dir, 'not-a.pcap');
    await import('node:fs/promises').then((fs) => fs.writeFile(bogus, 'hello'));
    await expect(writeFeatureRowsFile([bogus], path.join(dir, 'rows.jsonl'))).rejects.toThrow();
  });
});
