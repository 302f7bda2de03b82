import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Chapter } from '../../src-shared/contract/videos.js';
import type { ChildRegistry } from '../core/children.js';
import { JobError } from '../core/job-error.js';
import type { Logger } from '../core/logger.js';
import { pickErrorLine } from '../encoder/progress.js';
import { probeMedia } from '../recorder/media-info.js';
import type { EpisodeAudio } from '../store/podcasts.js';
import { runJobFfmpeg } from '../vod/process/job-ffmpeg.js';
import { LOUDNESS, loudnessMeasureArgs, loudnormFilter, parseLoudnorm } from '../vod/process/process-args.js';
import { artworkArgs, episodeAudioArgs, ffmetadata, type EpisodeTags } from './audio-args.js';
import { chaptersJson } from './feed.js';
import { addTableOfContents } from './id3-toc.js';
import { EPISODE_FILES } from './paths.js';

/** What the job needs to know of an episode, gathered by the service when it runs. */
export interface AudioJobInput {
  /** The source: a video's recording or MP4, or an uploaded audio file. */
  input: string;
  /** `<podcasts>/<show>/<episode>`: a folder per generation inside. */
  dir: string;
  tags: EpisodeTags;
  chapters: Chapter[];
  /** A picture for the MP3's cover (the show's artwork, else the video's poster), or null. */
  artwork: string | null;
  /** WebVTT files of the video's subtitles, by language (the feed's transcripts). */
  transcripts: { language: string; file: string }[];
  podcastName: string;
}

export interface AudioJobContext {
  signal: AbortSignal;
  progress(value: number, step?: string): void;
  mediaDuration?(sec: number): void;
}

/**
 * An episode's audio: probe (no audio stream: NO_AUDIO, never retried), loudness measured, M4A and MP3
 * at -16 LUFS in one ffmpeg, the MP3's CTOC added, chapters JSON, transcripts and the cover copied.
 * Built in `<generation>.tmp` and renamed whole; older generations removed after.
 */
export class EpisodeAudioJob {
  constructor(
    private readonly o: {
      children: Pick<ChildRegistry, 'spawn' | 'run'>;
      ffmpegPath: () => Promise<string>;
      ffprobePath: () => Promise<string>;
      logger: Logger;
    },
  ) {}

  async run(ctx: AudioJobContext, job: AudioJobInput): Promise<EpisodeAudio> {
    const [ffmpeg, ffprobe] = await Promise.all([this.o.ffmpegPath(), this.o.ffprobePath()]);
    ctx.progress(0, 'probe');
    const media = await probeMedia(this.o.children, ffprobe, job.input).catch((error: unknown) => {
      throw new JobError('MEDIA_INVALID', `not a media file ffprobe can read: ${error instanceof Error ? error.message : String(error)}`);
    });
    if (!media.audio) throw new JobError('NO_AUDIO', 'the source has no audio stream: an episode is made from sound', { retry: false });
    if (!(media.durationSec > 0)) throw new JobError('MEDIA_INVALID', 'the source has no duration (no media in it)');
    ctx.mediaDuration?.(media.durationSec);

    const generation = crypto.randomBytes(4).toString('hex');
    const tmp = path.join(job.dir, `${generation}.tmp`);
    await fs.promises.mkdir(tmp, { recursive: true });
    try {
      const run = (step: string, args: string[], from: number, to: number): Promise<string> =>
        runJobFfmpeg(this.o.children, ffmpeg, { signal: ctx.signal, step, args, durationSec: media.durationSec, progress: (f) => ctx.progress(from + (to - from) * f, step) });
      const measured = parseLoudnorm(await run('loudness', loudnessMeasureArgs(job.input), 0, 0.35));
      let cover: string | null = null;
      if (job.artwork) {
        cover = path.join(tmp, EPISODE_FILES.artwork);
        const made = await this.o.children.run(ffmpeg, artworkArgs(job.artwork, cover), { timeoutMs: 60_000, maxOutput: 16 * 1024, background: true });
        if (made.code !== 0) {
          this.o.logger.warn({ artwork: job.artwork, err: pickErrorLine(made.stderr) }, 'episode cover not made: the MP3 goes without one');
          cover = null;
        }
      }
      const metadata = path.join(tmp, 'metadata.txt');
      await fs.promises.writeFile(metadata, ffmetadata(job.tags, job.chapters, media.durationSec));
      await run(
        'encode',
        episodeAudioArgs({
          input: job.input,
          metadata,
          artwork: cover,
          audioFilter: measured ? loudnormFilter(measured) : null,
          channels: media.audio.channels,
          m4a: path.join(tmp, EPISODE_FILES.m4a),
          mp3: path.join(tmp, EPISODE_FILES.mp3),
        }),
        0.35,
        0.95,
      );
      await fs.promises.rm(metadata, { force: true });
      await addTableOfContents(path.join(tmp, EPISODE_FILES.mp3));
      const chapters = job.chapters.filter((c) => c.startSec < media.durationSec).sort((a, b) => a.startSec - b.startSec);
      await fs.promises.writeFile(path.join(tmp, EPISODE_FILES.chapters), chaptersJson(chapters, { title: job.tags.title, podcastName: job.podcastName }));
      const transcripts: string[] = [];
      for (const t of job.transcripts) {
        if (transcripts.includes(t.language) || !fs.existsSync(t.file)) continue;
        await fs.promises.copyFile(t.file, path.join(tmp, EPISODE_FILES.transcript(t.language)));
        transcripts.push(t.language);
      }
      const size = (file: string): number => fs.statSync(path.join(tmp, file)).size;
      const audio: EpisodeAudio = {
        generation,
        durationSec: Math.round(media.durationSec * 1000) / 1000,
        m4aBytes: size(EPISODE_FILES.m4a),
        mp3Bytes: size(EPISODE_FILES.mp3),
        chapters,
        loudness: measured ? { targetLufs: LOUDNESS.integrated, measuredLufs: measured.inputI } : null,
        transcripts,
        artwork: cover !== null,
      };
      await fs.promises.rename(tmp, path.join(job.dir, generation));
      // Older generations (and what a killed run left); the episode's own artwork stays.
      for (const entry of await fs.promises.readdir(job.dir)) {
        if (entry !== generation && /^[a-f0-9]{8}(\.tmp)?$/.test(entry)) await fs.promises.rm(path.join(job.dir, entry), { recursive: true, force: true });
      }
      ctx.progress(1, 'done');
      return audio;
    } catch (error) {
      await fs.promises.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      throw error;
    }
  }
}
