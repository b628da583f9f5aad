import { readFileSync } from 'node:fs';
import path from 'node:path';

/** One peer a client may talk to, as written by network/ into `<data>/connections/<org>.json`. */
export interface PeerEndpoint {
  readonly name: string;
  /** host:port to dial. */
  readonly endpoint: string;
  /** The name in the peer's TLS certificate, when it differs from the dialled host. */
  readonly hostAlias: string;
  readonly tlsRootCertPath: string;
}

export interface IdentityFiles {
  readonly certPath: string;
  readonly keyPath: string;
}

/** The connection settings of one organisation (format: docs/architecture.md). */
export interface ConnectionProfile {
  readonly org: string;
  readonly mspId: string;
  readonly channel: string;
  readonly chaincode: string;
  readonly peers: readonly PeerEndpoint[];
  readonly identities: Readonly<Record<string, IdentityFiles>>;
  /** The org's TLS client certificate, presented when the network runs with mutual TLS. */
  readonly clientTls?: IdentityFiles;
}

/** Default data directory of the local network: `$CITYLEDGER_DATA_DIR` or `<repo>/.cityledger`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CITYLEDGER_DATA_DIR ?? path.resolve(__dirname, '..', '..', '.cityledger');
}

/** Reads and validates `<dataDir>/connections/<org>.json`. */
export function loadConnectionProfile(org: string, dataDir: string = defaultDataDir()): ConnectionProfile {
  const file = path.join(dataDir, 'connections', `${org}.json`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read connection profile ${file}: is the network up? (npm run network -- up)`, {
      cause: err,
    });
  }
  return parseConnectionProfile(parsed, file);
}

export function parseConnectionProfile(value: unknown, source = 'connection profile'): ConnectionProfile {
  const obj = asRecord(value, source);
  const peersValue = obj.peers;
  if (!Array.isArray(peersValue) || peersValue.length === 0) {
    throw new Error(`${source}: "peers" must be a non-empty array`);
  }
  const peers = peersValue.map((p: unknown, i) => {
    const peer = asRecord(p, `${source}: peers[${i}]`);
    return {
      name: str(peer, 'name', source),
      endpoint: str(peer, 'endpoint', source),
      hostAlias: str(peer, 'hostAlias', source),
      tlsRootCertPath: str(peer, 'tlsRootCertPath', source),
    };
  });
  const identitiesValue = asRecord(obj.identities, `${source}: identities`);
  const identities: Record<string, IdentityFiles> = {};
  for (const [name, files] of Object.entries(identitiesValue)) {
    identities[name] = identityFiles(files, `${source}: identities.${name}`, source);
  }
  const clientTls =
    obj.clientTls === undefined ? undefined : identityFiles(obj.clientTls, `${source}: clientTls`, source);
  return {
    ...(clientTls === undefined ? {} : { clientTls }),
    org: str(obj, 'org', source),
    mspId: str(obj, 'mspId', source),
    channel: str(obj, 'channel', source),
    chaincode: str(obj, 'chaincode', source),
    peers,
    identities,
  };
}

function identityFiles(value: unknown, what: string, source: string): IdentityFiles {
  const f = asRecord(value, what);
  return { certPath: str(f, 'certPath', source), keyPath: str(f, 'keyPath', source) };
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${what} must be an object`);
  }
  return value as Record<string, unknown>;
}

function str(obj: Record<string, unknown>, key: string, source: string): string {
  const v = obj[key];
  if (typeof v !== 'string' || v.length === 0) {
    throw new Error(`${source}: "${key}" must be a non-empty string`);
  }
  return v;
}
