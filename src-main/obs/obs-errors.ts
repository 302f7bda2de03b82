import type { ErrorCode } from '../../src-shared/errors.js';
import { StudioError } from '../core/errors.js';

/** obs-websocket close code: the password was wrong. */
export const OBS_AUTH_FAILED_CLOSE = 4009;

/** The studio code for an obs-websocket request status or close code (protocol v5). Pure. */
export function studioCodeOfObs(code: number | undefined): ErrorCode {
  if (code === OBS_AUTH_FAILED_CLOSE) return 'OBS_AUTH_FAILED';
  if (code === 600) return 'NOT_FOUND'; // ResourceNotFound
  // ResourceAlreadyExists, InvalidResourceState, output (not) running/paused, studio mode (not) active.
  if (code === 601 || code === 604 || code === 500 || code === 501 || code === 502 || code === 506 || code === 507) return 'CONFLICT';
  if (code !== undefined && code >= 300 && code < 500) return 'BAD_REQUEST'; // missing/invalid request fields
  if (code === 207) return 'OBS_NOT_CONNECTED'; // NotReady: OBS is starting or shutting down
  return 'OBS_REQUEST_FAILED';
}

/** Any error from obs-websocket-js (OBSWebSocketError has a numeric `code`) as a StudioError. */
export function obsError(error: unknown, what: string): StudioError {
  if (error instanceof StudioError) return error;
  const code = typeof (error as { code?: unknown })?.code === 'number' ? (error as { code: number }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const studioCode = studioCodeOfObs(code);
  const text = studioCode === 'OBS_AUTH_FAILED' ? 'OBS refused the password (4009)' : `${what}: ${message || 'OBS did not answer'}`;
  return new StudioError(studioCode, text, code === undefined ? undefined : { obsCode: code });
}
