import { spawnSync } from 'node:child_process';
import path from 'node:path';

const SCRIPT = path.resolve(__dirname, '..', '..', 'network', 'cityledger-network.sh');

/** Runs a network command with its output streamed to the terminal; throws if it fails. */
function network(...args: string[]): void {
  const result = spawnSync('bash', [SCRIPT, ...args], { stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    const how = result.error?.message ?? `exit status ${String(result.status ?? result.signal)}`;
    throw new Error(
      `network/cityledger-network.sh ${args.join(' ')} failed (${how}); the output above names the failing step and its log`,
    );
  }
}

/**
 * Integration tests run against the real Fabric network of network/.
 *
 * - `up` starts it, or says it is already up and healthy and reuses it (a stopped network in
 *   the same data directory is resumed).
 * - `deploy` compiles chaincode/ and redeploys it with the next sequence only when the
 *   compiled chaincode (chaincode/dist and the workspace packages it uses, e.g. core/dist)
 *   differs from what the running chaincode server was started from.
 *
 * The network stays up afterwards, so the next run starts in seconds. With
 * CITYLEDGER_NETWORK_DOWN_AFTER=1 it is taken down when jest exits.
 */
export default function globalSetup(): void {
  network('up');
  network('deploy');
  if (process.env.CITYLEDGER_NETWORK_DOWN_AFTER === '1') {
    // 'exit' listeners must be synchronous: spawnSync is.
    process.once('exit', () => {
      spawnSync('bash', [SCRIPT, 'down'], { stdio: 'inherit', env: process.env });
    });
  }
}
