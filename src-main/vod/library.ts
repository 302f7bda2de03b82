import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Chapter, Job, Video, VideoEncryption, VideoPreset, VideoVisibility } from '../../src-shared/contract/videos.js';
import { VIDEO_ID_RE } from '../../src-shared/contract/videos.js';
import type { EventBus } from '../core/bus.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import type { StoredVideo, VideoMedia, VideoStore } from '../store/videos.js';
import { videoUrls } from './urls.js';

/** What the library needs of the tus server (servers/tus). */
export interface UploadsPort {
  info(id: string): Promise<{ id: string; owner: string; offset: number; size: number | null; metadata: Record<string, string>; finished: boolean; file: string } | undefined>;
  delete(id: string): Promise<void>;
}

/** What the library needs of the job queue (vod/job-queue.ts). */
export interface QueuePort {
  enqueue(kind: string, subject: string, payload: Record<string, unknown>, options?: { priority?: number }): Job;
  cancel(id: string): Job;
  retry(id: string): Job;
  latestFor(subject: string): Job | undefined;
  removeFor(subject: string): Promise<void>;
}

/** A recording's file once it has ended, for a video made from it. */
export interface RecordingsPort {
  endedFile(id: string): { file: string; stream: string; sizeBytes: number } | undefined;
}

export interface LibraryOptions {
  store: VideoStore;
  bus: EventBus;
  logger: Logger;
  /** `<library>/videos`: one folder per video. */
  videosDir: string;
  uploads: UploadsPort;
  queue: QueuePort;
  recordings: RecordingsPort;
  defaultPreset: () => VideoPreset;
  /** A quick look at a source before it is queued: its duration (for the ETA), or a reason it is not media. */
  probe: (file: string) => Promise<VideoMedia>;
  /** Writes chapters.vtt of a ready video after an edit. */
  writeChapters: (videoDir: string, chapters: Chapter[], durationSec: number) => void;
  /** A video was deleted: what else it owned goes (its subtitle sources). */
  onDeleted?: (id: string) => void;
  now?: () => number;
}

export const PROCESS_JOB = 'process';

export function newVideoId(): string {
  return `vid_${crypto.randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12)}`;
}

export const isVideoId = (id: string): boolean => VIDEO_ID_RE.test(id);

/** An audio file uploaded for a podcast episode (tus metadata `purpose=podcast`): the podcasts' source, not a video. */
export const isPodcastUpload = (metadata: Record<string, string>): boolean => metadata.purpose === 'podcast';
/** A runner's processed output for a lease (runners/remote-process.ts): the origin unpacks it, it is no video. */
export const isRunnerOutput = (metadata: Record<string, string>): boolean => metadata.purpose === 'runner-output';

/** Live upload offsets (not stored: a row per PATCH would be a write per chunk). */
type UploadProgress = { offset: number; size: number | null };

/**
 * The video library: a tus upload or a recording becomes a video, its processing is a job in the
 * persisted queue, and its state follows `uploading -> queued -> processing -> ready | failed`, each
 * change a `video.changed` event with the job's progress and ETA.
 */
export class VideoLibrary implements Service {
  readonly name = 'video-library';
  private readonly log: Logger;
  private readonly uploading = new Map<string, UploadProgress>();
  private readonly now: () => number;

  constructor(private readonly o: LibraryOptions) {
    this.log = o.logger.child({ service: 'library' });
    this.now = o.now ?? Date.now;
  }

