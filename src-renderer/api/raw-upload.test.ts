import { describe, expect, it } from 'vitest';
import { rawUpload } from './raw-upload.js';

const answer = (status: number, body: string) => async () => new Response(body, { status, statusText: status === 200 ? 'OK' : 'Bad' });

describe('rawUpload', () => {
  it('sends the file as the body with its type and the session', async () => {
    const seen: RequestInit[] = [];
    const file = new Blob([new Uint8Array([0x89, 0x50])], { type: 'image/png' });
    const result = await rawUpload(async (_url, init) => (seen.push(init), new Response('{"id":"show_1"}')), 'PUT', '/api/v1/shows/show_1/artwork', file);
    expect(result).toEqual({ ok: true, result: { id: 'show_1' } });
    expect(seen[0]).toMatchObject({ method: 'PUT', credentials: 'same-origin', body: file, headers: { 'content-type': 'image/png' } });
  });

  it("passes the host's error on, and words an answer without one by its status", async () => {
    const refused = await rawUpload(answer(400, '{"error":{"code":"MEDIA_INVALID","message":"not square"}}'), 'PUT', '/x', new Blob([]));
    expect(refused).toEqual({ ok: false, error: { code: 'MEDIA_INVALID', message: 'not square' } });
    expect(await rawUpload(answer(502, '<html>'), 'PUT', '/x', new Blob([]))).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    const down = await rawUpload(async () => Promise.reject(new Error('refused')), 'POST', '/x', new Blob([]));
    expect(down).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: 'Cannot reach the studio host (refused)' } });
  });
});
