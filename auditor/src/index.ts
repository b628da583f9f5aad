// Public API of @cityledger/auditor.
export const AUDITOR_VERSION = '0.1.0';
