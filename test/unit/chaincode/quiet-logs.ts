// Imported before fabric-contract-api: its loggers read the level once, at load time, and would
// otherwise log every decorator at info level.
process.env.CORE_CHAINCODE_LOGGING_LEVEL = 'error';
