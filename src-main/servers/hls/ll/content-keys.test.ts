import { webcrypto } from 'node:crypto';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { LL_VIDEO_INPUT as VIDEO, llTrack, llVideoFrames as frames, T0 } from '../../../../test-support/ll-fixtures.js';
import { silentLogger } from '../../../core/logger.js';
import http from 'node:http';
import { contentKey, encryptResource, httpKeyProvider, ivOf, keyPeriodOf, kidOf, newKeyEpoch, parseKid, RunEncryption, type KeyProvider } from './content-keys.js';
import { writeLlMediaPlaylist } from './ll-playlist.js';
import { llEncryptedDiskFile, llFile, llMediaPlaylist, type LlRouteContext } from './ll-routes.js';
import { LlStream, type LlFiles } from './ll-stream.js';
import { llUris } from './types.js';

/** AES-128-CBC decryption as a browser's player does it (WebCrypto, PKCS#7 padding removed). */
async function decrypt(key: Buffer, msn: number, data: Buffer): Promise<Buffer> {
  const k = await webcrypto.subtle.importKey('raw', key, { name: 'AES-CBC' }, false, ['decrypt']);
  return Buffer.from(await webcrypto.subtle.decrypt({ name: 'AES-CBC', iv: ivOf(msn) }, k, data));
}

describe('content keys (AES-128)', () => {
  it('names a key by the live run\'s epoch and its period, and reads the name back', () => {
    const epoch = newKeyEpoch();
    expect(epoch).toMatch(/^[0-9a-f]{16}$/);
    expect(newKeyEpoch()).not.toBe(epoch);
    const kid = kidOf(epoch, 0x1234);
    expect(kid).toBe(`${epoch}0000000000001234`);
    expect(parseKid(kid)).toEqual({ epoch, period: 0x1234 });
    for (const bad of ['', 'zz', kid.toUpperCase(), `${kid}0`, kid.slice(1), '../../etc/passwd', `${epoch}ffffffffffffffff`]) expect(parseKid(bad), bad).toBeNull();
  });

  it('rotates every N segments, derives the same key from the same secret, and another from any other input', () => {
    expect([0, 1, 2, 3, 5, 6].map((msn) => keyPeriodOf(msn, 3))).toEqual([0, 0, 0, 1, 1, 2]);
    expect(keyPeriodOf(7, 0)).toBe(7);
    const key = contentKey('master', 'show', 'k1');
    expect(key).toHaveLength(16);
    expect(contentKey('master', 'show', 'k1').equals(key)).toBe(true);
    for (const other of [contentKey('master2', 'show', 'k1'), contentKey('master', 'show2', 'k1'), contentKey('master', 'show', 'k2')]) expect(other.equals(key)).toBe(false);
  });

  it('encrypts a resource from the media sequence number as IV, as a browser decrypts it', async () => {
    expect(ivOf(0x0102).toString('hex')).toBe('00000000000000000000000000000102');
    const key = contentKey('m', 's', 'k');
    const clear = Buffer.from('moof and mdat bytes of one part, not a multiple of sixteen');
    const sealed = encryptResource(key, 7, clear);
    expect(sealed.length % 16).toBe(0);
    expect(sealed.length).toBeGreaterThan(clear.length);
    expect(sealed.includes(clear.subarray(0, 8))).toBe(false);
    expect((await decrypt(key, 7, sealed)).equals(clear)).toBe(true);
    await expect(decrypt(key, 8, sealed).then((b) => b.equals(clear))).resolves.not.toBe(true);
  });
});

