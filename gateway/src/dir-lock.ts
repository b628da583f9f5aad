import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { CityLedgerError } from '@cityledger/core';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One gateway process per data folder: two would submit the same outbox rows. The lock file holds
 * the owner's pid; a lock left by a dead process (SIGKILL) is taken over.
 */
export class DirLock {
  /** Lock files this process holds (a pid in a lock file may also be ours after a pid reuse). */
  static readonly #held = new Set<string>();
  readonly #file: string;

  private constructor(file: string) {
    this.#file = file;
  }

  static acquire(dir: string): DirLock {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, 'gateway.lock');
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const fd = openSync(file, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        DirLock.#held.add(file);
        return new DirLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw err;
        }
        const owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
        const ours = owner === process.pid && DirLock.#held.has(file);
        if (ours || (Number.isSafeInteger(owner) && owner !== process.pid && alive(owner))) {
          throw new CityLedgerError('CONFLICT', `${dir} is in use by gateway process ${owner}`);
        }
        rmSync(file, { force: true });
      }
    }
    throw new CityLedgerError('CONFLICT', `cannot lock ${dir}`);
  }

  release(): void {
    DirLock.#held.delete(this.#file);
    rmSync(this.#file, { force: true });
  }
}
