import type { StudioConfig } from '../../src-shared/config.js';
import type { FfmpegInfo } from '../../src-shared/contract/system.js';
import type { Job } from '../../src-shared/contract/videos.js';
import type { EventBus } from '../core/bus.js';
import type { ChildRegistry } from '../core/children.js';
import type { Logger } from '../core/logger.js';
import type { PathReader, TrackInfo } from '../media/types.js';
import type { Db } from '../store/db.js';
import type { RecorderTiming } from './recorder.js';
import type { RecordingVodPayload } from './vod.js';

/** What the service needs of the Path hub (PathManager has it). */
export interface RecordingPaths {
  addReader(name: string, reader: PathReader): () => void;
  onPublish(listener: (name: string) => void): () => void;
  onUnpublish(listener: (name: string, reason: string) => void): () => void;
  tracksOf?(name: string): TrackInfo | undefined;
}

export interface RecordingTuning extends Partial<RecorderTiming> {
  /** Overrides recording.splitMinutes (tests split every few seconds). */
  splitSeconds?: number;
  /** Retention sweeps: at start, then this often (default 1 h). */
  retentionEveryMs?: number;
  vodSegmentSeconds?: number;
}

/**
 * What recordings need of the studio's job queue (vod/job-queue.ts): a VOD conversion is a job of
 * kind RECORDING_VOD_JOB with the recording id as its subject; the queue calls runVod and onJobChanged.
 */
export interface RecordingJobs {
  enqueue(kind: string, subject: string, payload: RecordingVodPayload): Job;
  latestFor(subject: string): Job | undefined;
  /** Cancels the subject's jobs, waits for their runs to stop, and deletes them. */
  removeFor(subject: string): Promise<void>;
}

export interface RecordingServiceOptions {
  db: Db;
  paths: RecordingPaths;
  isLive(name: string): boolean;
  /** The stream's `record` flag: recorded whenever it goes live. */
  shouldRecord(name: string): boolean;
  /** Whether the stream is encrypted now: a recording started now stays encrypted (StoredRecording.encrypted). */
  isEncrypted?(name: string): boolean;
  children: Pick<ChildRegistry, 'spawn' | 'run'>;
  ffmpegPath: () => Promise<string>;
  ffprobePath: () => Promise<string>;
  config: () => StudioConfig['recording'];
  home: string;
  bus: Pick<EventBus, 'emit'>;
  logger: Logger;
  jobs: RecordingJobs;
  /** The probed ffmpeg, so VOD ladders use a hardware encoder when one works; libx264 without it. */
  ffmpegInfo?: () => Promise<FfmpegInfo>;
  /** Free bytes on the file system of `dir` (default: fs.statfsSync). */
  freeBytes?: (dir: string) => number;
  tuning?: RecordingTuning;
  /** The media clock (media/media-clock.ts): a file's start_pdt is the program date-time of its first frame. */
  programDateTime?: (stream: string, mediaTime: number) => number | null;
}
