import type { CallResult } from '../../src-shared/contract/index.js';
import { isStudioErrorShape } from '../../src-shared/errors.js';
import { errorFromHttpStatus } from './client-error.js';

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/**
 * A file as the raw body of a request to one of the host's upload routes (a show's artwork, scene
 * media), answered like a contract call: its JSON, or `{error}` turned into the same result shape.
 * Relative to the page: a browser and the Electron window (which shows the host's own page) alike
 * send it to the host with their session.
 */
export async function rawUpload(fetchFn: Fetch, method: 'PUT' | 'POST', url: string, file: Blob): Promise<CallResult<unknown>> {
  let response: Response;
  try {
    response = await fetchFn(url, {
      method,
      credentials: 'same-origin',
      headers: { accept: 'application/json', 'content-type': file.type || 'application/octet-stream' },
      body: file,
    });
  } catch (err) {
    return { ok: false, error: { code: 'UNAVAILABLE', message: `Cannot reach the studio host (${(err as Error).message})` } };
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = undefined;
  }
  if (response.ok) return { ok: true, result: body };
  const error = (body as { error?: unknown } | null | undefined)?.error;
  if (isStudioErrorShape(error)) return { ok: false, error };
  return { ok: false, error: errorFromHttpStatus(response.status, response.statusText).shape };
}
