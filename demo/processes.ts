import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** Runs a command with its output on the terminal; throws when it fails. */
export function run(command: string, args: readonly string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal ?? '?'}`);
  }
}

/** Runs a command and returns what it printed; throws when it fails. */
export function capture(command: string, args: readonly string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? '?'}: ${result.stderr}`);
  }
  return result.stdout;
}

/** Starts a long-running process whose output goes to the terminal. */
export function start(command: string, args: readonly string[], cwd: string): ChildProcess {
  return spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** SIGTERM, then wait for the exit (the gateway drains its outbox on SIGTERM). */
export function stop(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) {
      resolve(child.exitCode);
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
