/** A batch whose first feature value is this makes support/crashing-worker.ts die. */
export const CRASH_MARKER = 31337;
