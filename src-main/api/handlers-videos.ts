import type { Job, Video } from '../../src-shared/contract/videos.js';
import type { VideoLibrary } from '../vod/library.js';
import type { Handlers } from './dispatch.js';

type VideoMethod =
  | 'videos.list'
  | 'videos.get'
  | 'videos.create'
  | 'videos.update'
  | 'videos.delete'
  | 'videos.process'
  | 'videos.cancel'
  | 'videos.addSubtitles'
  | 'videos.deleteSubtitles'
  | 'videos.watchUrl'
  | 'jobs.list';

export interface VideoHandlerDeps {
  library: Pick<VideoLibrary, 'list' | 'get' | 'create' | 'update' | 'delete' | 'process' | 'cancel'>;
  subtitles: {
    add(id: string, input: { language: string; label?: string; format: 'srt' | 'vtt' | 'ass'; content: string }): Promise<Video>;
    remove(id: string, subtitleId: string): Promise<Video>;
  };
  /** Watch page and playback URLs, signed when the video is private. */
  watchUrl(id: string, expiresInSec: number, baseUrl?: string): { watch: string; hls: string; dash: string | null; mp4: string | null; expiresAt: number | null };
  jobs: { list(): { concurrency: number; jobs: Job[] } };
}

/** Handlers of the video library and its processing queue. */
export function videoHandlers(deps: VideoHandlerDeps): Pick<Handlers, VideoMethod> {
  return {
    'videos.list': (filter) => deps.library.list(filter),
    'videos.get': ({ id }) => deps.library.get(id),
    'videos.create': (input) => deps.library.create(input),
    'videos.update': (input) => deps.library.update(input),
    'videos.delete': async ({ id }) => {
      await deps.library.delete(id);
      return { id, deleted: true as const };
    },
    'videos.process': (input) => deps.library.process(input),
    'videos.cancel': ({ id }) => deps.library.cancel(id),
    'videos.addSubtitles': ({ id, ...input }) => deps.subtitles.add(id, input),
    'videos.deleteSubtitles': ({ id, subtitleId }) => deps.subtitles.remove(id, subtitleId),
    'videos.watchUrl': ({ id, expiresInSec }, ctx) => deps.watchUrl(id, expiresInSec, ctx.baseUrl),
    'jobs.list': () => deps.jobs.list(),
  };
}
