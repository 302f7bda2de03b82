import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LadderPreset } from '../../src-shared/contract/streams.js';
import type { FfmpegInfo } from '../../src-shared/contract/system.js';
import { waitFor } from '../../test-support/wait.js';
import { ChildRegistry, killTree } from '../core/children.js';
import { silentLogger } from '../core/logger.js';
import { FlvSplitter } from '../protocols/flv/flv.js';
import type { MediaChunk, PathReader } from '../media/types.js';
import { capsOf, type FfmpegCaps } from './capabilities.js';
import { planLadder, type LadderSource } from './ladder.js';
import { chunkFile, MANIFEST_FILE, MASTER_FILE, mediaPlaylistFile } from './packager-args.js';
import { Packager, type PackagerOptions } from './packager.js';
import { probeFfmpeg } from './probe.js';

// A real ffmpeg packaging a live FLV byte stream. The Path is bypassed: each attach starts a fresh
// generator (so a restarted packager gets header, sequence headers and a keyframe first, as from a
// Path) and pushes its FLV tags into the packager's reader (a real BoundedReader on ffmpeg's stdin).

const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
const FFPROBE = process.env.FFPROBE_PATH ?? 'ffprobe';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-packager-int-'));
const children = new ChildRegistry();
// The packager is given what this ffmpeg accepts, as the host gives it from its probe.
let caps: FfmpegCaps;
beforeAll(async () => {
  caps = capsOf((await probeFfmpeg({ path: FFMPEG, source: 'env', ffprobePath: null }, { runner: children, timeoutMs: 20_000, candidates: [] })).features);
});
afterAll(async () => {
  await children.dispose();
  expect(children.count).toBe(0);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const generatorArgs = (live: boolean, seconds: number): string[] => [
  ...['-hide_banner', '-nostdin', '-loglevel', 'error'],
  ...(live ? ['-re'] : []),
  ...['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine', '-t', String(seconds)],
  ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-c:a', 'aac', '-f', 'flv', 'pipe:1'],
];

/** attach(): a live generator per reader, killed on detach. */
function liveAttach(generators: ChildProcess[]): (reader: PathReader) => () => void {
  return (reader) => {
    const generator = children.spawn(FFMPEG, generatorArgs(true, 60));
    generators.push(generator);
    const splitter = new FlvSplitter();
    let attached = true;
    generator.stdout?.on('data', (data: Buffer) => {
      if (attached) for (const chunk of splitter.push(data)) reader.push(chunk);
    });
    generator.stderr?.resume();
    return () => {
      attached = false;
      killTree(generator, 'SIGKILL');
    };
  };
}

const SOURCE: LadderSource = { width: 1280, height: 720, fps: 30, videoBitrateKbps: 0, videoCodec: 'h264', audioCodec: 'aac' };
const X264_ONLY = {
  found: true,
  encoders: [{ name: 'libx264', codec: 'h264', vendor: 'software', hardware: false, compiledIn: true, usable: true }],
} as unknown as FfmpegInfo;

function packager(preset: LadderPreset, attach: PackagerOptions['attach'], over: Partial<PackagerOptions> = {}) {
  const plan = planLadder(preset, SOURCE, X264_ONLY, process.platform, { cores: os.availableParallelism() });
  const outDir = fs.mkdtempSync(path.join(tmp, `${preset}-`));
  const p = new Packager({
    name: preset,
    outDir,
    renditions: plan.renditions,
    encoder: plan.encoder,
    audio: plan.audio,
    fps: SOURCE.fps,
    segmentSeconds: 2,
    windowSegments: 6,
    children,
    logger: silentLogger(),
    ffmpegPath: FFMPEG,
    attach,
    caps,
    ...over,
  });
  return { p, plan, outDir };
}

// A second of media is enough to tell each stream's codec and size (segments start on a keyframe); by
// default ffprobe reads five, and on a live playlist it waits for them: under a CI pair's load (load
// average 11.6) the npm-shipped ffmpeg's ladder ran behind and the probe of the master passed its 30 s.
const ffprobeJson = async (file: string, entries: string): Promise<any> => {
  const result = await children.run(FFPROBE, ['-v', 'error', '-analyzeduration', '1000000', '-show_entries', entries, '-of', 'json', file], { timeoutMs: 30_000 });
  expect(result.timedOut, `ffprobe of ${path.basename(file)} timed out`).toBe(false);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout);
};

const extinf = (playlist: string): number[] => [...playlist.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

describe('Packager with a real ffmpeg', () => {
  it('standard ladder from a live 720p FLV: HLS master + DASH MPD, 2 s segments, real time', { timeout: 90_000 }, async () => {
    const generators: ChildProcess[] = [];
    const { p, plan, outDir } = packager('standard', liveAttach(generators));
    const samples: { at: number; out: number; speed: number | null }[] = [];
    p.onProgress((pr) => pr.outTimeSec !== null && samples.push({ at: Date.now(), out: pr.outTimeSec, speed: pr.speed }));
    let readyAt = 0;
    p.onReady(() => (readyAt = Date.now()));
    const started = Date.now();
    p.start();
    await waitFor('ready', () => readyAt > 0, 30_000, 50);
    await waitFor('8 s of media', () => (p.progress.outTimeSec ?? 0) >= 8, 30_000, 50);

    // HLS: the 720p source copied (no second 720p encode) + 480p/360p, each at its size.
    const master = await ffprobeJson(path.join(outDir, MASTER_FILE), 'stream=codec_type,width,height:program=program_id:program_tags=variant_bitrate');
    const sizes = master.programs.map((prog: any) => prog.streams.filter((s: any) => s.codec_type === 'video').map((s: any) => `${s.width}x${s.height}`).join());
    expect(sizes).toEqual(['1280x720', '832x468', '640x360']);
    expect(master.programs.every((prog: any) => prog.streams.some((s: any) => s.codec_type === 'audio'))).toBe(true);
    expect(plan.renditions.map((r) => r.id)).toEqual(['source', '480p', '360p']);

    // DASH: libxml2 (ffprobe's dash demuxer) parses it; one video and one audio adaptation set.
    const mpd = fs.readFileSync(path.join(outDir, MANIFEST_FILE), 'utf8');
    const dash = await ffprobeJson(path.join(outDir, MANIFEST_FILE), 'stream=codec_type,width,height');
    expect(dash.streams.map((s: any) => s.codec_type)).toEqual(['video', 'video', 'video', 'audio']);
    expect([...mpd.matchAll(/<AdaptationSet[^>]*contentType="(\w+)"/g)].map((m) => m[1])).toEqual(['video', 'audio']);
    expect(mpd).toMatch(/type="dynamic"/);
    expect(mpd).toMatch(/timescale="1000000" duration="2000000"/);

    // Segments of ~2 s in every rendition (the copied source has a 2 s GOP).
    for (const stream of [0, 1, 2, 3]) {
      const durations = extinf(fs.readFileSync(path.join(outDir, mediaPlaylistFile(stream)), 'utf8'));
      expect(durations.length).toBeGreaterThanOrEqual(2);
      for (const d of durations) expect(Math.abs(d - 2)).toBeLessThan(0.15);
    }

    // Real time: media time advances as fast as the wall clock over the last seconds.
    await new Promise((r) => setTimeout(r, 4000));
    const recent = samples.filter((s) => s.at >= Date.now() - 4000);
    const rate = (recent.at(-1)!.out - recent[0]!.out) / ((recent.at(-1)!.at - recent[0]!.at) / 1000);
    const speeds = recent.map((s) => s.speed).filter((s): s is number => s !== null);
    console.log(
      `[packager] standard ${plan.renditions.map((r) => `${r.id}:${r.width}x${r.height}`).join(' ')} x264 ${JSON.stringify(plan.encoder.streamOptions)}; ` +
        `ready ${readyAt - started} ms; speed median ${median(speeds)}x last ${speeds.at(-1)}x; media/wall over 4 s ${rate.toFixed(3)}; ` +
        `fps ${p.progress.fps}; drop ${p.progress.dropFrames} dup ${p.progress.dupFrames}; reader drops ${p.droppedChunks}`,
    );
    // Generous bounds (the machine is shared); bench/ladder-cpu measures the real figures.
    expect(median(speeds)).toBeGreaterThanOrEqual(0.8);
    expect(rate).toBeGreaterThan(0.8);
    expect(p.droppedChunks).toBe(0);

    // stop(): ffmpeg finalises: playlists end, the MPD turns static.
    const stopping = Date.now();
    await p.stop('test over');
    expect(Date.now() - stopping).toBeLessThan(3500);
    expect(fs.readFileSync(path.join(outDir, mediaPlaylistFile(1)), 'utf8')).toContain('#EXT-X-ENDLIST');
    expect(fs.readFileSync(path.join(outDir, MANIFEST_FILE), 'utf8')).toMatch(/type="static"/);
    expect(generators.every((g) => g.exitCode !== null || g.signalCode !== null || g.killed)).toBe(true);
  });

  it('standard ladder at full throughput (file-speed input): how far above real time it runs', { timeout: 90_000 }, async () => {
    const seconds = 6;
    const generator = children.spawn(FFMPEG, generatorArgs(false, seconds));
    const flv: Buffer[] = [];
    generator.stdout?.on('data', (d: Buffer) => flv.push(d));
    generator.stderr?.resume();
    await new Promise((resolve) => generator.once('close', resolve));
    const chunks: MediaChunk[] = new FlvSplitter().push(Buffer.concat(flv));
    const { p, plan } = packager('standard', (reader) => {
      for (const chunk of chunks) reader.push(chunk);
      reader.close('input done'); // flushes, then ends stdin: ffmpeg finishes
      return () => undefined;
    }, { readerMaxBytes: 256 * 1024 * 1024 });
    let last = p.progress;
    p.onProgress((pr) => (last = pr));
    const ended = new Promise<string>((resolve) => p.onEnded(resolve));
    const started = Date.now();
    p.start();
    await ended;
    const wallS = (Date.now() - started) / 1000;
    console.log(
      `[packager] standard throughput: ${seconds} s of 720p30 in ${wallS.toFixed(2)} s wall (${(seconds / wallS).toFixed(2)}x incl. startup), ` +
        `ffmpeg speed ${last.speed}x, preset ${JSON.stringify(plan.encoder.streamOptions)}, ${os.availableParallelism()} cores, loadavg ${os.loadavg().map((l) => l.toFixed(2)).join('/')}`,
    );
    expect(last.speed).toBeGreaterThanOrEqual(1);
    expect(p.droppedChunks).toBe(0);
  });

  it('gives up after ffmpeg is killed 3 times in quick succession', { timeout: 60_000 }, async () => {
    const { p } = packager('passthrough', liveAttach([]));
    const failed = new Promise<string>((resolve) => p.onFailed(resolve));
    p.start();
    await waitFor('ffmpeg running', () => (p.progress.outTimeSec ?? 0) > 0.5, 20_000, 50);
    const firstKill = Date.now();
    for (let i = 0; i < 3; i++) {
      await waitFor(`ffmpeg #${i + 1}`, () => p.pid !== undefined, 10_000, 50);
      const pid = p.pid!;
      process.kill(pid, 'SIGKILL');
      if (i < 2) await waitFor(`restart #${i + 1}`, () => p.pid !== undefined && p.pid !== pid, 10_000, 50);
    }
    const reason = await failed;
    console.log(`[packager] onFailed ${Date.now() - firstKill} ms after the first kill: ${reason}`);
    expect(Date.now() - firstKill).toBeLessThan(5000);
    expect(reason).toMatch(/SIGKILL \(3 failures within 30 s\)/);
    expect(p.progress).toMatchObject({ state: 'failed', restarts: 2 });
    expect(p.pid).toBeUndefined();
  });

  it('restarts after one kill and segments keep coming', { timeout: 60_000 }, async () => {
    const { p, outDir } = packager('passthrough', liveAttach([]));
    const failures: string[] = [];
    p.onFailed((r) => failures.push(r));
    p.start();
    await waitFor('ready', () => p.progress.ready, 30_000, 50);
    const pid = p.pid!;
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await waitFor('restart', () => p.pid !== undefined && p.pid !== pid, 10_000, 50);
    expect(p.progress.restarts).toBe(1);
    // New segments from the new ffmpeg, for video and audio.
    const fresh = (stream: number, n: number): boolean => {
      try {
        return fs.statSync(path.join(outDir, chunkFile(stream, n))).mtimeMs > killedAt;
      } catch {
        return false;
      }
    };
    await waitFor('new segments', () => fresh(0, 2) && fresh(1, 2), 20_000, 50);
    expect(p.progress).toMatchObject({ ready: true, state: 'running' });
    expect(failures).toEqual([]);
    await p.stop('test over');
  });
});
