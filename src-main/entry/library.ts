import fs from 'node:fs';
import path from 'node:path';
import type { StudioConfig } from '../../src-shared/config.js';
import { P2P_DEFAULTS, videoP2pActive } from '../../src-shared/p2p.js';
import { p2pTrackerRoutes } from '../servers/p2p/tracker.js';
import type { EventBus } from '../core/bus.js';
import type { ChildRegistry } from '../core/children.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import type { FfmpegService } from '../encoder/service.js';
import type { HttpPlugin } from '../http/plugin.js';
import type { UrlSigner } from '../protocols/signing.js';
import { probeMedia } from '../recorder/media-info.js';
import type { TimedMetadata } from '../data/timed-metadata.js';
import type { RecordingService } from '../recorder/recording-service.js';
import { UploadServer, type GuestUploadAuth, type UploadAuth } from '../servers/tus/server.js';
import { eitherUploadAuth } from '../runners/routes.js';
import { rateLimitFor } from '../http/rate-limit.js';
import { SESSION_COOKIE } from '../../src-shared/contract/index.js';
import type { Db } from '../store/db.js';
import { VideoStore } from '../store/videos.js';
import type { VideoHandlerDeps } from '../api/handlers-videos.js';
import type { JobQueue, JobRunner } from '../vod/job-queue.js';
import { VideoLibrary } from '../vod/library.js';
import { applySubtitles, subtitleToWebVtt, VideoProcessor, writeChaptersVtt } from '../vod/process/index.js';
import { videoFileHandler, type VideoFileHandler, type VideoProtection } from '../vod/routes.js';
import { SubtitleService } from '../vod/subtitles.js';
import { watchUrls } from '../vod/urls.js';
import { processingRunner, type RemoteProcessor } from '../vod/process-runner.js';
import { watchRoutes } from '../vod/watch-routes.js';
import type { ChatPanelOptions } from '../data/chat/chat-panel.js';
import type { GuestTakes } from '../guests/takes.js';

export interface Library {
  library: VideoLibrary;
  uploads: UploadServer;
  /** The runner of PROCESS_JOB jobs, for the studio's job queue. */
  process: JobRunner;
  handlers: VideoHandlerDeps;
  /** `/vod/<videoId>/...` (the recordings' /vod/ routes pass video ids here). */
  files: VideoFileHandler;
  services: Service[];
  plugins: HttpPlugin[];
}

/**
 * Wires the video library (part of the studio composition root): tus uploads, processing (jobs of
 * the studio's queue), subtitles, files and the watch page.
 */
