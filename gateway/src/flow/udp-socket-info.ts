/**
 * What the kernel says about the collector's UDP socket: the receive buffer it granted, and the
 * datagrams it dropped because that buffer was full (/proc/net/udp, `drops`). Linux only; elsewhere
 * the drop count is unknown (undefined).
 */
import { readFileSync } from 'node:fs';

export interface ReceiveBuffer {
  /** Bytes asked for with SO_RCVBUF. */
  readonly requested: number;
  /** Bytes the socket reports (getsockopt SO_RCVBUF); Linux reports twice what it granted. */
  readonly effective: number;
  /** The request was cut down by the kernel (net.core.rmem_max). */
  readonly clamped: boolean;
}

/**
 * Reads the outcome of an SO_RCVBUF request. Linux doubles the granted size for its bookkeeping and
 * reports the doubled value, so it granted `reported / 2`; a grant below the request was clamped to
 * net.core.rmem_max (for root too: only SO_RCVBUFFORCE, which Node does not offer, bypasses it).
 */
export function receiveBufferOutcome(
  requested: number,
  reported: number,
  platform: NodeJS.Platform = process.platform,
): ReceiveBuffer {
  const granted = platform === 'linux' ? Math.floor(reported / 2) : reported;
  return { requested, effective: reported, clamped: granted < requested };
}

/** net.core.rmem_max, or undefined where it cannot be read. */
export function kernelReceiveBufferMax(): number | undefined {
  try {
    const n = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim());
    return Number.isSafeInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

function hexAddress(address: string, family: 'IPv4' | 'IPv6'): string | undefined {
  if (family === 'IPv4') {
    const parts = address.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
      return undefined;
    }
    // /proc prints the address as the host-order 32-bit number of its network-order bytes.
    const bytes = Buffer.from(parts);
    return bytes.readUInt32LE(0).toString(16).toUpperCase().padStart(8, '0');
  }
  return undefined;
}

/**
 * Datagrams the kernel dropped on the UDP socket bound to `address:port` (receive buffer full), from
 * /proc/net/udp or /proc/net/udp6: the last column of the socket's line. IPv6 sockets are matched by
 * port alone. `procText` is for tests. Undefined when no such socket is listed (or not Linux).
 */
export function kernelDrops(
  address: string,
  port: number,
  family: 'IPv4' | 'IPv6',
  procText?: string,
): number | undefined {
  let text = procText;
  if (text === undefined) {
    try {
      text = readFileSync(family === 'IPv4' ? '/proc/net/udp' : '/proc/net/udp6', 'utf8');
    } catch {
      return undefined;
    }
  }
  const wantPort = port.toString(16).toUpperCase().padStart(4, '0');
  const wantAddress = hexAddress(address, family);
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    const local = cols[1];
    if (local === undefined || cols.length < 13) {
      continue;
    }
    const [addr, p] = local.split(':');
    if (p !== wantPort || (wantAddress !== undefined && addr !== wantAddress)) {
      continue;
    }
    const drops = Number(cols[cols.length - 1]);
    return Number.isSafeInteger(drops) ? drops : undefined;
  }
  return undefined;
}
