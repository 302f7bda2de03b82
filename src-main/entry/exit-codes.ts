import { StudioError } from '../core/errors.js';

/** Start-up faults a person fixes (config, port, home, bind) exit 2; anything else exits 1. */
const USAGE_CODES = new Set(['CONFIG_INVALID', 'PORT_IN_USE', 'HOME_UNWRITABLE', 'HOME_LOCKED', 'HOME_TOO_NEW', 'HOME_UNRECOGNISED', 'INSECURE_BIND', 'VALIDATION_FAILED', 'BACKUP_INVALID', 'HOME_NOT_EMPTY']);

/** A refusal with a message that says what to fix: not a crash (the start guard does not count it). */
export function isStartRefusal(error: unknown): boolean {
  return error instanceof StudioError && USAGE_CODES.has(error.code);
}

export function exitCodeFor(error: unknown): number {
  return isStartRefusal(error) ? 2 : 1;
}
