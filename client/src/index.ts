// Public API of @cityledger/client.
export const CLIENT_VERSION = '0.1.0';
