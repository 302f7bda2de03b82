// WHEP with real peers: ffmpeg publishes H.264 + AAC over RTMP, Chromium watches over WebRTC
// (video repacketized, audio through the Opus encoder), and DELETE frees the viewer.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../test-support/wait.js';
import { needs } from '../test-support/peers.js';
import { api, startHost, type HostProcess } from '../test-support/host-process.js';
import { pidsMatching, publishTestPattern, stopHostCleanly } from '../test-support/media.js';
import { launchChromiumServer, pageAt } from '../test-support/browser.js';
import { inboundStats, launchMediaChromium, postOffer, startWhepViewer, udpSocketCount } from '../test-support/webrtc.js';

const OFFER = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src-main', 'protocols', 'webrtc', 'fixtures', 'chromium-whep-offer.sdp'), 'utf8');

describe.skipIf(needs('ffmpeg', 'chromium'))('WHEP: RTMP in, WebRTC out', () => {
  let host: HostProcess;
  let browser: Browser;
  let publisher: ChildProcess;
  let page: Page;
  let viewerLocation = '';
  beforeAll(async () => {
    host = await startHost();
    browser = await launchMediaChromium();
    await api(host, 'POST', '/api/v1/streams', { name: 'idle-show', ladder: 'passthrough' });
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'rtmp-show', ladder: 'passthrough' });
    publisher = publishTestPattern(`${created.json.ingest.rtmp}/${created.json.key}`, { size: '640x360', extra: ['-g', '30'] });
    await waitFor('live', async () => (await api(host, 'GET', '/api/v1/streams/rtmp-show')).json.state === 'live', 15_000);
    page = await pageAt(browser, host.url);
  }, 60_000);
  afterAll(async () => {
    publisher?.kill('SIGTERM');
    await browser?.close();
    await stopHostCleanly(host);
  });

  it('plays H.264 and Opus in Chromium, frames decoded', async () => {
    const answer = await startWhepViewer(page, `${host.url}/live/rtmp-show/whep`);
    expect(answer.status, answer.body).toBe(201);
    expect(answer.location).toMatch(/^\/live\/rtmp-show\/whep\/[A-Za-z0-9_-]{16}$/);
    expect(answer.body).toMatch(/^v=0/);
    const stats = await waitFor('decoded frames and audio packets', async () => {
      const s = await inboundStats(page);
      return s.framesDecoded > 30 && s.audioPackets > 20 ? s : undefined;
    }, 30_000);
    expect(stats.codec).toBe('video/H264');
    expect([stats.frameWidth, stats.frameHeight]).toEqual([640, 360]);
    viewerLocation = answer.location!;
  }, 60_000);

  it('plays a video-only SRT stream too (the audio section of the offer gets a silent track)', async () => {
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'srt-show', ladder: 'passthrough' });
    const srt = publishTestPattern(`srt://127.0.0.1:${host.srtPort}?streamid=publish:${created.json.key}&latency=200000&pkt_size=1316`, {
      size: '640x360',
      format: 'mpegts',
      extra: ['-g', '30', '-an'],
    });
    try {
      await waitFor('the SRT publisher', async () => (await api(host, 'GET', '/api/v1/streams/srt-show')).json.live?.publisher?.protocol === 'srt', 20_000);
      const other = await pageAt(browser, host.url);
      const answer = await startWhepViewer(other, `${host.url}/live/srt-show/whep`);
      expect(answer.status, answer.body).toBe(201);
      await waitFor('frames of the SRT stream', async () => (await inboundStats(other)).framesDecoded > 20, 30_000);
      expect((await fetch(`${host.url}${answer.location}`, { method: 'DELETE' })).status).toBe(200);
      await other.close();
      // Gone for the host too before the next test counts sockets.
      await waitFor('the closed page to leave', async () => !(await api(host, 'GET', '/api/v1/streams/srt-show/viewers')).json.byProtocol.webrtc, 15_000);
    } finally {
      srt.kill('SIGTERM');
    }
  }, 60_000);

  it('refuses bad offers with stable codes, leaks no peer connection, and the viewer keeps playing', async () => {
    const whep = `${host.url}/live/rtmp-show/whep`;
    const before = udpSocketCount(host.proc.pid!);
    const framesBefore = (await inboundStats(page)).framesDecoded;
    const cases: [string, Promise<{ status: number; json: any }>, number, string][] = [
      ['garbage', postOffer(whep, 'hello, I am not SDP'), 400, 'SDP_INVALID'],
      ['no ICE credentials', postOffer(whep, OFFER.replace(/a=ice-ufrag:.*\r\n/g, '')), 400, 'SDP_INVALID'],
      ['oversized', postOffer(whep, OFFER + `a=x-padding:${'x'.repeat(40_000)}\r\n`), 413, 'SDP_TOO_LARGE'],
      ['VP8 only for an H.264 stream', postOffer(whep, OFFER.replace(/ H264\/90000/g, ' X-H264/90000')), 422, 'CODEC_UNSUPPORTED'],
      ['unknown stream', postOffer(`${host.url}/live/nobody/whep`, OFFER), 404, 'NOT_FOUND'],
      ['stream not live', postOffer(`${host.url}/live/idle-show/whep`, OFFER), 404, 'STREAM_OFFLINE'],
      ['JSON body', postOffer(whep, '{}', { 'content-type': 'application/json' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ];
    for (const [what, pending, status, code] of cases) {
      const res = await pending;
      expect(res.status, what).toBe(status);
      expect(res.json?.error?.code, what).toBe(code);
    }
    const del = await fetch(`${host.url}/live/rtmp-show/whep/AAAAAAAAAAAAAAAA`, { method: 'DELETE' });
    expect(del.status).toBe(404);
    expect(((await del.json()) as any).error.code).toBe('NOT_FOUND');
    expect(udpSocketCount(host.proc.pid!)).toBe(before);
    await waitFor('the viewer to keep decoding', async () => (await inboundStats(page)).framesDecoded > framesBefore + 15, 15_000);
  }, 60_000);

  it('takes trickled candidates with PATCH and refuses an ICE restart (422) or a malformed fragment', async () => {
    const url = `${host.url}${viewerLocation}`;
    const ufrag = await page.evaluate(() => /a=ice-ufrag:(\S+)/.exec((window as any).__pc.localDescription.sdp)?.[1]);
    const patch = (body: string, type = 'application/trickle-ice-sdpfrag') => fetch(url, { method: 'PATCH', headers: { 'content-type': type }, body });
    const candidate = `a=ice-ufrag:${ufrag}\r\na=mid:0\r\na=candidate:1 1 udp 2122194687 127.0.0.1 9 typ host\r\n`;
    expect((await patch(candidate)).status).toBe(204);
    const restart = await patch('a=ice-ufrag:another\r\na=ice-pwd:somethingsomethingsome\r\n');
    expect([restart.status, ((await restart.json()) as any).error.code]).toEqual([422, 'ICE_RESTART_UNSUPPORTED']);
    const bad = await patch('a=candidate:nonsense');
    expect([bad.status, ((await bad.json()) as any).error.code]).toEqual([400, 'SDP_INVALID']);
    expect((await patch(candidate, 'application/sdp')).status).toBe(415);
    expect((await inboundStats(page)).state).toBe('connected');
  }, 30_000);

  it('counts the viewer as webrtc, and DELETE frees it within 1 s', async () => {
    const viewers = async () => (await api(host, 'GET', '/api/v1/streams/rtmp-show/viewers')).json;
    await waitFor('the webrtc viewer to be counted', async () => (await viewers()).byProtocol.webrtc === 1, 15_000);
    const location = viewerLocation;
    const sockets = udpSocketCount(host.proc.pid!);
    const started = Date.now();
    const res = await fetch(`${host.url}${location}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    await waitFor('the viewer to be gone', async () => ((await viewers()).byProtocol.webrtc ?? 0) === 0, 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    // Its ICE socket and the stream's Opus encoder (no viewer left) are released too.
    expect(udpSocketCount(host.proc.pid!)).toBeLessThan(sockets);
    await waitFor('the Opus encoder to stop', () => pidsMatching('libopus').length === 0, 5000);
    expect((await fetch(`${host.url}${location}`, { method: 'DELETE' })).status).toBe(404);
  }, 30_000);

  it('drops a viewer that vanishes (browser killed) within 10 s', async () => {
    const doomedBrowser = await launchChromiumServer();
    const doomed = await pageAt(doomedBrowser.browser, host.url);
    expect((await startWhepViewer(doomed, `${host.url}/live/rtmp-show/whep`)).status).toBe(201);
    await waitFor('the doomed viewer to play', async () => (await inboundStats(doomed)).framesDecoded > 5, 20_000);
    const viewers = async () => (await api(host, 'GET', '/api/v1/streams/rtmp-show/viewers')).json;
    await waitFor('the viewer to be counted', async () => (await viewers()).byProtocol.webrtc === 1, 10_000);
    const killedAt = Date.now();
    process.kill(-doomedBrowser.pid, 'SIGKILL');
    await waitFor('the vanished viewer to be dropped', async () => ((await viewers()).byProtocol.webrtc ?? 0) === 0, 10_000);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
  }, 60_000);
});
