import { defaultDataDir, loadConnectionProfile, type ConnectionProfile } from '@cityledger/client';
import { FabricSession } from '../fabric-session';
import { LedgerReader } from '../ledger-reader';

/** Where the CLI writes: injected so tests capture output without touching the process. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Options every command shares (see `cityledger-audit --help`). */
export interface GlobalOptions {
  readonly dataDir: string;
  /** Org whose connection profile holds the auditor's identity. */
  readonly org: string;
  readonly identity: string;
  /** Org whose peer to query (default: the identity's own org). */
  readonly peerOrg?: string;
  readonly peer: number;
  readonly timeout: number;
}

export function globalDefaults(env: NodeJS.ProcessEnv = process.env): GlobalOptions {
  return {
    dataDir: defaultDataDir(env),
    org: 'audit',
    identity: 'auditor',
    peer: 0,
    timeout: 10_000,
  };
}

/** A profile that dials `peerOrg`'s peers but signs as the auditor of `org`. */
export function profileFor(options: GlobalOptions, peerOrg = options.peerOrg): ConnectionProfile {
  const own = loadConnectionProfile(options.org, options.dataDir);
  if (peerOrg === undefined || peerOrg === options.org) {
    return own;
  }
  const via = loadConnectionProfile(peerOrg, options.dataDir);
  return { ...via, mspId: own.mspId, identities: own.identities };
}

export function openSession(options: GlobalOptions, peerOrg?: string, peerIndex?: number): FabricSession {
  return FabricSession.open({
    profile: profileFor(options, peerOrg),
    identity: options.identity,
    peerIndex: peerIndex ?? options.peer,
    evaluateMs: options.timeout,
  });
}

/** Runs `fn` with a session and a reader, closing the session whatever happens. */
export async function withReader<T>(
  options: GlobalOptions,
  fn: (reader: LedgerReader, session: FabricSession) => Promise<T>,
): Promise<T> {
  const session = openSession(options);
  try {
    return await fn(new LedgerReader(session.ledger), session);
  } finally {
    session.close();
  }
}
