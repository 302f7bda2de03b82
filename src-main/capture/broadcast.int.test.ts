// Broadcasting a display with real peers: the host creates an Xvfb display, xev runs in it and is found
// in the display's window list, the display is broadcast into a passthrough stream and ffprobe reads its
// HLS (H.264 at the display's size plus AAC); bad inputs are refused with stable codes and change
// nothing; stopping a broadcast ends its stream and its ffmpeg; deleting the display stops its broadcast.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHost, type HostProcess } from '../../test-support/host-process.js';
import { collectEvents, exitOf, ffprobe, pidsMatching } from '../../test-support/media.js';
import { needs } from '../../test-support/peers.js';
import { waitFor } from '../../test-support/wait.js';

const W = 640;
const H = 360;

interface BroadcastView {
  id: string;
  state: string;
  target: { x: number; y: number; width: number; height: number };
  encoder: string;
  audio: string;
  restarts: number;
  lastError?: string;
}

// Every test works on the display and the xev window that the first one makes.
describe.skipIf(needs('xvfb', 'xev', 'ffprobe'))('broadcasting a display into a live stream', () => {
  let host: HostProcess;
  let events: Awaited<ReturnType<typeof collectEvents>>;
  let xev: ChildProcess | undefined;
  let display = { id: '', name: '' };
  let xevWindow = { id: 0, x: 0, y: 0, width: 0, height: 0 };

  /** The ffmpeg of a broadcast of this display (x11grab of it with a silent track). */
  const broadcastPids = (): number[] => pidsMatching(`x11grab.*${display.name.replace('.', '\\.')}\\.0\\+.*anullsrc`);
  const list = async (): Promise<BroadcastView[]> => (await api(host, 'GET', '/api/v1/broadcasts')).json as unknown as BroadcastView[];
  const streamState = async (name: string): Promise<string> => (await api(host, 'GET', `/api/v1/streams/${name}`)).json.state as string;

  beforeAll(async () => {
    host = await startHost();
    events = await collectEvents(host);
  }, 60_000);

  afterAll(async () => {
    events?.close();
    xev?.kill('SIGTERM');
    if (xev) await exitOf(xev);
    expect(await host?.stop('SIGTERM')).toBe(0);
    expect(pidsMatching(host.home)).toEqual([]);
  });

  it("lists the display's windows: xev's with its title and rectangle", async () => {
    const created = await api(host, 'POST', '/api/v1/displays', { width: W, height: H, refreshHz: 30 });
    expect(created.status, created.text).toBe(201);
    display = created.json as typeof display;
    xev = spawn('xev', ['-display', display.name, '-geometry', '300x200+40+30'], { stdio: 'ignore' });
    const found = await waitFor('the xev window in the list', async () => {
      const res = await api(host, 'GET', `/api/v1/displays/${display.id}/windows`);
      return (res.json as unknown as { id: number; title: string }[]).find((w) => w.title === 'Event Tester');
    }, 10_000);
    // The inside of the window: xev draws a 2-pixel border around it.
    expect(found).toMatchObject({ x: 42, y: 32, width: 300, height: 200 });
    xevWindow = found as unknown as typeof xevWindow;
    expect((await api(host, 'GET', '/api/v1/displays/vd-999/windows')).status).toBe(404);
  });

  it('refuses bad inputs with stable codes and changes nothing', async () => {
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'desk', ladder: 'passthrough' })).status).toBe(201);
    const refusals: [Record<string, unknown>, number, string][] = [
      [{ displayId: 'vd-999', stream: 'desk' }, 404, 'NOT_FOUND'],
      [{ displayId: display.id, stream: 'nope' }, 404, 'NOT_FOUND'],
      [{ displayId: display.id, stream: 'desk', windowId: 0x7ffffff }, 404, 'NOT_FOUND'],
      [{ displayId: display.id, stream: 'desk', region: { x: 600, y: 0, width: 100, height: 100 } }, 400, 'VALIDATION_FAILED'],
      [{ displayId: display.id, stream: 'desk', region: { x: 0, y: 0, width: 100, height: 100 }, windowId: xevWindow.id }, 400, 'VALIDATION_FAILED'],
      [{ displayId: display.id, stream: 'desk', fps: 120 }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of refusals) {
      const res = await api(host, 'POST', '/api/v1/broadcasts', body);
      expect([res.status, res.json.error?.code], JSON.stringify(body)).toEqual([status, code]);
    }
    expect(await list()).toEqual([]);
    expect(await streamState('desk')).toBe('idle');
    expect(broadcastPids()).toEqual([]);
  });

  let broadcast: BroadcastView;

  it('broadcasts the display: the stream goes live and its HLS carries H.264 at the display size plus AAC', async () => {
    const created = await api(host, 'POST', '/api/v1/broadcasts', { displayId: display.id, stream: 'desk' });
    expect(created.status, created.text).toBe(201);
    broadcast = created.json as unknown as BroadcastView;
    expect(broadcast).toMatchObject({ stream: 'desk', displayId: display.id, target: { x: 0, y: 0, width: W, height: H }, fps: 30, bitrateKbps: 4000, encoder: 'libx264', state: 'starting' });
    await waitFor('the broadcast to go live', async () => (await list()).find((b) => b.id === broadcast.id && b.state === 'live'), 15_000);
    expect(await streamState('desk')).toBe('live');
    expect(events.events.some((e) => e.event === 'broadcast.changed' && e.data.id === broadcast.id && e.data.broadcast?.state === 'live')).toBe(true);

    const again = await api(host, 'POST', '/api/v1/broadcasts', { displayId: display.id, stream: 'desk' });
    expect([again.status, again.json.error?.code]).toEqual([409, 'CONFLICT']);
    expect(await list()).toHaveLength(1);

    await waitFor('two HLS segments', async () => {
      const text = await (await fetch(`${host.url}/live/desk/v0.m3u8`)).text();
      return text.split('#EXTINF').length > 2;
    }, 30_000);
    const probe = ffprobe(`${host.url}/live/desk/index.m3u8`);
    expect(probe.error).toBeUndefined();
    expect(probe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: W, height: H });
    expect(probe.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
    const stream = (await api(host, 'GET', '/api/v1/streams/desk')).json;
    expect(stream.live.publisher).toMatchObject({ protocol: 'capture', remoteAddress: `display ${display.name}` });
  });

  it("broadcasts a window's rectangle into another stream", async () => {
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'window', ladder: 'passthrough' })).status).toBe(201);
    const created = await api(host, 'POST', '/api/v1/broadcasts', { displayId: display.id, stream: 'window', windowId: xevWindow.id, fps: 10 });
    expect(created.status, created.text).toBe(201);
    expect(created.json.target).toEqual({ x: 42, y: 32, width: 300, height: 200 });
    await waitFor('the window broadcast to go live', async () => (await list()).find((b) => b.id === created.json.id && b.state === 'live'), 15_000);
    const stopped = await api(host, 'DELETE', `/api/v1/broadcasts/${created.json.id as string}`);
    expect(stopped.json).toEqual({ id: created.json.id, deleted: true });
  });

  it('restarts a crashed capture after the backoff: the stream goes live again', async () => {
    const pids = broadcastPids();
    expect(pids).toHaveLength(1);
    const seen = events.events.length;
    process.kill(pids[0]!, 'SIGKILL');
    const states = () => events.events.slice(seen).filter((e) => e.event === 'broadcast.changed' && e.data.id === broadcast.id).map((e) => e.data.broadcast?.state as string);
    await waitFor('restarting, then live again', () => states().join(' ').includes('restarting live'), 10_000);
    const view = (await list())[0]!;
    expect(view).toMatchObject({ state: 'live', restarts: 1 });
    expect(view.lastError).toBeUndefined();
    expect(await streamState('desk')).toBe('live');
    expect(broadcastPids()).toHaveLength(1);
  });

  it('stops a broadcast: its stream ends and no ffmpeg is left', async () => {
    expect(broadcastPids().length).toBeGreaterThan(0);
    const stopped = await api(host, 'DELETE', `/api/v1/broadcasts/${broadcast.id}`);
    expect(stopped.status).toBe(200);
    expect(await list()).toEqual([]);
    await waitFor('the stream to end', async () => (await streamState('desk')) === 'ended', 5000);
    await waitFor('ENDLIST', async () => (await (await fetch(`${host.url}/live/desk/v0.m3u8`)).text()).includes('#EXT-X-ENDLIST'), 5000);
    await waitFor('no broadcast ffmpeg', () => broadcastPids().length === 0, 5000);
    expect(events.events.some((e) => e.event === 'broadcast.changed' && e.data.id === broadcast.id && e.data.broadcast === null)).toBe(true);
    expect((await api(host, 'DELETE', `/api/v1/broadcasts/${broadcast.id}`)).status).toBe(404);
  });

  it('deleting the display stops its broadcast', async () => {
    const created = await api(host, 'POST', '/api/v1/broadcasts', { displayId: display.id, stream: 'desk', fps: 10 });
    expect(created.status, created.text).toBe(201);
    await waitFor('the broadcast to go live', async () => (await list()).find((b) => b.state === 'live'), 15_000);
    xev?.kill('SIGTERM');
    expect((await api(host, 'DELETE', `/api/v1/displays/${display.id}`)).status).toBe(200);
    await waitFor('the broadcast to be gone', async () => (await list()).length === 0, 5000);
    await waitFor('the stream to end', async () => (await streamState('desk')) === 'ended', 5000);
    await waitFor('no broadcast ffmpeg', () => broadcastPids().length === 0, 5000);
  });
});
