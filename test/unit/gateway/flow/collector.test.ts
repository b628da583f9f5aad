import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createFlowCollector,
  replayCaptureFile,
  type BiFlow,
  type FlowCollector,
  type FlowCollectorOptions,
} from '../../../../gateway/src/flow';
import { V4_FIELDS, set, v4Record, v9Packet, v9TemplateRecord, type FlowValues } from './support/encoder';

const flow: FlowValues = {
  src: '172.16.0.9',
  dst: '172.16.0.1',
  start: 99_000,
  end: 99_900,
  bytes: 120,
  packets: 2,
  srcPort: 33000,
  dstPort: 53,
  protocol: 17,
  flags: 0,
};
const answer: FlowValues = { ...flow, src: flow.dst, dst: flow.src, srcPort: 53, dstPort: 33000, bytes: 400 };

function packet(sequence: number, records: FlowValues[]): Buffer {
  return v9Packet({ sequence }, [
    set(0, v9TemplateRecord(256, V4_FIELDS)),
    set(256, records.map(v4Record), 4),
  ]);
}

async function send(port: number, packets: Buffer[]): Promise<void> {
  const s = dgram.createSocket('udp4');
  for (const p of packets) {
    await new Promise<void>((resolve, reject) => {
      s.send(p, port, '127.0.0.1', (e) => {
        if (e) reject(e);
        else resolve();
      });
    });
  }
  s.close();
}

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('UDP flow collector', () => {
  const collectors: FlowCollector[] = [];
  let dir = '';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'collector-'));
  });
  afterEach(async () => {
    await Promise.all(collectors.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function collector(over: Partial<FlowCollectorOptions>, batches: BiFlow[][]): FlowCollector {
    const c = createFlowCollector({
      port: 0,
      host: '127.0.0.1',
      batchMaxWaitMs: 20,
      pairing: { timeoutMs: 50 },
      onFlows: (b) => {
        batches.push([...b]);
      },
      ...over,
    });
    collectors.push(c);
    return c;
  }

  it('receives datagrams, pairs directions and hands over BiFlow batches; one-sided after the pairing timeout', async () => {
    const batches: BiFlow[][] = [];
    const c = collector({}, batches);
    const { port, address } = await c.start();
    expect(address).toBe('127.0.0.1');
    await send(port, [packet(0, [answer, flow]), packet(1, [{ ...flow, srcPort: 33001 }])]);
    await waitFor(() => batches.flat().length === 2);
    const flows = batches.flat();
    expect(flows[0]).toMatchObject({
      srcAddr: '172.16.0.9',
      srcPort: 33000,
      dstPort: 53,
      fwdBytes: 120,
      revBytes: 400,
    });
    expect(flows[0]?.exporter).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(flows[1]).toMatchObject({ srcPort: 33001, revPackets: 0 });
    expect(c.stats()).toMatchObject({
      received: 2,
      dropped: 0,
      packets: 2,
      records: 3,
      flows: 2,
      queueDepth: 0,
    });
  });

  it('records what it receives, and a replay of the recording gives the same flows', async () => {
    const batches: BiFlow[][] = [];
    const file = path.join(dir, 'recorded.pcap');
    const c = collector({ recordTo: file }, batches);
    const { port } = await c.start();
    await send(port, [
      packet(0, [answer, flow]),
      packet(1, [
        { ...flow, srcPort: 1 },
        { ...answer, dstPort: 1 },
      ]),
    ]);
    await waitFor(() => c.stats().packets === 2);
    await c.stop();
    const replay = await replayCaptureFile(file);
    expect(replay.datagrams).toBe(2);
    expect(replay.flows).toEqual(batches.flat());
  });

  it('drops and counts datagrams when the queue is full while the sink is busy, and loses nothing else', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const delivered: BiFlow[] = [];
    const warnings: string[] = [];
    const c = createFlowCollector({
      port: 0,
      host: '127.0.0.1',
      queueLimit: 4,
      batchSize: 1,
      batchMaxWaitMs: 10,
      logger: { warn: (_o, msg) => warnings.push(msg), error: () => undefined },
      onFlows: async (b) => {
        delivered.push(...b);
        await gate;
      },
    });
    collectors.push(c);
    const { port } = await c.start();
    const sent = 40;
    await send(
      port,
      Array.from({ length: sent }, (_, i) =>
        packet(i, [
          { ...flow, srcPort: 1000 + i },
          { ...answer, dstPort: 1000 + i },
        ]),
      ),
    );
    await waitFor(() => c.stats().received === sent);
    const s = c.stats();
    expect(s.dropped).toBeGreaterThan(0);
    expect(s.queueHighWater).toBe(4);
    expect(Object.values(s.droppedByExporter).reduce((a, b) => a + b, 0)).toBe(s.dropped);
    expect(warnings.filter((w) => w.includes('queue full'))).toHaveLength(1);
    release();
    await c.stop();
    const after = c.stats();
    expect(after.packets + after.dropped).toBe(sent);
    expect(delivered).toHaveLength(after.packets);
    expect(after.flows).toBe(after.packets);
  });

  it('hands over flows expired from pairing in batches of at most batchSize, async sink or not', async () => {
    for (const sink of ['sync', 'async'] as const) {
      const sizes: number[] = [];
      const c = collector(
        {
          batchSize: 4,
          pairing: { timeoutMs: 30 },
          onFlows: (b) => {
            sizes.push(b.length);
            return sink === 'async' ? new Promise<void>((r) => setTimeout(r, 5)) : undefined;
          },
        },
        [],
      );
      const { port } = await c.start();
      // ten one-sided flows in one datagram: all wait for a reverse, all expire on the same tick
      await send(port, [
        packet(
          0,
          Array.from({ length: 10 }, (_, i) => ({ ...flow, srcPort: 2000 + i })),
        ),
      ]);
      await waitFor(() => sizes.reduce((a, b) => a + b, 0) === 10);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
    }
  });

  it('flushes flows still waiting for their reverse on stop', async () => {
    const batches: BiFlow[][] = [];
    const c = collector({ pairing: { timeoutMs: 60_000 } }, batches);
    const { port } = await c.start();
    await send(port, [packet(0, [flow])]);
    await waitFor(() => c.stats().records === 1);
    expect(batches.flat()).toEqual([]);
    await c.stop();
    expect(batches.flat()).toHaveLength(1);
  });

  it('counts a failing sink, logs it, and keeps going', async () => {
    const errors: string[] = [];
    let calls = 0;
    const c = createFlowCollector({
      port: 0,
      host: '127.0.0.1',
      batchMaxWaitMs: 10,
      logger: { warn: () => undefined, error: (_o, msg) => errors.push(msg) },
      onFlows: () => {
        calls++;
        throw new Error('sink down');
      },
    });
    collectors.push(c);
    const { port } = await c.start();
    await send(port, [packet(0, [answer, flow])]);
    await waitFor(() => calls === 1);
    await send(port, [
      packet(1, [
        { ...answer, dstPort: 7 },
        { ...flow, srcPort: 7 },
      ]),
    ]);
    await waitFor(() => calls === 2);
    expect(c.stats().sinkErrors).toBe(2);
    expect(errors).toEqual(['flow sink failed', 'flow sink failed']);
  });

  it('logs the first malformed datagram of each cause and exporter, and counts them all', async () => {
    const warnings: object[] = [];
    const c = createFlowCollector({
      port: 0,
      host: '127.0.0.1',
      receiveBufferBytes: 65_536, // granted: no clamp warning among the decode warnings
      logger: { warn: (o) => warnings.push(o), error: () => undefined },
      onFlows: () => undefined,
    });
    collectors.push(c);
    const { port } = await c.start();
    await send(port, [Buffer.from([0, 5, 1, 2]), Buffer.from([0, 5, 1, 2]), Buffer.alloc(1)]);
    await waitFor(() => c.stats().packets === 3);
    expect(c.stats().errors).toMatchObject({ UNSUPPORTED_VERSION: 2, SHORT_PACKET: 1 });
    expect(warnings).toEqual([
      expect.objectContaining({ cause: 'UNSUPPORTED_VERSION', detail: 'version 5' }),
      expect.objectContaining({ cause: 'SHORT_PACKET' }),
    ]);
  });

  it('refuses a second start, and reports a port already in use', async () => {
    const c = collector({}, []);
    const { port } = await c.start();
    await expect(c.start()).rejects.toThrow('already started');
    const clash = collector({ port }, []);
    await expect(clash.start()).rejects.toThrow(/EADDRINUSE/);
  });
});
