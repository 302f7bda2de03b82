import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LadderPreset } from '../../src-shared/contract/streams.js';
import type { FfmpegInfo } from '../../src-shared/contract/system.js';
import { capabilityFlags, capsOf } from './capabilities.js';
import { audioPlan, buildLadder, chooseEncoder, softwareEncoder, type LadderSource } from './ladder.js';
import { chunkFile, filterGraph, packagerArgs, sampleAspect, streamCount, type PackagerArgsOptions } from './packager-args.js';

// UPDATE_FIXTURES=1 rewrites the fixtures from the code: review the diff before committing it.
const fixture = (name: string): URL => new URL(`./fixtures/packager/${name}.args.json`, import.meta.url);
function expectFixture(name: string, args: string[]): void {
  if (process.env.UPDATE_FIXTURES) fs.writeFileSync(fixture(name), `${JSON.stringify(args, null, 2)}\n`);
  expect(args).toEqual(JSON.parse(fs.readFileSync(fixture(name), 'utf8')));
}

const source720: LadderSource = { width: 1280, height: 720, fps: 30, videoBitrateKbps: 6000, videoCodec: 'h264', audioCodec: 'aac', audioBitrateKbps: 128 };
const source1080: LadderSource = { ...source720, width: 1920, height: 1080, videoBitrateKbps: 8000 };

function options(preset: LadderPreset, source: LadderSource, over: Partial<PackagerArgsOptions> = {}): PackagerArgsOptions {
  const encoder = softwareEncoder('superfast');
  return {
    renditions: buildLadder(preset, source, encoder),
    encoder,
    segmentSeconds: 2,
    outDir: '/live/demo/s1',
    windowSegments: 6,
    fps: source.fps,
    audio: audioPlan(source),
    ...over,
  };
}

/** The value following `flag`, for each occurrence. */
const values = (args: string[], flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));

