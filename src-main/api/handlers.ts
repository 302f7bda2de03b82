import type { BackupItem, BackupStatus, FfmpegInfo, SystemInfo, SystemStats } from '../../src-shared/contract/index.js';
import { runnerHandlers, type RunnerHandlerDeps } from './handlers-runners.js';
import type { ConfigStore } from '../conf/config-store.js';
import type { StreamService } from '../media/stream-service.js';
import type { RecordingService } from '../recorder/recording-service.js';
import type { RestreamService } from '../restream/restream-service.js';
import type { AuthService } from './auth.js';
import type { ObsService } from '../obs/obs-service.js';
import type { Handlers } from './dispatch.js';
import { createObsHandlers } from './handlers-obs.js';
import { createCdnHandlers, type CdnHandlerDeps } from './handlers-cdn.js';
import { remoteHandlers, type RemoteHandlerDeps } from './handlers-remote.js';
import { broadcastHandlers, type BroadcastHandlerDeps } from './handlers-broadcast.js';
import { videoHandlers, type VideoHandlerDeps } from './handlers-videos.js';
import { dataHandlers, type DataHandlerDeps } from './handlers-data.js';
import { authHandlers, type AuthHandlerDeps } from './handlers-auth.js';
import { sceneHandlers } from './handlers-scenes.js';
import { guestHandlers } from './handlers-guests.js';
import { podcastHandlers, type PodcastHandlerDeps } from './handlers-podcasts.js';
import type { GuestTakes } from '../guests/takes.js';
import type { GuestService } from '../guests/guest-service.js';
import type { SceneService } from '../studio/scene-service.js';

/** The small slices of services the handlers need; the composition root passes the real ones. */
export interface HandlerDeps {
  systemInfo(): SystemInfo;
  stats: { latest(): SystemStats | null | undefined };
  ffmpeg: { info(): Promise<FfmpegInfo>; reprobe(): Promise<FfmpegInfo> };
  config: ConfigStore;
  auth: AuthService;
  /** The URL a browser opens to redeem a login code. */
  loginUrl(code: string): string;
  streams: StreamService;
  restream: RestreamService;
  recordings: RecordingService;
  obs: ObsService;
  /** Signed playback URLs of a private stream. */
  signPlayback(
    name: string,
    options: { expiresInSec: number; ip?: string },
    baseUrl?: string,
  ): { hls: string; dash: string; expiresAt: number } | Promise<{ hls: string; dash: string; expiresAt: number }>;
  cdn: CdnHandlerDeps;
  remote: RemoteHandlerDeps;
  broadcasts: BroadcastHandlerDeps;
  videos: VideoHandlerDeps;
  data: DataHandlerDeps;
  access: AuthHandlerDeps;
  scenes: SceneService;
  guests: GuestService;
  guestTakes: GuestTakes;
  podcasts: PodcastHandlerDeps;
  backups: { status(): BackupStatus; run(): Promise<BackupItem> };
  runners: RunnerHandlerDeps;
}

export function createHandlers(deps: HandlerDeps): Handlers {
  return {
    'system.info': () => deps.systemInfo(),
    'system.stats': () => deps.stats.latest() ?? null,
    'system.ffmpeg': () => deps.ffmpeg.info(),
    'system.probeFfmpeg': () => deps.ffmpeg.reprobe(),
    'backups.status': () => deps.backups.status(),
    'backups.create': () => deps.backups.run(),
    'config.get': () => deps.config.view(),
    'config.update': (patch) => {
      deps.config.update(patch);
      return deps.config.view();
    },
    'auth.createLoginLink': () => {
      const { code, expiresAt } = deps.auth.issueLoginCode();
      return { url: deps.loginUrl(code), expiresAt };
    },
    'streams.list': (_input, ctx) => deps.streams.list(ctx.baseUrl),
    'streams.create': (input, ctx) => deps.streams.create(input, ctx.baseUrl),
    'streams.get': ({ name }, ctx) => deps.streams.get(name, ctx.baseUrl),
    'streams.update': (input, ctx) => deps.streams.update(input, ctx.baseUrl),
    'streams.delete': async ({ name }) => {
      await deps.streams.delete(name);
      return { name, deleted: true as const };
    },
    'streams.rotateKey': ({ name }, ctx) => deps.streams.rotateKey(name, ctx.baseUrl),
    'streams.signUrl': ({ name, expiresInSec, ip }, ctx) => {
      deps.streams.get(name);
      return deps.signPlayback(name, { expiresInSec, ...(ip ? { ip } : {}) }, ctx.baseUrl);
    },
    'streams.viewers': ({ name }) => deps.streams.viewers(name),
    'destinations.presets': () => deps.restream.presets(),
    'destinations.list': ({ name }) => deps.restream.list(name),
    'destinations.create': ({ name, ...input }) => deps.restream.create(name, input),
    'destinations.update': ({ name, id, ...patch }) => deps.restream.update(name, id, patch),
    'destinations.delete': async ({ name, id }) => {
      await deps.restream.delete(name, id);
      return { id, deleted: true as const };
    },
    'destinations.start': ({ name, id }) => deps.restream.start(name, id),
    'destinations.stop': ({ name, id }) => deps.restream.stop(name, id),
    'recordings.list': ({ stream }) => deps.recordings.list(stream),
    'recordings.get': ({ id }) => deps.recordings.get(id),
    'recordings.delete': async ({ id }) => {
      await deps.recordings.delete(id);
      return { id, deleted: true as const };
    },
    'recordings.start': ({ name }) => {
      deps.streams.get(name);
      return deps.recordings.startRecording(name);
    },
    'recordings.stop': ({ name }) => {
      deps.streams.get(name);
      return deps.recordings.stopRecording(name);
    },
    'recordings.convert': ({ id, ladder }) => deps.recordings.convert(id, ladder),
    ...createObsHandlers(deps.obs),
    ...createCdnHandlers(deps.cdn),
    ...remoteHandlers(deps.remote),
    ...broadcastHandlers(deps.broadcasts),
    ...videoHandlers(deps.videos),
    ...dataHandlers(deps.data),
    ...authHandlers(deps.access),
    ...sceneHandlers(deps.scenes),
    ...guestHandlers(deps.guests, deps.guestTakes),
    ...podcastHandlers(deps.podcasts),
    ...runnerHandlers(deps.runners),
  };
}
