import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyGuard } from './key-guard.js';

// The content-key rate limit through Fastify's inject, on a clock the test moves.
describe('KeyGuard', () => {
  let app: FastifyInstance;
  let now = 1_000_000;
  const guard = new KeyGuard({ perTenSeconds: 10 });

  beforeAll(async () => {
    app = Fastify();
    app.get('/key', (req, reply) => (guard.limited(req, reply, now) ? reply : reply.send('key')));
    await app.ready();
  });
  afterAll(() => app.close());

  const ask = async (sid = 'a') => {
    const res = await app.inject({ method: 'GET', url: `/key?sid=${sid}` });
    return { status: res.statusCode, retryAfter: res.headers['retry-after'], code: res.statusCode === 429 ? (res.json() as { error: { code: string } }).error.code : null };
  };
  const burst = async (n: number, sid = 'a'): Promise<number> => {
    let served = 0;
    for (let i = 0; i < n; i += 1) if ((await ask(sid)).status === 200) served += 1;
    return served;
  };

  it('serves the limit in 10 s, then 429 RATE_LIMITED with Retry-After, per viewer', async () => {
    expect(await burst(10)).toBe(10);
    expect(await ask()).toEqual({ status: 429, retryAfter: '10', code: 'RATE_LIMITED' });
    expect(await burst(10, 'b')).toBe(10);
  });

  it('lets no double burst through across the edge of a window (sliding, not fixed)', async () => {
    const start = now;
    expect(await burst(10, 'c')).toBe(10);
    now = start + 9_900;
    expect(await burst(10, 'c')).toBe(0);
    now = start + 10_100; // just past the edge: a fixed window would serve 10 more; the last one still counts nearly whole
    expect(await burst(10, 'c')).toBe(0);
    now = start + 15_000; // half of it has slid out (refusals cost nothing)
    expect(await burst(10, 'c')).toBe(5);
    now = start + 40_000; // long quiet: the full limit again
    expect(await burst(12, 'c')).toBe(10);
  });
});