describe('an encrypted low-latency media playlist', () => {
  const keyUri = (msn: number): string => llUris.key(kidOf('00000000000000aa', keyPeriodOf(msn, 2)));
  const options = { partTargetSec: 0.2, targetDurationSec: 2, query: 'sid=v1', skip: false as const, renditionReports: [] };

  it('puts an EXT-X-KEY before the first segment of each key, none in a clear playlist, and keeps initialization sections clear', () => {
    // Segments 4-6 of run r1, then 7-8 and 9 in progress of run r2; a key every two segments.
    const track = llTrack({
      index: 0, kind: 'video', firstMsn: 4,
      runs: [{ run: 'r1', startMs: T0, segments: [2, 2, 2] }, { run: 'r2', startMs: T0 + 7000, segments: [2, 2], inProgress: 0.4 }],
    });
    const clear = writeLlMediaPlaylist(track, options);
    expect(clear).not.toContain('EXT-X-KEY');
    const text = writeLlMediaPlaylist(track, { ...options, keyUri });
    const lines = text.split('\n');
    const keys = lines.filter((l) => l.startsWith('#EXT-X-KEY'));
    const first = lines.findIndex((l) => l.startsWith('#EXT-X-KEY:METHOD=AES-128'));
    // Each key line names the key of the next segment; after a run's EXT-X-MAP the key is named again.
    expect(keys).toEqual([
      `#EXT-X-KEY:METHOD=AES-128,URI="${keyUri(4)}?sid=v1"`,
      `#EXT-X-KEY:METHOD=AES-128,URI="${keyUri(6)}?sid=v1"`,
      '#EXT-X-KEY:METHOD=NONE',
      `#EXT-X-KEY:METHOD=AES-128,URI="${keyUri(7)}?sid=v1"`,
      `#EXT-X-KEY:METHOD=AES-128,URI="${keyUri(8)}?sid=v1"`,
    ]);
    expect(lines.findIndex((l) => l.startsWith('#EXT-X-MAP'))).toBeLessThan(first);
    const secondMap = lines.findIndex((l, i) => i > first && l.startsWith('#EXT-X-MAP'));
    expect(lines[secondMap - 1]).toBe('#EXT-X-KEY:METHOD=NONE');
    expect(lines[secondMap + 1]).toMatch(/^#EXT-X-KEY:METHOD=AES-128/);
    // A delta update names the key of its first listed segment again.
    const delta = writeLlMediaPlaylist(track, { ...options, keyUri, skip: 'YES', targetDurationSec: 1 });
    expect(delta).toContain('#EXT-X-SKIP:SKIPPED-SEGMENTS=2');
    const firstListed = delta.split('\n').findIndex((l) => l.startsWith('#EXTINF') || l.startsWith('#EXT-X-PART:'));
    expect(delta.split('\n').slice(0, firstListed).some((l) => l.startsWith('#EXT-X-KEY:METHOD=AES-128'))).toBe(true);
  });
});

describe('an encrypted low-latency stream\'s files', () => {
  const apps: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });
  const pending: (() => void)[] = [];
  const files: LlFiles = { write: () => new Promise<void>((resolve) => pending.push(resolve)), remove: async () => undefined };

  function host() {
    const encryption = new RunEncryption('show', '00000000000000aa', 2, 'master');
    const s = new LlStream({
      name: 'show', partTargetSec: 0.2, segmentTargetSec: 2, windowSec: 8, minWindowSegments: 2, files,
      writeFragment: ({ sequence, samples }) => Buffer.concat([Buffer.from([sequence & 0xff]), ...samples.map((x) => x.data)]),
      logger: silentLogger(), now: () => 1_000_000, partsKeptSegments: 1, encryption,
    });
    const ctx: LlRouteContext = { stream: s, live: true, over: false, query: '', partTargetSec: s.partLimitSec, segmentSeconds: 2, dvrSeconds: 8 };
    const app = Fastify();
    app.get('/v/:i', (req, reply) => llMediaPlaylist(req, reply, ctx, Number((req.params as { i: string }).i)));
    app.get('/s/:run/:file', async (req, reply) => {
      const { run, file } = req.params as { run: string; file: string };
      if (!(await llFile(reply, ctx, run, file))) return reply.code(404).send('not held');
      return reply;
    });
    apps.push(app);
    return { s, app, encryption };
  }

  it('serves every part, whole segment and segment in progress encrypted with its segment\'s key and IV, and the init clear', async () => {
    const { s, app, encryption } = host();
    const run = s.startRun('r1', '/d/r1', [VIDEO]);
    run.init(0, { trackId: 1, timescale: 90_000, codec: 'avc1.42c01e' }, Buffer.from('init section'));
    run.samples(0, frames(0, 330)); // 5.5 s: segments 0-1 complete (key period 0), 2 in progress (period 1)
    const track = s.track(0)!;
    expect((await app.inject(`/${llUris.init('r1', 0)}`)).rawPayload.toString()).toBe('init section');
    const playlist = (await app.inject('/v/0')).body;
    expect(playlist).toContain(`#EXT-X-KEY:METHOD=AES-128,URI="${llUris.key(encryption.kidOf(0))}"`);
    expect(playlist).toContain(`#EXT-X-KEY:METHOD=AES-128,URI="${llUris.key(encryption.kidOf(2))}"`);
    for (const seg of track.segments) {
      const key = encryption.keyOf(keyPeriodOf(seg.msn, 2));
      for (let p = 0; p < seg.parts.length; p += 1) {
        const answer = await app.inject(`/${llUris.part('r1', 0, seg.firstPart + p)}`);
        expect(answer.statusCode).toBe(200);
        expect((await decrypt(key, seg.msn, answer.rawPayload)).equals(seg.parts[p]!.data!)).toBe(true);
        // The same bytes for every viewer (edges cache them): encrypted once.
        expect((await app.inject(`/${llUris.part('r1', 0, seg.firstPart + p)}`)).rawPayload.equals(answer.rawPayload)).toBe(true);
      }
      const clear = Buffer.concat(seg.parts.map((part) => part.data!));
      if (seg.complete) {
        const whole = await app.inject(`/${llUris.segment('r1', 0, seg.msn)}`);
        expect((await decrypt(key, seg.msn, whole.rawPayload)).equals(clear)).toBe(true);
      }
    }
    // The segment in progress, streamed as written: one resource when it completes.
    const open = track.current()!;
    const streamed = app.inject(`/${llUris.segment('r1', 0, open.msn)}`);
    await new Promise((r) => setTimeout(r, 20));
    run.samples(0, frames(330, 60));
    const answer = await streamed;
    expect(open.complete).toBe(true);
    expect((await decrypt(encryption.keyOf(keyPeriodOf(open.msn, 2)), open.msn, answer.rawPayload)).equals(Buffer.concat(open.parts.map((p) => p.data!)))).toBe(true);
  });

  it('never answers a segment clear from the disk, and refuses what it cannot encrypt', async () => {
    const { s, encryption } = host();
    const fs = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'enc-'));
    try {
      await fs.writeFile(path.join(dir, 'seg-0-5.m4s'), 'segment five, clear on disk');
      await fs.writeFile(path.join(dir, 'init-0.mp4'), 'init');
      const app = Fastify();
      apps.push(app);
      app.get('/f/:file', async (req, reply) => {
        if (await llEncryptedDiskFile(reply, s, dir, (req.params as { file: string }).file)) return reply;
        return reply.code(299).send('not mine');
      });
      const seg = await app.inject('/f/seg-0-5.m4s');
      expect(seg.statusCode).toBe(200);
      expect((await decrypt(encryption.keyOf(2), 5, seg.rawPayload)).toString()).toBe('segment five, clear on disk');
      expect((await app.inject('/f/init-0.mp4')).statusCode).toBe(299); // the init stays clear: the caller serves it
      expect((await app.inject('/f/seg-0-6.m4s')).statusCode).toBe(404);
      expect((await app.inject('/f/master.m3u8')).statusCode).toBe(404);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('content keys from a key provider', () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((srv) => new Promise((r) => { srv.closeAllConnections(); srv.close(r); })));
  });
  /** A provider over real HTTP answering with `answer(body)` (null: never answers). */
  async function provider(answer: (body: { stream: string; kid: string; method: string }, authorization?: string) => { status: number; body: string } | null): Promise<string> {
    const srv = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        const a = answer(JSON.parse(text), req.headers.authorization);
        if (a) res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
      });
    });
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(srv.address() as { port: number }).port}/keys`;
  }
  const KEY = Buffer.alloc(16, 7);

  it('asks the provider over HTTP and says plainly what went wrong', async () => {
    const asked: unknown[] = [];
    const good = await provider((body) => (asked.push(body), { status: 200, body: JSON.stringify({ key: KEY.toString('base64') }) }));
    expect(await httpKeyProvider(good, 2000).key('show', 'k1')).toEqual(KEY);
    expect(asked).toEqual([{ stream: 'show', kid: 'k1', method: 'AES-128' }]);
    const refused = await provider(() => ({ status: 500, body: '{}' }));
    await expect(httpKeyProvider(refused, 2000).key('show', 'k1')).rejects.toThrow('the key provider answered 500 for key k1');
    for (const body of ['not json', '{}', JSON.stringify({ key: Buffer.alloc(8).toString('base64') })]) {
      const bad = await provider(() => ({ status: 200, body }));
      await expect(httpKeyProvider(bad, 2000).key('show', 'k1')).rejects.toThrow('is not {"key": "<16 bytes in base64>"}');
    }
    const silent = await provider(() => null);
    await expect(httpKeyProvider(silent, 200).key('show', 'k1')).rejects.toThrow('the key provider did not answer in 200 ms');
    await expect(httpKeyProvider('http://127.0.0.1:1/keys', 2000).key('show', 'k1')).rejects.toThrow('the key provider is unreachable');
  });

  it('sends its token as a bearer credential (none without one), and names the token when the provider refuses the host', async () => {
    const seen: (string | undefined)[] = [];
    const guarded = await provider((_body, authorization) => {
      seen.push(authorization);
      return authorization === 'Bearer t0ken-A' ? { status: 200, body: JSON.stringify({ key: KEY.toString('base64') }) } : { status: authorization ? 403 : 401, body: '{}' };
    });
    expect(await httpKeyProvider(guarded, 2000, 't0ken-A').key('show', 'k1')).toEqual(KEY);
    await expect(httpKeyProvider(guarded, 2000).key('show', 'k2')).rejects.toThrow('the key provider refused the host (401) for key k2: it may want a token (keyProviderToken)');
    await expect(httpKeyProvider(guarded, 2000, 'wrong').key('show', 'k3')).rejects.toThrow('the key provider refused the host (403) for key k3: check its token (keyProviderToken)');
    expect(seen).toEqual(['Bearer t0ken-A', undefined, 'Bearer wrong']);
  });

  it('takes the DRM systems a provider gives with a key (pssh, licence URL, EXT-X-KEY), and refuses malformed ones', async () => {
    const WIDEVINE = 'edef8ba9-79d6-4ace-a3c8-27dcd51d21ed';
    const pssh = Buffer.concat([Buffer.from([0, 0, 0, 36]), Buffer.from('pssh'), Buffer.alloc(4), Buffer.from(WIDEVINE.replaceAll('-', ''), 'hex'), Buffer.from([0, 0, 0, 4]), Buffer.from('data')]);
    const hls = 'METHOD=SAMPLE-AES,URI="skd://k1",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"';
    const system = { systemId: WIDEVINE, pssh: pssh.toString('base64'), laUrl: 'https://drm.example/wv', hls };
    const good = await provider(() => ({ status: 200, body: JSON.stringify({ key: KEY.toString('base64'), systems: [system] }) }));
    expect(await httpKeyProvider(good, 2000).key('show', 'k1', 'SAMPLE-AES')).toEqual({
      key: KEY,
      systems: [{ systemId: WIDEVINE.replaceAll('-', ''), pssh, laUrl: 'https://drm.example/wv', hls }],
    });
    const bad: [unknown, RegExp][] = [
      [{ ...system, systemId: 'widevine' }, /systemId is not a UUID/],
      [{ ...system, pssh: Buffer.from('not a box').toString('base64') }, /pssh is not a pssh box/],
      [{ ...system, systemId: '1077efec-c0b2-4d02-ace3-3c1e52e2fb4b' }, /pssh is not a pssh box \(in base64\) of system 1077efec/],
      [{ ...system, laUrl: 'javascript:alert(1)' }, /laUrl is not an http\(s\) URL/],
      [{ ...system, hls: 'METHOD=AES-128,URI="x"' }, /hls is not EXT-X-KEY attributes/],
      [{ ...system, hls: `${hls}\n#EXT-X-ENDLIST` }, /hls is not EXT-X-KEY attributes/],
    ];
    for (const [entry, message] of bad) {
      const url = await provider(() => ({ status: 200, body: JSON.stringify({ key: KEY.toString('base64'), systems: [entry] }) }));
      await expect(httpKeyProvider(url, 2000).key('show', 'k1'), message.source).rejects.toThrow(message);
    }
    const run = new RunEncryption('show', '00000000000000aa', 2, 'master', httpKeyProvider(good, 2000), undefined, 'cbcs');
    await run.prepare(0);
    expect(run.keyOf(0)).toEqual(KEY);
    expect(run.systemsOf(0).map((x) => x.laUrl)).toEqual(['https://drm.example/wv']);
  });

  it('uses a key only once the provider gave it, asks for the next one ahead, and asks again after a failure', async () => {
    const asked: string[] = [];
    let failing = true;
    const fake: KeyProvider = {
      key: async (_stream, kid) => {
        asked.push(kid);
        if (failing && kid.endsWith('0')) throw new Error('down');
        return Buffer.alloc(16, parseKid(kid)!.period);
      },
    };
    const errors: number[] = [];
    const enc = new RunEncryption('show', '00000000000000aa', 2, 'master', fake, (_e, period) => errors.push(period));
    expect(() => enc.keyOf(0)).toThrow('has not come from the key provider');
    expect(await enc.ready(0)).toBe(false);
    expect(errors).toEqual([0]);
    expect(() => enc.keyOf(0)).toThrow();
    failing = false;
    expect(await enc.ready(0)).toBe(true);
    expect(enc.keyOf(0).equals(Buffer.alloc(16, 0))).toBe(true);
    // The next period was asked for ahead: ready at once, no new request.
    const before = asked.length;
    expect(await enc.ready(1)).toBe(true);
    expect(asked.slice(before).filter((k) => k === kidOf('00000000000000aa', 1))).toEqual([]);
    expect(enc.keyOf(1).equals(Buffer.alloc(16, 1))).toBe(true);
    expect(asked).toContain(kidOf('00000000000000aa', 2));
  });

  it('answers a part whose key has not come with 503, never clear', async () => {
    const fake: KeyProvider = { key: async () => { throw new Error('down'); } };
    const encryption = new RunEncryption('show', '00000000000000aa', 2, 'master', fake);
    const s = new LlStream({
      name: 'show', partTargetSec: 0.2, segmentTargetSec: 2, windowSec: 8, minWindowSegments: 2,
      files: { write: async () => undefined, remove: async () => undefined },
      writeFragment: ({ sequence, samples }) => Buffer.concat([Buffer.from([sequence & 0xff]), ...samples.map((x) => x.data)]),
      logger: silentLogger(), now: () => 1_000_000, encryption,
    });
    const ctx: LlRouteContext = { stream: s, live: true, over: false, query: '', partTargetSec: s.partLimitSec, segmentSeconds: 2, dvrSeconds: 8 };
    const app = Fastify();
    servers.push({ close: (cb: () => void) => void app.close().then(cb), closeAllConnections: () => undefined } as unknown as http.Server);
    app.get('/s/:run/:file', async (req, reply) => {
      const { run, file } = req.params as { run: string; file: string };
      if (!(await llFile(reply, ctx, run, file))) return reply.code(404).send('not held');
      return reply;
    });
    const run = s.startRun('r1', '/d/r1', [VIDEO]);
    run.init(0, { trackId: 1, timescale: 90_000, codec: 'avc1.42c01e' }, Buffer.from('init'));
    run.samples(0, frames(0, 150));
    for (const url of [`/${llUris.part('r1', 0, 0)}`, `/${llUris.segment('r1', 0, 0)}`, `/${llUris.segment('r1', 0, 2)}`]) {
      const answer = await app.inject(url);
      expect(answer.statusCode, url).toBe(503);
      expect(answer.headers['x-accel-expires']).toBe('0');
      expect(answer.json().error.code).toBe('UNAVAILABLE');
    }
  });
});