describe('packagerArgs fixtures', () => {
  it('passthrough: copy only, no filter graph, master republished for its BANDWIDTH', () => {
    const args = packagerArgs(options('passthrough', source720));
    expectFixture('passthrough-720p', args);
    expect(args).not.toContain('-filter_complex');
    expect(args).toContain('-master_m3u8_publish_rate');
  });

  it('standard from 720p: source copied + 480p/360p from one split (no second 720p)', () => {
    const args = packagerArgs(options('standard', source720, { utcTimingUrl: 'http://127.0.0.1:7070/api/time' }));
    expectFixture('standard-720p', args);
    expect(values(args, '-filter_complex')).toEqual([
      '[0:v]split=2[s0][s1];[s0]scale=w=832:h=468,setsar=1,format=yuv420p[v1];[s1]scale=w=640:h=360,setsar=1,format=yuv420p[v2]',
    ]);
    expect(values(args, '-map')).toEqual(['0:v:0', '[v1]', '[v2]', '0:a:0']);
    expect(values(args, '-utc_timing_url')).toEqual(['http://127.0.0.1:7070/api/time']);
  });

  it('standard from 720p on the npm-shipped ffmpeg 4.1: only options its dash muxer has, the same file names', () => {
    const read = (name: string): string => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
    const caps = capsOf(
      capabilityFlags({
        mainHelp: read('ffmpeg41-help-long.txt'),
        muxerHelp: { dash: read('ffmpeg41-muxer-dash.txt'), hls: read('ffmpeg41-muxer-hls.txt') },
        filters: read('ffmpeg41-filters.txt'),
      }),
    );
    const args = packagerArgs(options('standard', source720, { caps }));
    expectFixture('standard-720p-ffmpeg41', args);
    expect(args).not.toContain('-master_m3u8_publish_rate');
    // Its dash muxer would call the segments .mp4: the names are given in full.
    expect(values(args, '-init_seg_name')).toEqual(['init-stream$RepresentationID$.m4s']);
    expect(values(args, '-media_seg_name')).toEqual(['chunk-stream$RepresentationID$-$Number%05d$.m4s']);
    // Every option it emits is one this ffmpeg lists somewhere in its help.
    const known = new Set(
      ['ffmpeg41-help-long.txt', 'ffmpeg41-muxer-dash.txt'].flatMap((f) => [...read(f).matchAll(/^\s*-([A-Za-z0-9_]+)/gm)].map((m) => m[1]!)),
    );
    const emitted = args.filter((a) => /^-[a-z_]+(:|$)/.test(a)).map((a) => a.slice(1).split(':')[0]!);
    // Codec options and the expert main options are listed only by `-h full` (700 KB: not a fixture).
    const elsewhere = ['c', 'b', 'maxrate', 'bufsize', 'g', 'keyint_min', 'sc_threshold', 'preset', 'map', 'f', 'i', 'progress', 'loglevel', 'nostdin', 'nostats'];
    expect(emitted.filter((o) => !known.has(o) && !elsewhere.includes(o))).toEqual([]);
  });

  it('high from 1080p: four encoded rungs, no copy, no master republishing', () => {
    const args = packagerArgs(options('high', source1080, { audio: { copy: false, bitrateKbps: 128 } }));
    expectFixture('high-1080p', args);
    expect(args).not.toContain('copy');
    expect(args).not.toContain('-master_m3u8_publish_rate');
  });

  it('standard with nvenc and vaapi: per-family options and device setup', () => {
    const gpu = (name: string): FfmpegInfo => ({
      found: true, path: 'ffmpeg', source: 'path', version: '5.1', ffprobePath: null, probedAt: 0, cached: false, features: {}, missing: [],
      encoders: [{ name, codec: 'h264', vendor: name === 'h264_nvenc' ? 'nvidia' : 'vaapi', hardware: true, compiledIn: true, usable: true }],
    });
    expectFixture('standard-720p-nvenc', packagerArgs(options('standard', source720, { encoder: chooseEncoder(gpu('h264_nvenc'), 'linux') })));
    const vaapi = packagerArgs(options('standard', source720, { encoder: chooseEncoder(gpu('h264_vaapi'), 'linux') }));
    expectFixture('standard-720p-vaapi', vaapi);
    expect(vaapi.indexOf('-vaapi_device')).toBeLessThan(vaapi.indexOf('-i'));
  });
});