  list(filter: { uploadId?: string; q?: string; state?: Video['state']; visibility?: VideoVisibility; tag?: string } = {}): Video[] {
    const words = (filter.q ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    return this.o.store
      .list()
      .filter((v) => filter.uploadId === undefined || v.uploadId === filter.uploadId)
      .filter((v) => filter.state === undefined || v.state === filter.state)
      .filter((v) => filter.visibility === undefined || v.visibility === filter.visibility)
      .filter((v) => filter.tag === undefined || v.tags.some((t) => t.toLowerCase() === filter.tag!.toLowerCase()))
      .filter((v) => {
        const text = `${v.title} ${v.description} ${v.tags.join(' ')} ${v.fileName ?? ''}`.toLowerCase();
        return words.every((w) => text.includes(w));
      })
      .map((v) => this.view(v));
  }

  get(id: string): Video {
    return this.view(this.stored(id));
  }

  stored(id: string): StoredVideo {
    const video = isVideoId(id) ? this.o.store.get(id) : undefined;
    if (!video) throw new StudioError('NOT_FOUND', `no video "${id}"`);
    return video;
  }

  /** A ready video (for its files and watch page), else undefined. */
  readyVideo(id: string): StoredVideo | undefined {
    const video = isVideoId(id) ? this.o.store.get(id) : undefined;
    return video?.state === 'ready' ? video : undefined;
  }

  /** The folder of a video's outputs (it may not exist yet). */
  dirOf(id: string): string {
    return path.join(this.o.videosDir, id);
  }

  /** A tus upload was created: its video exists from now on, `uploading`. Partial (concatenation) uploads are not videos. */
  onUploadCreated(upload: { id: string; owner: string; size: number | null; metadata: Record<string, string> }): void {
    if (this.o.store.byUpload(upload.id) || isPodcastUpload(upload.metadata) || isRunnerOutput(upload.metadata)) return;
    this.uploading.set(upload.id, { offset: 0, size: upload.size });
    const video = this.insert({
      owner: upload.owner,
      title: titleOf(upload.metadata),
      source: 'upload',
      uploadId: upload.id,
      recordingId: null,
      fileName: upload.metadata.filename ?? null,
      state: 'uploading',
      preset: presetOf(upload.metadata.preset) ?? this.o.defaultPreset(),
      visibility: visibilityOf(upload.metadata.visibility) ?? 'public',
      encryption: upload.metadata.encryption === 'aes-128' ? 'aes-128' : 'none',
    });
    this.log.info({ id: video.id, upload: upload.id }, 'upload started');
  }

  onUploadProgress(uploadId: string, offset: number, size: number | null): void {
    const video = this.o.store.byUpload(uploadId);
    if (!video || video.state !== 'uploading') return;
    this.uploading.set(uploadId, { offset, size });
    this.emit(video);
  }

  /** An unfinished upload went: terminated by its client, its video goes too; expired, its video fails and says so. */
  async onUploadRemoved(uploadId: string, why: 'terminated' | 'expired'): Promise<void> {
    const video = this.o.store.byUpload(uploadId);
    this.uploading.delete(uploadId);
    if (!video || video.state !== 'uploading') return;
    if (why === 'terminated') return this.delete(video.id);
    const error = { code: 'UPLOAD_EXPIRED', message: 'the upload was not finished in time (library.uploadExpiryHours): upload the file again' };
    this.emit(this.o.store.update(video.id, { state: 'failed', error, updatedAt: this.now() })!);
  }

  /** A tus upload is complete: its video (made now when the upload was created before a restart) is probed and queued. */
  async onUploadFinished(upload: { id: string; owner: string; file: string; size: number; metadata: Record<string, string> }): Promise<void> {
    this.onUploadCreated({ ...upload, size: upload.size });
    this.uploading.delete(upload.id);
    const video = this.o.store.byUpload(upload.id);
    if (!video || video.state !== 'uploading') return;
    await this.queueProcessing(video, upload.file, 0);
  }

  /** `videos.create`: from a finished upload (already a video: it is renamed) or a complete recording. */
  async create(input: {
    title: string;
    uploadId?: string;
    recordingId?: string;
    description?: string;
    visibility?: VideoVisibility;
    encryption?: VideoEncryption;
    tags?: string[];
    preset?: VideoPreset;
    normalizeLoudness?: boolean;
  }): Promise<Video> {
    const edits = {
      title: input.title,
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.visibility !== undefined ? { visibility: input.visibility } : {}),
      ...(input.encryption !== undefined ? { encryption: input.encryption } : {}),
      ...(input.tags !== undefined ? { tags: input.tags } : {}),
    };
    if (input.uploadId !== undefined) {
      const upload = await this.o.uploads.info(input.uploadId);
      const existing = this.o.store.byUpload(input.uploadId);
      if (!upload && !existing) throw new StudioError('NOT_FOUND', `no upload "${input.uploadId}"`);
      if (existing) return this.update({ id: existing.id, ...edits });
      throw new StudioError('CONFLICT', `upload "${input.uploadId}" is not a video (a partial upload of a concatenation)`);
    }
    const source = this.o.recordings.endedFile(input.recordingId!);
    if (!source) throw new StudioError('NOT_FOUND', `no complete recording "${input.recordingId}"`);
    const video = this.insert({
      owner: 'studio',
      title: input.title,
      source: 'recording',
      uploadId: null,
      recordingId: input.recordingId!,
      fileName: path.basename(source.file),
      state: 'queued',
      preset: input.preset ?? this.o.defaultPreset(),
      visibility: input.visibility ?? 'public',
      encryption: input.encryption ?? 'none',
      description: input.description ?? '',
      tags: input.tags ?? [],
      normalizeLoudness: input.normalizeLoudness ?? false,
    });
    await this.queueProcessing(video, source.file, 0);
    return this.get(video.id);
  }

