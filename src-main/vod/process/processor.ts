import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FfmpegInfo } from '../../../src-shared/contract/system.js';
import { frameArgs } from '../../encoder/frame-args.js';
import type { Chapter, VideoPreset } from '../../../src-shared/contract/videos.js';
import type { ChildRegistry } from '../../core/children.js';
import { StudioError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { capsOf } from '../../encoder/capabilities.js';
import { pickErrorLine } from '../../encoder/progress.js';
import { statfsFreeBytes } from '../../recorder/disk.js';
import { probeMedia, type MediaInfo } from '../../recorder/media-info.js';
import { ladderSourceOf } from '../../recorder/vod-args.js';
import { isEnospc, JobError } from '../../core/job-error.js';
import { chaptersFromScenes, parseSceneTimes } from './chapters.js';
import { hevcCodecString, masterWithHevcCodecs } from './codecs.js';
import { asJobError, DISK_MARGIN_BYTES, mb } from './failures.js';
import { runJobFfmpeg } from './job-ffmpeg.js';
import { estimateOutputBytes, planVodEncode } from './presets.js';
import {
  analysisArgs,
  encodeArgs,
  loudnessMeasureArgs,
  loudnormFilter,
  mp4Args,
  parseLoudnorm,
  subtitleArgs,
  thumbnailFile,
  thumbnailTimes,
  type LoudnessMeasure,
} from './process-args.js';
import { planSprite, previewsVtt, spriteSheetFile } from './sprite-plan.js';
import { StepProgress, stepWeights } from './step-progress.js';
import { subtitleVttFile, type SubtitleTrack } from './subtitles.js';
import {
  applySubtitles,
  MANIFEST,
  MASTER,
  MP4_FILE,
  OUTPUTS_FILE,
  POSTER_FILE,
  PREVIEWS_FILE,
  streamSegments,
  writeAtomic,
  writeChaptersVtt,
  CHAPTERS_FILE,
  replaceDir,
} from './video-files.js';

export interface ProcessorContext {
  signal: AbortSignal;
  progress(value: number, step?: string): void;
  /** Told the duration once probed (the queue's estimates use it). */
  mediaDuration?(sec: number): void;
}

export interface SubtitleInput extends SubtitleTrack {
  /** SRT, WebVTT or ASS (told apart by ffmpeg from the content). */
  file: string;
}

export interface VideoJob {
  input: string;
  /** Replaced whole at the end; built in `<outDir>.tmp`. */
  outDir: string;
  preset: VideoPreset;
  normalizeLoudness: boolean;
  subtitles: SubtitleInput[];
}

/** What processing made, also written to `<outDir>/outputs.json` (last, atomically). */
export interface VideoOutputs {
  durationSec: number;
  width: number;
  height: number;
  /** Of the source file. */
  sizeBytes: number;
  source: MediaInfo;
  requestedPreset: VideoPreset;
  preset: VideoPreset;
  codec: 'h264' | 'hevc';
  twoPass: boolean;
  renditions: { id: string; width: number; height: number; videoBitrateKbps: number }[];
  generation: string;
  hls: string;
  dash: string;
  mp4: string;
  poster: string;
  thumbnails: string[];
  sprite: true;
  spriteSheets: string[];
  previews: string;
  chapters: Chapter[];
  chaptersVtt: string;
  subtitles: SubtitleTrack[];
  loudness: { targetLufs: number; measured: LoudnessMeasure } | null;
  /** Where the result differs from what was asked, and why. */
  notes: string[];
  /** Wall time of each step, ms. */
  timings: Record<string, number>;
}

export interface VideoProcessorOptions {
  children: Pick<ChildRegistry, 'spawn' | 'run'>;
  ffmpegPath: () => Promise<string>;
  ffprobePath: () => Promise<string>;
  ffmpegInfo: () => Promise<FfmpegInfo>;
  logger: Logger;
  segmentSeconds?: number;
}

/**
 * SRT, WebVTT or ASS into WebVTT (ffmpeg tells them apart by content). A file it cannot read is
 * MEDIA_INVALID; a full disk DISK_FULL.
 */
export async function subtitleToWebVtt(children: Pick<ChildRegistry, 'run'>, ffmpeg: string, source: string, output: string): Promise<void> {
  const result = await children.run(ffmpeg, subtitleArgs(source, output), { timeoutMs: 60_000, maxOutput: 16 * 1024, background: true });
  if (result.code === 0 && fs.existsSync(output)) return;
  await fs.promises.rm(output, { force: true });
  if (isEnospc(result.stderr)) throw new JobError('DISK_FULL', 'the disk is full while converting subtitles', { retry: false });
  throw new StudioError('MEDIA_INVALID', `not a subtitle file ffmpeg can read (SRT, WebVTT or ASS): ${pickErrorLine(result.stderr) ?? `code ${result.code}`}`);
}

/**
 * Turns an uploaded or recorded file into a library video: probe, ladder encode (CMAF HLS + DASH),
 * MP4, poster, thumbnails, seek-preview sprite, chapters, subtitles, optional loudness normalisation.
 * Every ffmpeg goes through the ChildRegistry and stops when the job's signal fires. Subtitles and
 * chapters changed later go through applySubtitles and writeChaptersVtt (video-files.ts), no re-encode.
 */
export class VideoProcessor {
  private readonly log: Logger;

  constructor(private readonly o: VideoProcessorOptions) {
    this.log = o.logger.child({ component: 'video-processor' });
  }

  async run(ctx: ProcessorContext, job: VideoJob): Promise<VideoOutputs> {
    const tmp = `${job.outDir}.tmp`;
    try {
      await fs.promises.rm(tmp, { recursive: true, force: true });
      await fs.promises.mkdir(path.join(tmp, 'thumbs'), { recursive: true });
      const outputs = await this.process(ctx, job, tmp);
      await replaceDir(tmp, job.outDir);
      return outputs;
    } catch (error) {
      const full = ctx.signal.aborted ? undefined : this.diskFull(tmp, error);
      await fs.promises.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      const failure = full ?? asJobError(error, ctx.signal);
      this.log.warn({ input: job.input, code: failure.code, err: failure.message }, 'video processing failed');
      throw failure;
    }
  }

  /** A failure on a disk left (nearly) full is DISK_FULL, whatever the step said about it. */
  private diskFull(dir: string, error: unknown): JobError | undefined {
    if (error instanceof JobError && !['FFMPEG_FAILED', 'STALLED'].includes(error.code)) return undefined;
    let free: number;
    try {
      free = statfsFreeBytes(dir);
    } catch {
      return undefined;
    }
    if (free >= DISK_MARGIN_BYTES) return undefined;
    const why = error instanceof Error ? error.message : String(error);
    return new JobError('DISK_FULL', `the disk is full (${mb(free)} free): ${why}`);
  }

  private async process(ctx: ProcessorContext, job: VideoJob, dir: string): Promise<VideoOutputs> {
    const timings: Record<string, number> = {};
    const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
      const started = Date.now();
      try {
        return await fn();
      } finally {
        timings[step] = (timings[step] ?? 0) + Date.now() - started;
      }
    };
    const [ffmpeg, ffprobe, info] = await Promise.all([this.o.ffmpegPath(), this.o.ffprobePath(), this.o.ffmpegInfo()]);
    const caps = capsOf(info.features);
    ctx.progress(0, 'probe');
    const media = await timed('probe', () => this.probe(ffprobe, job.input));
    ctx.mediaDuration?.(media.durationSec);
    ctx.signal.throwIfAborted();
    const source = ladderSourceOf(media);
    const plan = planVodEncode(job.preset, source, info, media.durationSec);
    const notes = [...plan.notes];
    const loud = job.normalizeLoudness && media.audio !== null;
    if (job.normalizeLoudness && !loud) notes.push('loudness: the video has no audio to normalise');
    const steps = new StepProgress(
      stepWeights({ preset: plan.preset, renditions: plan.renditions, durationSec: media.durationSec, twoPass: plan.twoPass, loudness: loud }),
    );
    const report = this.reporter(ctx, steps);
    const run = (step: string, args: string[], collect?: (text: string) => void): Promise<string> =>
      timed(step, () => this.ffmpeg(ctx, ffmpeg, step, args, media.durationSec, (f) => report(step, f), collect));
    this.log.info({ input: job.input, preset: plan.preset, codec: plan.codec, twoPass: plan.twoPass, renditions: plan.renditions.map((r) => r.id), notes }, 'processing a video');

    let loudness: VideoOutputs['loudness'] = null;
    if (loud) {
      const measured = parseLoudnorm(await run('loudness', loudnessMeasureArgs(job.input)));
      if (measured) loudness = { targetLufs: -16, measured };
      else notes.push('loudness: the measurement gave no usable value (silence?), the audio is left as it is');
    }

    const needed = estimateOutputBytes(plan, media.durationSec) + DISK_MARGIN_BYTES;
    const free = statfsFreeBytes(dir);
    if (free < needed) throw new JobError('DISK_FULL', `not enough disk for the outputs: about ${mb(needed)} needed, ${mb(free)} free`);

    const generation = crypto.randomBytes(4).toString('hex');
    const args = encodeArgs({
      input: job.input,
      outDir: dir,
      plan,
      source,
      generation,
      caps,
      segmentSeconds: this.o.segmentSeconds,
      audioFilter: loudness ? loudnormFilter(loudness.measured) : null,
      passLogPrefix: path.join(dir, 'pass'),
    });
    if (args.pass1) await run('pass1', args.pass1);
    await run('encode', args.main);
    for (const file of await fs.promises.readdir(dir)) if (/^pass-\d+/.test(file)) await fs.promises.rm(path.join(dir, file), { force: true });
    for (const file of [MASTER, MANIFEST]) if (!fs.existsSync(path.join(dir, file))) throw new JobError('FFMPEG_FAILED', `the encode wrote no ${file}`, { retry: true });
    if (plan.codec === 'hevc') await this.nameHevc(dir, generation, plan.renditions.length);

    const audioStream = plan.audio ? plan.renditions.length : null;
    await run('mp4', mp4Args(streamSegments(dir, generation, 0), audioStream === null ? null : streamSegments(dir, generation, audioStream), path.join(dir, MP4_FILE)));

    const thumbnails = await timed('thumbnails', () => this.thumbnails(ctx, ffmpeg, job.input, dir, media.durationSec, (f) => report('thumbnails', f)));

    const smallest = plan.renditions.length - 1;
    const sprite = planSprite(media.durationSec, plan.renditions[smallest]!.width, plan.renditions[smallest]!.height);
    // Whole lines only: a showinfo line can arrive split over two chunks.
    let scenes = '';
    let partial = '';
    await run('previews', analysisArgs(`concat:${streamSegments(dir, generation, smallest).join('|')}`, dir, sprite, caps), (text) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.includes('Parsed_showinfo')) scenes += `${line}\n`;
    });
    const chapters = chaptersFromScenes(parseSceneTimes(`${scenes}${partial}`), media.durationSec);
    const spriteSheets = Array.from({ length: sprite.sheets }, (_, i) => spriteSheetFile(i + 1));
    for (const sheet of spriteSheets) if (!fs.existsSync(path.join(dir, sheet))) throw new JobError('FFMPEG_FAILED', `the previews step wrote no ${sheet}`, { retry: true });
    await writeAtomic(path.join(dir, PREVIEWS_FILE), previewsVtt(sprite, media.durationSec));
    writeChaptersVtt(dir, chapters, media.durationSec);

    report('finish', 0);
    const subtitles = await this.addSubtitles(dir, job.subtitles, media.durationSec, ffmpeg);

    const outputs: VideoOutputs = {
      durationSec: media.durationSec,
      width: source.width,
      height: source.height,
      sizeBytes: media.sizeBytes,
      source: media,
      requestedPreset: plan.requested,
      preset: plan.preset,
      codec: plan.codec,
      twoPass: plan.twoPass,
      renditions: plan.renditions.map((r) => ({ id: r.id, width: r.width, height: r.height, videoBitrateKbps: r.videoBitrateKbps })),
      generation,
      hls: MASTER,
      dash: MANIFEST,
      mp4: MP4_FILE,
      poster: POSTER_FILE,
      thumbnails,
      sprite: true,
      spriteSheets,
      previews: PREVIEWS_FILE,
      chapters,
      chaptersVtt: CHAPTERS_FILE,
      subtitles,
      loudness,
      notes,
      timings,
    };
    await writeAtomic(path.join(dir, OUTPUTS_FILE), JSON.stringify(outputs, null, 2));
    report('finish', 1);
    return outputs;
  }

  /**
   * Subtitle sources into an output folder (this processor's, or a runner's before it is published):
   * WebVTT files, and the tracks in the manifests (and in outputs.json when it is there).
   */
  async addSubtitles(dir: string, sources: readonly SubtitleInput[], durationSec: number, ffmpegPath?: string): Promise<SubtitleTrack[]> {
    const ffmpeg = ffmpegPath ?? (await this.o.ffmpegPath());
    const subtitles: SubtitleTrack[] = [];
    for (const sub of sources) {
      await fs.promises.mkdir(path.join(dir, 'subs'), { recursive: true });
      await subtitleToWebVtt(this.o.children, ffmpeg, sub.file, path.join(dir, subtitleVttFile(sub.id)));
      subtitles.push({ id: sub.id, language: sub.language, label: sub.label });
    }
    await applySubtitles(dir, subtitles, durationSec);
    return subtitles;
  }

  private async probe(ffprobe: string, input: string): Promise<MediaInfo> {
    let media: MediaInfo;
    try {
      media = await probeMedia(this.o.children, ffprobe, input);
    } catch (error) {
      throw new JobError('MEDIA_INVALID', `not a media file ffprobe can read: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!media.video || media.video.width <= 0 || media.video.height <= 0) throw new JobError('MEDIA_INVALID', 'the file has no video stream');
    if (!(media.durationSec > 0)) throw new JobError('MEDIA_INVALID', 'the file has no duration (no media in it)');
    return media;
  }

  /** Progress for the queue: at most 4 a second, but every step change at once. */
  private reporter(ctx: ProcessorContext, steps: StepProgress): (step: string, fraction: number) => void {
    let lastAt = 0;
    let lastStep = '';
    return (step, fraction) => {
      const value = steps.at(step, fraction);
      const now = Date.now();
      if (step === lastStep && now - lastAt < 250) return;
      lastAt = now;
      lastStep = step;
      ctx.progress(value, step);
    };
  }

  /** One ffmpeg to its end (runJobFfmpeg); its stderr (or what `collect` gets) returned. */
  private ffmpeg(
    ctx: ProcessorContext,
    ffmpeg: string,
    step: string,
    args: string[],
    durationSec: number,
    progress: (fraction: number) => void,
    collect?: (text: string) => void,
  ): Promise<string> {
    return runJobFfmpeg(this.o.children, ffmpeg, { signal: ctx.signal, step, args, durationSec, progress, ...(collect ? { collect } : {}) });
  }

  /** Poster and thumbnails, one short ffmpeg each; each stops with the job's signal like the long steps. */
  private async thumbnails(ctx: ProcessorContext, ffmpeg: string, input: string, dir: string, durationSec: number, progress: (f: number) => void): Promise<string[]> {
    const frame = async (file: string, atSec: number, width: number): Promise<void> => {
      await this.ffmpeg(ctx, ffmpeg, 'thumbnails', frameArgs(input, path.join(dir, file), atSec, { width, quality: 3, keyframe: true }), durationSec, () => undefined);
      if ((fs.statSync(path.join(dir, file), { throwIfNoEntry: false })?.size ?? 0) === 0) {
        throw new JobError('FFMPEG_FAILED', `ffmpeg made no image ${file} at ${atSec} s`, { retry: true });
      }
    };
    await frame(POSTER_FILE, Math.min(durationSec * 0.1, 5), 1280);
    const files: string[] = [];
    const times = thumbnailTimes(durationSec);
    for (const [i, t] of times.entries()) {
      const file = thumbnailFile(i + 1);
      await frame(file, t, 320);
      files.push(file);
      progress((i + 1) / times.length);
    }
    return files;
  }

  /** Full HEVC names in the master's CODECS, read from each rung's init segment. */
  private async nameHevc(dir: string, generation: string, rungs: number): Promise<void> {
    const names = new Map<string, string>();
    for (let i = 0; i < rungs; i++) {
      const name = hevcCodecString(await fs.promises.readFile(path.join(dir, `init-${generation}-stream${i}.m4s`)));
      if (name) names.set(`media_${i}.m3u8`, name);
    }
    const master = path.join(dir, MASTER);
    await writeAtomic(master, masterWithHevcCodecs(await fs.promises.readFile(master, 'utf8'), names));
  }
}
