// Restreaming from a real host to receivers that are not ours: nginx with the rtmp module, an
// `ffmpeg -listen` recorder, and nginx-rtmp behind a TLS endpoint (rtmps://) with a test CA that the
// host trusts through NODE_EXTRA_CA_CERTS. Passthrough destinations are pushed from the host's own
// process (RtmpPush); a destination with a rendition runs an ffmpeg. What arrived is read by ffprobe.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Destination } from '../../src-shared/contract/restream.js';
import { api, cleanEnv, startHost, type HostProcess } from '../../test-support/host-process.js';
import { exitOf, publishTestPattern } from '../../test-support/media.js';
import { needs } from '../../test-support/peers.js';
import {
  makeTestCertificates,
  probeAsync,
  startFfmpegListener,
  startNginxRtmp,
  startTlsEndpoint,
  stopChild,
  type NginxRtmp,
  type TestCertificates,
  type TlsEndpoint,
} from '../../test-support/receivers.js';
import { waitFor } from '../../test-support/wait.js';

const missingNginx = needs('ffmpeg', 'ffprobe', 'nginx-rtmp');
const missingTls = needs('ffmpeg', 'ffprobe', 'nginx-rtmp', 'openssl');
const missingFfmpeg = needs('ffmpeg', 'ffprobe');

let host: HostProcess;
let certs: TestCertificates | undefined;
const owned: ChildProcess[] = [];
const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  if (missingFfmpeg) return;
  // The host trusts the test CA the way an operator would add a private CA: NODE_EXTRA_CA_CERTS.
  if (!missingTls) certs = makeTestCertificates();
  host = await startHost({ env: cleanEnv(certs ? { NODE_EXTRA_CA_CERTS: certs.ca } : {}) });
  // Run again with FFMPEG_PATH at the npm-shipped build (scripts/test.mjs): the relays' ffmpeg is that one.
  if (process.env.FFMPEG_PATH) expect((await api(host, 'GET', '/api/v1/system/ffmpeg')).json.path).toBe(process.env.FFMPEG_PATH);
}, 60_000);

afterAll(async () => {
  for (const proc of owned) await stopChild(proc);
  for (const cleanup of cleanups.reverse()) await cleanup();
  if (host) {
    expect(await host.stop('SIGTERM')).toBe(0);
    fs.rmSync(host.home, { recursive: true, force: true });
  }
  if (certs) fs.rmSync(certs.dir, { recursive: true, force: true });
}, 60_000);

async function createStream(name: string): Promise<{ publishUrl: string }> {
  const res = await api(host, 'POST', '/api/v1/streams', { name, ladder: 'passthrough' });
  expect(res.status).toBe(201);
  return { publishUrl: `${res.json.ingest.rtmp}/${res.json.key}` };
}

async function addDestination(stream: string, body: { url: string; key: string; rendition?: string | null; label?: string }): Promise<Destination> {
  const res = await api(host, 'POST', `/api/v1/streams/${stream}/destinations`, { autoStart: true, ...body });
  expect(res.status, res.text).toBe(201);
  return res.json as Destination;
}

const destinations = async (stream: string): Promise<Destination[]> => (await api(host, 'GET', `/api/v1/streams/${stream}/destinations`)).json as Destination[];

async function waitStates(stream: string, want: Record<string, Destination['state']>, timeoutMs = 30_000): Promise<Destination[]> {
  return waitFor(`destinations ${JSON.stringify(want)}`, async () => {
    const list = await destinations(stream);
    return Object.entries(want).every(([id, state]) => list.find((d) => d.id === id)?.state === state) ? list : undefined;
  }, timeoutMs, 200);
}

/** The video and audio a receiver plays back, as ffprobe reads them (retried until both are there). */
async function playedBack(url: string): Promise<{ video: { codec: string; width: number; height: number }; audio: string }> {
  return waitFor(`ffprobe to read video and audio from ${url.replace(/\/[^/]+$/, '/<key>')}`, async () => {
    const probe = await probeAsync(url, 20_000);
    if (probe.error) throw new Error(probe.error);
    const video = probe.streams.find((s) => s.codec_type === 'video');
    const audio = probe.streams.find((s) => s.codec_type === 'audio');
    return video && audio ? { video: { codec: video.codec_name, width: video.width!, height: video.height! }, audio: audio.codec_name } : undefined;
  }, 45_000, 500);
}

describe.skipIf(missingNginx)('restreaming to nginx-rtmp (a third-party RTMP server)', () => {
  let nginx: NginxRtmp;
  beforeAll(async () => {
    nginx = await startNginxRtmp();
    cleanups.push(() => nginx.stop());
  });

  it('passes the source through (in-process push) and sends a 360p rendition (ffmpeg): nginx plays back what was sent', async () => {
    const { publishUrl } = await createStream('to-nginx');
    const source = await addDestination('to-nginx', { url: nginx.url, key: 'nginx-source-0001', label: 'nginx source' });
    const small = await addDestination('to-nginx', { url: nginx.url, key: 'nginx-360p-0002', rendition: '360p', label: 'nginx 360p' });
    const publisher = publishTestPattern(publishUrl, { size: '1280x720' });
    owned.push(publisher);
    try {
      const list = await waitStates('to-nginx', { [source.id]: 'live', [small.id]: 'live' });
      expect(list.every((d) => d.error === null && d.since !== null)).toBe(true);
      const [passed, encoded] = await Promise.all([playedBack(`${nginx.url}/nginx-source-0001`), playedBack(`${nginx.url}/nginx-360p-0002`)]);
      expect(passed).toEqual({ video: { codec: 'h264', width: 1280, height: 720 }, audio: 'aac' });
      expect(encoded).toEqual({ video: { codec: 'h264', width: 640, height: 360 }, audio: 'aac' });
      expect(nginx.errorLog()).toMatch(/publish: name='nginx-source-0001'/);
    } finally {
      await stopChild(publisher);
    }
    await waitStates('to-nginx', { [source.id]: 'idle', [small.id]: 'idle' }, 15_000);
  }, 120_000);
});

