import path from 'node:path';
import type { GlobalOptions } from './context';

/** Default locations of the auditor's own files, under the network data directory. */
export function auditorDir(options: GlobalOptions): string {
  return path.join(options.dataDir, 'auditor');
}

export function defaultIndexFile(options: GlobalOptions): string {
  return path.join(auditorDir(options), 'index.sqlite');
}

export function defaultAccountsFile(options: GlobalOptions): string {
  return path.join(auditorDir(options), 'portal-accounts.json');
}
