/**
 * Templates per exporter session: (exporter transport address, source id / observation domain), as
 * RFC 7011 §8 and RFC 3954 §5 scope them. Templates expire when not refreshed in time, IPFIX may
 * withdraw them, and the cache is bounded: when full, new sessions or templates are refused (counted),
 * so that a flood of spoofed exporters cannot evict the real ones.
 */
import type { Template, TemplateKind } from './template';

export interface TemplateCacheOptions {
  /** A template not refreshed (re-sent) for this long is forgotten. Default 30 minutes. */
  readonly templateTimeoutMs: number;
  /** Most exporter sessions held at once. Default 1024. */
  readonly maxSessions: number;
  /** Most templates per session. Default 512. */
  readonly maxTemplatesPerSession: number;
}

export const DEFAULT_TEMPLATE_CACHE_OPTIONS: TemplateCacheOptions = {
  templateTimeoutMs: 30 * 60 * 1000,
  maxSessions: 1024,
  maxTemplatesPerSession: 512,
};

export interface TemplateCacheStats {
  readonly sessions: number;
  readonly templates: number;
  /** Templates learnt, changed, withdrawn by the exporter, and expired. */
  readonly added: number;
  readonly replaced: number;
  readonly withdrawn: number;
  readonly expired: number;
}

interface CachedTemplate {
  readonly template: Template;
  /** The definition's bytes, to recognise a refresh without compiling again. */
  readonly definition: Buffer;
  refreshedMs: number;
}

/** Per-session state: templates, the IPFIX system init time, and the expected sequence number. */
export class Session {
  readonly templates = new Map<number, CachedTemplate>();
  /** From an IPFIX systemInitTimeMilliseconds option record; NaN until one arrives. */
  systemInitMs = NaN;
  /** Sequence number the next message should carry; -1 before the first one. */
  nextSequence = -1;
  /** The last sequence number seen (IPFIX). */
  lastSequence = 0;
  lastSeenMs: number;

  constructor(nowMs: number) {
    this.lastSeenMs = nowMs;
  }
}

export type DefineOutcome = 'added' | 'refreshed' | 'replaced' | 'limit';
export type Lookup = Template | 'unknown' | 'expired';

export class TemplateCache {
  readonly #options: TemplateCacheOptions;
  readonly #sessions = new Map<string, Session>();
  #templates = 0;
  #added = 0;
  #replaced = 0;
  #withdrawn = 0;
  #expired = 0;

  constructor(options: Partial<TemplateCacheOptions> = {}) {
    this.#options = { ...DEFAULT_TEMPLATE_CACHE_OPTIONS, ...options };
  }

  /** The session for this exporter and domain, created if there is room; undefined when full. */
  session(exporter: string, domain: number, nowMs: number): Session | undefined {
    const key = `${exporter}/${domain}`;
    let session = this.#sessions.get(key);
    if (session === undefined) {
      if (this.#sessions.size >= this.#options.maxSessions) this.purge(nowMs);
      if (this.#sessions.size >= this.#options.maxSessions) return undefined;
      session = new Session(nowMs);
      this.#sessions.set(key, session);
    }
    session.lastSeenMs = nowMs;
    return session;
  }

  lookup(session: Session, id: number, nowMs: number): Lookup {
    const cached = session.templates.get(id);
    if (cached === undefined) return 'unknown';
    if (nowMs - cached.refreshedMs > this.#options.templateTimeoutMs) {
      this.#remove(session, id);
      this.#expired++;
      return 'expired';
    }
    return cached.template;
  }

  /** Learns or refreshes a template; `compile` runs only when the definition is new or changed. */
  define(
    session: Session,
    id: number,
    definition: Buffer,
    nowMs: number,
    compile: () => Template | undefined,
  ): DefineOutcome | 'invalid' {
    const cached = session.templates.get(id);
    if (cached !== undefined && cached.definition.equals(definition)) {
      cached.refreshedMs = nowMs;
      return 'refreshed';
    }
    if (cached === undefined && session.templates.size >= this.#options.maxTemplatesPerSession) {
      return 'limit';
    }
    const template = compile();
    if (template === undefined) {
      // RFC 7011 §8: a new definition replaces the old one; an unusable one must not leave the old.
      if (cached !== undefined) this.#remove(session, id);
      return 'invalid';
    }
    if (cached === undefined) this.#templates++;
    session.templates.set(id, { template, definition: Buffer.from(definition), refreshedMs: nowMs });
    if (cached === undefined) this.#added++;
    else this.#replaced++;
    return cached === undefined ? 'added' : 'replaced';
  }

  /** IPFIX template withdrawal of one id; false when it was not known. */
  withdraw(session: Session, id: number): boolean {
    if (!session.templates.has(id)) return false;
    this.#remove(session, id);
    this.#withdrawn++;
    return true;
  }

  /** IPFIX "all templates" withdrawal (template id 2 or 3 with no fields) of one kind. */
  withdrawAll(session: Session, kind: TemplateKind): number {
    let n = 0;
    for (const [id, cached] of session.templates) {
      if (cached.template.kind !== kind) continue;
      this.#remove(session, id);
      n++;
    }
    this.#withdrawn += n;
    return n;
  }

  /** Drops expired templates, and sessions without templates idle for a template timeout. */
  purge(nowMs: number): void {
    const timeout = this.#options.templateTimeoutMs;
    for (const [key, session] of this.#sessions) {
      for (const [id, cached] of session.templates) {
        if (nowMs - cached.refreshedMs <= timeout) continue;
        this.#remove(session, id);
        this.#expired++;
      }
      if (session.templates.size === 0 && nowMs - session.lastSeenMs > timeout) this.#sessions.delete(key);
    }
  }

  stats(): TemplateCacheStats {
    return {
      sessions: this.#sessions.size,
      templates: this.#templates,
      added: this.#added,
      replaced: this.#replaced,
      withdrawn: this.#withdrawn,
      expired: this.#expired,
    };
  }

  #remove(session: Session, id: number): void {
    if (session.templates.delete(id)) this.#templates--;
  }
}
