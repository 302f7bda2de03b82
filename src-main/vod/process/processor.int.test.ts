import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FfmpegInfo } from '../../../src-shared/contract/system.js';
import { needs, which } from '../../../test-support/peers.js';
import { mountTmpfs } from '../../../test-support/tmpfs.js';
import { makeClip } from '../../../test-support/vod-media.js';
import { BACKGROUND_PRIORITY, ChildRegistry } from '../../core/children.js';
import { silentLogger } from '../../core/logger.js';
import { bundledFfmpegPath, bundledFfprobePath } from '../../encoder/locate.js';
import { probeFfmpeg } from '../../encoder/probe.js';
import { ENCODER_CANDIDATES } from '../../encoder/trial.js';
import { classifyJobError, JobError } from '../../core/job-error.js';
import { applySubtitles, subtitleToWebVtt, VideoProcessor, type VideoOutputs } from './index.js';

const SOFTWARE = ENCODER_CANDIDATES.filter((c) => ['libx264', 'libx265', 'aac'].includes(c.name));
const SRT = '1\n00:00:01,000 --> 00:00:04,000\nHello <b>there</b>\n\n2\n00:00:09,500 --> 00:00:12,000\nSecond scene\n';
const ASS = `[Script Info]
ScriptType: v4.00+

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,2,0,2,10,10,10,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:02.00,0:00:05.00,Default,,0,0,0,,Bonjour {\\i1}tout{\\i0} le monde
`;

/**
 * ffprobe (the OS one) on a file, as JSON. Run from the file's folder: 5.1's dash demuxer fails to
 * resolve the segments of a 4.1-written MPD given by an absolute path; the subtitle .vtt an MPD lists is
 * a "non-media extension" to it unless allowed.
 */
