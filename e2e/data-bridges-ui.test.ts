import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { startRedis, type EngineProcess } from '../test-support/engines.js';
import { api, startHost, type HostProcess } from '../test-support/host-process.js';
import { needs } from '../test-support/peers.js';

const ARTIFACTS = path.join(import.meta.dirname, 'artifacts');

// The stream page's Data bridges card against a real redis-server: a bridge added from the form, its
// counters as messages go out, its state, waiting messages and error while Redis is down, a refused form.
describe.skipIf(needs('chromium', 'redis'))('data bridges on the stream page (host, real Redis)', () => {
  let host: HostProcess;
  let redis: EngineProcess;
  let browser: Browser;
  let key: string;
  const post = async (data: unknown): Promise<void> => {
    const res = await fetch(`${host.url}/api/v1/streams/show/data/score`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(data),
    });
    expect(res.status).toBe(202);
  };

  beforeAll(async () => {
    [host, redis] = await Promise.all([startHost(), startRedis()]);
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'show', ladder: 'passthrough' });
    expect(created.status).toBe(201);
    key = created.json.key as string;
    expect((await api(host, 'PATCH', '/api/v1/config', { bridges: { redisUrl: redis.url } })).status).toBe(200);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    await redis?.stop();
  });

  it('adds a bridge from the form, counts what it sends, shows Redis going away and coming back', async () => {
    const page = await studioPage(browser, host, { width: 1360, height: 1400 });
    await page.goto(`${host.url}/#/streams/show`);
    const card = page.getByTestId('data-bridges');
    await card.waitFor({ timeout: 10_000 });

    // An in-bridge without its source is refused in the form, naming the field.
    await card.getByTestId('bridge-engine').selectOption('redis');
    await card.getByTestId('bridge-direction').selectOption('in');
    await card.getByTestId('bridge-channel').fill('events');
    await card.getByTestId('bridge-add').click();
    await expect.poll(() => card.getByTestId('bridge-error-source').textContent()).toContain('Redis stream key');

    await card.getByTestId('bridge-direction').selectOption('out');
    await card.getByTestId('bridge-channel').fill('score');
    await card.getByTestId('bridge-add').click();
    const row = card.getByTestId('bridge-redis-out');
    await row.waitFor({ timeout: 5000 });
    for (const home of [1, 2, 3]) await post({ home });
    await expect.poll(() => row.locator('[data-field="messages"]').textContent(), { timeout: 8000 }).toBe('3');
    expect(await row.getAttribute('data-state')).toBe('up');

    await redis.down();
    try {
      await post({ home: 4 });
      await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('down');
      await expect.poll(() => row.locator('[data-field="buffered"]').textContent(), { timeout: 5000 }).toBe('1');
      expect(await row.locator('[data-field="last-error"]').textContent()).toMatch(/Redis/);
      expect(await row.locator('[data-field="lag"]').textContent()).not.toBe('—');
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await card.screenshot({ path: path.join(ARTIFACTS, 'data-bridges.png') });
    } finally {
      await redis.up();
    }
    await expect.poll(() => row.locator('[data-field="messages"]').textContent(), { timeout: 15_000 }).toBe('4');
    expect(await row.locator('[data-field="buffered"]').textContent()).toBe('0');

    await row.getByTestId('bridge-remove-redis-out').click();
    await expect.poll(() => card.getByTestId('bridge-redis-out').count(), { timeout: 5000 }).toBe(0);
    expect((await api(host, 'GET', '/api/v1/streams/show/data/bridges')).json.bridges).toEqual([]);
  }, 90_000);
});
