// Edge functions as an operator meets them on the Edges page: two real edges (nginx + njs), a function
// made from a template and rolled out to both, a version nginx refuses (its message in the dialog, at
// the function's own line; nothing changes on the edges), and a version that throws, rolled back by
// itself, with its errors listed. Screenshots go to e2e/artifacts.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { startEdge, type EdgeProcess } from '../test-support/edge.js';
import { needs } from '../test-support/peers.js';
import { waitFor } from '../test-support/wait.js';
import { api, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

/** The status of a GET on a new connection (an nginx worker of an older config may hold a kept-alive one). */
function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    }).on('error', reject);
  });
}

describe.skipIf(needs('chromium', 'nginx'))('edge functions on the Edges page in Chromium', () => {
  let host: HostProcess;
  let browser: Browser;
  let page: Page;
  const edges: EdgeProcess[] = [];

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    host = await startHost();
    for (const region of ['eu-west', 'us-east']) edges.push(await startEdge({ origin: host.url, token: host.token, region }));
    await waitFor('two edges in rotation', async () => ((await api(host, 'GET', '/api/v1/cdn/edges')).json as unknown as any[]).filter((e) => e.healthy).length === 2, 30_000);
    browser = await launchChromium();
    page = await studioPage(browser, host, { width: 1360, height: 1100 });
  });

  afterAll(async () => {
    await browser?.close();
    for (const edge of edges) await edge.stop();
    await host?.stop();
    for (const edge of edges) edge.remove();
  });

  it('adds a function from a template and rolls it out to both edges', { timeout: 60_000 }, async () => {
    await page.getByTestId('nav-edges').click();
    await page.getByTestId('functions-empty').waitFor();
    await page.getByTestId('function-new').click();
    await page.getByTestId('function-template').selectOption('token-check');
    expect(await page.getByTestId('function-name').inputValue()).toBe('token-check');
    expect(await page.getByTestId('function-code').inputValue()).toContain("var TOKEN = 'change-me';");
    await page.getByTestId('function-code').fill((await page.getByTestId('function-code').inputValue()).replace('change-me', 'opensesame'));
    await page.screenshot({ path: path.join(ARTIFACTS, 'edge-function-new.png') });
    await page.getByTestId('function-submit').click();
    // The dialog closes once the host answered: every edge applied it. Refused, it says why: that is the failure's message.
    const outcome = async (): Promise<string> => {
      if (await page.getByTestId('function-error').isVisible()) return `refused: ${await page.getByTestId('function-error').textContent()}`;
      return (await page.getByTestId('function-dialog').count()) === 0 ? 'closed' : 'open';
    };
    await expect.poll(outcome, { timeout: 20_000 }).not.toBe('open');
    expect(await outcome()).toBe('closed');
    await page.getByTestId('function-row-token-check').waitFor();
    await expect.poll(() => page.getByTestId('function-edges-token-check').textContent(), { timeout: 15_000 }).toBe('applied on 2 of 2 edges');
    expect(await page.getByTestId('function-version-token-check').textContent()).toBe('v1');
    for (const edge of edges) {
      expect(await status(`${edge.url}/live/show/index.m3u8`)).toBe(403);
      expect(await status(`${edge.url}/live/show/index.m3u8?token=opensesame`)).not.toBe(403);
    }
  });

  it('shows nginx\'s refusal of a new version at the function\'s line; the edges keep the running one', { timeout: 60_000 }, async () => {
    await page.getByTestId('function-edit-token-check').click();
    const code = await page.getByTestId('function-code').inputValue();
    await page.getByTestId('function-code').fill(code.replace("return { status: 403", "return { status: 403 ;"));
    await page.getByTestId('function-submit').click();
    const error = page.getByTestId('function-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/^nginx refused "token-check": SyntaxError: .* at line \d+ of "token-check"$/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'edge-function-refused.png') });
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('function-version-token-check').textContent()).toBe('v1');
    for (const edge of edges) expect(await status(`${edge.url}/live/show/index.m3u8`)).toBe(403);
  });

  it('a version that throws is rolled back by itself, and its errors are listed', { timeout: 60_000 }, async () => {
    const patched = await api(host, 'PATCH', '/api/v1/cdn/functions/token-check', {
      code: 'function handle(req) {\n  return { status: req.args.token.length ? 403 : 401 };\n}\n',
      rollback: { errorRate: 0.5, minErrors: 4 },
    });
    expect(patched.status, patched.text).toBe(200);
    await expect.poll(() => page.getByTestId('function-version-token-check').textContent(), { timeout: 10_000 }).toBe('v2');
    for (let i = 0; i < 3; i++) for (const edge of edges) expect(await status(`${edge.url}/live/show/v${i}.m3u8`)).toBe(500);
    await expect.poll(() => page.getByTestId('function-version-token-check').textContent(), { timeout: 20_000 }).toBe('v1');
    expect(await page.getByTestId('function-rolled-token-check').textContent()).toMatch(/^v2 rolled back by itself: \d+ of \d+ calls threw on the edges \(last: TypeError: cannot get property "length" of undefined\)$/);
    await page.getByTestId('function-toggle-token-check').click();
    const errors = page.getByTestId('function-errors-token-check');
    await errors.waitFor();
    expect(await errors.textContent()).toContain('TypeError: cannot get property "length" of undefined');
    await expect.poll(() => page.getByTestId('function-counters-token-check').textContent(), { timeout: 10_000 }).toMatch(/^v1: \d+ calls, 0 errors/);
    await page.getByTestId('functions-card').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'edge-functions.png') });
    // The page shows the version once it is decided; each edge runs it once it applied it.
    for (const edge of edges) await expect.poll(() => status(`${edge.url}/live/show/index.m3u8`), { timeout: 10_000 }).toBe(403);
  });
});
