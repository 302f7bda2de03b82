import { JobError } from '../core/job-error.js';
import type { JobContext, JobRunner } from './job-queue.js';
import type { VideoLibrary } from './library.js';
import type { VideoProcessor } from './process/index.js';
import type { SubtitleService } from './subtitles.js';

/**
 * The queue's runner of a library video's processing: its source (upload or recording), its preset,
 * loudness and subtitle tracks into the processor, then the video is ready with what was made.
 */
export function processingRunner(o: {
  library: Pick<VideoLibrary, 'stored' | 'sourceFile' | 'dirOf' | 'markReady'>;
  processor: Pick<VideoProcessor, 'run'>;
  subtitles: Pick<SubtitleService, 'sourcesOf'>;
}): JobRunner {
  return async (ctx: JobContext): Promise<void> => {
    const { videoId } = ctx.payload as { videoId: string };
    const video = o.library.stored(videoId);
    const input = await o.library.sourceFile(video);
    if (!input) throw new JobError('SOURCE_GONE', 'the source file of this video is gone', { retry: false });
    const result = await o.processor.run(ctx, {
      input,
      outDir: o.library.dirOf(videoId),
      preset: video.preset,
      normalizeLoudness: video.normalizeLoudness,
      subtitles: o.subtitles.sourcesOf(videoId, video.subtitles),
    });
    o.library.markReady(videoId, {
      media: { durationSec: result.durationSec, width: result.width, height: result.height, sizeBytes: result.sizeBytes },
      thumbnails: result.thumbnails,
      chapters: result.chapters,
    });
  };
}