describe.skipIf(missingFfmpeg)('restreaming to an ffmpeg -listen recorder', () => {
  it('records what the host relayed: video and audio, as long as the publish', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffmpeg-listen-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const listener = await startFfmpegListener(path.join(dir, 'received.flv'), 'listener-key-0003');
    owned.push(listener.proc);
    const { publishUrl } = await createStream('to-ffmpeg');
    const dest = await addDestination('to-ffmpeg', { url: listener.url, key: 'listener-key-0003' });
    const publisher = publishTestPattern(publishUrl, { size: '640x360', seconds: 8 });
    owned.push(publisher);
    await waitStates('to-ffmpeg', { [dest.id]: 'live' });
    // The publisher stops (8 s of media): the relay ends the stream and the listener finishes its file.
    expect(await exitOf(publisher)).toBe(0);
    await waitStates('to-ffmpeg', { [dest.id]: 'idle' }, 15_000);
    await waitFor('the ffmpeg listener to finish its file', () => listener.proc.exitCode !== null || listener.proc.signalCode !== null, 15_000);
    expect(listener.proc.exitCode, listener.stderr()).toBe(0);
    const probe = await probeAsync(listener.file);
    expect(probe.error).toBeUndefined();
    expect(probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual(['audio:aac', 'video:h264']);
    expect(probe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 640, height: 360 });
    expect(probe.durationSec).toBeGreaterThan(5);
  }, 90_000);
});

describe.skipIf(missingTls)('restreaming over RTMPS through a TLS endpoint', () => {
  let nginx: NginxRtmp;
  let trusted: TlsEndpoint;
  let untrusted: TlsEndpoint;
  beforeAll(async () => {
    nginx = await startNginxRtmp();
    cleanups.push(() => nginx.stop());
    trusted = await startTlsEndpoint({ cert: certs!.cert, key: certs!.key, targetPort: nginx.port });
    cleanups.push(() => trusted.stop());
    untrusted = await startTlsEndpoint({ cert: certs!.untrustedCert, key: certs!.untrustedKey, targetPort: nginx.port });
    cleanups.push(() => untrusted.stop());
  });

  it('pushes to rtmps:// with a certificate from a CA the host trusts; an untrusted certificate fails, the others carry on', async () => {
    const { publishUrl } = await createStream('to-rtmps');
    const rtmps = (port: number): string => `rtmps://127.0.0.1:${port}/live`;
    const source = await addDestination('to-rtmps', { url: rtmps(trusted.port), key: 'tls-source-0004' });
    const small = await addDestination('to-rtmps', { url: rtmps(trusted.port), key: 'tls-360p-0005', rendition: '360p' });
    const publisher = publishTestPattern(publishUrl, { size: '1280x720' });
    owned.push(publisher);
    try {
      const before = await waitStates('to-rtmps', { [source.id]: 'live', [small.id]: 'live' });
      const [passed, encoded] = await Promise.all([playedBack(`${nginx.url}/tls-source-0004`), playedBack(`${nginx.url}/tls-360p-0005`)]);
      expect(passed).toEqual({ video: { codec: 'h264', width: 1280, height: 720 }, audio: 'aac' });
      expect(encoded).toEqual({ video: { codec: 'h264', width: 640, height: 360 }, audio: 'aac' });
      expect(trusted.handshakes).toBeGreaterThanOrEqual(2);

      // A server whose certificate nothing trusts: refused at the handshake, failed soon with the reason; nothing published.
      const rogue = await addDestination('to-rtmps', { url: rtmps(untrusted.port), key: 'tls-rogue-0006' });
      const rogueEncoded = await addDestination('to-rtmps', { url: rtmps(untrusted.port), key: 'tls-rogue-0007', rendition: '360p' });
      for (const d of [rogue, rogueEncoded]) expect((await api(host, 'POST', `/api/v1/streams/to-rtmps/destinations/${d.id}/start`)).status).toBe(200);
      const list = await waitStates('to-rtmps', { [rogue.id]: 'failed', [rogueEncoded.id]: 'failed', [source.id]: 'live', [small.id]: 'live' }, 20_000);
      for (const d of list.filter((x) => x.id === rogue.id || x.id === rogueEncoded.id)) {
        expect(d.error).toMatch(/^the server's TLS certificate is not trusted \(.+\): .*NODE_EXTRA_CA_CERTS/);
      }
      expect(list.find((d) => d.id === rogue.id)!.error).toMatch(/self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
      expect(list.find((d) => d.id === rogueEncoded.id)!.error).toMatch(/Peer certificate failed verification/);
      // The trusted relays never noticed: live since before, no retry.
      const sinceOf = (l: Destination[], id: string) => l.find((d) => d.id === id)!.since;
      for (const id of [source.id, small.id]) expect(sinceOf(list, id)).toBe(sinceOf(before, id));
      // Both relays reached the endpoint (Node refuses within the handshake, ffmpeg right after it) and published nothing.
      expect(untrusted.handshakes + untrusted.handshakeErrors).toBeGreaterThanOrEqual(2);
      expect(nginx.errorLog()).not.toMatch(/tls-rogue/);
    } finally {
      await stopChild(publisher);
    }
  }, 150_000);
});
