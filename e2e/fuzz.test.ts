// Hardening: 10,000 random and mutated inputs thrown at each listening port of a real host (HTTP,
// RTMP, SRT, MQTT) while it serves a live stream. After each port the host still answers, the live
// playlist still advances, and its memory has not run away (RSS printed before and after). The inputs
// come from a seeded generator: a failure names its seed and repeats.
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHost, tempHome, type HostProcess } from '../test-support/host-process.js';
import { exitOf, publishTestPattern } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { waitFor } from '../test-support/wait.js';

const INPUTS = 10_000;
const CONCURRENCY = 64;
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);

/** mulberry32: small, fast, and the same sequence for the same seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Fuzzer {
  constructor(private readonly rand: () => number) {}
  int(n: number): number {
    return Math.floor(this.rand() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  /** A valid input with a few bytes flipped, cut, repeated or spliced with noise. */
  mutate(valid: Buffer): Buffer {
    let b = Buffer.from(valid);
    const edits = 1 + this.int(4);
    for (let e = 0; e < edits; e++) {
      const at = b.length === 0 ? 0 : this.int(b.length);
      switch (this.int(5)) {
        case 0:
          if (b.length > 0) b[at] = this.int(256);
          break;
        case 1:
          b = b.subarray(0, at);
          break;
        case 2:
          b = Buffer.concat([b.subarray(0, at), this.bytes(1 + this.int(64)), b.subarray(at)]);
          break;
        case 3:
          b = Buffer.concat([b, b.subarray(at, at + 1 + this.int(4096))]);
          break;
        default:
          // An interesting number where a length or a field sits.
          if (b.length >= 4) b.writeUInt32BE(this.pick([0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0xffffffff]), Math.min(at, b.length - 4));
      }
    }
    return b;
  }
  /** Half random bytes, half mutations of the protocol's valid inputs. */
  input(valid: readonly Buffer[]): Buffer {
    return this.rand() < 0.5 ? this.bytes(this.int(2048)) : this.mutate(this.pick(valid));
  }
}

