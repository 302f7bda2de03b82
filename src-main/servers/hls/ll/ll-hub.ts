import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../../core/logger.js';
import { Fmp4StreamReader } from '../../../protocols/cmaf/fmp4-reader.js';
import { LL_TS_OFFSET_SEC } from '../../../encoder/ll-packager-args.js';
import { writeFragment } from '../../../protocols/cmaf/fragment-writer.js';
import { LlStream, type LlFiles, type RunTrack } from './ll-stream.js';
import type { RunEncryption } from './content-keys.js';

/**
 * The low-latency streams of the host: one LlStream per stream name for its current live run, the
 * packager's sink (fMP4 bytes per track -> parsed -> segmented), and the disk budget shared by every
 * stream's DVR window (the oldest segments anywhere go first).
 */

export interface LlHubOptions {
  logger: Logger;
  partTargetSec: () => number;
  segmentSeconds: () => number;
  /** Segments a window holds at least (the live playlist's size without DVR). */
  minWindowSegments: () => number;
  /** Disk the DVR windows of every stream may use together. */
  maxDiskBytes: () => number;
  files?: LlFiles;
  /** The media clock (media/media-clock.ts): segments' program date-times come from its anchor. */
  clock?: { programDateTime(stream: string, mediaMs: number): number | null };
}

export interface LlSinkRequest {
  name: string;
  /** The first session continues the previous one's playlists (a returning publisher). */
  continuing: boolean;
  dvrMinutes: number;
  tracks: RunTrack[];
  /** AES-128 keys (content-keys.ts): a new live run's segments and parts are served encrypted with them. */
  encryption?: RunEncryption | null;
}

/** What the packager writes a run's tracks to (the shape of encoder/packager.ts LowLatencySink). */
export interface LlSink {
  openRun(outDir: string): { data(track: number, chunk: Buffer): void; end(): void; readonly ready: boolean };
}

const diskFiles: LlFiles = {
  write: (dir, file, data) => fs.writeFile(path.join(dir, file), data),
  remove: (dir, file) => fs.rm(path.join(dir, file), { force: true }),
};

export class LlHub {
  private readonly streams = new Map<string, LlStream>();
  /** Each stream's file writes and removals still in flight (a run's last parts land after it ends). */
  private readonly inFlight = new WeakMap<LlStream, Set<Promise<void>>>();
  private diskBytes = 0;

  constructor(private readonly options: LlHubOptions) {}

  get(name: string): LlStream | undefined {
    return this.streams.get(name);
  }

  /** The packager's sink for one publish session of `name`. */
  sink(request: LlSinkRequest): LlSink {
    let first = true;
    return {
      openRun: (outDir) => {
        const continuing = !first || request.continuing;
        first = false;
        let stream = this.streams.get(request.name);
        if (!stream || !continuing) {
          if (stream) this.release(stream);
          stream = this.create(request);
          this.streams.set(request.name, stream);
        }
        const run = stream.startRun(path.basename(outDir), outDir, request.tracks);
        const readers = request.tracks.map(() => new Fmp4StreamReader());
        return {
          data: (track, chunk) => {
            const reader = readers[track];
            if (!reader) return;
            for (const event of reader.push(chunk)) {
              if (event.kind === 'init') run.init(track, event.track, event.data);
              else run.samples(track, event.samples);
            }
          },
          end: () => run.end(),
          get ready() {
            return run.ready;
          },
        };
      },
    };
  }

  /**
   * The stream's publish ended: its playlists end (the DVR window stays until the next live run);
   * `mayReturn`: the publisher dropped rather than stopped, so they stay open a little while for it.
   */
  end(name: string, options: { mayReturn?: boolean } = {}): void {
    this.streams.get(name)?.end(options);
  }

  /** The stream was deleted: resolves once its last writes (its end starts some) have landed; its folder may go then. */
  async forget(name: string): Promise<void> {
    const stream = this.streams.get(name);
    if (!stream) return;
    this.release(stream);
    this.streams.delete(name);
    await Promise.allSettled([...(this.inFlight.get(stream) ?? [])]);
  }

  /** `files` with every operation counted in `pending` until it settles. */
  private static tracked(pending: Set<Promise<void>>, files: LlFiles): LlFiles {
    const track = (op: Promise<void>): Promise<void> => {
      pending.add(op);
      const settled = (): void => void pending.delete(op);
      op.then(settled, settled);
      return op;
    };
    return { write: (dir, file, data) => track(files.write(dir, file, data)), remove: (dir, file) => track(files.remove(dir, file)) };
  }

  private create(request: LlSinkRequest): LlStream {
    const segment = this.options.segmentSeconds();
    const minWindowSegments = this.options.minWindowSegments();
    const pending = new Set<Promise<void>>();
    const stream = new LlStream({
      encryption: request.encryption ?? null,
      name: request.name,
      partTargetSec: this.options.partTargetSec(),
      segmentTargetSec: segment,
      windowSec: Math.max(request.dvrMinutes * 60, minWindowSegments * segment),
      minWindowSegments,
      files: LlHub.tracked(pending, this.options.files ?? diskFiles),
      writeFragment,
      logger: this.options.logger,
      onDiskBytes: (delta) => this.onDiskBytes(delta),
      ...(this.options.clock ? { programDateTime: (ms: number) => this.options.clock!.programDateTime(request.name, ms), mediaOffsetSec: LL_TS_OFFSET_SEC } : {}),
    });
    this.inFlight.set(stream, pending);
    return stream;
  }

  private onDiskBytes(delta: number): void {
    this.diskBytes += delta;
    const max = this.options.maxDiskBytes();
    for (let guard = 0; this.diskBytes > max && guard < 1000; guard += 1) {
      const oldest = [...this.streams.values()]
        .map((s) => ({ s, at: s.oldestProgramDateTime() }))
        .filter((x): x is { s: LlStream; at: number } => x.at !== null)
        .sort((a, b) => a.at - b.at)[0];
      if (!oldest) break;
      const before = this.diskBytes;
      oldest.s.evictOldest();
      if (this.diskBytes === before) break;
    }
  }

  /** A timeline that is replaced: its disk bytes no longer count (LiveSessions removes the folders). */
  private release(stream: LlStream): void {
    stream.end();
    this.diskBytes -= stream.diskBytes;
  }
}
