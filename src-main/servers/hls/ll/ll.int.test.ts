// Low-latency HLS and DASH end to end without a browser: a real host, ffmpeg publishing over RTMP,
// our segmenter behind the packager's pipes; playlists checked against RFC 8216bis, blocking reloads
// timed, parts and segments decoded by ffprobe, a killed packager and a returning publisher followed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHost, type HostProcess } from '../../../../test-support/host-process.js';
import { checkLlPlaylist } from '../../../../test-support/ll-hls-conformance.js';
import { childPids, exitOf, ffprobe, pidsMatching, publishTestPattern } from '../../../../test-support/media.js';
import { needs } from '../../../../test-support/peers.js';
import { sleep, waitFor } from '../../../../test-support/wait.js';

interface Edge {
  msn: number;
  part: number;
  hint: string;
}

/** The last part listed and the preload hint of a media playlist. */
function liveEdge(text: string): Edge {
  const mseq = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)![1]);
  const lines = text.split('\n');
  let msn = mseq - 1;
  let part = -1;
  msn += Number(/SKIPPED-SEGMENTS=(\d+)/.exec(text)?.[1] ?? 0);
  let inSegment = false;
  for (const line of lines) {
    if (line.startsWith('#EXT-X-PART:')) {
      if (!inSegment) {
        msn += 1;
        part = -1;
        inSegment = true;
      }
      part += 1;
    } else if (line.startsWith('#EXTINF')) {
      if (!inSegment) msn += 1;
      inSegment = false;
      part = -1;
    }
  }
  const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(text)?.[1] ?? '';
  return { msn, part, hint };
}

