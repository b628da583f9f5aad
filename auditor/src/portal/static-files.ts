import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
}

/** The portal's static files (auditor/static), read once: nothing else on disk can be served. */
export function loadStaticFiles(
  dir: string = path.resolve(__dirname, '..', '..', 'static'),
): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    if (type !== undefined) {
      files.set(name, { body: readFileSync(path.join(dir, name)), type });
    }
  }
  return files;
}