const local = (target: string) => ({ cwd: path.dirname(target), name: path.basename(target), extra: target.endsWith('.mpd') ? ['-allowed_extensions', 'ALL'] : [] });
function probe(target: string): { streams: { codec_type: string; codec_name: string; width?: number; height?: number }[]; format: { duration?: string } } {
  const { cwd, name, extra } = local(target);
  const r = spawnSync('ffprobe', ['-v', 'error', ...extra, '-print_format', 'json', '-show_streams', '-show_format', name], { cwd, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`ffprobe ${target}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** A full decode without an error line. */
function decodes(target: string): string {
  const { cwd, name, extra } = local(target);
  const r = spawnSync('ffmpeg', ['-v', 'error', ...extra, '-i', name, '-f', 'null', '-'], { cwd, encoding: 'utf8', timeout: 120_000 });
  return r.status === 0 ? r.stderr.trim() : `exit ${r.status}: ${r.stderr}`;
}

function setup(ffmpeg: string, ffprobe: string) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-video-processor-'));
  const children = new ChildRegistry();
  let info: Promise<FfmpegInfo> | undefined;
  const processor = new VideoProcessor({
    children,
    ffmpegPath: async () => ffmpeg,
    ffprobePath: async () => ffprobe,
    ffmpegInfo: () => (info ??= probeFfmpeg({ path: ffmpeg, source: 'path', ffprobePath: ffprobe }, { runner: children, timeoutMs: 20_000, platform: 'linux', candidates: SOFTWARE })),
    logger: silentLogger(),
    segmentSeconds: 4,
  });
  const progress: { value: number; step?: string }[] = [];
  const ctx = (signal = new AbortController().signal) => ({ signal, progress: (value: number, step?: string) => progress.push({ value, step }) });
  const dispose = async () => {
    await children.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  return { tmp, children, processor, progress, ctx, dispose };
}

/** What every processed video has, whichever ffmpeg made it. */
function expectOutputs(dir: string, out: VideoOutputs, durationSec: number): void {
  for (const f of ['master.m3u8', 'manifest.mpd', 'video.mp4', 'poster.jpg', 'previews.vtt', 'chapters.vtt', 'outputs.json', ...out.thumbnails, ...out.spriteSheets]) {
    expect(fs.statSync(path.join(dir, f), { throwIfNoEntry: false })?.size ?? 0, f).toBeGreaterThan(0);
  }
  expect(out.thumbnails).toEqual(Array.from({ length: 10 }, (_, i) => `thumbs/${String(i + 1).padStart(2, '0')}.jpg`));
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'outputs.json'), 'utf8'))).toEqual(out);
  expect(fs.existsSync(`${dir}.tmp`)).toBe(false);
  expect(fs.readdirSync(dir).filter((f) => f.startsWith('pass-'))).toEqual([]);
  // MP4: progressive (moov before mdat), both tracks, the whole length.
  const mp4 = fs.readFileSync(path.join(dir, 'video.mp4'));
  expect(mp4.indexOf('moov')).toBeLessThan(mp4.indexOf('mdat'));
  const m = probe(path.join(dir, 'video.mp4'));
  expect(m.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
  expect(Number(m.format.duration)).toBeCloseTo(durationSec, 0);
  expect(decodes(path.join(dir, 'video.mp4'))).toBe('');
  // HLS and DASH: every rendition and the audio readable; the master decodes.
  expect(probe(path.join(dir, 'master.m3u8')).streams.filter((s) => s.codec_type === 'video').length).toBe(out.renditions.length);
  expect(probe(path.join(dir, 'manifest.mpd')).streams.filter((s) => s.codec_type === 'video').length).toBe(out.renditions.length);
  // A full decode of the MPD is left to dash.js (e2e): 5.1's dash demuxer reports "Error when loading
  // first fragment" on every MPD of the dash muxer, ours or not, while probing it works.
  expect(decodes(path.join(dir, 'master.m3u8'))).toBe('');
  expect(fs.readFileSync(path.join(dir, 'previews.vtt'), 'utf8')).toMatch(/^WEBVTT\n\n00:00:00\.000 --> 00:00:01\.000\nsprite-1\.jpg#xywh=0,0,160,90\n/);
  // Scenes at 1/3 and 2/3 of the clip.
  expect(out.chapters.map((c) => Math.round(c.startSec))).toEqual([0, Math.round(durationSec / 3), Math.round((2 * durationSec) / 3)]);
}

describe.skipIf(needs('ffmpeg'))('VideoProcessor with the system ffmpeg', () => {
  const t = setup(which('ffmpeg')!, which('ffprobe')!);
  const clip = path.join(t.tmp, 'clip.mp4');
  beforeAll(() => makeClip(clip, { seconds: 24, size: '854x480', scenes: 3 }));
  afterAll(() => t.dispose());

  it('makes the ladder, MP4, poster, thumbnails, sprite, chapters, loudness and subtitles (balanced: two passes)', { timeout: 240_000 }, async () => {
    const srt = path.join(t.tmp, 'en.srt');
    fs.writeFileSync(srt, SRT);
    const dir = path.join(t.tmp, 'videos', 'v1');
    const out = await t.processor.run(t.ctx(), { input: clip, outDir: dir, preset: 'balanced', normalizeLoudness: true, subtitles: [{ id: 'en1', language: 'en', label: 'English', file: srt }] });
    expectOutputs(dir, out, 24);
    expect(out).toMatchObject({ preset: 'balanced', codec: 'h264', twoPass: true, width: 854, height: 480, durationSec: 24 });
    expect(out.renditions.map((r) => `${r.id} ${r.width}x${r.height}`)).toEqual(['480p 854x480', '360p 640x360']);
    expect(out.loudness?.measured.inputI).toBeLessThan(0);
    // The tone after normalisation sits near -16 LUFS.
    const r128 = spawnSync('ffmpeg', ['-hide_banner', '-i', path.join(dir, 'video.mp4'), '-map', '0:a', '-af', 'ebur128', '-f', 'null', '-'], { encoding: 'utf8' });
    const integrated = Number(/I:\s+(-?[\d.]+) LUFS\s+Threshold[\s\S]*$/.exec(r128.stderr)?.[1]);
    expect(Math.abs(integrated + 16)).toBeLessThan(1.5);
    // Subtitles: the master and the MPD list the track; the WebVTT has the cues.
    const master = fs.readFileSync(path.join(dir, 'master.m3u8'), 'utf8');
    expect(master).toContain('#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English",DEFAULT=NO,AUTOSELECT=YES,URI="subs_en1.m3u8"');
    expect(master.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF')).every((l) => l.endsWith(',SUBTITLES="subs"'))).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'manifest.mpd'), 'utf8')).toContain('<BaseURL>subs/en1.vtt</BaseURL>');
    expect(fs.readFileSync(path.join(dir, 'subs/en1.vtt'), 'utf8')).toMatch(/00:0?0?:?01\.000 --> 00:0?0?:?04\.000\nHello <b>there<\/b>/);
    // Progress: monotonic, every step named, ends at the top.
    const values = t.progress.map((p) => p.value);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(new Set(t.progress.map((p) => p.step))).toEqual(new Set(['probe', 'loudness', 'pass1', 'encode', 'mp4', 'thumbnails', 'previews', 'finish']));
    expect(values.at(-1)).toBeGreaterThan(0.99);

    // A subtitle added afterwards (ASS, converted as the library does), the first removed: manifests
    // and outputs.json rewritten, nothing re-encoded.
    const segments = fs.readdirSync(dir).filter((f) => f.endsWith('.m4s')).sort();
    const ass = path.join(t.tmp, 'fr.ass');
    fs.writeFileSync(ass, ASS);
    await subtitleToWebVtt(t.children, which('ffmpeg')!, ass, path.join(dir, 'subs/fr1.vtt'));
    await applySubtitles(dir, [{ id: 'fr1', language: 'fr', label: 'Français' }]);
    const after = fs.readFileSync(path.join(dir, 'master.m3u8'), 'utf8');
    expect(after).toContain('LANGUAGE="fr",NAME="Français"');
    expect(after).not.toContain('subs_en1.m3u8');
    expect(fs.existsSync(path.join(dir, 'subs_en1.m3u8'))).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'outputs.json'), 'utf8')).subtitles).toEqual([{ id: 'fr1', language: 'fr', label: 'Français' }]);
    expect(fs.readFileSync(path.join(dir, 'subs/fr1.vtt'), 'utf8')).toMatch(/Bonjour <i>tout<\/i> le monde/);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.m4s')).sort()).toEqual(segments);
    expect(probe(path.join(dir, 'master.m3u8')).streams.length).toBeGreaterThan(0);
    const junk = path.join(t.tmp, 'junk.srt');
    fs.writeFileSync(junk, 'not subtitles at all');
    await expect(subtitleToWebVtt(t.children, which('ffmpeg')!, junk, path.join(t.tmp, 'junk.vtt'))).rejects.toMatchObject({ code: 'MEDIA_INVALID' });
  });

  it('encodes HEVC for high (libx265 opens here), playable from the master', { timeout: 120_000 }, async () => {
    const short = path.join(t.tmp, 'short.mp4');
    await makeClip(short, { seconds: 9, scenes: 3 });
    const dir = path.join(t.tmp, 'videos', 'hevc');
    const out = await t.processor.run(t.ctx(), { input: short, outDir: dir, preset: 'high', normalizeLoudness: false, subtitles: [] });
    expect(out).toMatchObject({ preset: 'high', codec: 'hevc', notes: [] });
    // The dash muxer writes a bare "hvc1": the processor names profile, tier and level (x265 Main, 360p).
    expect(fs.readFileSync(path.join(dir, 'master.m3u8'), 'utf8')).toContain('CODECS="hvc1.1.6.L63.90,mp4a.40.2"');
    expect(probe(path.join(dir, 'video.mp4')).streams.find((s) => s.codec_type === 'video')?.codec_name).toBe('hevc');
    expect(decodes(path.join(dir, 'master.m3u8'))).toBe('');
  });

  it('fails a file that is not media with MEDIA_INVALID and leaves nothing behind', async () => {
    const bad = path.join(t.tmp, 'notes.mp4');
    fs.writeFileSync(bad, 'this is not a video\n'.repeat(100));
    const dir = path.join(t.tmp, 'videos', 'bad');
    const error = await t.processor.run(t.ctx(), { input: bad, outDir: dir, preset: 'fast', normalizeLoudness: false, subtitles: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobError);
    expect(classifyJobError(error)).toMatchObject({ code: 'MEDIA_INVALID', retry: false, message: expect.stringMatching(/Invalid data found/) });
    expect(fs.existsSync(dir) || fs.existsSync(`${dir}.tmp`)).toBe(false);
  });

  it('stops its ffmpeg when the signal fires, with the signal reason; the encode runs below normal priority', { timeout: 60_000 }, async () => {
    const abort = new AbortController();
    const dir = path.join(t.tmp, 'videos', 'cancelled');
    // The encode's priority, read while it runs (the live show goes first on a busy machine).
    const spawn = t.children.spawn.bind(t.children);
    const priorities: number[] = [];
    const watch = vi.spyOn(t.children, 'spawn').mockImplementation((command, args, options) => {
      const child = spawn(command, args, options);
      if (args.includes('-progress')) priorities.push(os.getPriority(child.pid!));
      return child;
    });
    const job = t.processor.run({ signal: abort.signal, progress: (_v, step) => step === 'encode' && abort.abort(new JobError('CANCELLED', 'cancelled by the user')) }, { input: clip, outDir: dir, preset: 'fast', normalizeLoudness: false, subtitles: [] });
    await expect(job).rejects.toMatchObject({ code: 'CANCELLED', message: 'cancelled by the user' });
    watch.mockRestore();
    expect(priorities.length).toBeGreaterThan(0);
    expect(priorities.every((p) => p === Math.max(BACKGROUND_PRIORITY, os.getPriority()))).toBe(true);
    expect(t.children.count).toBe(0);
    expect(fs.existsSync(`${dir}.tmp`)).toBe(false);
  });
});


describe.skipIf(needs('ffmpeg', 'root'))('VideoProcessor on a full disk (a tmpfs: skipped without root, which mounting needs)', () => {
  const t = setup(which('ffmpeg')!, which('ffprobe')!);
  const clip = path.join(t.tmp, 'clip.mp4');
  beforeAll(() => makeClip(clip, { seconds: 24, size: '854x480', scenes: 3 }));
  afterAll(() => t.dispose());

  it('refuses up front when the outputs cannot fit: DISK_FULL, not retried, nothing left', async () => {
    const fsys = mountTmpfs(t.tmp, 8);
    try {
      const dir = path.join(fsys.dir, 'v');
      const error = await t.processor.run(t.ctx(), { input: clip, outDir: dir, preset: 'fast', normalizeLoudness: false, subtitles: [] }).catch((e: unknown) => e);
      expect(classifyJobError(error)).toMatchObject({ code: 'DISK_FULL', retry: false, message: expect.stringMatching(/about \d+ MB needed, \d+ MB free/) });
      expect(fs.readdirSync(fsys.dir)).toEqual([]);
    } finally {
      fsys.unmount();
    }
  });

  it('fails with DISK_FULL when the disk fills during the encode (the dash muxer itself exits 0)', { timeout: 60_000 }, async () => {
    const fsys = mountTmpfs(t.tmp, 40);
    try {
      const dir = path.join(fsys.dir, 'v');
      let filled = false;
      const progress = (_v: number, step?: string): void => {
        if (step !== 'encode' || filled) return;
        filled = true;
        // Something else takes the disk: everything but a few KB.
        const free = fs.statfsSync(fsys.dir);
        fs.writeFileSync(path.join(fsys.dir, 'filler'), Buffer.alloc(Math.max(0, Number(free.bavail) * Number(free.bsize) - 64 * 1024)));
      };
      const error = await t.processor.run({ signal: new AbortController().signal, progress }, { input: clip, outDir: dir, preset: 'fast', normalizeLoudness: false, subtitles: [] }).catch((e: unknown) => e);
      expect(filled).toBe(true);
      expect(classifyJobError(error)).toMatchObject({ code: 'DISK_FULL', retry: false });
      expect(fs.readdirSync(fsys.dir)).toEqual(['filler']);
    } finally {
      fsys.unmount();
    }
  });
});

describe.skipIf(!bundledFfmpegPath())('VideoProcessor with the npm-shipped ffmpeg 4.1', () => {
  const t = setup(bundledFfmpegPath()!, bundledFfprobePath() ?? which('ffprobe')!);
  const clip = path.join(t.tmp, 'clip.mp4');
  beforeAll(() => makeClip(clip, { seconds: 12, scenes: 3, ffmpeg: bundledFfmpegPath()! }));
  afterAll(() => t.dispose());

  it('makes every output with its options (fast)', { timeout: 180_000 }, async () => {
    const dir = path.join(t.tmp, 'videos', 'v41');
    const out = await t.processor.run(t.ctx(), { input: clip, outDir: dir, preset: 'fast', normalizeLoudness: true, subtitles: [] });
    expectOutputs(dir, out, 12);
    expect(out).toMatchObject({ preset: 'fast', twoPass: false, codec: 'h264' });
    expect(out.loudness).not.toBeNull();
  });

  it('encodes HEVC for high, where its libx265 opens', { timeout: 180_000 }, async () => {
    const dir = path.join(t.tmp, 'videos', 'hevc');
    const out = await t.processor.run(t.ctx(), { input: clip, outDir: dir, preset: 'high', normalizeLoudness: false, subtitles: [] });
    expect(out).toMatchObject({ preset: 'high', codec: 'hevc' });
    expect(probe(path.join(dir, 'video.mp4')).streams.find((s) => s.codec_type === 'video')?.codec_name).toBe('hevc');
    expect(probe(path.join(dir, 'master.m3u8')).streams.find((s) => s.codec_type === 'video')?.codec_name).toBe('hevc');
  });
});