describe.skipIf(needs('ffmpeg'))('low-latency HLS and DASH from a real host', () => {
  let host: HostProcess;
  let base: string;
  let key: string;
  let rtmp: string;
  let publisher: ReturnType<typeof publishTestPattern> | undefined;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'll-int-'));

  beforeAll(async () => {
    host = await startHost();
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'low', ladder: 'passthrough', latency: 'low', dvrMinutes: 1 });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ latency: 'low', dvrMinutes: 1 });
    key = created.json.key;
    rtmp = `${created.json.ingest.rtmp}/${key}`;
    base = `${host.url}/live/low/`;
    publisher = publishTestPattern(rtmp, { size: '640x360' });
    await waitFor('the LL master playlist', async () => (await fetch(`${base}index.m3u8`)).status === 200, 30_000);
  }, 60_000);

  afterAll(async () => {
    publisher?.kill('SIGKILL');
    expect(await host?.stop('SIGTERM')).toBe(0);
    expect(pidsMatching(`${host.home}/live`)).toEqual([]);
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  const text = async (url: string): Promise<{ status: number; body: string; ms: number }> => {
    const t0 = performance.now();
    const res = await fetch(url.startsWith('http') ? url : base + url);
    return { status: res.status, body: await res.text(), ms: performance.now() - t0 };
  };

  it('serves a master with the video and audio tracks and media playlists that follow RFC 8216bis', async () => {
    const master = (await text('index.m3u8')).body;
    expect(master).toMatch(/#EXT-X-STREAM-INF:.*CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"/);
    expect(master).toMatch(/#EXT-X-MEDIA:TYPE=AUDIO.*URI="v1\.m3u8/);
    await waitFor('two segments', async () => liveEdge((await text('v0.m3u8')).body).msn >= 2, 20_000);
    for (const playlist of ['v0.m3u8', 'v1.m3u8']) {
      const { body } = await text(playlist);
      expect(checkLlPlaylist(body, { expectRenditionReports: 1 })).toEqual([]);
      for (const tag of ['#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES', '#EXT-X-PART-INF:PART-TARGET=0.21\n', '#EXT-X-PROGRAM-DATE-TIME', '#EXT-X-PRELOAD-HINT', '#EXT-X-RENDITION-REPORT']) {
        expect(body).toContain(tag);
      }
      expect(body).toMatch(/#EXT-X-PART:DURATION=[\d.]+,URI="[^"]+",INDEPENDENT=YES/);
      // Parts are whole 200 ms steps (six frames, about ten AAC frames), not a 33 ms sliver at a segment's end.
      const durations = [...body.matchAll(/#EXT-X-PART:DURATION=([\d.]+)/g)].map((m) => Number(m[1]));
      expect(durations.filter((d) => d < 0.15).length).toBeLessThanOrEqual(2);
    }
    // Audio and video segments of the same number start at the same instant (one clock for both pipes).
    const pdts = async (playlist: string): Promise<Map<number, number>> => {
      const { body } = await text(playlist);
      const first = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(body)![1]);
      return new Map([...body.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(\S+)/g)].map((m, i) => [first + i, Date.parse(m[1]!)]));
    };
    const [video, audio] = [await pdts('v0.m3u8'), await pdts('v1.m3u8')];
    const common = [...video.keys()].filter((msn) => audio.has(msn));
    expect(common.length).toBeGreaterThan(1);
    for (const msn of common) expect(Math.abs(video.get(msn)! - audio.get(msn)!), `segment ${msn}`).toBeLessThan(50);
  });

  it('answers a blocking reload for the next part within one part of the part being written', async () => {
    const samples: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      const edge = liveEdge((await text('v0.m3u8')).body);
      const next = `v0.m3u8?_HLS_msn=${edge.msn}&_HLS_part=${edge.part + 1}`;
      // The preload-hinted part and the blocking reload both wait for the same part.
      const [part, reload] = await Promise.all([
        (async () => {
          const t0 = performance.now();
          const res = await fetch(base + edge.hint);
          await res.arrayBuffer();
          return { status: res.status, at: performance.now(), ms: performance.now() - t0 };
        })(),
        (async () => {
          const res = await fetch(base + next);
          const body = await res.text();
          return { status: res.status, body, at: performance.now() };
        })(),
      ]);
      expect(part.status).toBe(200);
      expect(reload.status).toBe(200);
      const after = liveEdge(reload.body);
      expect(after.msn * 1000 + after.part).toBeGreaterThanOrEqual(edge.msn * 1000 + edge.part + 1);
      samples.push(Math.abs(reload.at - part.at));
    }
    // One part is 200 ms; both answers come when the part is written.
    expect(Math.max(...samples)).toBeLessThan(200);
  });

  it('refuses bad blocking requests with the spec\'s errors and serves delta updates', async () => {
    const edge = liveEdge((await text('v0.m3u8')).body);
    expect((await text(`v0.m3u8?_HLS_msn=${edge.msn + 3}`)).status).toBe(400);
    expect((await text('v0.m3u8?_HLS_part=1')).status).toBe(400);
    expect((await text('v0.m3u8?_HLS_msn=abc')).status).toBe(400);
    expect((await text('v0.m3u8?_HLS_skip=maybe')).status).toBe(400);
    // CAN-SKIP-UNTIL is six target durations (12 s): wait until there is something to skip.
    await waitFor('a delta update that skips', async () => (await text('v0.m3u8?_HLS_skip=YES')).body.includes('#EXT-X-SKIP:SKIPPED-SEGMENTS='), 30_000, 500);
    const delta = (await text('v0.m3u8?_HLS_skip=YES')).body;
    expect(checkLlPlaylist(delta, { expectRenditionReports: 1 })).toEqual([]);
    expect(delta.length).toBeLessThan((await text('v0.m3u8')).body.length);
  }, 60_000);

  it('serves parts and segments that ffprobe decodes, and a segment in progress chunk by chunk', async () => {
    const { body } = await text('v0.m3u8');
    const map = /#EXT-X-MAP:URI="([^"]+)"/.exec(body)![1]!;
    const segment = [...body.matchAll(/^(s\/[^#\n]+seg-0-\d+\.m4s[^\n]*)$/gm)].at(-1)![1]!;
    const init = Buffer.from(await (await fetch(base + map)).arrayBuffer());
    const media = Buffer.from(await (await fetch(base + segment)).arrayBuffer());
    const file = path.join(scratch, 'segment.mp4');
    fs.writeFileSync(file, Buffer.concat([init, media]));
    const probe = ffprobe(file);
    expect(probe.error).toBeUndefined();
    expect(probe.streams[0]).toMatchObject({ codec_type: 'video', width: 640, height: 360 });
    // The segment being written: the response starts before the segment is complete.
    const edge = liveEdge(body);
    const run = /s\/([^/]+)\/init-0\.mp4/.exec(map)![1];
    const t0 = performance.now();
    const res = await fetch(`${base}s/${run}/seg-0-${edge.msn + 1}.m4s`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const arrivals: number[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value?.length) arrivals.push(performance.now() - t0);
    }
    expect(arrivals.length).toBeGreaterThan(3);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(1000); // spread over the segment's 2 s
  });

  it('holds no file open after answering parts, segments and init segments from memory', async () => {
    // Each answer from memory once also opened the file on disk for a reply already sent, and never
    // closed it: the host held one descriptor per request, on segments long deleted.
    const filesOfHome = (): number =>
      fs.readdirSync(`/proc/${host.proc.pid}/fd`).filter((fd) => {
        try {
          return fs.readlinkSync(`/proc/${host.proc.pid}/fd/${fd}`).startsWith(host.home);
        } catch {
          return false; // closed while we looked
        }
      }).length;
    const before = filesOfHome();
    const { body } = await text('v0.m3u8');
    const map = /#EXT-X-MAP:URI="([^"]+)"/.exec(body)![1]!;
    const segment = [...body.matchAll(/^(s\/[^#\n]+seg-0-\d+\.m4s[^\n]*)$/gm)].at(-1)![1]!;
    const part = [...body.matchAll(/#EXT-X-PART:[^\n]*URI="([^"]+)"/g)].at(-1)![1]!;
    for (let i = 0; i < 40; i += 1) {
      for (const file of [map, segment, part]) {
        const res = await fetch(base + file);
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
    }
    await sleep(300);
    expect(filesOfHome() - before).toBeLessThan(10);
  });

  it('serves a low-latency DASH MPD with chunked availability', async () => {
    const { status, body } = await text('manifest.mpd');
    expect(status).toBe(200);
    expect(body).toMatch(/type="dynamic"/);
    expect(body).toMatch(/availabilityTimeOffset="[\d.]+"/);
    expect(body).toMatch(/availabilityTimeComplete="false"/);
    expect(body).toMatch(/<ServiceDescription/);
    expect(body).toMatch(/<UTCTiming/);
    expect(body).toMatch(/timeShiftBufferDepth="PT/);
  });

  it('a killed packager and a returning publisher continue the playlists with a discontinuity', async () => {
    const before = liveEdge((await text('v0.m3u8')).body);
    const ffmpegs = childPids(host.proc.pid!, 'pipe:3');
    expect(ffmpegs.length).toBe(1);
    process.kill(ffmpegs[0]!, 'SIGKILL');
    await waitFor('a discontinuity after the packager restart', async () => (await text('v0.m3u8')).body.includes('#EXT-X-DISCONTINUITY'), 20_000, 250);
    const after = liveEdge((await text('v0.m3u8')).body);
    expect(after.msn).toBeGreaterThanOrEqual(before.msn);
    expect(checkLlPlaylist((await text('v0.m3u8')).body, { expectRenditionReports: 1 })).toEqual([]);

    publisher!.kill('SIGKILL');
    await exitOf(publisher!);
    await sleep(1500);
    publisher = publishTestPattern(rtmp, { size: '640x360' });
    const discontinuities = (s: string): number => s.split('#EXT-X-DISCONTINUITY\n').length - 1;
    const seen = discontinuities((await text('v0.m3u8')).body);
    await waitFor('a second discontinuity after the publisher came back', async () => {
      const body = (await text('v0.m3u8')).body;
      return discontinuities(body) > seen || /#EXT-X-DISCONTINUITY-SEQUENCE:[1-9]/.test(body);
    }, 30_000, 250);
    const last = liveEdge((await text('v0.m3u8')).body);
    expect(last.msn).toBeGreaterThan(after.msn);
  }, 90_000);
});
