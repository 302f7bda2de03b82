import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LadderPreset } from '../../src-shared/contract/streams.js';
import type { FfmpegInfo } from '../../src-shared/contract/system.js';
import type { ChildRegistry } from '../core/children.js';
import type { Logger } from '../core/logger.js';
import { capsOf } from '../encoder/capabilities.js';
import { planLadder } from '../encoder/ladder.js';
import { FfmpegRunner } from '../encoder/ffmpeg-runner.js';
import { isEnospc, JobError } from '../core/job-error.js';
import { probeMedia, type MediaInfo } from './media-info.js';
import { ladderSourceOf, VOD_MANIFEST_FILE, VOD_MASTER_FILE, vodArgs, vodProgress } from './vod-args.js';

/** The job kind of a recording's VOD conversion in the studio's job queue (vod/job-queue.ts). */
export const RECORDING_VOD_JOB = 'recording-vod';

/** What a recording-vod job carries (durationSec: for the queue's estimate). */
export type RecordingVodPayload = { recordingId: string; ladder: LadderPreset; durationSec?: number };

export interface VodJob {
  id: string;
  /** The recording file. */
  input: string;
  /** Emptied, then filled with manifest.mpd, master.m3u8, media playlists and segments. */
  outDir: string;
  ladder: LadderPreset;
}

/** What a run gets from the job queue (a part of its JobContext). */
export interface VodRunContext {
  signal: AbortSignal;
  /** 0..1 (below 1: the job's end marks the VOD ready); every call tells the stall watchdog it is alive. */
  progress(value: number, step?: string): void;
}

export interface VodConvertOptions {
  children: Pick<ChildRegistry, 'spawn' | 'run'>;
  ffmpegPath: () => Promise<string>;
  ffprobePath: () => Promise<string>;
  /** The probed ffmpeg, for the encoder choice (hardware when usable); libx264 when absent. */
  ffmpegInfo?: () => Promise<FfmpegInfo>;
  logger: Logger;
  segmentSeconds?: number;
  platform?: NodeJS.Platform;
  cores?: number;
}

/** With no probe at hand: no hardware encoder, so the ladder is encoded with libx264. */
function softwareOnly(ffmpegPath: string): FfmpegInfo {
  return {
    found: true,
    path: ffmpegPath,
    source: null,
    version: null,
    ffprobePath: null,
    probedAt: null,
    cached: false,
    encoders: [],
    features: {},
    missing: [],
  };
}

/**
 * Converts one recording into an HLS/DASH VOD (one run of a recording-vod job): probe, ladder plan,
 * one ffmpeg with the packager's recipe. Stops its ffmpeg when the signal fires; on any failure the
 * output folder goes and a JobError says whether another attempt may help.
 */
export async function convertToVod(o: VodConvertOptions, job: VodJob, ctx: VodRunContext): Promise<void> {
  try {
    await encode(o, job, ctx);
  } catch (error) {
    fs.rmSync(job.outDir, { recursive: true, force: true });
    if (ctx.signal.aborted) throw ctx.signal.reason;
    throw error;
  }
}

async function encode(o: VodConvertOptions, job: VodJob, ctx: VodRunContext): Promise<void> {
  const log = o.logger.child({ component: 'vod' });
  ctx.signal.throwIfAborted();
  ctx.progress(0, 'probe');
  const [ffmpeg, ffprobe] = await Promise.all([o.ffmpegPath(), o.ffprobePath()]);
  let media: MediaInfo;
  try {
    media = await probeMedia(o.children, ffprobe, job.input);
  } catch (error) {
    throw new JobError('MEDIA_INVALID', (error as Error).message);
  }
  const source = ladderSourceOf(media);
  const info = (await o.ffmpegInfo?.()) ?? softwareOnly(ffmpeg);
  const plan = planLadder(job.ladder, source, info, o.platform ?? process.platform, { cores: o.cores ?? os.availableParallelism() });
  ctx.signal.throwIfAborted();
  fs.rmSync(job.outDir, { recursive: true, force: true });
  fs.mkdirSync(job.outDir, { recursive: true });
  const args = vodArgs({
    input: job.input,
    outDir: job.outDir,
    plan,
    source,
    generation: crypto.randomBytes(4).toString('hex'),
    segmentSeconds: o.segmentSeconds,
    caps: capsOf(info.features),
  });
  log.info({ id: job.id, ladder: job.ladder, renditions: plan.renditions.map((r) => r.id), encoder: plan.encoder.name }, 'VOD conversion starting');
  const started = Date.now();
  const runner = FfmpegRunner.start(o.children, ffmpeg, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    background: true,
    onProgress: (block) => {
      const value = vodProgress(block.outTimeUs, media.durationSec, block.state === 'end');
      // Every block is a sign of life for the watchdog; the queue throttles what it reports.
      if (value < 1) ctx.progress(value, 'encode');
    },
  });
  const abort = (): void => runner.kill();
  ctx.signal.addEventListener('abort', abort, { once: true });
  try {
    const exit = await runner.exited;
    ctx.signal.throwIfAborted();
    if (exit.error || exit.code !== 0) {
      if (isEnospc(runner.stderr)) throw new JobError('DISK_FULL', `the disk is full: ${runner.reason(exit)}`);
      throw new JobError('FFMPEG_FAILED', runner.reason(exit));
    }
  } finally {
    ctx.signal.removeEventListener('abort', abort);
  }
  for (const file of [VOD_MASTER_FILE, VOD_MANIFEST_FILE]) {
    if (!fs.existsSync(path.join(job.outDir, file))) throw new JobError('FFMPEG_FAILED', `ffmpeg finished without writing ${file}`);
  }
  log.info({ id: job.id, ms: Date.now() - started }, 'VOD ready');
}
