import { readCollectorSocket, saveCollectorSocket } from '../../../../gateway/src/collector-socket';
import { openDatabaseFile } from '../../../../gateway/src/db';
import { GatewayMetrics } from '../../../../gateway/src/metrics';
import { readStatus } from '../../../../gateway/src/status';
import { ManualClock } from './helpers';

const HEADER =
  '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops';
function procUdp(drops: number): string {
  return `${HEADER}\n  120: 0100007F:0807 00000000:0000 07 00000000 00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 ${drops}\n`;
}

describe('collector socket in status and metrics', () => {
  it('status shows the socket of the last start with the kernel’s drops read now', () => {
    const db = openDatabaseFile(':memory:');
    try {
      expect(readStatus(db, new ManualClock()).collector).toBeNull();
      const socket = {
        address: '127.0.0.1',
        port: 2055,
        requested: 8_388_608,
        effective: 8_388_608,
        clamped: true,
      };
      saveCollectorSocket(db, socket);
      expect(readCollectorSocket(db, procUdp(42))).toEqual({ ...socket, kernelDrops: 42 });
      expect(readCollectorSocket(db, HEADER)).toEqual({ ...socket, kernelDrops: null });
      saveCollectorSocket(db, { ...socket, port: 2056 });
      expect(readStatus(db, new ManualClock()).collector?.port).toBe(2056);
    } finally {
      db.close();
    }
  });

  it('/metrics exposes the effective buffer and counts kernel drops as they grow', async () => {
    const metrics = new GatewayMetrics();
    expect(await metrics.text()).toContain('cityledger_gateway_collector_receive_buffer_bytes 0');
    let drops = 17;
    metrics.setCollectorSocketSource(() => ({
      receiveBuffer: { requested: 65_536, effective: 131_072, clamped: false },
      kernelDrops: drops,
    }));
    expect(await metrics.text()).toContain('cityledger_gateway_collector_receive_buffer_bytes 131072');
    expect(await metrics.text()).toContain('cityledger_gateway_collector_kernel_drops_total 17');
    drops = 20;
    expect(await metrics.text()).toContain('cityledger_gateway_collector_kernel_drops_total 20');
  });
});
