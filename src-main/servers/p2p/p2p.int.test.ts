import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startEdge, type EdgeProcess } from '../../../test-support/edge.js';
import { api, startHost, type HostProcess } from '../../../test-support/host-process.js';
import { exitOf, publishTestPattern } from '../../../test-support/media.js';
import { needs } from '../../../test-support/peers.js';
import { waitFor } from '../../../test-support/wait.js';

// The host's side of P2P segments against a real host and ffmpeg publisher: each stream's switch (off
// by default; a private stream's viewers need its credential), the tracker's gate and its cut of a
// viewer's offers to maxPeers, and the hash of each segment that viewers check a peer's copy against.
describe.skipIf(needs('ffmpeg'))('P2P segments: the host side (tracker, hashes, settings)', () => {
  let host: HostProcess;
  let publisher: ChildProcess | undefined;

  beforeAll(async () => {
    host = await startHost();
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'swarm', ladder: 'passthrough', latency: 'standard', p2p: { mode: 'on', maxPeers: 2 } });
    expect(created.status, created.text).toBe(201);
    publisher = publishTestPattern(`rtmp://127.0.0.1:${host.rtmpPort}/live/${created.json.key}`, { size: '320x180' });
    // auto by default: it shares for a public standard-latency stream, not for a private or a low-latency one; off says so.
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'open', latency: 'standard' })).json.p2p).toEqual({ mode: 'auto', maxPeers: 5, maxUploadKbps: 0, active: true });
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'secret', latency: 'standard', private: true })).json.p2p).toMatchObject({ mode: 'auto', active: false });
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'quick', latency: 'low' })).json.p2p).toMatchObject({ mode: 'auto', active: false });
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'plain', latency: 'standard', p2p: { mode: 'off' } })).json.p2p).toMatchObject({ mode: 'off', active: false });
  }, 60_000);

  afterAll(async () => {
    publisher?.kill('SIGKILL');
    if (publisher) await exitOf(publisher);
    expect(await host?.stop()).toBe(0);
  });

  const connect = (path: string, base = `ws://127.0.0.1:${host.port}`): Promise<{ ws: WebSocket } | { status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`${base}${path}`);
      ws.once('open', () => resolve({ ws }));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += String(d)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.once('error', reject);
    });

  it('refuses the tracker of a stream whose viewers do not share, of a private one without its credential, and of no stream', async () => {
    for (const [path, status, code] of [
      ['/p2p/plain/announce', 403, 'FORBIDDEN'],
      ['/p2p/secret/announce', 403, 'FORBIDDEN'],
      ['/p2p/nothing-here/announce', 404, 'NOT_FOUND'],
    ] as const) {
      const answer = await connect(path);
      expect('status' in answer && answer.status, path).toBe(status);
      if ('body' in answer) expect(JSON.parse(answer.body).error.code).toBe(code);
    }
    // Switched on, a private stream's swarm still needs what its playlists need.
    expect((await api(host, 'PATCH', '/api/v1/streams/secret', { p2p: { mode: 'on' } })).json.p2p).toMatchObject({ mode: 'on', active: true });
    const refused = await connect('/p2p/secret/announce');
    expect('status' in refused && refused.status).toBe(403);
    // A bad setting is refused with the field named, nothing changed.
    const bad = await api(host, 'PATCH', '/api/v1/streams/swarm', { p2p: { maxPeers: 99 } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('VALIDATION_FAILED');
    expect((await api(host, 'GET', '/api/v1/streams/swarm')).json.p2p).toEqual({ mode: 'on', maxPeers: 2, maxUploadKbps: 0, active: true });
  });

  it("tells each player page how far behind live its sharing viewers play, by the stream's latency", async () => {
    const page = async (name: string): Promise<string> => (await fetch(`http://127.0.0.1:${host.port}/play/${name}`)).text();
    // A standard stream: 2.5 segments (hls.js's user config, where p2p-media-loader leaves it alone).
    expect(await page('open')).toContain('"liveSegments":2.5');
    // A stream whose viewers do not share: no P2P at all; a low-latency stream switched on: its playlist's PART-HOLD-BACK.
    expect(await page('quick')).toContain('const P2P = null;');
    expect((await api(host, 'PATCH', '/api/v1/streams/quick', { p2p: { mode: 'on' } })).json.p2p.active).toBe(true);
    expect(await page('quick')).toContain('"liveSegments":null');
    expect(await page('plain')).toContain('const P2P = null;');
  });

  it('introduces viewers of one swarm to each other, at most maxPeers offers per announce', async () => {
    const infoHash = crypto.randomBytes(20).toString('latin1');
    const peerId = (): string => crypto.randomBytes(20).toString('latin1');
    const offers = (n: number): { offer: { type: string; sdp: string }; offer_id: string }[] =>
      Array.from({ length: n }, () => ({ offer: { type: 'offer', sdp: 'v=0' }, offer_id: crypto.randomBytes(20).toString('latin1') }));
    const viewers: { ws: WebSocket; got: Record<string, unknown>[] }[] = [];
    for (let i = 0; i < 4; i++) {
      const answer = await connect('/p2p/swarm/announce');
      if (!('ws' in answer)) throw new Error(`tracker refused: ${answer.status} ${answer.body}`);
      const got: Record<string, unknown>[] = [];
      answer.ws.on('message', (raw) => got.push(JSON.parse(String(raw)) as Record<string, unknown>));
      viewers.push({ ws: answer.ws, got });
      // Each announces with 5 offers; the tracker passes on at most 2 (the stream's maxPeers).
      answer.ws.send(JSON.stringify({ action: 'announce', info_hash: infoHash, peer_id: peerId(), numwant: 5, uploaded: 0, downloaded: 0, left: 1, event: 'started', offers: offers(5) }));
      await waitFor('the announce answered', () => got.some((m) => m.interval !== undefined), 5000, 20);
    }
    // The last viewer's 5 offers went to at most 2 of the 3 before it.
    await waitFor('offers relayed', () => viewers.slice(0, 3).some((v) => v.got.some((m) => m.offer !== undefined)), 5000, 20);
    const relayed = viewers.slice(0, 3).reduce((sum, v) => sum + v.got.filter((m) => m.offer !== undefined).length, 0);
    // Viewer 2 offered to 1 (only one before it), viewer 3 to 2, viewer 4 to 2: 5 at most, never 3 at once.
    expect(relayed).toBeGreaterThan(0);
    expect(relayed).toBeLessThanOrEqual(5);
    for (const v of viewers) v.ws.close();
  });

  it("keeps each stream's swarm to itself: a viewer let into one cannot reach another's viewers by announcing its info-hash", async () => {
    // Both streams share ('swarm' on, 'open' by auto); the info-hash is anyone's to compute from a stream's name.
    const infoHash = crypto.randomBytes(20).toString('latin1');
    const offers = [{ offer: { type: 'offer', sdp: 'v=0' }, offer_id: crypto.randomBytes(20).toString('latin1') }];
    const viewers: { ws: WebSocket; got: Record<string, unknown>[] }[] = [];
    for (const path of ['/p2p/swarm/announce', '/p2p/open/announce', '/p2p/open/announce']) {
      const answer = await connect(path);
      if (!('ws' in answer)) throw new Error(`tracker refused: ${answer.status} ${answer.body}`);
      const got: Record<string, unknown>[] = [];
      answer.ws.on('message', (raw) => got.push(JSON.parse(String(raw)) as Record<string, unknown>));
      viewers.push({ ws: answer.ws, got });
      answer.ws.send(JSON.stringify({ action: 'announce', info_hash: infoHash, peer_id: crypto.randomBytes(20).toString('latin1'), numwant: 5, uploaded: 0, downloaded: 0, left: 1, event: 'started', offers }));
      await waitFor('the announce answered', () => got.some((m) => m.interval !== undefined), 5000, 20);
    }
    // The second viewer of 'open' meets the first; the viewer of 'swarm' hears of neither, nor they of it.
    await waitFor("the offer relayed within 'open'", () => viewers[1]!.got.some((m) => m.offer !== undefined), 5000, 20);
    expect(viewers[0]!.got.some((m) => m.offer !== undefined)).toBe(false);
    for (const v of viewers) v.ws.close();
  });

  it("an edge passes its players' tracker connections to the origin's swarm (a stream that does not share stays refused)", async () => {
    if (needs('nginx')) return;
    let edge: EdgeProcess | undefined;
    try {
      edge = await startEdge({ origin: host.url, token: host.token });
      const edgeWs = edge.url.replace(/^http/, 'ws');
      const refused = await connect('/p2p/plain/announce', edgeWs);
      expect('status' in refused && refused.status).toBe(403);
      const answer = await connect('/p2p/swarm/announce', edgeWs);
      if (!('ws' in answer)) throw new Error(`refused through the edge: ${answer.status} ${answer.body}`);
      const got: Record<string, unknown>[] = [];
      answer.ws.on('message', (raw) => got.push(JSON.parse(String(raw)) as Record<string, unknown>));
      answer.ws.send(JSON.stringify({ action: 'announce', info_hash: crypto.randomBytes(20).toString('latin1'), peer_id: crypto.randomBytes(20).toString('latin1'), numwant: 0, uploaded: 0, downloaded: 0, left: 1, event: 'started', offers: [] }));
      await waitFor('the announce answered through the edge', () => got.some((m) => m.interval !== undefined), 5000, 20);
      answer.ws.close();
    } finally {
      await edge?.stop();
      edge?.remove();
    }
  });

  it("publishes each segment's SHA-256 beside it, equal to the segment's bytes, kept as long", async () => {
    const master = await waitFor('the master playlist', async () => {
      const res = await fetch(`${host.url}/live/swarm/index.m3u8`);
      return res.ok ? res.text() : null;
    }, 30_000, 250);
    const variant = master.split('\n').find((l) => l && !l.startsWith('#'))!;
    const media = await waitFor('a segment listed', async () => {
      const text = await (await fetch(new URL(variant, `${host.url}/live/swarm/`))).text();
      return text.split('\n').some((l) => l && !l.startsWith('#') && l.includes('.m4s')) ? text : null;
    }, 30_000, 250);
    const segment = media.split('\n').find((l) => l && !l.startsWith('#') && l.includes('.m4s'))!;
    const url = new URL(segment, new URL(variant, `${host.url}/live/swarm/`));
    const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
    const hashUrl = new URL(url);
    hashUrl.pathname += '.sha256';
    const res = await fetch(hashUrl);
    expect(res.status).toBe(200);
    expect((await res.text()).trim()).toBe(crypto.createHash('sha256').update(bytes).digest('hex'));
    expect(res.headers.get('cache-control')).toMatch(/immutable|no-store/);
    // No hash of an init section, of a file that is not there, or of another stream's session.
    const init = new URL(hashUrl);
    init.pathname = init.pathname.replace(/[^/]+$/, 'init-stream0.m4s.sha256');
    expect((await fetch(init)).status).toBe(404);
    const missing = new URL(hashUrl);
    missing.pathname = missing.pathname.replace(/\d+\.m4s\.sha256$/, '99999.m4s.sha256');
    expect((await fetch(missing)).status).toBe(404);
  });
});
