/**
 * The life of an outbox row:
 *
 *     pending ──claim──▶ submitting ──commit──▶ committed   (final: tx id, block)
 *        ▲                   │  └──permanent error──▶ rejected (final: catalogue code)
 *        └─transient error / restart recovery─┘
 *
 * A row is acknowledged to its producer once it is `pending`. Only the submitter moves it on;
 * a restart moves every `submitting` row back to `pending` (its transaction may or may not have
 * reached the chain; resubmitting is harmless because record ids are content-derived).
 */
export const OUTBOX_STATES = ['pending', 'submitting', 'committed', 'rejected'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

/**
 * `personal-data`: an exchange record's personal data (privacy:putPersonalData). The row's payload is
 * the record id; the data itself is held beside it (outbox_transient) until the row commits.
 */
export const OUTBOX_KINDS = ['exchange', 'flow-alert', 'batch', 'personal-data'] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

const TRANSITIONS: Readonly<Record<OutboxState, readonly OutboxState[]>> = {
  pending: ['submitting'],
  submitting: ['pending', 'committed', 'rejected'],
  committed: [],
  rejected: [],
};

export function canTransition(from: OutboxState, to: OutboxState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Settled rows never change again. */
export function isFinal(state: OutboxState): boolean {
  return TRANSITIONS[state].length === 0;
}