  update(input: { id: string; title?: string; description?: string; visibility?: VideoVisibility; encryption?: VideoEncryption; tags?: string[]; chapters?: Chapter[] }): Video {
    const { id, ...edits } = input;
    const video = this.stored(id);
    const chapters = edits.chapters ? [...edits.chapters].sort((a, b) => a.startSec - b.startSec) : undefined;
    const after = this.o.store.update(video.id, { ...edits, chapters, updatedAt: this.now() })!;
    if (chapters && after.state === 'ready' && after.media) this.o.writeChapters(this.dirOf(after.id), chapters, after.media.durationSec);
    return this.emit(after);
  }

  /** `videos.process`: again, with another preset or loudness setting, or after a failure. */
  async process(input: { id: string; preset?: VideoPreset; normalizeLoudness?: boolean; priority?: number }): Promise<Video> {
    const video = this.stored(input.id);
    if (video.state === 'uploading') throw new StudioError('CONFLICT', 'the upload is not finished yet');
    const job = this.o.queue.latestFor(video.id);
    if (job && (job.state === 'queued' || job.state === 'running')) throw new StudioError('CONFLICT', 'the video is being processed; cancel first');
    const file = await this.sourceFile(video);
    if (!file) throw new StudioError('CONFLICT', 'the source file of this video is gone');
    const patched = this.o.store.update(video.id, { preset: input.preset, normalizeLoudness: input.normalizeLoudness, error: null, updatedAt: this.now() })!;
    if (job && (job.state === 'failed' || job.state === 'cancelled') && input.priority === undefined) {
      // The same job again (its runner reads the preset and loudness from the video): one job per try, not a new row.
      this.o.queue.retry(job.id);
    } else if (patched.media) {
      // Probed already (when it was queued first): no second probe.
      this.o.store.update(video.id, { state: 'queued' });
      this.o.queue.enqueue(PROCESS_JOB, video.id, { videoId: video.id, durationSec: patched.media.durationSec }, { priority: input.priority ?? 0 });
    } else {
      await this.queueProcessing(patched, file, input.priority ?? 0);
    }
    return this.get(video.id);
  }

  cancel(id: string): Video {
    const video = this.stored(id);
    const job = this.o.queue.latestFor(id);
    if (!job || (job.state !== 'queued' && job.state !== 'running')) throw new StudioError('CONFLICT', 'nothing is being processed');
    this.o.queue.cancel(job.id);
    return this.get(video.id);
  }

  async delete(id: string): Promise<void> {
    const video = this.stored(id);
    await this.o.queue.removeFor(id);
    if (video.uploadId) await this.o.uploads.delete(video.uploadId).catch((error: unknown) => this.log.warn({ err: error, id }, 'upload file not deleted'));
    fs.rmSync(this.dirOf(id), { recursive: true, force: true });
    this.o.onDeleted?.(id);
    this.o.store.delete(id);
    if (video.uploadId) this.uploading.delete(video.uploadId);
    this.log.info({ id }, 'video deleted');
    this.o.bus.emit('video.changed', { id, video: null });
  }

  /** The file a video is made from: its upload's or its recording's. */
  async sourceFile(video: StoredVideo): Promise<string | undefined> {
    if (video.uploadId) {
      const upload = await this.o.uploads.info(video.uploadId);
      return upload?.finished ? upload.file : undefined;
    }
    return video.recordingId ? this.o.recordings.endedFile(video.recordingId)?.file : undefined;
  }

  /** A job changed (queue's onChange): the video's state follows, and clients see the progress. */
  onJobChanged(job: Job): void {
    if (job.kind !== PROCESS_JOB) return;
    const video = this.o.store.get(job.subject);
    if (!video || this.o.queue.latestFor(video.id)?.id !== job.id) return;
    const state = job.state === 'queued' ? 'queued' : job.state === 'running' ? 'processing' : job.state === 'done' ? video.state : 'failed';
    const error = job.state === 'cancelled' ? { code: 'CANCELLED', message: 'processing was cancelled' } : job.state === 'failed' ? job.error : null;
    if (state !== video.state || (state === 'failed' && JSON.stringify(error) !== JSON.stringify(video.error))) {
      this.emit(this.o.store.update(video.id, { state, error, updatedAt: this.now() })!);
    } else {
      this.emit(video);
    }
  }

  /** The processing job finished: the video is ready with what was made. */
  markReady(id: string, result: { media: VideoMedia; thumbnails: string[]; chapters: Chapter[] }): void {
    const video = this.o.store.get(id);
    if (!video) return;
    const chapters = video.chapters.length > 0 ? video.chapters : result.chapters;
    if (video.chapters.length > 0) this.o.writeChapters(this.dirOf(id), chapters, result.media.durationSec);
    const now = this.now();
    this.emit(this.o.store.update(id, { state: 'ready', error: null, media: result.media, outputs: { thumbnails: result.thumbnails }, chapters, readyAt: now, updatedAt: now })!);
    this.log.info({ id }, 'video ready');
  }

