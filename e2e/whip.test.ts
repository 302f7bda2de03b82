// WHIP with real peers: Chromium publishes its fake camera; a second Chromium watches over WHEP
// (the SFU path), ffprobe reads the same stream's HLS (the RTP -> ffmpeg -> Path path), and a Node
// viewer (@roamhq/wrtc, VP8 only) watches a VP8 publisher.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../test-support/wait.js';
import { needs } from '../test-support/peers.js';
import { api, startHost, type HostProcess } from '../test-support/host-process.js';
import { pageAt } from '../test-support/browser.js';
import { ffprobe, stopHostCleanly } from '../test-support/media.js';
import { inboundStats, launchMediaChromium, nodeViewer, postOffer, startWhepViewer, startWhipPublisher, udpSocketCount } from '../test-support/webrtc.js';

describe.skipIf(needs('chromium', 'ffprobe'))('WHIP: WebRTC in, WebRTC and HLS out', () => {
  let host: HostProcess;
  let browser: Browser;
  let publisherPage: Page;
  let viewerPage: Page;
  let key = '';
  let whipLocation = '';
  let spareOffer = '';
  beforeAll(async () => {
    host = await startHost();
    browser = await launchMediaChromium();
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'cam', ladder: 'passthrough' });
    key = created.json.key;
    publisherPage = await pageAt(browser, host.url);
    viewerPage = await pageAt(browser, host.url);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stopHostCleanly(host);
  });

  it('refuses a wrong or missing key and an unknown stream, leaving nothing behind', async () => {
    const offer = await publisherPage.evaluate(async () => {
      const media = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      const pc = new RTCPeerConnection();
      for (const t of media.getTracks()) pc.addTransceiver(t, { direction: 'sendonly' });
      const o = await pc.createOffer();
      pc.close();
      media.getTracks().forEach((t) => t.stop());
      return o.sdp!;
    });
    spareOffer = offer;
    const before = udpSocketCount(host.proc.pid!);
    const wrong = await postOffer(`${host.url}/live/cam/whip`, offer, { authorization: 'Bearer not-the-key' });
    expect([wrong.status, wrong.json.error.code]).toEqual([401, 'UNAUTHORIZED']);
    const missing = await postOffer(`${host.url}/live/cam/whip`, offer);
    expect([missing.status, missing.json.error.code]).toEqual([401, 'UNAUTHORIZED']);
    // Who is asking is settled before the body is read: a wrong key with a garbled body, a JSON body or
    // no content type at all is 401, never 400/415 (the reported bug).
    for (const [type, body] of [['application/sdp', 'v=0\r\ngarbage'], ['application/json', '{"broken'], ['text/plain', offer], ['', 'x'.repeat(200_000)]] as const) {
      const res = await fetch(`${host.url}/live/cam/whip`, { method: 'POST', headers: { authorization: 'Bearer not-the-key', ...(type ? { 'content-type': type } : {}) }, body });
      expect([res.status, ((await res.json()) as any).error.code], `${type || 'no type'}`).toEqual([401, 'UNAUTHORIZED']);
    }
    // WHEP of a private stream with a bad signature and a garbled body: refused for the signature.
    expect((await api(host, 'PATCH', '/api/v1/streams/cam', { private: true })).status).toBe(200);
    const garbled = await fetch(`${host.url}/live/cam/whep?exp=1&sig=x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"broken' });
    expect([garbled.status, ((await garbled.json()) as any).error.code]).toEqual([403, 'FORBIDDEN']);
    expect((await api(host, 'PATCH', '/api/v1/streams/cam', { private: false })).status).toBe(200);
    const unknown = await postOffer(`${host.url}/live/nobody/whip`, offer, { authorization: `Bearer ${key}` });
    expect([unknown.status, unknown.json.error.code]).toEqual([404, 'NOT_FOUND']);
    const noVideoCodec = offer.replace(/ (H264|VP8|VP9|AV1)\/90000/g, ' X-$1/90000');
    const codec = await postOffer(`${host.url}/live/cam/whip`, noVideoCodec, { authorization: `Bearer ${key}` });
    expect([codec.status, codec.json.error.code]).toEqual([422, 'CODEC_UNSUPPORTED']);
    expect(udpSocketCount(host.proc.pid!)).toBe(before);
    expect((await api(host, 'GET', '/api/v1/streams/cam')).json.state).not.toBe('live');
  }, 30_000);

  // Before any other test opens a session: every session of this address counts.
  it('at most limits.connectionsPerIp WebRTC sessions from one address (the publisher counts)', async () => {
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'crowded', ladder: 'passthrough' });
    expect((await api(host, 'PATCH', '/api/v1/config', { limits: { connectionsPerIp: 2 } })).status).toBe(200);
    const publisher = await pageAt(browser, host.url);
    const viewer = await pageAt(browser, host.url);
    try {
      expect((await startWhipPublisher(publisher, `${host.url}/live/crowded/whip`, created.json.key)).status).toBe(201);
      await waitFor('crowded live', async () => (await api(host, 'GET', '/api/v1/streams/crowded')).json.state === 'live', 15_000);
      expect((await startWhepViewer(viewer, `${host.url}/live/crowded/whep`)).status).toBe(201);
      const third = await postOffer(`${host.url}/live/crowded/whep`, spareOffer);
      expect([third.status, third.json.error.code]).toEqual([429, 'CONNECTION_LIMIT']);
    } finally {
      await publisher.close();
      await viewer.close();
      expect((await api(host, 'PATCH', '/api/v1/config', { limits: { connectionsPerIp: 64 } })).status).toBe(200);
    }
  }, 60_000);

  it('publishes the fake camera; Chromium watches over WHEP and ffprobe reads the HLS', async () => {
    const published = await startWhipPublisher(publisherPage, `${host.url}/live/cam/whip`, key);
    expect(published.status, published.body).toBe(201);
    expect(published.location).toMatch(/^\/live\/cam\/whip\/[A-Za-z0-9_-]{16}$/);
    whipLocation = published.location!;
    await waitFor('the stream to go live', async () => (await api(host, 'GET', '/api/v1/streams/cam')).json.state === 'live', 20_000);

    const again = await postOffer(`${host.url}/live/cam/whip`, spareOffer, { authorization: `Bearer ${key}` });
    expect([again.status, again.json?.error?.code]).toEqual([409, 'CONFLICT']);

    const watched = await startWhepViewer(viewerPage, `${host.url}/live/cam/whep`);
    expect(watched.status, watched.body).toBe(201);
    const stats = await waitFor('the WHEP viewer to decode', async () => {
      const s = await inboundStats(viewerPage);
      return s.framesDecoded > 30 && s.audioPackets > 20 ? s : undefined;
    }, 30_000);
    expect(stats.codec).toBe('video/H264');
    expect(stats.frameWidth).toBeGreaterThan(0);

    const hls = `${host.url}/live/cam/index.m3u8`;
    await waitFor('the HLS master playlist', async () => (await fetch(hls)).status === 200, 30_000);
    const probe = await waitFor('ffprobe to see video', () => {
      const p = ffprobe(hls);
      return p.streams.some((s) => s.codec_type === 'video') ? p : undefined;
    }, 30_000);
    expect(probe.streams.find((s) => s.codec_type === 'video')?.codec_name).toBe('h264');
    expect(probe.streams.some((s) => s.codec_type === 'audio' && s.codec_name === 'aac')).toBe(true);
  }, 90_000);

  it('a publisher that leaves saying it is coming back (a studio page reloading) and publishes again: the WHEP viewer freezes and goes on, on the same connection; the playlists stay open', async () => {
    const viewers = async (): Promise<number> => (await api(host, 'GET', '/api/v1/streams/cam/viewers')).json.byProtocol.webrtc ?? 0;
    expect(await viewers()).toBe(1);
    const res = await fetch(`${host.url}${whipLocation}?returning=1`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    await publisherPage.evaluate(() => (window as unknown as { __pc: RTCPeerConnection }).__pc.close());
    await waitFor('the publish to end', async () => (await api(host, 'GET', '/api/v1/streams/cam')).json.state !== 'live', 5000);
    const frozen = (await inboundStats(viewerPage)).framesDecoded;
    await viewerPage.waitForTimeout(2000);
    // Nothing to show for a while, but the viewer is kept, and so are the playlists (no ENDLIST).
    const during = await inboundStats(viewerPage);
    expect(during.state).toBe('connected');
    expect(during.framesDecoded - frozen).toBeLessThan(15);
    expect(await viewers()).toBe(1);
    expect(await (await fetch(`${host.url}/live/cam/v0.m3u8`)).text()).not.toContain('#EXT-X-ENDLIST');

    // It comes back offering simulcast: a stream into the Path is read as one encoding, so the answer
    // takes the first alone (RFC 8853) and the browser sends only that one, at full size.
    const back = await startWhipPublisher(publisherPage, `${host.url}/live/cam/whip`, key, undefined, true);
    expect(back.status, back.body).toBe(201);
    expect(back.body.match(/^a=(simulcast|rid):.*$/gm)?.map((l) => l.trim())).toEqual(['a=rid:f recv', 'a=simulcast:recv f']);
    whipLocation = back.location!;
    await waitFor('the stream to be live again', async () => (await api(host, 'GET', '/api/v1/streams/cam')).json.state === 'live', 20_000);
    const resumed = await waitFor('the same viewer to decode the returning publisher', async () => {
      const s = await inboundStats(viewerPage);
      return s.framesDecoded > during.framesDecoded + 30 ? s : undefined;
    }, 20_000);
    expect(resumed.state).toBe('connected');
    expect(resumed.codec).toBe('video/H264');
    expect(await waitFor('the full-size encoding', async () => ((await inboundStats(viewerPage)).frameWidth === 640 ? true : undefined), 10_000)).toBe(true);
    expect(await viewers()).toBe(1);
    expect(await (await fetch(`${host.url}/live/cam/v0.m3u8`)).text()).not.toContain('#EXT-X-ENDLIST');
  }, 60_000);

  it('a publisher gone silent without a word (a crashed tab) is replaced by a new one after 2 s; an active one is not', async () => {
    const page = await pageAt(browser, host.url);
    // Still sending: a second publisher is refused.
    const busy = await postOffer(`${host.url}/live/cam/whip`, spareOffer, { authorization: `Bearer ${key}` });
    expect(busy.status).toBe(409);
    await publisherPage.evaluate(async () => {
      const pc = (window as unknown as { __pc: RTCPeerConnection }).__pc;
      await Promise.all(pc.getSenders().map((sender) => sender.replaceTrack(null)));
    });
    const silentAt = Date.now();
    let back: Awaited<ReturnType<typeof startWhipPublisher>> | undefined;
    while (Date.now() - silentAt < 6000) {
      back = await startWhipPublisher(page, `${host.url}/live/cam/whip`, key);
      if (back.status === 201) break;
      expect(back.status).toBe(409);
      await page.waitForTimeout(250);
    }
    expect(back?.status, back?.body).toBe(201);
    // Well before the 6 s silence timeout that closed it before.
    expect(Date.now() - silentAt).toBeLessThan(5000);
    whipLocation = back!.location!;
    await waitFor('the stream to be live with the new publisher', async () => (await api(host, 'GET', '/api/v1/streams/cam')).json.state === 'live', 20_000);
    const frames = (await inboundStats(viewerPage)).framesDecoded;
    await waitFor('the viewer to decode the new publisher', async () => ((await inboundStats(viewerPage)).framesDecoded > frames + 30 ? true : undefined), 20_000);
    await publisherPage.close();
    publisherPage = page;
  }, 60_000);

  it('DELETE ends the publisher: the stream leaves live and its viewers are closed', async () => {
    const res = await fetch(`${host.url}${whipLocation}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    await waitFor('the stream to end', async () => (await api(host, 'GET', '/api/v1/streams/cam')).json.state !== 'live', 5000);
    await waitFor('the viewer to be closed', async () => ((await api(host, 'GET', '/api/v1/streams/cam/viewers')).json.byProtocol.webrtc ?? 0) === 0, 5000);
  }, 30_000);

  it('a VP8 publisher is watched by a Node viewer (@roamhq/wrtc)', async () => {
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'vp8cam', ladder: 'passthrough' });
    const page = await pageAt(browser, host.url);
    const published = await startWhipPublisher(page, `${host.url}/live/vp8cam/whip`, created.json.key, 'VP8');
    expect(published.status, published.body).toBe(201);
    expect(published.body).toMatch(/a=rtpmap:\d+ VP8\/90000/);
    const viewer = await nodeViewer(`${host.url}/live/vp8cam/whep`);
    try {
      expect(viewer.status).toBe(201);
      await waitFor('the Node viewer to decode VP8 frames', () => viewer.frames() > 20, 30_000);
      expect(viewer.width()).toBeGreaterThan(0);
    } finally {
      viewer.close();
      await page.close();
    }
  }, 60_000);

  it('a publish JWT is a WHIP Bearer, a read JWT opens WHEP of a private stream; others are refused', async () => {
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'jwtcam', ladder: 'passthrough', private: true, publishAuth: 'jwt' })).status).toBe(201);
    const token = async (action: 'read' | 'publish', streams: string[]): Promise<string> => (await api(host, 'POST', '/api/v1/jwt', { action, streams, expiresInSec: 120 })).json.token;
    const wrong = await postOffer(`${host.url}/live/jwtcam/whip`, spareOffer, { authorization: `Bearer ${await token('publish', ['cam'])}` });
    expect([wrong.status, wrong.json.error.code]).toEqual([401, 'JWT_INVALID']);
    const reader = await postOffer(`${host.url}/live/jwtcam/whip`, spareOffer, { authorization: `Bearer ${await token('read', ['jwtcam'])}` });
    expect(reader.status).toBe(401);
    const page = await pageAt(browser, host.url);
    const viewer = await pageAt(browser, host.url);
    try {
      const published = await startWhipPublisher(page, `${host.url}/live/jwtcam/whip`, await token('publish', ['jwtcam']));
      expect(published.status, published.body).toBe(201);
      await waitFor('jwtcam live', async () => (await api(host, 'GET', '/api/v1/streams/jwtcam')).json.state === 'live', 30_000);
      const refused = await postOffer(`${host.url}/live/jwtcam/whep?jwt=${await token('read', ['cam'])}`, spareOffer);
      expect([refused.status, refused.json.error.code]).toEqual([401, 'JWT_INVALID']);
      const watched = await startWhepViewer(viewer, `${host.url}/live/jwtcam/whep?jwt=${await token('read', ['jwtcam'])}`);
      expect(watched.status, watched.body).toBe(201);
      await waitFor('frames over WHEP with a JWT', async () => (await inboundStats(viewer)).framesDecoded > 10, 20_000);
    } finally {
      await page.close();
      await viewer.close();
    }
  }, 60_000);

});
