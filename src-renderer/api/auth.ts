import { isStudioErrorShape } from '../../src-shared/errors.js';
import { ClientError, errorFromHttpStatus } from './client-error.js';

/** Accepts the bare code or the whole link the host printed (`.../login?code=XXXX`). */
export function extractLoginCode(text: string): string {
  const trimmed = text.trim();
  const match = /[?&]code=([^&#\s]+)/.exec(trimmed);
  return match?.[1] ? decodeURIComponent(match[1]) : trimmed;
}

async function post(path: string, body: unknown): Promise<void> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (err) {
    throw new ClientError({ code: 'UNAVAILABLE', message: `Cannot reach the studio host (${(err as Error).message})` });
  }
  if (response.ok) return;
  let error: unknown;
  try {
    error = ((await response.json()) as { error?: unknown }).error;
  } catch {
    error = undefined;
  }
  throw isStudioErrorShape(error) ? new ClientError(error) : errorFromHttpStatus(response.status, response.statusText);
}

/** Trades a login code for the session cookie (HTTP only; the desktop app needs none). */
export function loginWithCode(code: string): Promise<void> {
  return post('/auth/login', { code });
}

export function logout(): Promise<void> {
  return post('/auth/logout', {});
}