export function wireLibrary(deps: {
  config: () => StudioConfig;
  home: string;
  db: Db;
  bus: EventBus;
  children: ChildRegistry;
  ffmpeg: FfmpegService;
  recordings: RecordingService;
  /** Timed data replayed on the watch page of a video made from a recording (entry/live.ts). */
  timedMetadata?: Pick<TimedMetadata, 'recordingReplay'>;
  /** The chat beside /watch/<id> (ChatService.watchPanel; made after the library, so asked lazily). */
  chat?: { watchPanel(videoId: string): ChatPanelOptions | null };
  /** The studio's job queue (made in studio.ts, shared with the recordings' VOD conversions). */
  queue: JobQueue;
  signer: UrlSigner;
  /** Encrypted videos' keys and the key routes' guard (entry/live.ts). */
  protection?: VideoProtection;
  auth: UploadAuth;
  /** Runners: where a job placed on one is processed, and their leases' upload capability (entry/runners.ts). */
  runners?: { remote: RemoteProcessor; uploadAuth: GuestUploadAuth };
  /** Guests' own recordings (guests/takes.ts, made after the library, so asked lazily). */
  guestTakes?: () => Pick<GuestTakes, 'uploadAuth' | 'onCreated' | 'onFinished' | 'onRemoved'> | undefined;
  logger: Logger;
}): Library {
  const { config, queue } = deps;
  const logger = deps.logger.child({ service: 'library' });
  const root = config().library.dir || path.join(deps.home, 'library');
  const dirs = { uploads: path.join(root, 'uploads'), videos: path.join(root, 'videos'), subtitles: path.join(root, 'subtitles') };
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });

  const processor = new VideoProcessor({
    children: deps.children,
    ffmpegPath: () => deps.ffmpeg.path(),
    ffprobePath: () => deps.ffmpeg.ffprobePath(),
    ffmpegInfo: () => deps.ffmpeg.info(),
    logger,
  });


  const uploads = new UploadServer({
    dir: dirs.uploads,
    db: deps.db,
    logger,
    auth: deps.auth,
    limits: () => ({
      maxBytes: config().library.maxUploadMegabytes * 1024 * 1024,
      minFreeBytes: config().library.minFreeMegabytes * 1024 * 1024,
      expiryMs: config().library.uploadExpiryHours * 3_600_000,
    }),
    onCreated: (upload) => {
      deps.guestTakes?.()?.onCreated(upload);
      library.onUploadCreated(upload);
    },
    onProgress: (id, offset, size) => library.onUploadProgress(id, offset, size),
    onFinished: (upload) => {
      deps.guestTakes?.()?.onFinished(upload);
      return library.onUploadFinished(upload);
    },
    onRemoved: (id, why) => {
      deps.guestTakes?.()?.onRemoved(id);
      return library.onUploadRemoved(id, why);
    },
    // Capabilities that are not a user's: a guest's link (their own takes), a runner's lease (its output).
    guests: () => eitherUploadAuth(() => deps.runners?.uploadAuth, () => deps.guestTakes?.()?.uploadAuth()),
    rateLimit: rateLimitFor('upload', () => config().limits, SESSION_COOKIE).rateLimit,
  });

  const library: VideoLibrary = new VideoLibrary({
    store: new VideoStore(deps.db),
    bus: deps.bus,
    logger,
    videosDir: dirs.videos,
    uploads,
    queue,
    recordings: deps.recordings,
    defaultPreset: () => config().library.defaultPreset,
    probe: async (file) => {
      const info = await probeMedia(deps.children, await deps.ffmpeg.ffprobePath(), file);
      return { durationSec: info.durationSec, width: info.video?.width ?? null, height: info.video?.height ?? null, sizeBytes: fs.statSync(file).size };
    },
    writeChapters: (videoDir, chapters, durationSec) => writeChaptersVtt(videoDir, chapters, durationSec),
    onDeleted: (id) => subtitles.removeAll(id),
  });

  const subtitles = new SubtitleService({
    library,
    dir: dirs.subtitles,
    toWebVtt: async (source, output) => subtitleToWebVtt(deps.children, await deps.ffmpeg.path(), source, output),
    apply: (videoDir, tracks) => applySubtitles(videoDir, tracks),
  });

  const files = videoFileHandler(library, deps.signer, deps.protection);
  const handlers: VideoHandlerDeps = {
    library,
    subtitles,
    jobs: queue,
    watchUrl: (id, expiresInSec, baseUrl) => watchUrls(library.get(id), deps.signer, expiresInSec, baseUrl),
  };

  return {
    library,
    uploads,
    process: processingRunner({ library, processor, subtitles, ...(deps.runners ? { remote: deps.runners.remote } : {}) }),
    handlers,
    files,
    // Uploads stop first (no new work); the queue stops after (its running jobs go back to queued for the next start).
    services: [library, uploads],
    plugins: [
      uploads.plugin(),
      watchRoutes({ library, signer: deps.signer, logger, dataReplay: (id) => dataReplayOf(id, library, deps), p2p: { stunServer: () => config().webrtc.stunServer }, ...(deps.chat ? { chat: deps.chat } : {}) }),
      // The swarm of each public or unlisted video's watch page (a private one's viewers do not share).
      p2pTrackerRoutes({
        kind: 'video',
        logger,
        p2pOf: (id) => {
          const video = library.readyVideo(id);
          return video ? { active: videoP2pActive(video), maxPeers: P2P_DEFAULTS.maxPeers } : undefined;
        },
        checkView: async () => {},
      }),
    ],
  };
}

/** A video made from a recording replays the stream's timed data from the recording's first frame on. */
function dataReplayOf(id: string, library: VideoLibrary, deps: { recordings: RecordingService; timedMetadata?: Pick<TimedMetadata, 'recordingReplay'> }) {
  const recordingId = library.readyVideo(id)?.recordingId;
  const recording = recordingId ? deps.recordings.fileOf(recordingId, 'file')?.recording : undefined;
  return recording && deps.timedMetadata ? deps.timedMetadata.recordingReplay(recording) : null;
}
