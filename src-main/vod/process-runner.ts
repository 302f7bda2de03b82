import { JobError } from '../core/job-error.js';
import type { JobContext, JobRunner } from './job-queue.js';
import type { VideoLibrary } from './library.js';
import type { VideoOutputs, VideoProcessor } from './process/index.js';
import type { SubtitleService } from './subtitles.js';

/** A video's processing on a runner (runners/remote-process.ts), as this runner sees it. */
export interface RemoteProcessor {
  process(
    runnerId: string,
    ctx: { jobId: string; subject: string; signal: AbortSignal; progress(value: number, step?: string): void },
    job: { input: string; outDir: string; preset: VideoOutputs['preset']; normalizeLoudness: boolean; durationSec: number | null; finish(dir: string, outputs: VideoOutputs): Promise<void> },
  ): Promise<VideoOutputs>;
}

/**
 * The queue's runner of a library video's processing: its source (upload or recording), its preset,
 * loudness and subtitle tracks into the processor (here, or on the runner the queue placed the job on,
 * the subtitles then added here before the runner's output is published), then the video is ready
 * with what was made.
 */
export function processingRunner(o: {
  library: Pick<VideoLibrary, 'stored' | 'sourceFile' | 'dirOf' | 'markReady'>;
  processor: Pick<VideoProcessor, 'run' | 'addSubtitles'>;
  subtitles: Pick<SubtitleService, 'sourcesOf'>;
  remote?: RemoteProcessor;
}): JobRunner {
  return async (ctx: JobContext): Promise<void> => {
    const { videoId } = ctx.payload as { videoId: string };
    const video = o.library.stored(videoId);
    const input = await o.library.sourceFile(video);
    if (!input) throw new JobError('SOURCE_GONE', 'the source file of this video is gone', { retry: false });
    const subtitles = o.subtitles.sourcesOf(videoId, video.subtitles);
    const outDir = o.library.dirOf(videoId);
    const result =
      ctx.runner && o.remote
        ? await o.remote.process(
            ctx.runner,
            { jobId: ctx.job.id, subject: ctx.job.subject, signal: ctx.signal, progress: ctx.progress },
            {
              input,
              outDir,
              preset: video.preset,
              normalizeLoudness: video.normalizeLoudness,
              durationSec: video.media?.durationSec ?? null,
              finish: async (dir, outputs) => {
                await o.processor.addSubtitles(dir, subtitles, outputs.durationSec);
              },
            },
          )
        : await o.processor.run(ctx, { input, outDir, preset: video.preset, normalizeLoudness: video.normalizeLoudness, subtitles });
    o.library.markReady(videoId, {
      media: { durationSec: result.durationSec, width: result.width, height: result.height, sizeBytes: result.sizeBytes },
      thumbnails: result.thumbnails,
      chapters: result.chapters,
    });
  };
}
