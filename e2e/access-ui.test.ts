// People, accounts, tokens and the audit log as a creator and a producer meet them in Chromium: the
// owner invites a producer, the producer follows the link, chooses a password, signs in with it and
// a TOTP code, makes an API token, and sees neither People nor the audit log. Screenshots go to
// e2e/artifacts.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../src-main/auth/totp.js';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { needs } from '../test-support/peers.js';
import { api, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { sleep, waitFor } from '../test-support/wait.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');
const PASSWORD = 'a long enough password';

describe.skipIf(needs('chromium'))('people and access in Chromium', () => {
  let host: HostProcess;
  let browser: Browser;
  let owner: Page;
  let inviteUrl = '';

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    host = await startHost();
    browser = await launchChromium();
    owner = await studioPage(browser, host, { width: 1360, height: 1100 });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await host?.stop();
  });

  it('the dashboard says which certificate the studio serves (here none: plain HTTP)', async () => {
    await owner.getByTestId('certificate-card').waitFor();
    expect(await owner.getByTestId('certificate-state').textContent()).toContain('plain HTTP');
  });

  it('the dashboard\'s Backups card backs the home up on demand and lists the file', async () => {
    const card = owner.getByTestId('backups-card');
    await card.waitFor();
    expect(await owner.getByTestId('backups-state').textContent()).toBe('no backup yet');
    expect(await owner.getByTestId('backups-schedule').textContent()).toMatch(/Every 24 h, next in \d+m \d+s · keeps 7 · in .*backups/);
    await owner.getByTestId('backups-now').click();
    const item = owner.getByTestId('backup-item');
    await item.first().waitFor({ timeout: 20_000 });
    const name = (await item.first().getAttribute('data-name'))!;
    expect(name).toMatch(/^streams-backup-\d{8}-\d{6}\.tar\.gz$/);
    expect(fs.statSync(path.join(host.home, 'backups', name)).size).toBeGreaterThan(1000);
    await waitFor('the card saying it backed up', async () => /^backed up just now$/.test((await owner.getByTestId('backups-state').textContent()) ?? ''), 10_000);
    await card.scrollIntoViewIfNeeded();
    await card.screenshot({ path: path.join(ARTIFACTS, 'dashboard-backups.png') });
  });

  it('the owner invites a producer and gets a link to send', async () => {
    await owner.getByTestId('nav-access').click();
    await owner.getByTestId('people-card').waitFor();
    await owner.getByTestId('invite-name').fill('sam');
    await owner.getByTestId('invite-role').selectOption('producer');
    await owner.getByTestId('invite-submit').click();
    const link = owner.getByTestId('invite-link');
    await link.waitFor();
    inviteUrl = (await link.locator('code').textContent())!.trim();
    expect(inviteUrl).toMatch(new RegExp(`^${host.url}/invite/[A-Za-z0-9_-]{32}$`));
    await owner.getByTestId('person-sam').waitFor();
    expect(await owner.getByTestId('person-sam').textContent()).toContain('invited');
    await owner.screenshot({ path: path.join(ARTIFACTS, 'access-owner.png'), fullPage: true });
  });

  it('the producer chooses a password, signs in with it, turns on TOTP and signs in with a code', async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 1000 } });
    const page = await context.newPage();
    await page.goto(inviteUrl);
    await page.getByRole('heading', { name: 'Welcome, sam' }).waitFor();
    await page.locator('#password').fill(PASSWORD);
    await page.locator('#again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByTestId('page-dashboard').waitFor();
    // A producer: no People, no audit log; their own account and tokens.
    await page.getByTestId('nav-access').click();
    await page.getByTestId('account-card').waitFor();
    expect(await page.getByTestId('people-card').count()).toBe(0);
    expect(await page.getByTestId('audit-card').count()).toBe(0);
    await page.getByTestId('totp-start').click();
    await page.getByTestId('totp-setup').waitFor();
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    // The code of the step before (one step of drift is allowed), so that the sign-in below, with the
    // current step's code, is not refused as a replay of it. It must reach the host before the step after
    // begins, when it would be two steps old: not made in a step's last 15 s (a CI pair's load average of
    // 12 delayed it past the step's end).
    const intoStep = (Date.now() / 1000) % 30;
    if (intoStep > 15) await sleep((30 - intoStep) * 1000 + 100);
    await page.getByTestId('totp-code').fill(totpCode(secret, Math.floor(Date.now() / 1000) - 30));
    await page.getByTestId('totp-confirm').click();
    await page.getByText('On: signing in with your password asks for a code').waitFor();
    // A token for OBS: only groups a producer has are offered.
    expect(await page.getByTestId('scope-users').count()).toBe(0);
    await page.getByTestId('token-name').fill('obs laptop');
    await page.getByTestId('scope-obs').selectOption('write');
    await page.getByTestId('token-create').click();
    const token = (await page.getByTestId('token-made').locator('.copy-value').textContent())!.trim();
    expect(token).toMatch(/^st_/);
    expect((await api(host, 'GET', '/api/v1/obs/connections', undefined, token)).status).toBe(200);
    expect((await api(host, 'GET', '/api/v1/streams', undefined, token)).status).toBe(403);
    await page.screenshot({ path: path.join(ARTIFACTS, 'access-producer.png'), fullPage: true });
    await context.close();

    // Signing in again, with the password and then the code.
    const again = await browser.newContext();
    const login = await again.newPage();
    await login.goto(`${host.url}/login`);
    await login.locator('#name').fill('sam');
    await login.locator('#password').fill(PASSWORD);
    await login.getByRole('button', { name: 'Sign in' }).click();
    await login.locator('#code').waitFor({ state: 'visible' });
    expect(await login.locator('#error').textContent()).toContain('6-digit code');
    await login.screenshot({ path: path.join(ARTIFACTS, 'access-sign-in-code.png') });
    await login.locator('#code').fill(totpCode(secret));
    await login.getByRole('button', { name: 'Sign in' }).click();
    await login.getByTestId('page-dashboard').waitFor();
    await again.close();
  }, 60_000);

  it('the owner sees it all in the audit log', async () => {
    await owner.reload();
    await owner.getByTestId('audit-card').waitFor();
    await owner.getByTestId('audit-actor').fill('user:sam');
    const table = owner.getByTestId('audit-table');
    await owner.waitForFunction(() => (document.querySelector('[data-testid="audit-table"]')?.textContent ?? '').includes('tokens.create'));
    const text = (await table.textContent()) ?? '';
    for (const action of ['auth.signIn', 'account.totpEnable', 'tokens.create']) expect(text).toContain(action);
    await owner.getByTestId('audit-actor').fill('');
    await owner.screenshot({ path: path.join(ARTIFACTS, 'access-audit.png'), fullPage: true });
  });

  it('a stream\'s access card sets who publishes and watches, its viewer cap, and hands out JWTs', async () => {
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'guarded', ladder: 'passthrough' })).status).toBe(201);
    await owner.goto(`${host.url}/#/streams/guarded`);
    const card = owner.getByTestId('stream-access');
    await card.waitFor();
    await owner.getByTestId('stream-publish-auth').selectOption('jwt');
    await owner.getByTestId('stream-max-viewers').fill('25');
    await owner.getByTestId('stream-max-viewers').blur();
    await owner.getByTestId('stream-encryption').selectOption('aes-128');
    await waitFor('AES-128 saved', async () => (await api(host, 'GET', '/api/v1/streams/guarded')).json.encryption === 'aes-128', 5000);
    // The stream is public: its keys go to anyone, and the card says so.
    await expect.poll(async () => owner.getByTestId('stream-encryption-explain').textContent()).toContain('anyone gets its keys');
    await owner.getByTestId('jwt-publish').click();
    const token = (await owner.getByTestId('jwt-made').locator('.copy-value').textContent())!.trim();
    expect(token.split('.')).toHaveLength(3);
    const stream = await waitFor('the settings saved', async () => {
      const s = (await api(host, 'GET', '/api/v1/streams/guarded')).json;
      return s.publishAuth === 'jwt' && s.maxViewers === 25 ? s : null;
    }, 5000);
    expect(stream.playAuth).toBe('default');
    await card.screenshot({ path: path.join(ARTIFACTS, 'access-stream-card.png') });
    // Common Encryption instead, watched by JWT only: the card explains what players need.
    await owner.getByTestId('stream-encryption').selectOption('cbcs');
    await owner.getByTestId('stream-play-auth').selectOption('jwt');
    await waitFor('cbcs saved', async () => {
      const s = (await api(host, 'GET', '/api/v1/streams/guarded')).json;
      return s.encryption === 'cbcs' && s.playAuth === 'jwt';
    }, 5000);
    await expect.poll(async () => owner.getByTestId('stream-encryption-explain').textContent()).toContain('ClearKey licence');
    // The stream's own key provider: saved when the field is left; a URL that is not http(s) refused, nothing changed.
    const provider = owner.getByTestId('stream-key-provider');
    await provider.fill('https://keys.example/cpix');
    await provider.blur();
    await waitFor('the provider saved', async () => (await api(host, 'GET', '/api/v1/streams/guarded')).json.keyProviderUrl === 'https://keys.example/cpix', 5000);
    // Its token: typed in a password field, saved when left, shown only as its last 4 characters; a bad one refused.
    const providerToken = owner.getByTestId('stream-key-provider-token');
    await providerToken.fill('two words');
    await providerToken.blur();
    await expect.poll(async () => owner.getByTestId('toast').last().textContent()).toMatch(/visible ASCII/);
    expect((await api(host, 'GET', '/api/v1/streams/guarded')).json.keyProviderTokenHint).toBeNull();
    await providerToken.fill('cpix-token-48af');
    await providerToken.blur();
    await waitFor('the token saved', async () => (await api(host, 'GET', '/api/v1/streams/guarded')).json.keyProviderTokenHint === '…48af', 5000);
    await expect.poll(async () => providerToken.getAttribute('placeholder')).toBe('Set (…48af)');
    expect(await providerToken.inputValue()).toBe('');
    expect(await providerToken.getAttribute('type')).toBe('password');
    expect(await owner.content()).not.toContain('cpix-token-48af');
    for (const dismiss of await owner.getByTestId('toast').getByRole('button', { name: 'Dismiss' }).all()) await dismiss.click();
    await card.screenshot({ path: path.join(ARTIFACTS, 'access-stream-card-cbcs.png') });
    await owner.getByTestId('stream-key-provider-token-remove').click();
    await waitFor('the token removed', async () => (await api(host, 'GET', '/api/v1/streams/guarded')).json.keyProviderTokenHint === null, 5000);
    await provider.fill('ftp://keys.example/cpix');
    await provider.blur();
    await expect.poll(async () => owner.getByTestId('toast').last().textContent()).toMatch(/http\(s\) URL/);
    expect((await api(host, 'GET', '/api/v1/streams/guarded')).json.keyProviderUrl).toBe('https://keys.example/cpix');
    await provider.fill('');
    await provider.blur();
    await waitFor('the host\'s provider again', async () => (await api(host, 'GET', '/api/v1/streams/guarded')).json.keyProviderUrl === '', 5000);
  });

  it("a script with a wrong token blocks its address's guesses, not the owner on the same machine, who sees the block and lifts it", async () => {
    expect((await api(host, 'PATCH', '/api/v1/config', { limits: { failedAuthPerMinute: 3 } })).status).toBe(200);
    try {
      const wrong = async (): Promise<number> => (await fetch(`${host.url}/api/v1/streams`, { headers: { authorization: 'Bearer not-the-token' } })).status;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push(await wrong());
      expect(statuses).toEqual([401, 401, 401, 429]);
      // The owner's page, from the same address, goes on: the Access page lists the block.
      await owner.goto(`${host.url}/#/access`);
      const card = owner.getByTestId('blocks-card');
      await card.getByTestId('block-row').waitFor();
      expect(await card.getByTestId('block-row').getAttribute('data-key')).toMatch(/127\.0\.0\.1$/);
      const text = (await card.textContent()) ?? '';
      expect(text).toContain('After 3 failed authentications in a minute');
      expect(text).toMatch(/[3-9] failed authentications in the last minute/);
      await card.screenshot({ path: path.join(ARTIFACTS, 'access-blocked.png') });
      await card.getByTestId('block-lift').click();
      await card.getByTestId('blocks-none').waitFor();
      expect(await wrong()).toBe(401);
      const audit = (await api(host, 'GET', '/api/v1/audit?limit=20')).json.entries as { action: string; result: string }[];
      expect(audit.find((e) => e.action === 'blocks.delete')?.result).toBe('ok');
      expect(audit.find((e) => e.action === 'auth.block')?.result).toBe('denied');
    } finally {
      expect((await api(host, 'PATCH', '/api/v1/config', { limits: { failedAuthPerMinute: 20 } })).status).toBe(200);
    }
  });
});
