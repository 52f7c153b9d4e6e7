/** The logger's options (log.*). */
import { defineOptions, type SectionOf } from './option-spec.js';

/** What is logged. */
export const LOG_OPTIONS = defineOptions([
  {
    path: 'log.level',
    type: 'enum',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    env: ['LOG_LEVEL'],
    doc: 'Least severe level written to the log.',
  },
  {
    path: 'log.access',
    type: 'boolean',
    default: false,
    doc: 'Log every HTTP request (method, route, status, duration, request id).',
  },
]);

/** The logger's settings as loaded: `log.*`. */
export type LogOptions = SectionOf<typeof LOG_OPTIONS, 'log'>;
