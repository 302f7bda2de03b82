import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { VideoPreset } from '../../src-shared/contract/videos.js';
import { JobError } from '../core/job-error.js';
import type { Logger } from '../core/logger.js';
import type { MediaInfo } from '../recorder/media-info.js';
import type { VideoOutputs } from '../vod/process/processor.js';
import { replaceDir } from '../vod/process/video-files.js';
import { checkOutputs, unpackOutputs } from './outputs.js';
import type { LeaseContext, RunnerPool } from './pool.js';

/** What the origin needs of the upload server for a runner's outputs. */
export interface OutputUploads {
  info(id: string): Promise<{ owner: string; finished: boolean; file: string } | undefined>;
  delete(id: string): Promise<void>;
}

/** `runner-lease:<lease id>`: the owner of the uploads made with a lease's secret. */
export const leaseOwner = (leaseId: string): string => `runner-lease:${leaseId}`;

/** The SHA-256 of a file, kept per path, size and mtime (a source is hashed once, not per attempt). */
export class FileDigests {
  private readonly known = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

  async of(file: string): Promise<{ size: number; sha256: string }> {
    const stat = await fs.promises.stat(file);
    const hit = this.known.get(file);
    if (hit && hit.size === stat.size && hit.mtimeMs === stat.mtimeMs) return hit;
    const hash = crypto.createHash('sha256');
    await pipeline(fs.createReadStream(file), hash);
    const entry = { size: stat.size, mtimeMs: stat.mtimeMs, sha256: hash.digest('hex') };
    if (this.known.size >= 256) this.known.delete(this.known.keys().next().value!);
    this.known.set(file, entry);
    return entry;
  }
}

export interface RemoteVideoJob {
  input: string;
  outDir: string;
  preset: VideoPreset;
  normalizeLoudness: boolean;
  /** The source's duration as the origin probed it (what the outputs are checked against). */
  durationSec: number | null;
  /** Before the checked output is published: what the origin adds itself (subtitles). */
  finish(dir: string, outputs: VideoOutputs): Promise<void>;
}

/**
 * A library video processed on a runner: the lease is made with the source's size and digest; the
 * runner's archive, once uploaded under that lease, is unpacked beside the video's folder, checked
 * (checkOutputs: every output probed here), finished here (subtitles) and only then put in place.
 */
export class RemoteProcessing {
  private readonly digests = new FileDigests();

  constructor(
    private readonly o: {
      pool: Pick<RunnerPool, 'execute'>;
      uploads: OutputUploads;
      probe: (input: string) => Promise<MediaInfo>;
      logger: Logger;
    },
  ) {}

  async process(runnerId: string, ctx: LeaseContext, job: RemoteVideoJob): Promise<VideoOutputs> {
    const digest = await this.digests.of(job.input).catch((error: unknown) => {
      throw new JobError('SOURCE_GONE', `the source file cannot be read: ${(error as Error).message}`, { retry: false });
    });
    let outputs: VideoOutputs | undefined;
    let leaseId = '';
    await this.o.pool.execute(runnerId, ctx, {
      kind: 'process',
      spec: { preset: job.preset, normalizeLoudness: job.normalizeLoudness, durationSec: job.durationSec },
      source: { file: job.input, size: digest.size, sha256: digest.sha256, name: path.basename(job.input) },
      onLease: (id) => (leaseId = id),
      accept: async (uploadId) => {
        outputs = await this.accept(leaseId, uploadId, job);
      },
    });
    return outputs!;
  }

  private async accept(leaseId: string, uploadId: string, job: RemoteVideoJob): Promise<VideoOutputs> {
    const upload = await this.o.uploads.info(uploadId);
    if (!upload || upload.owner !== leaseOwner(leaseId) || !upload.finished) {
      throw new JobError('OUTPUT_INVALID', `no finished upload ${uploadId.slice(0, 64)} under this lease`, { retry: true });
    }
    const staging = `${job.outDir}.runner`;
    try {
      await unpackOutputs(upload.file, staging);
      const outputs = await checkOutputs(staging, job.durationSec, this.o.probe);
      await job.finish(staging, outputs);
      await replaceDir(staging, job.outDir);
      return JSON.parse(await fs.promises.readFile(path.join(job.outDir, 'outputs.json'), 'utf8')) as VideoOutputs;
    } catch (error) {
      this.o.logger.warn({ lease: leaseId, err: (error as Error).message }, 'runner output refused');
      throw error;
    } finally {
      await fs.promises.rm(staging, { recursive: true, force: true }).catch(() => undefined);
      await this.o.uploads.delete(uploadId).catch(() => undefined);
    }
  }
}