/** Runs `count` tasks, `concurrency` at a time. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** One TCP connection: writes `data`, reads what comes back for at most `ms`, then closes. */
function tcpShot(port: number, data: Buffer, ms = 300): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (): void => {
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, ms);
    socket.on('connect', () => socket.write(data, () => socket.end()));
    socket.on('data', () => undefined);
    socket.on('error', () => {
      clearTimeout(timer);
      done();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

describe.skipIf(needs('ffmpeg'))('fuzzing every port of a live host', () => {
  let host: HostProcess;
  let ffmpeg: ChildProcess;
  let key = '';
  const rss: string[] = [];

  /** The live playlist's newest segment: it changes while the stream flows. */
  const newestSegment = async (): Promise<string | null> => {
    const res = await fetch(`${host.url}/live/show/v0.m3u8`).catch(() => null);
    if (!res?.ok) return null;
    return (await res.text()).split('\n').filter((l) => l && !l.startsWith('#')).at(-1) ?? null;
  };
  /** The host answers and the stream still advances. */
  const stillServing = async (what: string): Promise<void> => {
    expect((await fetch(`${host.url}/healthz`)).status, `${what}: healthz`).toBe(200);
    const before = await newestSegment();
    await waitFor(`${what}: the live playlist to advance`, async () => {
      const now = await newestSegment();
      return now !== null && now !== before;
    }, 20_000, 250);
    expect((await api(host, 'GET', '/api/v1/streams/show')).json.state).toBe('live');
  };
  const measure = async (port: string, run: () => Promise<void>): Promise<void> => {
    const pid = host.proc.pid!;
    const before = rssMiB(pid);
    const t0 = Date.now();
    await run();
    await stillServing(port);
    const after = rssMiB(pid);
    const line = `fuzz ${port}: ${INPUTS} inputs in ${((Date.now() - t0) / 1000).toFixed(1)} s; RSS before ${before.toFixed(0)} MiB after ${after.toFixed(0)} MiB`;
    rss.push(line);
    console.log(line);
    // Generous: a leak of what was thrown would be hundreds of MiB; caches and JIT settle in far less.
    expect(after - before, line).toBeLessThan(200);
  };

  beforeAll(async () => {
    // Every input comes from 127.0.0.1: with the failed-authentication and request limits on, the host
    // would (rightly) lock that address out after the first few hundred. Lifted here; the limits have
    // their own tests (src-main/entry/limits.int.test.ts, access.int.test.ts).
    const home = tempHome();
    fs.writeFileSync(path.join(home, 'config.yaml'), 'limits:\n  failedAuthPerMinute: 10000\n  apiPerMinute: 0\n  loginPerMinute: 0\n  uploadPerMinute: 0\n  connectionsPerIp: 0\nauth:\n  failedAuthDelayMs: 0\n');
    host = await startHost({ home });
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'show', ladder: 'passthrough' });
    key = created.json.key as string;
    ffmpeg = publishTestPattern(`rtmp://127.0.0.1:${host.rtmpPort}/live/${key}`, { size: '320x180', fps: 15 });
    await waitFor('the live playlist', async () => (await newestSegment()) !== null, 30_000, 250);
  }, 60_000);
  afterAll(async () => {
    ffmpeg?.kill('SIGKILL');
    if (ffmpeg) await exitOf(ffmpeg);
    console.log(rss.join('\n'));
    await host?.stop();
  });

  it('HTTP: API, WHIP, playback, data and upload routes', async () => {
    const f = new Fuzzer(prng(SEED));
    const req = (line: string, headers: Record<string, string>, body = ''): Buffer =>
      Buffer.from(`${line}\r\nHost: 127.0.0.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    const token = { Authorization: `Bearer ${host.token}` };
    const valid = [
      req('GET /api/v1/streams HTTP/1.1', token),
      req('POST /api/v1/streams HTTP/1.1', { ...token, 'Content-Type': 'application/json' }, '{"name":"fz","ladder":"passthrough","private":false}'),
      req('PATCH /api/v1/config HTTP/1.1', { ...token, 'Content-Type': 'application/json' }, '{"log":{"level":"info"}}'),
      req('POST /live/show/whip HTTP/1.1', { Authorization: 'Bearer wrong', 'Content-Type': 'application/sdp' }, 'v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 H264/90000\r\n'),
      req('POST /live/show/whep HTTP/1.1', { 'Content-Type': 'application/sdp' }, 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n'),
      req('GET /live/show/index.m3u8?jwt=a.b.c HTTP/1.1', {}),
      req('GET /live/show/v0.m3u8?_HLS_msn=5&_HLS_part=1 HTTP/1.1', {}),
      req('POST /api/v1/streams/show/data/score HTTP/1.1', { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, '{"home":1}'),
      req('POST /api/v1/uploads HTTP/1.1', { ...token, 'Tus-Resumable': '1.0.0', 'Upload-Length': '100', 'Upload-Metadata': 'filename ZnV6ei5tcDQ=' }),
      req('POST /auth/password HTTP/1.1', { 'Content-Type': 'application/json' }, '{"name":"owner","password":"guess"}'),
      req('GET /api/v1/events HTTP/1.1', { ...token, Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13' }),
    ];
    await measure('http', () => pool(INPUTS, CONCURRENCY, () => tcpShot(host.port, f.input(valid))));
  }, 240_000);

  it('RTMP: handshakes and chunks', async () => {
    const f = new Fuzzer(prng(SEED + 1));
    const c0c1 = Buffer.concat([Buffer.from([3]), Buffer.alloc(1536, 7)]);
    // A chunk header for a connect command (fmt 0, csid 3, type 20) after the handshake, and a set-chunk-size.
    const connect = Buffer.concat([c0c1, Buffer.alloc(1536, 9), Buffer.from([0x03, 0, 0, 0, 0, 0, 0x40, 0x14, 0, 0, 0, 0]), Buffer.from('\x02\x00\x07connect\x00\x3f\xf0\x00\x00\x00\x00\x00\x00\x03\x00\x03app\x02\x00\x04live\x00\x00\x09', 'latin1')]);
    const chunkSize = Buffer.concat([c0c1, Buffer.alloc(1536, 9), Buffer.from([0x02, 0, 0, 0, 0, 0, 4, 0x01, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff])]);
    await measure('rtmp', () => pool(INPUTS, CONCURRENCY, () => tcpShot(host.rtmpPort, f.input([c0c1, connect, chunkSize]))));
  }, 240_000);

  it('SRT: handshakes and data packets over UDP', async () => {
    const f = new Fuzzer(prng(SEED + 2));
    // An induction handshake (control type 0, version 4), a conclusion-sized one, and a data packet.
    const induction = Buffer.alloc(64);
    induction.writeUInt32BE(0x80000000, 0);
    induction.writeUInt32BE(4, 16);
    induction.writeUInt32BE(1, 36);
    const conclusion = Buffer.concat([induction, Buffer.from('\x00\x05\x00\x03\x00\x01\x04\x00\x00\x00\x00\xbf\x00\x78\x00\x00', 'latin1'), Buffer.from('publish:show')]);
    const data = Buffer.concat([Buffer.from([0, 0, 0, 1, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), Buffer.alloc(1316, 0x47)]);
    const socket = dgram.createSocket('udp4');
    try {
      await measure('srt', () =>
        pool(INPUTS, 16, async () => {
          const packet = f.input([induction, conclusion, data]).subarray(0, 1500);
          await new Promise<void>((resolve) => socket.send(packet, host.srtPort, '127.0.0.1', () => resolve()));
        }),
      );
    } finally {
      socket.close();
    }
  }, 240_000);

  it('MQTT: CONNECT, SUBSCRIBE and PUBLISH packets', async () => {
    const f = new Fuzzer(prng(SEED + 3));
    const connect = Buffer.from([0x10, 0x12, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x06, 0x66, 0x75, 0x7a, 0x7a, 0x65, 0x72]);
    const connect5 = Buffer.from([0x10, 0x13, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3c, 0x00, 0x00, 0x06, 0x66, 0x75, 0x7a, 0x7a, 0x65, 0x72]);
    const topic = Buffer.from('streams/show/data/score');
    const publish = Buffer.concat([connect, Buffer.from([0x30, topic.length + 2 + 5, 0, topic.length]), topic, Buffer.from('hello')]);
    const subscribe = Buffer.concat([connect, Buffer.from([0x82, topic.length + 5, 0, 1, 0, topic.length]), topic, Buffer.from([0])]);
    const huge = Buffer.concat([connect, Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f])]);
    await measure('mqtt', () => pool(INPUTS, CONCURRENCY, () => tcpShot(host.mqttPort, f.input([connect, connect5, publish, subscribe, huge]))));
  }, 240_000);

  it('a second round at the TCP ports grows memory far less: it is bounded, not kept per input', async () => {
    const pid = host.proc.pid!;
    const before = rssMiB(pid);
    const f = new Fuzzer(prng(SEED + 10));
    const garbage = (): Buffer => f.bytes(f.int(4096));
    for (const port of [host.port, host.rtmpPort, host.mqttPort]) await pool(INPUTS, CONCURRENCY, () => tcpShot(port, garbage()));
    await stillServing('second round');
    const after = rssMiB(pid);
    const line = `fuzz second round (http, rtmp, mqtt): RSS before ${before.toFixed(0)} MiB after ${after.toFixed(0)} MiB`;
    rss.push(line);
    console.log(line);
    expect(after - before, line).toBeLessThan(64);
  }, 240_000);
});
