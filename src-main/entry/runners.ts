import type { StudioConfig } from '../../src-shared/config.js';
import type { EventBus } from '../core/bus.js';
import type { ChildRegistry } from '../core/children.js';
import type { Logger } from '../core/logger.js';
import type { FfmpegService } from '../encoder/service.js';
import type { HttpPlugin } from '../http/plugin.js';
import { probeMedia } from '../recorder/media-info.js';
import { RunnerPool } from '../runners/pool.js';
import { RemoteProcessing, type OutputUploads } from '../runners/remote-process.js';
import { runnerRoutes, runnerUploadAuth } from '../runners/routes.js';
import type { GuestUploadAuth } from '../servers/tus/server.js';
import type { RemoteSlots } from '../vod/job-queue.js';

export interface Runners {
  pool: RunnerPool;
  remote: RemoteProcessing;
  /** The queue's view of the runners' slots. */
  slots: RemoteSlots;
  /** A lease's secret as an upload capability (beside the guests' links). */
  uploadAuth: GuestUploadAuth;
  plugins: HttpPlugin[];
}

/** Wires the origin's side of the transcoding runners (part of the studio composition root). */
export function wireRunners(deps: {
  config: () => StudioConfig;
  bus: EventBus;
  children: ChildRegistry;
  ffmpeg: FfmpegService;
  version: string;
  /** The library's upload server (made after the queue, so asked lazily). */
  uploads: () => OutputUploads;
  /** The queue places what waits when a slot opens (made before this, but asked lazily all the same). */
  poke: () => void;
  logger: Logger;
}): Runners {
  const logger = deps.logger.child({ service: 'runners' });
  const pool = new RunnerPool({
    logger,
    version: deps.version,
    leaseMs: () => deps.config().library.runnerLeaseSeconds * 1000,
    onChange: (runners) => deps.bus.emit('runners.changed', runners),
    onCapacity: () => deps.poke(),
  });
  const remote = new RemoteProcessing({
    pool,
    uploads: { info: (id) => deps.uploads().info(id), delete: (id) => deps.uploads().delete(id) },
    probe: async (input) => probeMedia(deps.children, await deps.ffmpeg.ffprobePath(), input),
    logger,
  });
  return {
    pool,
    remote,
    slots: {
      hasFreeSlot: () => pool.hasFreeSlot(),
      place: (job, localFree) => pool.place(job, localFree),
      release: (jobId) => pool.release(jobId),
      runsHere: (kind) => deps.config().library.processOnOrigin || !pool.canRun(kind) || pool.connected === 0,
    },
    uploadAuth: runnerUploadAuth(pool),
    plugins: [runnerRoutes(pool)],
  };
}
