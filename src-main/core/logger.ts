import fs from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** Keys whose values never reach a log line. */
const SECRET_KEYS = ['token', 'apiToken', 'password', 'key', 'streamKey', 'secret', 'authorization', 'cookie'];

export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
];

export interface LoggerOptions {
  level: string;
  /** JSON lines are appended here; created if missing. */
  file?: string;
  /** Also write JSON lines to stderr (the console). */
  console?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const streams: pino.StreamEntry[] = [];
  if (options.file) {
    fs.mkdirSync(path.dirname(options.file), { recursive: true });
    streams.push({ level: 'trace', stream: pino.destination({ dest: options.file, sync: true, mkdir: true }) });
  }
  if (options.console) streams.push({ level: 'trace', stream: process.stderr });
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.multistream(streams.length > 0 ? streams : [{ level: 'trace', stream: process.stderr }]),
  );
}

/** A logger that drops everything: for tests and pure helpers. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
