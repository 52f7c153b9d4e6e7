import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { maskText } from './mask.js';

export type { Logger } from 'pino';

/** Field paths whose values are secrets or personal data, wherever they appear. */
const REDACT_PATHS = [
  'authorization',
  'token',
  'api_key',
  'secret',
  'password',
  'email',
  'phone',
  '*.authorization',
  '*.token',
  '*.api_key',
  '*.secret',
  '*.password',
  '*.email',
  '*.phone',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
];

const PII_FIELDS = new Set(['email', 'phone']);

export interface LoggerSettings {
  level: string;
  /** Where lines go; stdout when absent. Tests pass a stream to read them. */
  destination?: DestinationStream;
}

/** Structured JSON logs with secrets removed and personal data masked. */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: 'notifyd' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: REDACT_PATHS,
      // Personal data keeps a recognisable shape; secrets are removed outright.
      censor: (value, path) =>
        PII_FIELDS.has(path.at(-1) ?? '') && typeof value === 'string'
          ? maskText(value)
          : '[redacted]',
    },
    formatters: { level: (label) => ({ level: label }) },
    hooks: {
      logMethod(args, method) {
        const masked = args.map((a) => (typeof a === 'string' ? maskText(a) : a));
        method.apply(this, masked as Parameters<typeof method>);
      },
    },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