  /** Subtitles changed (added or removed): the stored list and an event. */
  setSubtitles(id: string, subtitles: StoredVideo['subtitles']): Video {
    return this.emit(this.o.store.update(id, { subtitles, updatedAt: this.now() })!);
  }

  addView(id: string): void {
    this.o.store.addView(id);
  }

  view(video: StoredVideo): Video {
    const job = this.o.queue.latestFor(video.id) ?? null;
    const upload = video.state === 'uploading' && video.uploadId ? (this.uploading.get(video.uploadId) ?? { offset: 0, size: null }) : null;
    return {
      id: video.id,
      title: video.title,
      description: video.description,
      visibility: video.visibility,
      encryption: video.encryption,
      tags: video.tags,
      source: video.source,
      uploadId: video.uploadId,
      recordingId: video.recordingId,
      fileName: video.fileName,
      state: video.state,
      preset: video.preset,
      normalizeLoudness: video.normalizeLoudness,
      upload,
      progress: video.state === 'ready' ? 1 : (job?.progress ?? 0),
      etaSec: job && (job.state === 'queued' || job.state === 'running') ? job.etaSec : null,
      job,
      error: video.error,
      durationSec: video.media?.durationSec ?? null,
      width: video.media?.width ?? null,
      height: video.media?.height ?? null,
      sizeBytes: video.media?.sizeBytes ?? upload?.size ?? null,
      views: video.views,
      subtitles: video.subtitles.map((s) => ({ ...s, url: `/vod/${video.id}/subs/${s.id}.vtt` })),
      chapters: video.chapters,
      urls: video.state === 'ready' ? videoUrls(video.id, video.outputs?.thumbnails ?? [], '', video.encryption !== 'none') : null,
      createdAt: video.createdAt,
      updatedAt: video.updatedAt,
      readyAt: video.readyAt,
    };
  }

  private async queueProcessing(video: StoredVideo, file: string, priority: number): Promise<void> {
    let media: VideoMedia;
    try {
      media = await this.o.probe(file);
    } catch (error) {
      // Not media: it fails here with ffprobe's reason (without the host's path to the file), and its upload leaves the disk.
      const message = (error instanceof Error ? error.message : String(error)).split(file).join('the file');
      if (video.uploadId) await this.o.uploads.delete(video.uploadId).catch(() => undefined);
      this.emit(this.o.store.update(video.id, { state: 'failed', error: { code: 'MEDIA_INVALID', message }, updatedAt: this.now() })!);
      this.log.warn({ id: video.id, reason: message }, 'not a video');
      return;
    }
    const queued = this.o.store.update(video.id, { media, state: 'queued', error: null, updatedAt: this.now() })!;
    this.o.queue.enqueue(PROCESS_JOB, video.id, { videoId: video.id, durationSec: media.durationSec }, { priority });
    this.emit(queued);
  }

  private insert(fields: Pick<StoredVideo, 'owner' | 'title' | 'source' | 'uploadId' | 'recordingId' | 'fileName' | 'state' | 'preset' | 'visibility'> & Partial<StoredVideo>): StoredVideo {
    const now = this.now();
    const video = this.o.store.insert({
      id: newVideoId(),
      encryption: 'none',
      description: '',
      tags: [],
      normalizeLoudness: false,
      error: null,
      media: null,
      outputs: null,
      subtitles: [],
      chapters: [],
      views: 0,
      createdAt: now,
      updatedAt: now,
      readyAt: null,
      ...fields,
    });
    this.emit(video);
    return video;
  }

  private emit(video: StoredVideo): Video {
    const view = this.view(video);
    this.o.bus.emit('video.changed', { id: video.id, video: view });
    return view;
  }
}

/** Title from the upload's metadata: `title`, else the file name without its extension. */
export function titleOf(metadata: Record<string, string>): string {
  const title = (metadata.title ?? '').trim() || (metadata.filename ?? '').replace(/\.[^.]{1,5}$/, '').trim();
  return (title || 'Untitled upload').slice(0, 200);
}

const presetOf = (value: string | undefined): VideoPreset | undefined =>
  value === 'fast' || value === 'balanced' || value === 'high' ? value : undefined;
const visibilityOf = (value: string | undefined): VideoVisibility | undefined =>
  value === 'public' || value === 'unlisted' || value === 'private' ? value : undefined;
