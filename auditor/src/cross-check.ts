import { canonicalJson, sha256Hex, type ExchangeEntry } from '@cityledger/core';
import { fail, pass, type CheckResult } from './checks';
import type { BlockHeaderInfo } from './fabric-session';

/** What one peer returned. */
export interface PeerView {
  /** e.g. `peer0.transport`. */
  readonly peer: string;
  readonly height?: bigint;
  /** The header of the block at the common height - 1, as this peer has it. */
  readonly header?: BlockHeaderInfo;
  readonly records: readonly ExchangeEntry[];
  /** True when the peer had more records than were read. */
  readonly truncated: boolean;
  readonly error?: string;
}

export interface Disagreement {
  readonly kind: 'unreachable' | 'missing' | 'different' | 'block';
  readonly peer: string;
  /** The record id, or the block number for `block`. */
  readonly subject: string;
  readonly detail: string;
}

export interface CrossCheck {
  readonly result: CheckResult;
  readonly compared: number;
  readonly disagreements: readonly Disagreement[];
}

/** The observation time up to which every peer's listing is complete. */
function horizon(views: readonly PeerView[]): string | undefined {
  const cut = views
    .filter((v) => v.truncated && v.records.length > 0)
    .map((v) => v.records[v.records.length - 1]?.record.observedAt ?? '');
  return cut.length === 0 ? undefined : cut.sort()[0];
}

function majority(versions: ReadonlyMap<string, string[]>): string | undefined {
  let best: string | undefined;
  let size = 0;
  for (const [hash, peers] of versions) {
    if (peers.length > size) {
      best = hash;
      size = peers.length;
    }
  }
  return best;
}

function compareRecords(views: readonly PeerView[]): { compared: number; disagreements: Disagreement[] } {
  const limit = horizon(views);
  const byId = new Map<string, Map<string, string[]>>();
  for (const view of views) {
    for (const entry of view.records) {
      if (limit !== undefined && entry.record.observedAt > limit) {
        continue;
      }
      const versions = byId.get(entry.id) ?? new Map<string, string[]>();
      const hash = sha256Hex(canonicalJson(entry));
      versions.set(hash, [...(versions.get(hash) ?? []), view.peer]);
      byId.set(entry.id, versions);
    }
  }
  const disagreements: Disagreement[] = [];
  for (const [id, versions] of [...byId].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const agreed = majority(versions);
    const holders = new Set([...versions.values()].flat());
    for (const view of views) {
      if (!holders.has(view.peer)) {
        disagreements.push({
          kind: 'missing',
          peer: view.peer,
          subject: id,
          detail: `peer lacks record ${id} (lagging or pruned?)`,
        });
      }
    }
    for (const [hash, peers] of versions) {
      if (hash !== agreed) {
        for (const peer of peers) {
          disagreements.push({
            kind: 'different',
            peer,
            subject: id,
            detail: `record ${id} differs from the majority's copy`,
          });
        }
      }
    }
  }
  return { compared: byId.size, disagreements };
}

function compareHeaders(views: readonly PeerView[]): Disagreement[] {
  const withHeader = views.filter((v) => v.header !== undefined);
  const versions = new Map<string, string[]>();
  for (const v of withHeader) {
    const h = v.header as BlockHeaderInfo;
    const key = `${h.number}:${h.previousHash}:${h.dataHash}`;
    versions.set(key, [...(versions.get(key) ?? []), v.peer]);
  }
  const agreed = majority(versions);
  return withHeader
    .filter((v) => {
      const h = v.header as BlockHeaderInfo;
      return `${h.number}:${h.previousHash}:${h.dataHash}` !== agreed;
    })
    .map((v) => ({
      kind: 'block' as const,
      peer: v.peer,
      subject: String(v.header?.number),
      detail: `block ${v.header?.number} header differs from the majority's (a diverged or rewritten ledger)`,
    }));
}

/** Compares the peers' views: reachable, same block header at the common height, same records. */
export function crossCheck(views: readonly PeerView[]): CrossCheck {
  const unreachable: Disagreement[] = views
    .filter((v) => v.error !== undefined)
    .map((v) => ({ kind: 'unreachable', peer: v.peer, subject: '', detail: v.error ?? '' }));
  const live = views.filter((v) => v.error === undefined);
  const { compared, disagreements } = compareRecords(live);
  const all = [...unreachable, ...compareHeaders(live), ...disagreements];
  const peers = views.map((v) => v.peer).join(', ');
  const result =
    all.length === 0
      ? pass(
          'peer-agreement',
          `${views.length} peers (${peers}) agree on ${compared} records and the common block header`,
        )
      : fail('peer-agreement', `${all.length} disagreement(s) among ${peers}`);
  return { result, compared, disagreements: all };
}