describe('packagerArgs rules', () => {
  const args = packagerArgs(options('standard', source720));

  it('reads FLV on stdin and reports progress on stdout', () => {
    expect(args.slice(args.indexOf('-f'), args.indexOf('-i') + 2)).toEqual(['-f', 'flv', '-i', 'pipe:0']);
    expect(values(args, '-progress')).toEqual(['pipe:1']);
    expect(args).toContain('-nostats');
  });

  it('writes CMAF with the dash muxer, HLS playlists too, a live window, no early availability', () => {
    const pairs = ['-f', '-seg_duration', '-use_template', '-use_timeline', '-streaming', '-window_size', '-extra_window_size', '-hls_playlist', '-adaptation_sets'];
    expect(Object.fromEntries(pairs.map((f) => [f, values(args, f).at(-1)]))).toEqual({
      '-f': 'dash',
      '-seg_duration': '2',
      '-use_template': '1',
      '-use_timeline': '0',
      '-streaming': '0',
      '-window_size': '6',
      '-extra_window_size': '6',
      '-hls_playlist': '1',
      '-adaptation_sets': 'id=0,streams=v id=1,streams=a',
    });
    expect(args.at(-1)).toBe('/live/demo/s1/manifest.mpd');
  });

  it('forces a keyframe at every segment boundary in every encoded rung', () => {
    // 720p source: streams 1 and 2 are the encoded 480p and 360p rungs.
    for (const v of [1, 2]) {
      expect(values(args, `-g:v:${v}`)).toEqual(['60']);
      expect(values(args, `-keyint_min:v:${v}`)).toEqual(['60']);
      expect(values(args, `-sc_threshold:v:${v}`)).toEqual(['0']);
      expect(values(args, `-force_key_frames:v:${v}`)).toEqual(['expr:gte(t,n_forced*2)']);
    }
    expect(args.some((a) => a.endsWith(':v:3'))).toBe(false);
    // From 1080p: three encoded rungs, each with its keyframes forced.
    const from1080 = packagerArgs(options('standard', source1080));
    expect([1, 2, 3].map((v) => values(from1080, `-force_key_frames:v:${v}`)[0])).toEqual(Array(3).fill('expr:gte(t,n_forced*2)'));
    const at60 = packagerArgs(options('standard', { ...source720, fps: 60 }, { segmentSeconds: 1.5 }));
    expect(values(at60, '-g:v:1')).toEqual(['90']);
    expect(values(at60, '-force_key_frames:v:1')).toEqual(['expr:gte(t,n_forced*1.5)']);
    // A copied stream keeps its GOP: no encoder options on it.
    expect(args.filter((a) => a.startsWith('-') && a.endsWith(':v:0'))).toEqual(['-c:v:0', '-b:v:0']);
  });

  it('gives every rendition a bitrate (BANDWIDTH comes from it), capped at the source bitrate', () => {
    expect(['-b:v:0', '-b:v:1', '-b:v:2', '-b:a'].map((f) => values(args, f)[0])).toEqual(['6000k', '1200k', '700k', '128k']);
    expect(values(args, '-b:v:3')).toEqual([]);
    // 1080p source at 1500 kbps: the 720p rung is capped, the 480p one is below the cap.
    const capped = packagerArgs(options('standard', { ...source1080, videoBitrateKbps: 1500 }));
    expect(['-b:v:0', '-b:v:1', '-b:v:2', '-b:v:3'].map((f) => values(capped, f)[0])).toEqual(['1500k', '1500k', '1200k', '700k']);
    expect(values(capped, '-maxrate:v:1')).toEqual(['1500k']);
    expect(values(capped, '-maxrate:v:2')).toEqual(['1200k']);
  });

  it('never scales above the source', () => {
    const small = packagerArgs(options('high', { ...source720, width: 854, height: 480 }));
    const graph = values(small, '-filter_complex')[0]!;
    const heights = [...graph.matchAll(/scale=w=\d+:h=(\d+)/g)].map((m) => Number(m[1]));
    expect(heights).toEqual([480, 360]);
  });

  it('has no audio map or audio adaptation set without audio; encodes AAC when the source is not', () => {
    const silent = packagerArgs(options('standard', source720, { audio: null }));
    expect(values(silent, '-map')).not.toContain('0:a:0');
    expect(values(silent, '-adaptation_sets')).toEqual(['id=0,streams=v']);
    expect(streamCount({ renditions: [source720 as never], audio: null })).toBe(1);
    const mp3 = packagerArgs(options('standard', { ...source720, audioCodec: 'mp3' }));
    expect(values(mp3, '-c:a')).toEqual(['aac']);
  });

  it('compensates the sample aspect when a rung cannot keep the exact aspect', () => {
    expect(sampleAspect(854, 480, { width: 1366, height: 768 })).toBe('3415/3416');
    expect(sampleAspect(832, 468, { width: 1280, height: 720 })).toBe('1');
    const graph = filterGraph(buildLadder('high', { ...source720, width: 1366, height: 768 }, softwareEncoder('ultrafast')), softwareEncoder('ultrafast'), { width: 1366, height: 768 })!;
    for (const m of graph.matchAll(/scale=w=(\d+):h=(\d+),setsar=(?:r=)?(\d+)(?:\/(\d+))?/g)) {
      const [, w, h, num, den] = m.map(Number);
      // display aspect = w * sar / h equals the source's
      expect((w! * num!) / ((den || 1) * h!)).toBeCloseTo(1366 / 768, 9);
    }
  });

  it('rejects an empty ladder and names files as the dash muxer does', () => {
    expect(() => packagerArgs(options('standard', source720, { renditions: [] }))).toThrow(/at least one/);
    expect(chunkFile(3, 12)).toBe('chunk-stream3-00012.m4s');
  });
});
