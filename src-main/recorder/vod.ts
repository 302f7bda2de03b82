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
import { probeMedia } from './media-info.js';
import { ladderSourceOf, VOD_MANIFEST_FILE, VOD_MASTER_FILE, vodArgs, vodProgress } from './vod-args.js';

export interface VodJob {
  id: string;
  /** The recording file. */
  input: string;
  /** Emptied, then filled with manifest.mpd, master.m3u8, media playlists and segments. */
  outDir: string;
  ladder: LadderPreset;
  /** 0..1 (below 1: the caller marks the VOD ready), at most every minProgressIntervalMs. */
  onProgress: (progress: number) => void;
  /** The job leaves the queue and its ffmpeg starts. */
  onStart?: (renditions: number) => void;
}

export interface VodConverterOptions {
  children: Pick<ChildRegistry, 'spawn' | 'run'>;
  ffmpegPath: () => Promise<string>;
  ffprobePath: () => Promise<string>;
  /** The probed ffmpeg, for the encoder choice (hardware when usable); libx264 when absent. */
  ffmpegInfo?: () => Promise<FfmpegInfo>;
  logger: Logger;
  minProgressIntervalMs?: number;
  segmentSeconds?: number;
  platform?: NodeJS.Platform;
  cores?: number;
}

interface Running {
  cancelled: string | undefined;
  ffmpeg: FfmpegRunner | undefined;
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
 * Converts recordings into HLS/DASH VODs, one at a time (a ladder encode takes the CPU); the others
 * wait in order. cancel() stops a job whether it waits or runs.
 */
export class VodConverter {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly jobs = new Map<string, Running>();
  private readonly log: Logger;

  constructor(private readonly options: VodConverterOptions) {
    this.log = options.logger.child({ component: 'vod' });
  }

  has(id: string): boolean {
    return this.jobs.has(id);
  }

  /** Queues a conversion; resolves when the VOD is complete, rejects with the reason it is not. */
  convert(job: VodJob): Promise<void> {
    if (this.jobs.has(job.id)) return Promise.reject(new Error('already converting'));
    const running: Running = { cancelled: undefined, ffmpeg: undefined };
    this.jobs.set(job.id, running);
    const result = this.queue.then(() => this.run(job, running));
    const settle = (): void => {
      this.jobs.delete(job.id);
    };
    this.queue = result.then(settle, settle);
    return result;
  }

  cancel(id: string, reason: string): void {
    const running = this.jobs.get(id);
    if (!running) return;
    running.cancelled = reason;
    running.ffmpeg?.kill();
  }

  async dispose(): Promise<void> {
    for (const id of [...this.jobs.keys()]) this.cancel(id, 'the host is stopping');
    await this.queue;
  }

  private async run(job: VodJob, running: Running): Promise<void> {
    try {
      await this.encode(job, running);
    } catch (error) {
      fs.rmSync(job.outDir, { recursive: true, force: true });
      throw error;
    }
  }

  private async encode(job: VodJob, running: Running): Promise<void> {
    const checkCancelled = (): void => {
      if (running.cancelled !== undefined) throw new Error(`cancelled: ${running.cancelled}`);
    };
    checkCancelled();
    const [ffmpeg, ffprobe] = await Promise.all([this.options.ffmpegPath(), this.options.ffprobePath()]);
    const media = await probeMedia(this.options.children, ffprobe, job.input);
    const source = ladderSourceOf(media);
    const info = (await this.options.ffmpegInfo?.()) ?? softwareOnly(ffmpeg);
    const plan = planLadder(job.ladder, source, info, this.options.platform ?? process.platform, { cores: this.options.cores ?? os.availableParallelism() });
    checkCancelled();
    fs.rmSync(job.outDir, { recursive: true, force: true });
    fs.mkdirSync(job.outDir, { recursive: true });
    const args = vodArgs({
      input: job.input,
      outDir: job.outDir,
      plan,
      source,
      generation: crypto.randomBytes(4).toString('hex'),
      segmentSeconds: this.options.segmentSeconds,
      caps: capsOf(info.features),
    });
    this.log.info({ id: job.id, ladder: job.ladder, renditions: plan.renditions.map((r) => r.id), encoder: plan.encoder.name }, 'VOD conversion starting');
    job.onStart?.(plan.renditions.length);
    const started = Date.now();
    const runner = this.spawn(ffmpeg, args, media.durationSec, job, running);
    const exit = await runner.exited;
    if (exit.error) throw new Error(runner.reason(exit));
    checkCancelled();
    if (exit.code !== 0) throw new Error(runner.reason(exit));
    for (const file of [VOD_MASTER_FILE, VOD_MANIFEST_FILE]) {
      if (!fs.existsSync(path.join(job.outDir, file))) throw new Error(`ffmpeg finished without writing ${file}`);
    }
    this.log.info({ id: job.id, ms: Date.now() - started }, 'VOD ready');
  }

  private spawn(ffmpeg: string, args: string[], durationSec: number, job: VodJob, running: Running): FfmpegRunner {
    const interval = this.options.minProgressIntervalMs ?? 500;
    let lastAt = 0;
    let last = -1;
    const runner = FfmpegRunner.start(this.options.children, ffmpeg, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      onProgress: (block) => {
        const value = vodProgress(block.outTimeUs, durationSec, block.state === 'end');
        const now = Date.now();
        if (value === last || value === 1 || now - lastAt < interval) return;
        lastAt = now;
        last = value;
        job.onProgress(value);
      },
    });
    running.ffmpeg = runner;
    return runner;
  }
}
