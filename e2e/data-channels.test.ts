import { encode } from '@msgpack/msgpack';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backoffDelay } from '../src-shared/backoff.js';
import { connectData } from '../src-shared/data-client.js';
import { launchChromium, pageAt } from '../test-support/browser.js';
import { startDataApp, type DataApp } from '../test-support/data-app.js';
import { needs } from '../test-support/peers.js';
import { waitFor } from '../test-support/wait.js';
import { nextFrame, openSocket } from '../test-support/ws.js';

type Seen = { seq: number; data: unknown; transport: string }[];

// An EventSource in Chromium (the browser's own, and the SDK over it) receives what HTTP POST (JSON and
// MessagePack) and a WebSocket publish send, and resumes after the host drops every connection.
describe.skipIf(needs('chromium'))('data channels in Chromium: EventSource and the SDK', () => {
  let d: DataApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    d = await startDataApp({ alpha: { key: 'key-alpha' } }, { heartbeatSeconds: 2 });
    browser = await launchChromium();
    page = await pageAt(browser, d.origin);
  });
  afterAll(async () => {
    await browser?.close();
    await d?.close();
  });

  it('receives every publish over both, and resumes after a drop without loss or duplicates', async () => {
    // The SDK inlined as the player pages do (its text, no bundler), the house's backoff beside it; __name: the
    // test transform may wrap named functions in it.
    await page.addScriptTag({ content: `var __name = (f) => f;\n${backoffDelay.toString()}\n${connectData.toString()}` });
    await page.evaluate(() => {
      const w = window as unknown as { native: Seen; sdk: Seen; states: string[] };
      w.native = [];
      w.sdk = [];
      w.states = [];
      const es = new EventSource('/api/v1/streams/alpha/data/score/events');
      es.addEventListener('message', (ev) => {
        const m = JSON.parse(ev.data) as { seq: number; data: unknown };
        w.native.push({ seq: m.seq, data: m.data, transport: 'native' });
      });
      const g = window as unknown as { connectData: typeof connectData; backoffDelay: typeof backoffDelay };
      g.connectData({
        baseUrl: location.origin,
        stream: 'alpha',
        channel: 'score',
        transport: 'sse',
        openEvents: (url) => new EventSource(url) as never,
        retryDelay: (n) => g.backoffDelay(n, { baseMs: 200, maxMs: 2000, jitter: 0.2 }),
        heartbeatTimeoutMs: 6000,
        onMessage: (m) => w.sdk.push({ seq: m.seq, data: m.data, transport: 'sdk' }),
        onState: (s) => w.states.push(s),
      });
    });
    await waitFor('two subscribers', () => d.hub.stats('alpha').find((c) => c.channel === 'score')?.subscribers === 2, 10_000, 50);

    const url = `${d.origin}/api/v1/streams/alpha/data/score`;
    const headers = { Authorization: 'Bearer key-alpha' };
    expect((await fetch(url, { method: 'POST', body: JSON.stringify({ n: 1 }), headers: { ...headers, 'Content-Type': 'application/json' } })).status).toBe(202);
    expect((await fetch(url, { method: 'POST', body: new Uint8Array(encode({ n: 2 })), headers: { ...headers, 'Content-Type': 'application/msgpack' } })).status).toBe(202);
    const ws = await openSocket(`${url}/ws`, headers);
    ws.send(JSON.stringify({ type: 'publish', ref: 'a', data: { n: 3 } }));
    await nextFrame(ws);
    ws.close();

    const seen = (): Promise<{ native: Seen; sdk: Seen }> =>
      page.evaluate(() => {
        const w = window as unknown as { native: Seen; sdk: Seen };
        return { native: w.native, sdk: w.sdk };
      });
    await waitFor('three messages in the page', async () => {
      const s = await seen();
      return s.native.length === 3 && s.sdk.length === 3;
    }, 10_000, 50);

    // The host drops every connection; two messages are published before the browser is back.
    d.app.server.closeAllConnections();
    // (In process: the test's own keep-alive connection was dropped too.)
    for (const n of [4, 5]) {
      d.hub.publish({ stream: 'alpha', channel: 'score', contentType: 'application/json', data: { n }, source: { kind: 'api', transport: 'internal', remoteAddress: null } });
    }
    await waitFor('both resumed', async () => {
      const s = await seen();
      return s.native.length >= 5 && s.sdk.length >= 5;
    }, 15_000, 100);
    const s = await seen();
    const expected = [1, 2, 3, 4, 5].map((n) => ({ seq: n, data: { n } }));
    expect(s.native.map(({ seq, data }) => ({ seq, data }))).toEqual(expected);
    expect(s.sdk.map(({ seq, data }) => ({ seq, data }))).toEqual(expected);
    const states = await page.evaluate(() => (window as unknown as { states: string[] }).states);
    expect(states).toContain('waiting');
    expect(states.at(-1)).toBe('open');
  });
});
