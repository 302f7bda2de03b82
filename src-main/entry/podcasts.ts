import path from 'node:path';
import type { ChildRegistry } from '../core/children.js';
import { StudioError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { FfmpegService } from '../encoder/service.js';
import { pickErrorLine } from '../encoder/progress.js';
import type { HttpPlugin } from '../http/plugin.js';
import type { StreamService } from '../media/stream-service.js';
import { EpisodeAudioJob } from '../podcasts/audio-job.js';
import { artworkArgs } from '../podcasts/audio-args.js';
import { PodcastDelivery } from '../podcasts/delivery.js';
import { podcastRoutes } from '../podcasts/routes.js';
import { PodcastService } from '../podcasts/service.js';
import { probeMedia } from '../recorder/media-info.js';
import type { Db } from '../store/db.js';
import { PodcastStore } from '../store/podcasts.js';
import type { JobQueue } from '../vod/job-queue.js';
import type { RecordingsPort, UploadsPort, VideoLibrary } from '../vod/library.js';
import type { PodcastHandlerDeps } from '../api/handlers-podcasts.js';

export interface Podcasts {
  service: PodcastService;
  delivery: PodcastDelivery;
  handlers: PodcastHandlerDeps;
  plugins: HttpPlugin[];
}

/** Wires the podcasts (part of the studio composition root): shows on the library, their audio jobs on the one queue. */
export function wirePodcasts(deps: {
  home: string;
  db: Db;
  children: ChildRegistry;
  ffmpeg: FfmpegService;
  library: () => VideoLibrary;
  uploads: () => UploadsPort;
  recordings: RecordingsPort;
  queue: JobQueue;
  streams: Pick<StreamService, 'lookup'>;
  baseUrl: () => string;
  /** Purges a path prefix on the edges (the CDN is wired after the podcasts, so asked lazily). */
  purge?: (prefix: string) => void;
  logger: Logger;
}): Podcasts {
  const store = new PodcastStore(deps.db);
  const logger = deps.logger.child({ service: 'podcasts' });
  const service: PodcastService = new PodcastService({
    store,
    dir: path.join(deps.home, 'podcasts'),
    logger,
    videos: {
      stored: (id) => deps.library().stored(id),
      dirOf: (id) => deps.library().dirOf(id),
      sourceFile: (video) => deps.library().sourceFile(video),
    },
    uploadFile: async (id) => {
      const upload = await deps.uploads().info(id);
      return upload?.finished ? upload.file : undefined;
    },
    recordingFile: (id) => deps.recordings.endedFile(id)?.file,
    queue: deps.queue,
    probe: async (file) => probeMedia(deps.children, await deps.ffmpeg.ffprobePath(), file),
    audio: new EpisodeAudioJob({ children: deps.children, ffmpegPath: () => deps.ffmpeg.path(), ffprobePath: () => deps.ffmpeg.ffprobePath(), logger }),
    makeArtwork: async (input, output) => {
      const result = await deps.children.run(await deps.ffmpeg.path(), artworkArgs(input, output), { timeoutMs: 60_000, maxOutput: 16 * 1024, background: true });
      if (result.code !== 0) throw new StudioError('MEDIA_INVALID', `ffmpeg could not read the picture: ${pickErrorLine(result.stderr) ?? `code ${result.code}`}`);
    },
    downloadsOf: (showId) => delivery.downloadsOf(showId),
    baseUrl: deps.baseUrl,
    ...(deps.purge ? { purge: deps.purge } : {}),
  });
  const delivery: PodcastDelivery = new PodcastDelivery({
    store,
    service,
    liveSince: (stream) => {
      const found = deps.streams.lookup(stream);
      if (found?.state !== 'live') return null;
      const session = [...found.sessions].reverse().find((s) => s.endedAt === null);
      return session?.startedAt ?? null;
    },
  });
  return {
    service,
    delivery,
    handlers: { service, delivery },
    plugins: [podcastRoutes({ service, delivery, tmpDir: path.join(deps.home, 'podcasts') })],
  };
}
