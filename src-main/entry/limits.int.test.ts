import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHost, tempHome, type HostProcess } from '../../test-support/host-process.js';
import { exitOf, publishTestPattern } from '../../test-support/media.js';
import { needs } from '../../test-support/peers.js';
import { sleep, waitFor } from '../../test-support/wait.js';

// Limits through a real host with real peers: connections per address on RTMP (WebRTC: e2e/whip.test.ts), viewers per
// stream over HLS and WHEP, hotlink protection, and an address that failed too often (wrong stream keys
// over RTMP) answered 429 with Retry-After on every port.
let host: HostProcess;
let ffmpeg: ChildProcess | undefined;
let key = '';

beforeAll(async () => {
  const home = tempHome();
  fs.writeFileSync(
    path.join(home, 'config.yaml'),
    'limits:\n  connectionsPerIp: 3\n  allowedOrigins: "https://fans.example"\n  failedAuthPerMinute: 4\n',
  );
  host = await startHost({ home });
  const created = await api(host, 'POST', '/api/v1/streams', { name: 'capped', ladder: 'passthrough', maxViewers: 1 });
  expect(created.status, created.text).toBe(201);
  expect(created.json.maxViewers).toBe(1);
  key = created.json.key as string;
}, 60_000);
afterAll(async () => {
  ffmpeg?.kill('SIGKILL');
  if (ffmpeg) await exitOf(ffmpeg);
  expect(await host?.stop()).toBe(0);
});

/** An idle TCP connection to `port`; resolves whether the host closed it within `ms`. */
function holds(port: number, ms = 700): Promise<{ closed: boolean; socket: net.Socket }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => resolve({ closed: false, socket }), ms);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, socket });
    });
    socket.on('error', () => undefined);
  });
}

describe.skipIf(needs('ffmpeg'))('limits', () => {
  it('RTMP: at most limits.connectionsPerIp connections from one address; a closed one frees its slot', async () => {
    const open = await Promise.all([holds(host.rtmpPort), holds(host.rtmpPort), holds(host.rtmpPort)]);
    expect(open.map((o) => o.closed)).toEqual([false, false, false]);
    const fourth = await holds(host.rtmpPort);
    expect(fourth.closed).toBe(true);
    open[0]!.socket.destroy();
    await sleep(200);
    const again = await holds(host.rtmpPort);
    expect(again.closed).toBe(false);
    for (const o of [...open, again]) o.socket.destroy();
    await sleep(200);
  });

  it('viewers per stream: a new HLS viewer past the stream\'s maxViewers gets 503 STREAM_FULL; the one watching keeps watching', async () => {
    ffmpeg = publishTestPattern(`rtmp://127.0.0.1:${host.rtmpPort}/live/${key}`, { size: '320x180', fps: 15 });
    const first = await waitFor('the first viewer\'s master playlist', async () => {
      const res = await fetch(`${host.url}/live/capped/index.m3u8`);
      return res.status === 200 ? res.text() : null;
    }, 30_000, 250);
    const variant = first.split('\n').find((l) => l && !l.startsWith('#'))!;
    expect((await fetch(new URL(variant, `${host.url}/live/capped/`))).status).toBe(200);
    const second = await fetch(`${host.url}/live/capped/index.m3u8`);
    expect([second.status, ((await second.json()) as any).error.code]).toEqual([503, 'STREAM_FULL']);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
    // The first viewer, with its viewer id, is still served.
    expect((await fetch(new URL(variant, `${host.url}/live/capped/`))).status).toBe(200);
    const sid = /sid=([^&]+)/.exec(variant)![1];
    expect((await fetch(`${host.url}/live/capped/index.m3u8?sid=${sid}`)).status).toBe(200);
    // WHEP counts the same viewers.
    const whep = await fetch(`${host.url}/live/capped/whep`, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: 'v=0\r\n' });
    expect([whep.status, ((await whep.json()) as any).error.code]).toEqual([503, 'STREAM_FULL']);
    expect((await api(host, 'PATCH', '/api/v1/streams/capped', { maxViewers: 0 })).status).toBe(200);
  }, 60_000);

  it('hotlink protection: playlists and WHEP for other sites are refused; listed sites, the host and no-site requests are served', async () => {
    const master = `${host.url}/live/capped/index.m3u8`;
    const thief = await fetch(master, { headers: { origin: 'https://thief.example' } });
    expect([thief.status, ((await thief.json()) as any).error.code]).toEqual([403, 'ORIGIN_FORBIDDEN']);
    expect((await fetch(master, { headers: { referer: 'https://thief.example/page' } })).status).toBe(403);
    expect((await fetch(master, { headers: { origin: 'https://fans.example' } })).status).toBe(200);
    expect((await fetch(master, { headers: { origin: host.url } })).status).toBe(200);
    expect((await fetch(master)).status).toBe(200);
    const whep = await fetch(`${host.url}/live/capped/whep`, { method: 'POST', headers: { 'content-type': 'application/sdp', origin: 'https://thief.example' }, body: 'v=0\r\n' });
    expect([whep.status, ((await whep.json()) as any).error.code]).toEqual([403, 'ORIGIN_FORBIDDEN']);
  });

  it('an address whose stream keys failed limits.failedAuthPerMinute times has its guesses answered 429 with Retry-After, on RTMP and the API; its right key still publishes', async () => {
    for (let i = 0; i < 4; i++) {
      const wrong = publishTestPattern(`rtmp://127.0.0.1:${host.rtmpPort}/live/sk_wrong${i}`, { size: '160x90', fps: 5, seconds: 2 });
      expect(await exitOf(wrong)).not.toBe(0);
    }
    const guess = await waitFor('the address blocked', async () => {
      const res = await fetch(`${host.url}/api/v1/audit?limit=20&action=publish`, { headers: { authorization: 'Bearer st_a_guess' } });
      return res.status === 429 ? res : null;
    }, 5000);
    expect(Number(guess.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await guess.json()) as any).error.code).toBe('RATE_LIMITED');
    // The owner's token from the same address is no guess: served.
    expect((await fetch(`${host.url}/api/v1/audit?limit=20&action=publish`, { headers: { authorization: `Bearer ${host.token}` } })).status).toBe(200);
    // Another wrong key is refused; the right one publishes.
    const another = publishTestPattern(`rtmp://127.0.0.1:${host.rtmpPort}/live/sk_wrong9`, { size: '160x90', fps: 5, seconds: 2 });
    expect(await exitOf(another)).not.toBe(0);
    ffmpeg?.kill('SIGKILL');
    if (ffmpeg) await exitOf(ffmpeg);
    const right = publishTestPattern(`rtmp://127.0.0.1:${host.rtmpPort}/live/${key}`, { size: '160x90', fps: 5, seconds: 30 });
    try {
      await waitFor('the right key publishing', async () => (await api(host, 'GET', '/api/v1/streams/capped')).json.state === 'live', 20_000);
    } finally {
      right.kill('SIGKILL');
      await exitOf(right);
    }
  }, 60_000);
});
