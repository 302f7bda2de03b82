import type { FfmpegInfo } from '../../src-shared/contract/system.js';
import type { EventBus } from '../core/bus.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { probeCacheKey, type FfmpegProbeCache } from './cache.js';
import { capsOf, type FfmpegCaps } from './capabilities.js';
import { FFMPEG_NOT_FOUND, isLocateError, locateFfmpeg, type FfmpegLocateError, type FfmpegLocation } from './locate.js';
import { probeFfmpeg, unavailableInfo, type ProbeRunner } from './probe.js';
import type { TrialOptions } from './trial.js';

export interface FfmpegServiceOptions {
  /** The ChildRegistry, or anything with its `run`. */
  children: ProbeRunner;
  bus: Pick<EventBus, 'emit'>;
  logger: Logger;
  cache: FfmpegProbeCache;
  /** Per-command timeout, read at each probe so a config change applies to the next one. */
  timeoutMs: () => number;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  trial?: TrialOptions;
  /** Replaces locateFfmpeg (tests). */
  locate?: (env: NodeJS.ProcessEnv) => FfmpegLocation | FfmpegLocateError | null;
}

/**
 * Which ffmpeg the studio uses and what it can do. The probe (about 15 short ffmpeg runs) happens once
 * per binary: results are cached by path, size and mtime, and concurrent callers share one probe.
 */
export class FfmpegService implements Service {
  readonly name = 'ffmpeg';
  private current: Promise<FfmpegInfo> | undefined;
  private reprobing: Promise<FfmpegInfo> | undefined;
  private generation = 0;
  private readonly abort = new AbortController();

  constructor(private readonly options: FfmpegServiceOptions) {}

  /** Probes in the background so that the first request finds the answer ready. */
  start(): void {
    this.info().catch((error: unknown) => {
      if (!this.abort.signal.aborted) this.options.logger.error({ err: error }, 'ffmpeg probe failed');
    });
  }

  /** The cached probe of the current binary, or a probe shared by every caller while it runs. */
  info(): Promise<FfmpegInfo> {
    this.current ??= this.track(this.resolve(false));
    return this.current;
  }

  /** What the found ffmpeg accepts, for the argument builders (every flag present when none was found). */
  async caps(): Promise<FfmpegCaps> {
    return capsOf((await this.info()).features);
  }

  /** The path of a usable ffmpeg, for services that spawn it; FFMPEG_NOT_FOUND when there is none. */
  async path(): Promise<string> {
    return usablePath(await this.info());
  }

  /** The path of ffprobe (beside ffmpeg or on the PATH), for probing files; FFMPEG_NOT_FOUND when there is none. */
  async ffprobePath(): Promise<string> {
    return usableFfprobePath(await this.info());
  }

  /** Locates ffmpeg again and re-runs every trial encode, ignoring (and refreshing) the cache. */
  reprobe(): Promise<FfmpegInfo> {
    if (this.reprobing) return this.reprobing;
    const probe = this.track(this.resolve(true));
    const clear = (): void => {
      if (this.reprobing === probe) this.reprobing = undefined;
    };
    probe.then(clear, clear);
    this.reprobing = probe;
    this.current = probe;
    return probe;
  }

  async dispose(): Promise<void> {
    this.abort.abort(new Error('the ffmpeg service is stopping'));
    await Promise.allSettled([this.current, this.reprobing]);
  }

  /** A failed probe is forgotten so that the next info() tries again. */
  private track(promise: Promise<FfmpegInfo>): Promise<FfmpegInfo> {
    promise.catch(() => {
      if (this.current === promise) this.current = undefined;
    });
    return promise;
  }

  private async resolve(force: boolean): Promise<FfmpegInfo> {
    const generation = ++this.generation;
    const env = this.options.env ?? process.env;
    const location = (this.options.locate ?? locateFfmpeg)(env);
    const info = await this.describe(location, force);
    // A slower, older probe must not overwrite what a newer one announced.
    if (generation === this.generation) this.options.bus.emit('system.ffmpeg', info);
    return info;
  }

  private async describe(location: FfmpegLocation | FfmpegLocateError | null, force: boolean): Promise<FfmpegInfo> {
    const { logger, cache } = this.options;
    if (location === null) {
      logger.warn(FFMPEG_NOT_FOUND);
      return unavailableInfo(FFMPEG_NOT_FOUND, undefined, Date.now());
    }
    if (isLocateError(location)) {
      logger.warn({ path: location.path }, location.error);
      return unavailableInfo(location.error, { path: location.path, source: location.source }, Date.now());
    }

    const key = probeCacheKey(location.path);
    if (!force && key !== null) {
      const hit = this.cacheGet(cache, key);
      // The same binary may be reached another way (FFMPEG_PATH vs PATH): where we found it is today's.
      if (hit) return { ...hit, cached: true, source: location.source, ffprobePath: location.ffprobePath };
    }

    const started = Date.now();
    const info = await probeFfmpeg(location, {
      runner: this.options.children,
      timeoutMs: this.options.timeoutMs(),
      platform: this.options.platform,
      trial: this.options.trial,
      signal: this.abort.signal,
    });
    const usable = info.encoders.filter((e) => e.usable).map((e) => e.name);
    logger.info(
      { path: info.path, source: info.source, version: info.version, usable, ms: Date.now() - started },
      info.found ? 'ffmpeg probed' : 'ffmpeg unusable',
    );
    // Only a complete probe is worth keeping; a broken binary is re-checked next time.
    if (info.found && key !== null) {
      try {
        cache.set(key, info);
      } catch (error) {
        logger.warn({ err: error }, 'could not save the ffmpeg probe');
      }
    }
    return info;
  }

  private cacheGet(cache: FfmpegProbeCache, key: string): FfmpegInfo | undefined {
    try {
      return cache.get(key);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not read the ffmpeg probe cache');
      return undefined;
    }
  }
}

/** The binary of a probe that found a usable ffmpeg, else FFMPEG_NOT_FOUND with the probe's reason. */
export function usablePath(info: FfmpegInfo): string {
  if (!info.found || !info.path) throw new StudioError('FFMPEG_NOT_FOUND', info.error ?? 'ffmpeg was not found');
  return info.path;
}

/** The ffprobe a probe found, else FFMPEG_NOT_FOUND. */
export function usableFfprobePath(info: FfmpegInfo): string {
  if (!info.ffprobePath) throw new StudioError('FFMPEG_NOT_FOUND', 'ffprobe was not found next to ffmpeg or on the PATH');
  return info.ffprobePath;
}
