import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { startHost, type HostProcess } from '../test-support/host-process.js';
import { needs } from '../test-support/peers.js';

const ARTIFACTS = path.join(import.meta.dirname, 'artifacts');

// Windows through a real host process: data published over HTTP is counted by the window service, drawn
// live on the stream page (charts, bars, channel counters) and shown by the overlay page.
describe.skipIf(needs('chromium'))('stream data on the studio page and the overlay (host)', () => {
  let host: HostProcess;
  let browser: Browser;
  let key: string;
  const post = async (channel: string, data: unknown): Promise<void> => {
    const res = await fetch(`${host.url}/api/v1/streams/show/data/${channel}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(data),
    });
    expect(res.status).toBe(202);
  };

  beforeAll(async () => {
    host = await startHost();
    const res = await fetch(`${host.url}/api/v1/streams`, {
      method: 'POST',
      headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'show', ladder: 'passthrough' }),
    });
    expect(res.status).toBe(201);
    key = ((await res.json()) as { key: string }).key;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await host?.stop();
  });

  it('charts the windows and counts the channels live; the overlay shows the poll, votes and score', async () => {
    const page = await studioPage(browser, host, { width: 1360, height: 1400 });
    await page.goto(`${host.url}/#/streams/show`);
    await page.getByTestId('data-window-poll').waitFor({ timeout: 10_000 });

    const overlay = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await post('poll', { question: 'Best goal?', options: ['first', 'second'] });
    await post('score', { home: 3, away: 1 });
    await overlay.goto(`${host.url}/overlay/show`);
    await overlay.locator('#poll[data-empty="no"]').waitFor({ timeout: 5000 });

    for (const option of ['first', 'second', 'second']) await post('votes', { option });
    for (const emoji of ['🔥', '🔥', '👏']) await post('reactions', { emoji });
    const bar = (w: string, label: string) => page.locator(`[data-testid="bars-window-${w}"] li[data-label="${label}"]`);
    await expect.poll(() => bar('poll', 'second').getAttribute('data-count', { timeout: 5000 }), { timeout: 5000 }).toBe('2');
    expect(await bar('poll', 'first').getAttribute('data-count')).toBe('1');
    await expect.poll(() => bar('reactions', '🔥').getAttribute('data-count', { timeout: 5000 }), { timeout: 5000 }).toBe('2');
    await expect.poll(() => page.getByTestId('data-channel-votes').locator('[data-field="published"]').textContent({ timeout: 5000 }), { timeout: 6000 }).toBe('3');
    // Summed over the minute columns: the 8 messages may straddle a minute's end.
    const minutes = async () => (await page.getByTestId('chart-window-messages').locator('.data-column-count').allTextContents()).reduce((a, n) => a + Number(n), 0);
    await expect.poll(minutes, { timeout: 5000 }).toBe(8);

    // A chat line sent by the studio reaches the overlay through the chat service and the hub's `chat` channel.
    const sent = await fetch(`${host.url}/api/v1/chat/stream:show/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'welcome to the show' }),
    });
    expect(sent.status).toBe(201);
    await expect.poll(() => overlay.locator('#lines .line .text').allTextContents(), { timeout: 5000 }).toEqual(['welcome to the show']);
    await expect.poll(() => overlay.locator('#poll .option[data-option="second"]').getAttribute('data-votes'), { timeout: 5000 }).toBe('2');
    expect(await overlay.locator('#score').getAttribute('data-text')).toBe('Home 3 – 1 Away');

    // The chat line is counted with the channels too (the table refreshes every 2 s): the screenshot shows it.
    await expect.poll(() => page.getByTestId('data-channel-chat').locator('[data-field="published"]').textContent({ timeout: 5000 }), { timeout: 6000 }).toBe('1');
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.getByTestId('stream-data').screenshot({ path: path.join(ARTIFACTS, 'stream-data.png') });
    await overlay.screenshot({ path: path.join(ARTIFACTS, 'overlay-host.png'), omitBackground: true });

    const metrics = await (await fetch(`${host.url}/metrics`, { headers: { authorization: `Bearer ${host.token}` } })).text();
    expect(metrics).toContain('streams_data_messages_total{stream="show",channel="votes"} 3');
  });

  it('a restarted host goes on counting the poll in progress (windows rebuilt from the kept messages)', async () => {
    expect(await host.stop()).toBe(0);
    host = await startHost({ home: host.home });
    await post('votes', { option: 'first' });
    const overlay = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await overlay.goto(`${host.url}/overlay/show`);
    const votesOf = (option: string) => overlay.locator(`#poll .option[data-option="${option}"]`).getAttribute('data-votes', { timeout: 5000 });
    // Before the restart: first 1, second 2. A session started afresh would show first 1, second 0.
    await expect.poll(() => votesOf('first'), { timeout: 5000 }).toBe('2');
    expect(await votesOf('second')).toBe('2');
    await overlay.close();
  });
});
