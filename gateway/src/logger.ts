import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino censors wherever they appear in a log object: keys, certificates, payloads and
 * personal data never reach the logs, even when a whole config or request is logged by mistake.
 */
export const REDACT_PATHS: readonly string[] = [
  'privateKey',
  'privateKeyPem',
  'key',
  'keyPem',
  'cert',
  'certificate',
  'credentials',
  'payload',
  'personalData',
  'transient',
  'authorization',
  '*.privateKey',
  '*.privateKeyPem',
  '*.key',
  '*.keyPem',
  '*.cert',
  '*.certificate',
  '*.credentials',
  '*.payload',
  '*.personalData',
  '*.transient',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

export interface LoggerOptions {
  readonly level: string;
  readonly gatewayId: string;
  /** Where lines go (default stdout); tests pass an in-memory stream. */
  readonly destination?: DestinationStream;
}

/** The gateway's structured logger: JSON lines, one `gatewayId` on each, secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { gatewayId: options.gatewayId },
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
