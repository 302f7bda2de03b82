import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src-main/core/logger.js';
import { overlayPlugin } from '../src-main/data/overlay/plugin.js';
import { WindowService } from '../src-main/data/windows/service.js';
import { launchChromium } from '../test-support/browser.js';
import { startDataApp, type DataApp } from '../test-support/data-app.js';
import { needs } from '../test-support/peers.js';

const ARTIFACTS = path.join(import.meta.dirname, 'artifacts');

// The overlay page in Chromium over the host's HTTP app, the data server and a real hub: a poll whose votes
// are counted live by the window service, chat lines and a score, all arriving over SSE.
describe.skipIf(needs('chromium'))('overlay page in Chromium', () => {
  let d: DataApp;
  let windows: WindowService;
  let browser: Browser;
  let page: Page;

  const post = async (channel: string, data: unknown, stream = 'alpha'): Promise<void> => {
    const res = await fetch(`${d.origin}/api/v1/streams/${stream}/data/${channel}`, {
      method: 'POST',
      headers: { authorization: `Bearer key-${stream}`, 'content-type': 'application/json' },
      body: JSON.stringify(data),
    });
    expect(res.status).toBe(202);
  };
  /** A chat line as the chat service publishes it (the channel is the studio's own). */
  const chat = (displayName: string, text: string, id: string) =>
    d.hub.publish({ stream: 'alpha', channel: 'chat', contentType: 'application/json', data: { type: 'chat', id, displayName, text, deleted: false }, source: { kind: 'studio', transport: 'internal', remoteAddress: null } });
  const votesOf = (option: string) => page.locator(`#poll .option[data-option="${option}"]`).getAttribute('data-votes', { timeout: 5000 });

  beforeAll(async () => {
    d = await startDataApp({ alpha: { key: 'key-alpha' }, secret: { key: 'key-secret', private: true } }, { heartbeatSeconds: 5 }, (parts) => [
      overlayPlugin({ access: parts.access, streams: parts.streams }),
    ]);
    windows = new WindowService({ db: d.db, bus: d.bus, hub: d.hub, metrics: new Registry(), logger: silentLogger() });
    windows.start();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  });
  afterAll(async () => {
    await browser?.close();
    windows?.dispose();
    await d?.close();
  });

  it('is framable, 404 for no stream, 403 for a private stream without its signature', async () => {
    const ok = await fetch(`${d.origin}/overlay/alpha`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-frame-options')).toBeNull();
    expect(await ok.text()).toContain('background: transparent');
    expect((await fetch(`${d.origin}/overlay/nope`)).status).toBe(404);
    expect((await fetch(`${d.origin}/overlay/secret`)).status).toBe(403);
    const signed = new URLSearchParams(Object.entries(d.signer.sign('secret', { expiresInSec: 60 }))).toString();
    expect((await fetch(`${d.origin}/overlay/secret?${signed}`)).status).toBe(200);
    // The signature goes on to the event streams: the private stream's score shows.
    await post('score', { home: 7, away: 5 }, 'secret');
    const secret = await browser.newPage();
    await secret.goto(`${d.origin}/overlay/secret?${signed}&show=score`);
    await expect.poll(() => secret.locator('#score').getAttribute('data-text'), { timeout: 5000 }).toBe('Home 7 – 5 Away');
    await secret.close();
  });

  it('shows the score, the poll with votes counted live, and chat lines', async () => {
    // Posted before the page opens: it shows them at once from the kept history.
    await post('score', { home: 1, away: 0, homeName: 'Lions', awayName: 'Bears' });
    await post('poll', { question: 'Who wins?', options: ['Lions', 'Bears', 'Draw'] });
    await page.goto(`${d.origin}/overlay/alpha`);
    await page.locator('#score[data-empty="no"]').waitFor({ timeout: 5000 });
    expect(await page.locator('#score').getAttribute('data-text')).toBe('Lions 1 – 0 Bears');
    await page.locator('#poll[data-empty="no"]').waitFor({ timeout: 5000 });
    expect(await page.locator('#question').textContent()).toBe('Who wins?');

    for (const option of ['Lions', 'Lions', 'Bears']) await post('votes', { option });
    await expect.poll(() => votesOf('Lions'), { timeout: 5000 }).toBe('2');
    expect(await votesOf('Bears')).toBe('1');
    for (const option of ['Bears', 'Bears', 'Draw']) await post('votes', { option });
    await expect.poll(() => votesOf('Bears'), { timeout: 5000 }).toBe('3');
    expect(await votesOf('Draw')).toBe('1');
    expect(await page.locator('#total').textContent()).toBe('6 votes');

    chat('ana', 'what a goal!', 'chat:1');
    chat('ben', 'Bears will come back', 'chat:2');
    await post('score', { home: 2, away: 0, homeName: 'Lions', awayName: 'Bears' });
    await expect.poll(() => page.locator('#lines .line').allTextContents(), { timeout: 5000 }).toEqual(['anawhat a goal!', 'benBears will come back']);
    await expect.poll(() => page.locator('#score').getAttribute('data-text'), { timeout: 5000 }).toBe('Lions 2 – 0 Bears');
    // Transparent for a browser source: nothing painted where no card is.
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgba(0, 0, 0, 0)');

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'overlay.png'), omitBackground: true });
    // A line the moderator deletes leaves the overlay.
    d.hub.publish({ stream: 'alpha', channel: 'chat', contentType: 'application/json', data: { type: 'chat-delete', id: 'chat:1' }, source: { kind: 'studio', transport: 'internal', remoteAddress: null } });
    await expect.poll(() => page.locator('#lines .line .text').allTextContents(), { timeout: 5000 }).toEqual(['Bears will come back']);
  });

  it('a poll posted while the votes session is open counts only its own votes, live and after a reload', async () => {
    // The previous test's poll had 6 votes in a session still open: the next poll starts from none.
    await post('poll', { question: 'Next goal?', options: ['Lions', 'Bears'] });
    await expect.poll(() => page.locator('#question').textContent(), { timeout: 5000 }).toBe('Next goal?');
    expect(await page.locator('#total').textContent()).toBe('0 votes');
    await post('votes', { option: 'Bears' });
    await expect.poll(() => votesOf('Bears'), { timeout: 5000 }).toBe('1');
    expect(await votesOf('Lions')).toBe('0');
    // A browser source reloads: the history replays the channels in any order and gives the same counts.
    await page.reload();
    await expect.poll(() => page.locator('#question').textContent(), { timeout: 5000 }).toBe('Next goal?');
    await expect.poll(() => votesOf('Bears'), { timeout: 5000 }).toBe('1');
    expect(await votesOf('Lions')).toBe('0');
    expect(await page.locator('#total').textContent()).toBe('1 vote');
  });
});
