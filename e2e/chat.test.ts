// Chat in Chromium against a real host: two viewers on /play/<name> chat with each other; the studio
// (its stream page) deletes a line and bans a viewer, whose messages then stop (the other viewer never
// sees them, the banned one sees why); slow mode holds a second message until the wait has passed;
// then the recording, made a video, replays the chat on /watch/<id> at the frames it was sent at,
// measured with the publisher's media-time barcode. Screenshots go to e2e/artifacts.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { barcodeFilter, BARCODE } from '../bench/lib/live.mjs';
import { samplerScript } from '../bench/lib/player.mjs';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { api, cleanEnv, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { exitOf, publishTestPattern, stopHostCleanly } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { sleep, waitFor } from '../test-support/wait.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');
const FPS = 30;
const FRAME_MS = 1000 / FPS;
/** The publisher's timestamps start at 1 s, as in the timed-data test: barcode = the frame's FLV time. */
const OFFSET_MS = 1000;
const MOD = 2 ** BARCODE.bits;

interface Shown {
  id: string;
  programDateTime: number;
  framePdt: number;
  hook: number | null;
}

const linesOf = (page: Page): Promise<string[]> => page.locator('#chat-lines li').allTextContents();

describe.skipIf(needs('chromium', 'ffmpeg'))('chat on the player and watch pages, moderated from the studio', () => {
  let host: HostProcess;
  let browser: Browser;
  let publisher: ChildProcess | undefined;
  let ann: Page;
  let bob: Page;
  let studio: Page;
  const room = 'stream:chat';
  let recording: { id: string; state: string } | undefined;

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    host = await startHost({ env: cleanEnv({ STREAMS_LIBRARY_DEFAULT_PRESET: 'fast' }) });
    const created = (await api(host, 'POST', '/api/v1/streams', { name: 'chat', ladder: 'passthrough', record: true })).json;
    // Live until the last test stops it: every line is sent while live, and the recording is no longer than the talk.
    publisher = publishTestPattern(`${created.ingest.rtmp}/${created.key}`, {
      extra: ['-vf', barcodeFilter(FPS, { mediaMs: OFFSET_MS }), '-output_ts_offset', String(OFFSET_MS / 1000)],
    });
    await waitFor('the stream live', async () => (await api(host, 'GET', '/api/v1/streams/chat')).json.state === 'live', 20_000, 200);
    browser = await launchChromium();
    [ann, bob, studio] = await Promise.all([
      browser.newPage({ viewport: { width: 1100, height: 620 } }),
      browser.newPage({ viewport: { width: 1100, height: 620 } }),
      studioPage(browser, host),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (publisher && publisher.exitCode === null) {
      publisher.kill('SIGKILL');
      await exitOf(publisher);
    }
    await stopHostCleanly(host);
  });

  async function join(page: Page, name: string): Promise<void> {
    await page.goto(`${host.url}/play/chat`);
    await page.locator('#chat[data-state="name"]').waitFor({ timeout: 10_000 });
    await page.locator('#chat-name').fill(name);
    await page.locator('#chat-join button').click();
    await page.locator('#chat[data-state="joined"]').waitFor({ timeout: 10_000 });
  }

  async function say(page: Page, text: string): Promise<void> {
    await page.locator('#chat-text').fill(text);
    await page.locator('#chat-send button').click();
  }

  /** Opens a replay page, plays it, and checks every kept line shows at the frame it was sent at (barcode). */
  async function replayed(url: string, what: string): Promise<Page> {
    const exported = (await api(host, 'GET', `/api/v1/chat/${room}/export`)).json as { messages: { id: string; displayName: string; text: string; mediaTime: number | null; deleted: boolean }[] };
    const kept = exported.messages.filter((m) => !m.deleted);
    expect(kept.every((m) => m.mediaTime !== null)).toBe(true);
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${host.url}${url}`);
    await page.addScriptTag({ content: samplerScript('v') });
    await page.evaluate(`window.__chatHook = () => { const lat = window.frameLatency(0); return lat === null ? null : (${MOD} - lat) % ${MOD}; }`);
    await page.locator('#chat[data-state="replay"]').waitFor({ timeout: 10_000 });
    await page.locator('#v').evaluate((v: HTMLVideoElement) => { v.muted = true; return v.play(); });
    const shown = await waitFor(`every line replayed (${what})`, async () => {
      const all = await page.evaluate(() => (window as unknown as { __chat: { shown: Shown[] } }).__chat.shown);
      return all.length >= kept.length ? all : undefined;
    }, 60_000, 250);
    expect(await linesOf(page)).toEqual(kept.map((m) => `${m.displayName} ${m.text}`));
    const frames = shown.map((s) => {
      const line = kept.find((m) => m.id === s.id)!;
      return s.hook === null ? NaN : (s.hook - line.mediaTime!) / FRAME_MS;
    });
    console.log(`chat replay (${what}): lines shown ${frames.map((f) => f.toFixed(2)).join(', ')} frames after the frame each was sent at`);
    expect(shown.map((s) => s.id)).toEqual(kept.map((m) => m.id));
    for (const f of frames) expect(Math.abs(f)).toBeLessThanOrEqual(1);
    return page;
  }

  it('two viewers chat with each other, live over the stream\'s chat channel', async () => {
    await Promise.all([join(ann, 'Ann'), join(bob, 'Bob')]);
    await ann.locator('#chat[data-feed="sse"]').waitFor({ timeout: 5000 });
    // Keys typed into the chat are not the player's shortcuts ("m" would unmute the video).
    await ann.locator('#chat-text').press('m');
    expect(await ann.locator('#v').evaluate((v: HTMLVideoElement) => v.muted)).toBe(true);
    await say(ann, 'hello from Ann');
    await expect.poll(() => linesOf(bob), { timeout: 5000 }).toContain('Ann hello from Ann');
    await say(bob, 'hi Ann');
    await expect.poll(() => linesOf(ann), { timeout: 5000 }).toEqual(['Ann hello from Ann', 'Bob hi Ann']);
    // The name and token stay with the browser: a reload is the same viewer, without asking again.
    const before = await bob.evaluate(() => (window as unknown as { __chat: { viewerId: string } }).__chat.viewerId);
    await bob.reload();
    await bob.locator('#chat[data-state="joined"]').waitFor({ timeout: 10_000 });
    expect(await bob.evaluate(() => (window as unknown as { __chat: { viewerId: string } }).__chat.viewerId)).toBe(before);
    expect(await linesOf(bob)).toEqual(['Ann hello from Ann', 'Bob hi Ann']);
    await ann.screenshot({ path: path.join(ARTIFACTS, 'chat-viewer.png') });
  }, 40_000);

  it('the studio deletes a line for everyone and bans a viewer: his messages stop, he sees why', async () => {
    await studio.getByTestId('nav-streams').click();
    await studio.getByTestId('stream-row-chat').click();
    const card = studio.getByTestId('studio-chat');
    await expect.poll(() => card.getByTestId('studio-chat-line').count(), { timeout: 10_000 }).toBe(2);
    await say(bob, 'buy followers now');
    const spam = card.getByTestId('studio-chat-line').filter({ hasText: 'buy followers now' });
    await spam.waitFor({ timeout: 5000 });
    await expect.poll(() => linesOf(ann), { timeout: 5000 }).toContain('Bob buy followers now');
    await spam.hover();
    await spam.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => linesOf(ann), { timeout: 5000 }).not.toContain('Bob buy followers now');
    await expect.poll(() => spam.getAttribute('data-deleted')).toBe('yes');

    const bobLine = card.getByTestId('studio-chat-line').filter({ hasText: 'hi Ann' });
    await bobLine.hover();
    await bobLine.getByRole('button', { name: 'Ban' }).click();
    await card.getByTestId('chat-bans-toggle').click();
    await card.getByTestId('chat-ban').filter({ hasText: 'Bob' }).waitFor({ timeout: 5000 });

    await say(bob, 'am I banned?');
    await bob.locator('#chat[data-error="CHAT_BANNED"]').waitFor({ timeout: 5000 });
    expect(await bob.locator('#chat-error').textContent()).toMatch(/^You cannot chat here/);
    // Ann's next line comes after Bob's would have: once she has hers, his never came.
    await say(ann, 'after the ban');
    await expect.poll(() => linesOf(ann), { timeout: 5000 }).toContain('Ann after the ban');
    expect(await linesOf(ann)).toEqual(['Ann hello from Ann', 'Bob hi Ann', 'Ann after the ban']);
    expect(await card.getByTestId('studio-chat-line').filter({ hasText: 'am I banned?' }).count()).toBe(0);
    await studio.screenshot({ path: path.join(ARTIFACTS, 'chat-studio-moderation.png') });
    await bob.screenshot({ path: path.join(ARTIFACTS, 'chat-viewer-banned.png') });
  }, 40_000);

  it('slow mode, set from the studio, holds the second message until the wait has passed', async () => {
    const card = studio.getByTestId('studio-chat');
    await card.getByTestId('chat-settings-toggle').click();
    await card.getByTestId('chat-slow-mode').fill('3');
    await card.getByTestId('chat-settings-save').click();
    await expect.poll(() => api(host, 'GET', `/api/v1/chat/${room}/settings`).then((r) => r.json.slowModeSec), { timeout: 5000 }).toBe(3);
    await studio.screenshot({ path: path.join(ARTIFACTS, 'chat-studio-settings.png') });
    // Slow mode counts from the host's time of a viewer's last line (Ann's "after the ban" counts too).
    const lines = async () => (await api(host, 'GET', `/api/v1/chat/${room}/messages`)).json.messages as { text: string; at: number }[];
    const waitAfter = async (text: string) => sleep(Math.max(0, (await lines()).find((l) => l.text === text)!.at + 3100 - Date.now()));
    await waitAfter('after the ban');
    await say(ann, 'one');
    await expect.poll(() => linesOf(ann), { timeout: 5000 }).toContain('Ann one');
    await say(ann, 'two');
    await ann.locator('#chat[data-error="CHAT_SLOW_MODE"]').waitFor({ timeout: 5000 });
    expect(await ann.locator('#chat-error').textContent()).toMatch(/^Slow down: wait [1-3] s/);
    await expect.poll(() => ann.locator('#chat-send button').textContent(), { timeout: 1000 }).toMatch(/^Wait [1-3] s$/);
    await ann.screenshot({ path: path.join(ARTIFACTS, 'chat-viewer-slow-mode.png') });
    await waitAfter('one');
    await say(ann, 'two');
    await expect.poll(() => linesOf(ann), { timeout: 5000 }).toContain('Ann two');
    const kept = await lines();
    const [one, two] = ['one', 'two'].map((t) => kept.find((l) => l.text === t)!);
    expect(kept.filter((l) => l.text === 'two')).toHaveLength(1);
    expect(two!.at - one!.at).toBeGreaterThanOrEqual(3000);
  }, 30_000);

  it('the recording, made a video, replays the chat at the frames it was sent at', async () => {
    await sleep(1000);
    publisher!.kill('SIGINT');
    await exitOf(publisher!);
    recording = await waitFor('a complete recording', async () => {
      const list = (await api(host, 'GET', '/api/v1/recordings?stream=chat')).json as { id: string; state: string }[];
      return list.find((r) => r.state === 'complete');
    }, 30_000, 250);
    const video = (await api(host, 'POST', '/api/v1/videos', { title: 'Chat show', recordingId: recording!.id })).json;
    await waitFor('the video ready', async () => (await api(host, 'GET', `/api/v1/videos/${video.id}`)).json.state === 'ready', 180_000, 500);
    const page = await replayed(`/watch/${video.id}`, 'watch');
    await page.screenshot({ path: path.join(ARTIFACTS, 'chat-vod-replay.png') });
    await page.close();
  }, 260_000);

  it('the recording\'s own VOD on /play/<name>?vod= replays the chat at the same frames', async () => {
    expect((await api(host, 'POST', `/api/v1/recordings/${recording!.id}/vod`, { ladder: 'passthrough' })).status).toBe(202);
    await waitFor('the recording\'s VOD', async () => (await api(host, 'GET', `/api/v1/recordings/${recording!.id}`)).json.vod?.state === 'ready', 60_000, 250);
    const page = await replayed(`/play/chat?vod=${recording!.id}`, 'recording VOD');
    await page.screenshot({ path: path.join(ARTIFACTS, 'chat-recording-vod-replay.png') });
    await page.close();
  }, 120_000);
});
