// The auditor CLI against the real network: every verification passes on genuine data and fails,
// naming the right check and exit code, on tampered data.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  GENESIS_ROOT,
  MerkleTree,
  batchLeafData,
  buildBatch,
  recordId,
  sha256Hex,
  signAttestation,
  signFlowAlertAttestation,
  type FlowAlertContent,
  type FlowAlertEntry,
  type BatchEntry,
  type ExchangeContent,
  type ExchangeEntry,
  type ExchangeRecord,
} from '@cityledger/core';
import { generateKeyPairSync } from 'node:crypto';
import { main } from '../../../auditor/src/cli/main';
import { LedgerIndex } from '../../../auditor/src/ledger-index';
import { ClientPool } from '../support/network';
import { ProofServer, buildAuditCity, proofsOf, runCli, type AuditCity } from './audit-city';

const cli = (...argv: string[]) => runCli(main, ...argv);
const dir = mkdtempSync(path.join(os.tmpdir(), 'auditor-itest-'));

describe('cityledger-audit on the real network', () => {
  const pool = new ClientPool();
  const proofs = new ProofServer();
  let city: AuditCity;
  let gatewayUrl: string;
  let start: string;
  let end: string;
  const payload = Buffer.from('ambulance arrivals, hour 14: 23\n');
  const entries: Record<string, ExchangeEntry> = {};
  let batches: BatchEntry[] = [];
  let batchContents: ExchangeContent[][] = [];
  let orphan: ExchangeContent[] = [];
  let alertId = '';

  beforeAll(async () => {
    gatewayUrl = await proofs.start();
    start = new Date(Date.now() - 1000).toISOString();
    city = await buildAuditCity(pool);
    const submit = async (name: string, c: ExchangeContent): Promise<void> => {
      entries[name] = await city.record(city.sign(c));
    };
    await submit('genuine', city.content({ payloadSha256: sha256Hex(payload), payloadSize: payload.length }));
    await submit('suspicious', city.content({ threatScore: 0.6, verdict: 'suspicious' }));
    await submit('malicious', city.content({ threatScore: 0.95, verdict: 'malicious', decision: 'deny' }));
    await submit('wrongPurpose', city.content({ purpose: 'marketing', decision: 'deny' }));
    // A gateway that allowed what the policy denies: the chain stores an incident, not the record.
    const mismatch = await city.submit(city.sign(city.content({ purpose: 'marketing', decision: 'allow' })));
    expect(mismatch.accepted).toBe(false);
    // A malicious network flow, committed on its own as a flow alert.
    const now = Date.now();
    const alertContent: FlowAlertContent = {
      gatewayId: city.gatewayId,
      zone: city.zone,
      observedAt: new Date(now).toISOString(),
      flowStart: new Date(now - 4000).toISOString(),
      flowRef: sha256Hex(`flow ${now}`),
      protocol: 6,
      dstPortBucket: 'well-known',
      fwdBytes: 900,
      fwdPackets: 7,
      revBytes: 120000,
      revPackets: 90,
      threatScore: 0.97,
      verdict: 'malicious',
      modelId: city.model.id,
      modelVersion: city.model.version,
    };
    const alertOutcome = await city.gateway.submitJson<{ entry: FlowAlertEntry }>(
      'exchange:recordFlowAlert',
      [
        JSON.stringify({
          ...alertContent,
          signature: signFlowAlertAttestation(city.privateKeyPem, alertContent),
        }),
      ],
    );
    alertId = alertOutcome.entry.id;
    // Two chained batches of benign flows, and a third batch the gateway logged but never anchored.
    batchContents = [0, 1].map((b) =>
      Array.from({ length: 4 }, (_, i) => city.content({ payloadSize: 100 * b + i })),
    );
    const first = await city.anchor(batchContents[0]!, GENESIS_ROOT);
    const second = await city.anchor(batchContents[1]!, first.batch.root);
    batches = [first, second];
    for (const [i, entry] of batches.entries()) {
      proofsOf(batchContents[i]!, { id: entry.id, seq: entry.seq, root: entry.batch.root }).forEach((p) => {
        proofs.serve(p);
      });
    }
    orphan = Array.from({ length: 3 }, (_, i) => city.content({ payloadSize: 900 + i }));
    const orphanBatch = buildBatch(city.gatewayId, second.batch.root, orphan);
    proofsOf(orphan, { id: sha256Hex(orphanBatch.root), seq: 3, root: orphanBatch.root }).forEach((p) => {
      proofs.serve(p);
    });
    await new Promise((r) => setTimeout(r, 1100));
    end = new Date().toISOString();
  });

  afterAll(async () => {
    pool.closeAll();
    await proofs.stop();
  });

  describe('verify record', () => {
    it('passes every check on each genuine record, denials included', async () => {
      for (const name of ['genuine', 'suspicious', 'malicious', 'wrongPurpose']) {
        const r = await cli('verify', 'record', entries[name]!.id);
        expect({ name, code: r.code }).toEqual({ name, code: 0 });
        expect(r.out).toMatch(/VERIFIED: 9 checks passed/);
      }
    });

    it('prints JSON with every check', async () => {
      const r = await cli('verify', 'record', entries.malicious!.id, '--json');
      const json = JSON.parse(r.out) as { verified: boolean; checks: { name: string; status: string }[] };
      expect(json.verified).toBe(true);
      expect(json.checks.find((c) => c.name === 'policy-decision')?.status).toBe('pass');
    });

    it('names record-on-chain (exit 10) for a record the ledger does not hold', async () => {
      const r = await cli('verify', 'record', sha256Hex('no such record'));
      expect(r.code).toBe(10);
      expect(r.out).toMatch(/FAIL {2}record-on-chain/);
    });

    it('names attestation-signature (exit 14) for a presented record with a forged signature', async () => {
      const genuine = entries.genuine!.record;
      const forger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
      const forged: ExchangeRecord = {
        ...genuine,
        signature: signAttestation(forger.export({ type: 'pkcs8', format: 'pem' }).toString(), genuine),
      };
      const file = path.join(dir, 'forged.json');
      writeFileSync(file, JSON.stringify(forged));
      const r = await cli('verify', 'record', '--file', file);
      expect(r.code).toBe(14);
      expect(r.out).toMatch(/FAIL {2}attestation-signature/);
      expect(r.out).toMatch(/PASS {2}record-on-chain/);
      const original = path.join(dir, 'original.json');
      writeFileSync(original, JSON.stringify(genuine));
      expect((await cli('verify', 'record', '--file', original)).code).toBe(0);
    });

    it('names record-on-chain for a presented record whose content was altered', async () => {
      const altered = { ...entries.genuine!.record, policyVersion: 2 };
      const file = path.join(dir, 'altered.json');
      writeFileSync(file, JSON.stringify(altered));
      const r = await cli('verify', 'record', '--file', file);
      expect(r.code).toBe(10);
      expect(r.out).toContain(recordId(altered));
    });
  });

  describe('verify alert', () => {
    it('passes every check on a genuine flow alert and names record-on-chain for a missing one', async () => {
      const r = await cli('verify', 'alert', alertId);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/PASS {2}verdict-thresholds/);
      expect((await cli('verify', 'alert', sha256Hex('no alert'))).code).toBe(10);
    });
  });

  describe('verify payload', () => {
    it('passes for the payload the record commits to', async () => {
      const file = path.join(dir, 'payload.txt');
      writeFileSync(file, payload);
      const r = await cli('verify', 'payload', file, '--record', entries.genuine!.id);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/PASS {2}payload-sha256/);
    });

    it('names payload-sha256 (exit 20) for an altered payload', async () => {
      const file = path.join(dir, 'payload-altered.txt');
      writeFileSync(file, Buffer.from(payload.toString().replace('23', '32')));
      const r = await cli('verify', 'payload', file, '--record', entries.genuine!.id);
      expect(r.code).toBe(20);
      expect(r.out).toMatch(/FAIL {2}payload-sha256/);
      expect(r.out).toMatch(/PASS {2}payload-size/);
    });
  });

  describe('verify inclusion', () => {
    it('passes for every record of the anchored batches, and the batch chain is unbroken', async () => {
      for (const records of batchContents) {
        for (const record of records) {
          const r = await cli('verify', 'inclusion', recordId(record), '--gateway-url', gatewayUrl);
          expect(r.code).toBe(0);
        }
      }
      const r = await cli(
        'verify',
        'inclusion',
        recordId(batchContents[1]![2]!),
        '--gateway-url',
        gatewayUrl,
      );
      expect(r.out).toMatch(/PASS {2}batch-chain +2 batches/);
    });

    it('names inclusion-proof (exit 32) for a proof made for another root', async () => {
      const records = batchContents[1]!;
      const diverged = [city.content({ payloadSize: 7 }), ...records.slice(1)];
      const tree = new MerkleTree(diverged.map((r) => batchLeafData(r)));
      const b = batches[1]!;
      proofs.serve({
        record: records[2]!,
        batch: { id: b.id, seq: b.seq, root: b.batch.root },
        proof: tree.inclusionProof(2),
      });
      const r = await cli('verify', 'inclusion', recordId(records[2]!), '--gateway-url', gatewayUrl);
      expect(r.code).toBe(32);
      expect(r.out).toMatch(/FAIL {2}inclusion-proof/);
      proofsOf(records, { id: b.id, seq: b.seq, root: b.batch.root }).forEach((p) => {
        proofs.serve(p);
      });
    });

    it('names batch-on-chain (exit 31) for a record in a batch missing from the chain', async () => {
      const r = await cli('verify', 'inclusion', recordId(orphan[1]!), '--gateway-url', gatewayUrl);
      expect(r.code).toBe(31);
      expect(r.out).toMatch(/FAIL {2}batch-on-chain/);
      expect(r.out).toMatch(/PASS {2}batch-chain/);
    });

    it('names proof-response (exit 30) when the gateway has no proof, and exits 4 when it is unreachable', async () => {
      const r = await cli('verify', 'inclusion', sha256Hex('unknown'), '--gateway-url', gatewayUrl);
      expect(r.code).toBe(30);
      const down = await cli(
        '--timeout',
        '2000',
        'verify',
        'inclusion',
        recordId(orphan[0]!),
        '--gateway-url',
        'http://127.0.0.1:9',
      );
      expect(down.code).toBe(4);
      expect(down.err).toMatch(/gateway error/);
    });
  });

  describe('records', () => {
    it('lists the gateway records as CSV and JSON, with client-side filters', async () => {
      const csv = await cli('records', '--gateway', city.gatewayId, '--output', 'csv');
      expect(csv.code).toBe(0);
      const lines = csv.out.trimEnd().split('\r\n');
      expect(lines).toHaveLength(5);
      expect(
        lines
          .slice(1)
          .map((l) => l.split(',')[0])
          .sort(),
      ).toEqual(
        Object.values(entries)
          .map((e) => e.id)
          .sort(),
      );
      const denied = await cli(
        'records',
        '--category',
        city.category,
        '--decision',
        'deny',
        '--output',
        'json',
      );
      const items = JSON.parse(denied.out) as ExchangeEntry[];
      expect(items.map((e) => e.id).sort()).toEqual([entries.malicious!.id, entries.wrongPurpose!.id].sort());
      const verdict = await cli(
        'records',
        '--verdict',
        'suspicious',
        '--from',
        start,
        '--to',
        end,
        '-o',
        'jsonl',
      );
      expect(verdict.out).toContain(entries.suspicious!.id);
    });

    it('pages with bookmarks: two pages of two give the four records once each', async () => {
      const first = await cli('records', '--gateway', city.gatewayId, '--limit', '2', '-o', 'jsonl');
      const bookmark = /--bookmark '([^']+)'/.exec(first.err)?.[1];
      expect(bookmark).toBeDefined();
      const second = await cli(
        'records',
        '--gateway',
        city.gatewayId,
        '--limit',
        '2',
        '--bookmark',
        bookmark!,
        '-o',
        'jsonl',
      );
      const ids = [...first.out.trimEnd().split('\n'), ...second.out.trimEnd().split('\n')].map(
        (l) => (JSON.parse(l) as ExchangeEntry).id,
      );
      expect(ids.sort()).toEqual(
        Object.values(entries)
          .map((e) => e.id)
          .sort(),
      );
    });
  });

  describe('report', () => {
    it('counts the period as the records do, agrees with the chaincode summary, and is reproducible', async () => {
      const md = await cli('report', '--from', start, '--to', end);
      expect({ code: md.code, err: md.err }).toEqual({ code: 0, err: '' });
      expect(md.out).toMatch(/Cross-check .*: PASS/);
      // Our category's row: 4 exchanges, 2 allowed, 2 denied, 1 suspicious, 1 malicious.
      expect(md.out).toContain(`| health | transport | ${city.category} | 4 | 2 | 2 | 1 | 1 |`);
      expect(md.out).toContain(`| ${city.category} | 1 | health |`);
      expect(md.out).toContain(`| ${city.zone} | ${city.gatewayId} | 0 | 1 |`);
      expect(md.out).toMatch(
        new RegExp(
          `\\| [^|]+ \\| [0-9a-f]{16} \\| ${city.gatewayId} \\| ${city.category} \\| allow \\| deny \\| purpose-not-allowed \\|`,
        ),
      );
      const again = await cli('report', '--from', start, '--to', end);
      expect(again.out).toBe(md.out);
      const html = await cli('report', '--from', start, '--to', end, '--format', 'html');
      expect(html.out).toMatch(/^<!doctype html>/);
      expect(html.out).toContain(city.category);
    });
  });

  describe('cross-check', () => {
    it('finds the four peers in agreement', async () => {
      const r = await cli('cross-check', '--from', start, '--to', end, '--json');
      expect(r.code).toBe(0);
      const json = JSON.parse(r.out) as {
        views: { peer: string; records: number }[];
        disagreements: unknown[];
      };
      expect(json.views).toHaveLength(4);
      expect(json.disagreements).toEqual([]);
      for (const v of json.views) {
        expect(v.records).toBeGreaterThanOrEqual(4);
      }
    });
  });

  describe('index', () => {
    it('follows the blocks into the off-chain index, with the events of flagged records', async () => {
      const file = path.join(dir, 'index.sqlite');
      expect((await cli('index', 'sync', '--file', file)).code).toBe(0);
      const index = LedgerIndex.open(file);
      try {
        const row = index.db
          .prepare('SELECT zone, verdict FROM records WHERE id = ?')
          .get(entries.malicious!.id);
        expect(row).toEqual({ zone: city.zone, verdict: 'malicious' });
        const alert = index.db
          .prepare('SELECT type FROM alerts WHERE record_id = ?')
          .get(entries.malicious!.id);
        expect(alert).toEqual({ type: 'cityledger.exchange.flagged' });
        const batchRows = index.db
          .prepare('SELECT seq FROM batches WHERE gateway = ? ORDER BY seq')
          .all(city.gatewayId);
        expect(batchRows).toEqual([{ seq: 1 }, { seq: 2 }]);
      } finally {
        index.close();
      }
    });
  });

  describe('policy at', () => {
    it('gives the version in force at a time, with the history', async () => {
      const before = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 50));
      await city.steward.submit('policies:putPolicy', [
        JSON.stringify({ category: city.category, version: 2, grants: [] }),
      ]);
      const then = await cli('policy', 'at', city.category, '--time', before, '--json');
      expect((JSON.parse(then.out) as { current: { version: number } }).current.version).toBe(1);
      const now = await cli('policy', 'at', city.category);
      expect(now.out).toMatch(/version 2/);
      expect(now.out).toMatch(/v1 may still be cited until/);
      expect(now.out).toMatch(/history \(2 versions\)/);
    });
  });
});
