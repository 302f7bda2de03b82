import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHost, type HostProcess } from '../../test-support/host-process.js';

/** Many HTTP clients send `Content-Type: application/json` on every request, body or not. */
describe('HTTP API: a JSON content type with no body', () => {
  let host: HostProcess;
  beforeAll(async () => {
    host = await startHost();
  });
  afterAll(async () => {
    await host.stop('SIGTERM');
  });

  const bare = (method: string, urlPath: string): Promise<Response> =>
    fetch(`${host.url}${urlPath}`, { method, headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' } });

  it('is accepted on GET, HEAD and DELETE (the stream is deleted)', async () => {
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'lenient' })).status).toBe(201);
    const get = await bare('GET', '/api/v1/streams/lenient');
    expect(get.status).toBe(200);
    expect(((await get.json()) as { name: string }).name).toBe('lenient');
    expect((await bare('HEAD', '/api/v1/streams/lenient')).status).toBe(200);
    expect((await bare('DELETE', '/api/v1/streams/lenient')).status).toBeLessThan(300);
    expect((await api(host, 'GET', '/api/v1/streams/lenient')).status).toBe(404);
  });

  it('is BODY_REQUIRED where the call needs a body, and creates nothing', async () => {
    const before = (await api(host, 'GET', '/api/v1/streams')).json;
    for (const body of [undefined, '', '  \n']) {
      const res = await fetch(`${host.url}/api/v1/streams`, {
        method: 'POST',
        headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
        code: 'BODY_REQUIRED',
        message: expect.stringContaining('POST /streams needs a JSON body'),
      });
    }
    expect((await api(host, 'GET', '/api/v1/streams')).json).toEqual(before);
  });

  it('still goes through where the body is optional (a key rotation)', async () => {
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'rotating' })).status).toBe(201);
    const res = await bare('POST', '/api/v1/streams/rotating/rotate-key');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { key: string }).key).toMatch(/^sk_/);
  });
});
