// Live overlays as studio sources, drawn into the show from the stream's data channels (not an
// iframe): in Chromium against a real host, a poll counted live by the host's window service, the
// score and chat lines reach the composed picture; the pixels of the preview are read back from a
// screenshot. Bad input: an overlay of a stream that does not exist says so and waits for it, a
// part that does not exist is refused, and the show goes on.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OverlayOp } from '../src-renderer/studio/sources/overlay-layout.js';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { api, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { stopHostCleanly } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { waitFor } from '../test-support/wait.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');
const W = 640;
const H = 360;
type Rgb = [number, number, number];
type Rect = Extract<OverlayOp, { op: 'rect' }>;
type Item = { sourceId: string; x: number; y: number; width: number; height: number };

describe.skipIf(needs('chromium', 'ffmpeg'))('live overlays in the studio', () => {
  let host: HostProcess;
  let browser: Browser;
  let page: Page;
  let decoder: Page;
  const ids: Record<string, string> = {};

  const state = async () => (await api(host, 'GET', '/api/v1/scenes')).json;
  const sourceStatus = (name: string) => page.getByTestId(`source-${name}`).getAttribute('data-status');
  const post = async (channel: string, data: unknown, stream = 'show') => expect((await api(host, 'POST', `/api/v1/streams/${stream}/data/${channel}`, data)).status).toBe(202);
  /** What an overlay source painted last, in its picture's pixels. */
  const opsOf = (name: string): Promise<OverlayOp[]> =>
    page.evaluate((id) => (window as unknown as { __studio: { sourcesById: Map<string, { ops: OverlayOp[] }> } }).__studio.sourcesById.get(id)?.ops ?? [], ids[name]!);
  const textsOf = async (name: string, role?: string) => (await opsOf(name)).filter((o) => o.op === 'text' && (role === undefined || o.role === role)).map((o) => (o as { text: string }).text);
  const programFrames = () => page.evaluate(() => (window as unknown as { __studio: { programFrames: number } }).__studio.programFrames);

  /** The preview's colours at program points (from a screenshot of its drawing area, decoded by the browser). */
  async function colours(points: [number, number][]): Promise<Rgb[]> {
    const box = await page.getByTestId('studio-preview').evaluate((c: HTMLCanvasElement) => {
      const r = c.getBoundingClientRect();
      return { x: r.left + c.clientLeft, y: r.top + c.clientTop, width: c.clientWidth, height: c.clientHeight };
    });
    const png = await page.screenshot({ clip: box });
    return decoder.evaluate(
      async ({ b64, pts }) => {
        const bitmap = await createImageBitmap(new Blob([Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0))], { type: 'image/png' }));
        const g = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d')!;
        g.drawImage(bitmap, 0, 0);
        return pts.map(([x, y]) => [...g.getImageData(Math.round((x * bitmap.width) / 640), Math.round((y * bitmap.height) / 360), 1, 1).data].slice(0, 3) as Rgb);
      },
      { b64: png.toString('base64'), pts: points },
    );
  }
  /** A point of an overlay's picture (its own pixels) in program pixels, through the item that shows it. */
  const at = (item: Item, part: { width: number; height: number }, x: number, y: number): [number, number] => [item.x + (x / part.width) * item.width, item.y + (y / part.height) * item.height];
  const greenish = ([r, g, b]: Rgb) => g > 150 && r < 90 && b < 90;

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    host = await startHost();
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'show', ladder: 'passthrough' })).status).toBe(201);
    expect((await api(host, 'PATCH', '/api/v1/scenes/studio', { width: W, height: H })).status).toBe(200);
    const add = async (name: string, settings: unknown) => (ids[name] = (await api(host, 'POST', '/api/v1/scenes/sources', { name, settings })).json.id);
    await add('Backdrop', { kind: 'color', color: '#ffffff' });
    await add('Score', { kind: 'overlay', stream: 'show', part: 'score' });
    await add('Chat', { kind: 'overlay', stream: 'show', part: 'chat' });
    const first = (await state()).scenes[0];
    await api(host, 'PATCH', `/api/v1/scenes/${first.id}`, {
      items: [
        { sourceId: ids.Backdrop, x: 0, y: 0, width: W, height: H },
        { sourceId: ids.Score, x: 187, y: 0, width: 267, height: 37 },
        { sourceId: ids.Chat, x: 453, y: 187, width: 187, height: 173 },
      ],
    });
    browser = await launchChromium();
    decoder = await browser.newPage();
    page = await studioPage(browser, host);
    await page.goto(`${host.url}/studio`);
    await page.getByTestId('page-studio').waitFor();
    await waitFor('the overlays read their channels', async () => (await sourceStatus('Score')) === 'live' && (await sourceStatus('Chat')) === 'live', 20_000);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stopHostCleanly(host);
  });

  it('adds a poll overlay through the source picker, where the overlay page puts it', async () => {
    await page.getByTestId('source-add').click();
    await page.getByTestId('picker-kind-overlay').click();
    await page.getByTestId('picker-name').fill('Poll');
    await page.getByTestId('picker-stream').selectOption('show');
    await page.getByTestId('picker-overlay-part').selectOption('poll');
    await page.getByTestId('picker-accent').fill('#00ff00');
    await page.screenshot({ path: path.join(ARTIFACTS, 'studio-source-picker-overlay.png') });
    await page.getByTestId('picker-add').click();
    await page.getByTestId('source-Poll').waitFor();
    const s = await state();
    const poll = s.sources.find((x: { name: string }) => x.name === 'Poll');
    ids.Poll = poll.id;
    expect(poll.settings).toEqual({ kind: 'overlay', stream: 'show', part: 'poll', accent: '#00ff00' });
    // At the bottom left, at its picture's aspect (640x560 on a 1080p program).
    expect(s.scenes[0].items.at(-1)).toMatchObject({ sourceId: poll.id, x: 0, y: H - 187, width: 213, height: 187 });
    await waitFor('the poll overlay is live', async () => (await sourceStatus('Poll')) === 'live', 15_000);
  });

  it('draws the poll with its votes counted live, the score and chat lines into the picture', async () => {
    const poll = (await state()).scenes[0].items.find((i: Item) => i.sourceId === ids.Poll) as Item;
    const pollBox = { width: 640, height: 560 };
    // Nothing to show yet: the overlay's picture is transparent, the backdrop shows through.
    const [empty] = await colours([at(poll, pollBox, 320, 400)]);
    expect(empty!.every((c) => c > 240)).toBe(true);

    await post('poll', { question: 'Who wins?', options: ['Lions', 'Bears'] });
    for (const option of ['Lions', 'Lions', 'Bears', 'Lions']) await post('votes', { option });
    await expect.poll(() => textsOf('Poll', 'count:Lions'), { timeout: 10_000 }).toEqual(['3 · 75%']);
    expect(await textsOf('Poll', 'count:Bears')).toEqual(['1 · 25%']);
    expect(await textsOf('Poll', 'question')).toEqual(['Who wins?']);

    await post('score', { home: 2, away: 1, homeName: 'Lions', awayName: 'Bears' });
    const sent = await api(host, 'POST', '/api/v1/chat/stream:show/messages', { text: 'what a goal!' });
    expect(sent.status).toBe(201);
    await expect.poll(() => textsOf('Score'), { timeout: 10_000 }).toEqual(['Lions', '2', '–', '1', 'Bears']);
    await expect.poll(() => textsOf('Chat', 'text'), { timeout: 10_000 }).toEqual(['what a goal!']);

    // In the picture: each bar as long as its share, in the accent colour, the rest of its row not.
    const ops = await opsOf('Poll');
    const row = (label: string) => ops.find((o) => o.op === 'rect' && o.role === `row:${label}`) as Rect;
    const mid = (r: Rect, share: number): [number, number] => [r.x + r.w * share, r.y + r.h / 2];
    const lions = row('Lions');
    const bears = row('Bears');
    const frames = await programFrames();
    await waitFor('the preview draws again', async () => (await programFrames()) > frames + 3, 5000);
    const px = await colours([mid(lions, 0.5), mid(lions, 0.7), mid(lions, 0.85), mid(bears, 0.1), mid(bears, 0.4)].map(([x, y]) => at(poll, pollBox, x, y)));
    expect(px.map(greenish)).toEqual([true, true, false, true, false]);
    // The score's card is painted over the white backdrop at the top centre.
    const [score] = await colours([[320, 18]]);
    expect(score!.every((c) => c < 200)).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'studio-overlays.png') });
    // Each overlay's own picture, at its full size, to look at.
    for (const name of ['Poll', 'Score', 'Chat']) {
      const png = await page.evaluate((id) => (window as unknown as { __studio: { sourcesById: Map<string, { current(): HTMLCanvasElement }> } }).__studio.sourcesById.get(id)!.current().toDataURL('image/png'), ids[name]!);
      fs.writeFileSync(path.join(ARTIFACTS, `studio-overlay-${name.toLowerCase()}.png`), Buffer.from(png.split(',')[1]!, 'base64'));
    }

    // More votes move the bars in the picture.
    for (let i = 0; i < 4; i++) await post('votes', { option: 'Bears' });
    await expect.poll(() => textsOf('Poll', 'count:Bears'), { timeout: 10_000 }).toEqual(['5 · 63%']);
    const now = await programFrames();
    await waitFor('the preview draws again', async () => (await programFrames()) > now + 3, 5000);
    const after = await colours([mid(lions, 0.3), mid(lions, 0.5), mid(bears, 0.55), mid(bears, 0.7)].map(([x, y]) => at(poll, pollBox, x, y)));
    expect(after.map(greenish)).toEqual([true, false, true, false]);
  });

  it('shows the same after a reload, from the channels\' history', async () => {
    await page.reload();
    await page.getByTestId('page-studio').waitFor();
    await expect.poll(() => textsOf('Poll', 'count:Bears'), { timeout: 15_000 }).toEqual(['5 · 63%']);
    expect(await textsOf('Poll', 'count:Lions')).toEqual(['3 · 38%']);
    await expect.poll(() => textsOf('Score'), { timeout: 10_000 }).toEqual(['Lions', '2', '–', '1', 'Bears']);
    await expect.poll(() => textsOf('Chat', 'text'), { timeout: 10_000 }).toEqual(['what a goal!']);
  });

  it('an overlay of a stream that does not exist says so, keeps the show going, and starts when the stream is made', async () => {
    const before = (await state()).sources.length;
    const bad = await api(host, 'POST', '/api/v1/scenes/sources', { name: 'Bad', settings: { kind: 'overlay', stream: 'show', part: 'weather' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('VALIDATION_FAILED');
    expect((await state()).sources.length).toBe(before);

    const later = (await api(host, 'POST', '/api/v1/scenes/sources', { name: 'Later', settings: { kind: 'overlay', stream: 'later', part: 'score' } })).json;
    const scene = (await state()).scenes[0];
    await api(host, 'PATCH', `/api/v1/scenes/${scene.id}`, { items: [...scene.items, { sourceId: later.id, x: 0, y: 0, width: 267, height: 37 }] });
    await waitFor('the missing stream is named', async () => (await sourceStatus('Later')) === 'stalled', 10_000);
    expect(await page.getByTestId('source-reason-Later').textContent()).toBe('There is no stream "later": create it, or choose another.');
    const frames = await programFrames();
    await waitFor('the show goes on', async () => (await programFrames()) > frames + 10, 5000);
    // Nothing is drawn where it stands (no placeholder over the show): the backdrop shows.
    const [spot] = await colours([[130, 18]]);
    expect(spot!.every((c) => c > 240)).toBe(true);

    expect((await api(host, 'POST', '/api/v1/streams', { name: 'later', ladder: 'passthrough' })).status).toBe(201);
    await waitFor('the overlay starts once the stream exists', async () => (await sourceStatus('Later')) === 'live', 15_000);
    await post('score', { lap: 3 }, 'later');
    ids.Later = later.id;
    await expect.poll(() => textsOf('Later'), { timeout: 10_000 }).toEqual(['lap', '3']);
  });
});
