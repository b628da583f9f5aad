import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { FN } from '../chaincode-api';
import { readAlertEvidence, readRecordEvidence } from '../evidence';
import type { FabricSession } from '../fabric-session';
import { IndexFollower } from '../index-follower';
import { IndexQueries } from '../index-queries';
import type { LedgerIndex } from '../ledger-index';
import { LedgerReader } from '../ledger-reader';
import type { RiskSettings } from '../risk';
import { verifyAlertEvidence } from '../verify-alert';
import { verifyRecordEvidence } from '../verify-record';
import { readAccounts } from './accounts';
import { EventHub } from './event-hub';
import { buildPortal } from './server';
import { LoginThrottle, SessionStore } from './sessions';
import { loadStaticFiles } from './static-files';

export interface PortalSettings {
  readonly host: string;
  readonly port: number;
  readonly accountsFile: string;
  readonly risk: RiskSettings;
}

export interface RunningPortal {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly follower: IndexFollower;
  close(): Promise<void>;
}

/**
 * Starts the portal: the index follows blocks from its checkpoint and pushes each block's events
 * to the live streams; verification requests go to the chain through the same session.
 */
export async function startPortal(
  session: FabricSession,
  index: LedgerIndex,
  settings: PortalSettings,
  logger: Logger,
): Promise<RunningPortal> {
  const hub = new EventHub();
  const reader = new LedgerReader(session.ledger);
  let lastBlock: string | undefined;
  const follower = new IndexFollower(index, session, {
    log: logger,
    onEvents: (events, block) => {
      lastBlock = block.toString();
      for (const e of events) {
        hub.publish({ kind: 'alert', data: { block: e.block, zone: e.zone, event: e.event } });
      }
      hub.publish({ kind: 'block', data: { block: lastBlock } });
    },
  });
  const following = follower.run();
  const accounts = readAccounts(settings.accountsFile);
  if (Object.keys(accounts.accounts).length === 0) {
    logger.warn(
      { file: settings.accountsFile },
      'no portal account yet: create one with `cityledger-audit portal add-user NAME`',
    );
  }
  const app = buildPortal({
    queries: new IndexQueries(index.db),
    status: () => ({ peer: session.peerName, nextBlock: index.nextBlock().toString(), lastBlock }),
    verifyRecord: async (id) => {
      const evidence = await readRecordEvidence(reader, id);
      const found = evidence.entry === undefined ? undefined : await reader.record(id);
      return {
        ...(evidence.entry === undefined ? {} : { entry: evidence.entry }),
        ...(found?.erased === undefined ? {} : { erased: found.erased }),
        checks: verifyRecordEvidence(evidence),
      };
    },
    verifyAlert: async (id) => {
      const evidence = await readAlertEvidence(reader, id);
      return {
        ...(evidence.entry === undefined ? {} : { entry: evidence.entry }),
        checks: verifyAlertEvidence(evidence),
      };
    },
    payloadCheck: async (id, sha256) => {
      const found = await reader.record(id);
      if (found === undefined) {
        return undefined;
      }
      return session.ledger.evaluateJson<{ match: boolean; payloadSha256: string }>(FN.verifyRecord, [
        id,
        sha256,
      ]);
    },
    hub,
    accounts: () => readAccounts(settings.accountsFile),
    sessions: new SessionStore(),
    throttle: new LoginThrottle(),
    risk: settings.risk,
    files: loadStaticFiles(),
    logger,
  });
  const url = await app.listen({ host: settings.host, port: settings.port });
  logger.info({ url, peer: session.peerName }, 'portal listening');
  return {
    app,
    url,
    follower,
    close: async () => {
      follower.stop();
      await app.close();
      await following;
    },
  };
}
