// Public API of @cityledger/core. Filled in by the chaincode issue (#3).
export const CORE_VERSION = '0.1.0';
