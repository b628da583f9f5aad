import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  createFlowCollector,
  DEFAULT_RECEIVE_BUFFER_BYTES,
  type FlowCollector,
  kernelDrops,
  receiveBufferOutcome,
} from '../../../../gateway/src/flow';

const linux = process.platform === 'linux';
const onLinux = linux ? it : it.skip;

/** /proc/net/udp as Linux prints it: a socket on 127.0.0.1:2055 (0x0807) with 17 drops, one on 0.0.0.0:53. */
const PROC_UDP = [
  '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
  '  120: 0100007F:0807 00000000:0000 07 00000000 00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 17',
  '  300: 00000000:0035 00000000:0000 07 00000000 00000000 00:00000000 00000000     0        0 4343 2 0000000000000000 0',
  '',
].join('\n');

function rmemMax(): number {
  return Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim());
}

describe('receiveBufferOutcome', () => {
  it('reads Linux’s doubled report: granted = reported / 2, clamped when below the request', () => {
    expect(receiveBufferOutcome(8_388_608, 16_777_216, 'linux')).toEqual({
      requested: 8_388_608,
      effective: 16_777_216,
      clamped: false,
    });
    // rmem_max 4 MiB: the kernel grants 4 MiB and reports 8 MiB, which is not what was asked for
    expect(receiveBufferOutcome(8_388_608, 8_388_608, 'linux').clamped).toBe(true);
    expect(receiveBufferOutcome(8_388_608, 425_984, 'linux').clamped).toBe(true);
    expect(receiveBufferOutcome(65_536, 65_536, 'darwin').clamped).toBe(false);
    expect(receiveBufferOutcome(65_536, 32_768, 'darwin').clamped).toBe(true);
  });
});

describe('kernelDrops', () => {
  it('finds the socket by address and port in /proc/net/udp and reads its drops column', () => {
    expect(kernelDrops('127.0.0.1', 2055, 'IPv4', PROC_UDP)).toBe(17);
    expect(kernelDrops('0.0.0.0', 53, 'IPv4', PROC_UDP)).toBe(0);
    expect(kernelDrops('127.0.0.2', 2055, 'IPv4', PROC_UDP)).toBeUndefined();
    expect(kernelDrops('127.0.0.1', 2056, 'IPv4', PROC_UDP)).toBeUndefined();
  });
});

describe('the collector socket', () => {
  const started: FlowCollector[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((c) => c.stop()));
  });

  function collector(receiveBufferBytes: number | undefined, warnings: Record<string, unknown>[]) {
    const c = createFlowCollector({
      port: 0,
      host: '127.0.0.1',
      ...(receiveBufferBytes === undefined ? {} : { receiveBufferBytes }),
      logger: { warn: (o, msg) => warnings.push({ ...o, msg }), error: () => undefined },
      onFlows: () => undefined,
    });
    started.push(c);
    return c;
  }

  onLinux(
    'warns once, with both numbers, when the kernel clamps the buffer to net.core.rmem_max',
    async () => {
      const warnings: Record<string, unknown>[] = [];
      const max = rmemMax();
      const c = collector(max + 65_536, warnings);
      await c.start();
      const info = c.socketInfo()!;
      expect(info.receiveBuffer).toEqual({ requested: max + 65_536, effective: 2 * max, clamped: true });
      expect(warnings).toEqual([
        expect.objectContaining({
          requested: max + 65_536,
          effective: 2 * max,
          rmemMax: max,
          msg: expect.stringContaining('clamped') as unknown,
        }),
      ]);
    },
  );

  onLinux('does not warn when the kernel grants the request, and reports what it granted', async () => {
    const warnings: Record<string, unknown>[] = [];
    const c = collector(65_536, warnings);
    expect(c.socketInfo()).toBeUndefined();
    await c.start();
    expect(c.socketInfo()).toEqual({
      receiveBuffer: { requested: 65_536, effective: 131_072, clamped: false },
      kernelDrops: 0,
    });
    expect(warnings).toEqual([]);
  });

  it('asks for 8 MiB by default', async () => {
    const c = collector(undefined, []);
    await c.start();
    expect(DEFAULT_RECEIVE_BUFFER_BYTES).toBe(8 * 1024 * 1024);
    expect(c.socketInfo()?.receiveBuffer.requested).toBe(DEFAULT_RECEIVE_BUFFER_BYTES);
  });

  onLinux('counts what the kernel dropped while the event loop could not read the socket', async () => {
    const c = collector(4_096, []);
    const { port } = await c.start();
    const sent = 300;
    // The event loop is blocked while another process sends: the small buffer overflows.
    const sender = `const s = require('node:dgram').createSocket('udp4'); let n = 0;
      const next = () => n++ < ${sent} ? s.send(Buffer.alloc(1000, 1), ${port}, '127.0.0.1', next) : s.close();
      next();`;
    execFileSync(process.execPath, ['-e', sender]);
    const drops = c.socketInfo()!.kernelDrops!;
    expect(drops).toBeGreaterThan(0);
    const until = Date.now() + 5_000;
    while (c.stats().received + drops < sent && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(c.stats().received + drops).toBe(sent);
  });
});
