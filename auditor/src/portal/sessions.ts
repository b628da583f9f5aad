import { createHash, randomBytes } from 'node:crypto';

export interface SessionLimits {
  /** A session unused this long expires. */
  readonly idleMs: number;
  /** A session expires this long after login, however used. */
  readonly absoluteMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 30 * 60_000, absoluteMs: 8 * 3600_000 };

interface Session {
  readonly user: string;
  readonly createdMs: number;
  lastMs: number;
}

/**
 * In-memory browser sessions. The cookie carries 32 random bytes; only their sha256 is kept, so a
 * memory dump does not yield usable cookies. A restart logs everyone out.
 */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #limits: SessionLimits;
  readonly #now: () => number;

  constructor(limits: SessionLimits = DEFAULT_SESSION_LIMITS, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
  }

  /** Starts a session and returns the token for the cookie. */
  create(user: string): string {
    this.#sweep();
    const token = randomBytes(32).toString('base64url');
    const now = this.#now();
    this.#sessions.set(digest(token), { user, createdMs: now, lastMs: now });
    return token;
  }

  /** The user of a live session (and refreshes its idle timer), or undefined. */
  user(token: string | undefined): string | undefined {
    if (token === undefined || token.length > 100) {
      return undefined;
    }
    const key = digest(token);
    const session = this.#sessions.get(key);
    if (session === undefined) {
      return undefined;
    }
    const now = this.#now();
    if (now - session.lastMs > this.#limits.idleMs || now - session.createdMs > this.#limits.absoluteMs) {
      this.#sessions.delete(key);
      return undefined;
    }
    session.lastMs = now;
    return session.user;
  }

  destroy(token: string | undefined): void {
    if (token !== undefined) {
      this.#sessions.delete(digest(token));
    }
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, s] of this.#sessions) {
      if (now - s.lastMs > this.#limits.idleMs || now - s.createdMs > this.#limits.absoluteMs) {
        this.#sessions.delete(key);
      }
    }
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Cookie values by name from a Cookie header. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) {
      cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
  }
  return cookies;
}

/** Login failures per client address, for a short lockout after repeated failures. */
export class LoginThrottle {
  readonly #failures = new Map<string, number[]>();
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(max = 5, windowMs = 5 * 60_000, now: () => number = Date.now) {
    this.#max = max;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  #recent(address: string): number[] {
    const since = this.#now() - this.#windowMs;
    const recent = (this.#failures.get(address) ?? []).filter((t) => t > since);
    this.#failures.set(address, recent);
    return recent;
  }

  blocked(address: string): boolean {
    return this.#recent(address).length >= this.#max;
  }

  failed(address: string): void {
    this.#recent(address).push(this.#now());
  }

  succeeded(address: string): void {
    this.#failures.delete(address);
  }
}
