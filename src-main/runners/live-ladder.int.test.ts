// A live stream's ladder on a runner, against a real host and a real `streams runner`: the stream set
// to encode on a runner sends its FLV there and takes the encoded tracks back into its own segmenter
// (the LL-HLS playlist advances with every rendition); the runner SIGKILLed mid-stream, the ladder
// comes back to the origin within seconds and the playlist goes on. Bad input: a runner ladder on a
// standard-latency stream is refused (VALIDATION_FAILED on encodeOn), and a live link with a wrong
// bearer is closed (4001) without touching the run.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { api, cleanEnv, startHost, STREAMS_BIN, type HostProcess } from '../../test-support/host-process.js';
import { exitOf, publishTestPattern, stopHostCleanly } from '../../test-support/media.js';
import { waitFor } from '../../test-support/wait.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-live-runner-'));
let host: HostProcess | undefined;
let runner: ChildProcess | undefined;
let publisher: ChildProcess | undefined;

afterAll(async () => {
  publisher?.kill('SIGKILL');
  if (runner && runner.exitCode === null && runner.signalCode === null) runner.kill('SIGKILL');
  await stopHostCleanly(host);
  fs.rmSync(work, { recursive: true, force: true });
});

const stream = async (h: HostProcess, name: string): Promise<Record<string, any>> => (await api(h, 'GET', `/api/v1/streams/${name}`)).json;
const runners = async (h: HostProcess): Promise<Record<string, any>[]> => (await api(h, 'GET', '/api/v1/runners')).json as unknown as Record<string, any>[];

/** The newest part (or segment) line of a media playlist; null while there is none. */
async function newestMedia(h: HostProcess, playlist: string): Promise<string | null> {
  const res = await fetch(`${h.url}/live/show/${playlist}`).catch(() => null);
  if (!res?.ok) return null;
  const lines = (await res.text()).split('\n').filter((l) => l.startsWith('#EXT-X-PART:') || (l && !l.startsWith('#')));
  return lines.at(-1) ?? null;
}

describe('a live ladder on a runner', () => {
  beforeAll(async () => {
    host = await startHost();
  }, 60_000);

  it('refuses a runner ladder on a standard-latency stream, with the field', async () => {
    const h = host!;
    const refused = await api(h, 'POST', '/api/v1/streams', { name: 'std', latency: 'standard', encodeOn: 'runner' });
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe('VALIDATION_FAILED');
    expect(refused.json.error.details.fields[0].path).toBe('encodeOn');
    expect((await api(h, 'GET', '/api/v1/streams/std')).status).toBe(404);
    // Nor can a low-latency runner stream be switched to standard without switching encodeOn back.
    expect((await api(h, 'POST', '/api/v1/streams', { name: 'low', latency: 'low', encodeOn: 'runner' })).status).toBe(201);
    const switched = await api(h, 'PATCH', '/api/v1/streams/low', { latency: 'standard' });
    expect(switched.status).toBe(400);
    expect((await stream(h, 'low')).latency).toBe('low');
  });

  it('encodes on the runner, plays every rendition, and comes back to the origin within seconds when the runner is killed', { timeout: 180_000 }, async () => {
    const h = host!;
    runner = spawn(process.execPath, [STREAMS_BIN, 'runner', '--origin', h.url, '--token', h.token, '--name', 'live-runner', '--slots', '1', '--dir', path.join(work, 'runner')], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    runner.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    runner.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor('the runner listed', async () => (await runners(h)).length === 1, 30_000, 200);

    const created = await api(h, 'POST', '/api/v1/streams', { name: 'show', ladder: 'standard', latency: 'low', encodeOn: 'runner' });
    expect(created.status, created.text).toBe(201);
    expect(created.json.encodeOn).toBe('runner');
    publisher = publishTestPattern(`${created.json.ingest.rtmp}/${created.json.key}`, { size: '1280x720', fps: 25 });
    await waitFor('the ladder on the runner', async () => (await stream(h, 'show')).live?.encodedOn === 'live-runner', 30_000, 200).catch(async (error: Error) => {
      const logs = fs.readdirSync(path.join(h.home, 'logs')).map((f) => fs.readFileSync(path.join(h.home, 'logs', f), 'utf8')).join('').split('\n').filter((l) => /runner|packager|ladder/.test(l)).slice(-30).join('\n');
      throw new Error(`${error.message}\n${JSON.stringify((await stream(h, 'show')).live)}\nrunner:\n${out.slice(-3000)}\nhost:\n${logs}`);
    });
    const listed = (await runners(h))[0]!;
    expect(listed.jobs.map((j: { subject: string }) => j.subject)).toEqual(['live:show']);

    // Every rendition's playlist advances with what the runner encodes.
    const master = await (await fetch(`${h.url}/live/show/index.m3u8`)).text();
    const playlists = master.split('\n').filter((l) => l && !l.startsWith('#') && /\.m3u8(\?|$)/.test(l));
    // 720p copied, 468p and 360p encoded on the runner.
    expect(playlists.length, master).toBe(3);
    for (const playlist of playlists) {
      const first = await waitFor(`${playlist}: a part`, () => newestMedia(h, playlist), 20_000, 100);
      await waitFor(`${playlist}: advancing`, async () => {
        const now = await newestMedia(h, playlist);
        return now !== null && now !== first;
      }, 10_000, 100);
    }

    // The runner dies mid-stream: its link drops, the packager restarts the run at the origin.
    const playlist = playlists[0]!;
    let last = await newestMedia(h, playlist);
    let lastChange = performance.now();
    let longestGap = 0;
    const killedAt = performance.now();
    runner.kill('SIGKILL');
    await exitOf(runner);
    await waitFor('the ladder back at the origin', async () => (await stream(h, 'show')).live?.encodedOn === 'origin', 15_000, 100);
    const backAt = performance.now();
    // Watch the playlist for a while: the longest time without a new part is what a player waits.
    const until = performance.now() + 8000;
    while (performance.now() < until) {
      const now = await newestMedia(h, playlist);
      if (now !== null && now !== last) {
        longestGap = Math.max(longestGap, performance.now() - lastChange);
        last = now;
        lastChange = performance.now();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    longestGap = Math.max(longestGap, performance.now() - lastChange);
    console.log(`[live-runner] ladder back at the origin ${Math.round(backAt - killedAt)} ms after the runner was killed; longest time without a new part: ${Math.round(longestGap)} ms`);
    // Generous (the goal is 5 s for a player to resume): a run that never came back would be the whole watch.
    expect(longestGap).toBeLessThan(7000);
    const after = await stream(h, 'show');
    expect(after.state).toBe('live');
    expect(out).toMatch(/live ladder started/);
  });

  it('closes a live link with a wrong bearer (4001)', async () => {
    const h = host!;
    const ws = new WebSocket(`${h.url.replace('http', 'ws')}/runner-leases/live_0123456789abcdef/live`, { headers: { authorization: 'Bearer not-the-secret-of-any-run' } });
    const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    expect(code).toBe(4001);
    expect((await stream(h, 'show')).state).toBe('live');
  });
});
