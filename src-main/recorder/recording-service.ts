import fs from 'node:fs';
import path from 'node:path';
import type { Recording } from '../../src-shared/contract/restream.js';
import type { LadderPreset } from '../../src-shared/contract/streams.js';
import type { Job } from '../../src-shared/contract/videos.js';
import { StudioError } from '../core/errors.js';
import { JobError } from '../core/job-error.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { dirBytes, fileBytes, statfsFreeBytes } from './disk.js';
import { finalPatch } from './finalize.js';
import { isRecordingId, newRecordingId, recordingFileName, recordingUrls, thumbnailFileName } from './naming.js';
import { DEFAULT_RECORDER_TIMING, DISK_FULL, Recorder, type FileOutcome, type RecorderFile } from './recorder.js';
import { NO_VOD, RecordingStore, type StoredRecording, type Vod } from './recording-store.js';
import { sweepRetention, type RetentionVictim } from './retention.js';
import type { RecordingServiceOptions } from './service-options.js';
import { convertToVod, RECORDING_VOD_JOB, type RecordingVodPayload, type VodRunContext } from './vod.js';

export type { RecordingJobs, RecordingPaths, RecordingServiceOptions, RecordingTuning } from './service-options.js';
export { RECORDING_VOD_JOB } from './vod.js';

interface Session {
  recorder: Recorder | undefined;
  ready: Promise<unknown>;
  /** The newest file's id (the one to answer stop with, even between a crash and the next file). */
  lastId: string | undefined;
}

const MB = 1024 * 1024;
const CRASHED = 'the studio stopped while recording';
const isActive = (job: Job | undefined): boolean => job?.state === 'queued' || job?.state === 'running';

/**
 * Recordings of live streams: start/stop (by hand, or with the stream when its record flag is set),
 * the rows and files, thumbnails, retention and VOD conversion (jobs of the studio's queue: runVod
 * runs one, onJobChanged mirrors it into the recording's `vod`). Emits `recording.changed` on every
 * change (null payload when deleted).
 */
export class RecordingService implements Service {
  readonly name = 'recordings';
  private readonly store: RecordingStore;
  private readonly log: Logger;
  private readonly sessions = new Map<string, Session>();
  private readonly finalizing = new Map<string, Promise<void>>();
  private readonly unsubscribe: (() => void)[] = [];
  private retentionTimer: NodeJS.Timeout | undefined;
  /** Live streams whose recording stopped (or could not start) for want of disk space: it resumes when space is back. */
  private readonly awaitingSpace = new Set<string>();
  private spaceTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<RetentionVictim[]> | undefined;
  private disposed = false;

  constructor(private readonly options: RecordingServiceOptions) {
    this.store = new RecordingStore(options.db);
    this.log = options.logger.child({ service: 'recordings' });
  }

  /** The recordings folder: recording.dir (relative to the home), or <home>/recordings. */
  get dir(): string {
    const dir = this.options.config().dir;
    return dir === '' ? path.join(this.options.home, 'recordings') : path.resolve(this.options.home, dir);
  }

  /** The service lifecycle: crash recovery, automatic recording of streams with the record flag, retention. */
  start(): void {
    this.recoverCrashed();
    const { paths } = this.options;
    this.unsubscribe.push(
      paths.onPublish((name) => {
        if (this.disposed || !this.options.shouldRecord(name)) return;
        const autoRecord = (): void => {
          if (this.disposed || this.sessions.has(name) || !this.options.isLive(name)) return;
          this.begin(name).catch((error: unknown) => {
            this.log.error({ err: error, stream: name }, 'automatic recording did not start');
            if (error instanceof StudioError && error.code === 'UNAVAILABLE' && !this.disposed) this.awaitSpace(name);
          });
        };
        // The last publisher's recording may still be finishing its file (a publisher back at once).
        const previous = this.sessions.get(name);
        if (previous) void previous.ready.then(() => previous.recorder?.stop('a new publisher arrived')).then(autoRecord, autoRecord);
        else autoRecord();
      }),
      paths.onUnpublish((name, reason) => {
        this.awaitingSpace.delete(name);
        void this.sessions.get(name)?.recorder?.stop(reason);
      }),
    );
    const every = this.options.tuning?.retentionEveryMs ?? 3_600_000;
    this.retentionTimer = setInterval(() => void this.sweep(), every);
    this.retentionTimer.unref();
    void this.sweep();
  }

  /** Starts recording a live stream now; CONFLICT when it is not live or already being recorded. */
  startRecording(stream: string): Promise<Recording> {
    if (this.sessions.has(stream)) return Promise.reject(new StudioError('CONFLICT', `stream "${stream}" is already being recorded`, { stream }));
    if (!this.options.isLive(stream)) return Promise.reject(new StudioError('CONFLICT', `stream "${stream}" is not live`, { stream }));
    return this.begin(stream);
  }

  list(stream?: string): Recording[] {
    return this.store.list(stream).map((r) => this.view(r));
  }

  get(id: string): Recording {
    return this.view(this.require(id));
  }

  /** The id of the stream's file being recorded, or null. */
  activeOf(stream: string): string | null {
    return this.sessions.get(stream)?.recorder?.currentFile?.id ?? null;
  }

  /** The pid of the ffmpeg recording the stream (diagnostics, tests). */
  pidOf(stream: string): number | undefined {
    return this.sessions.get(stream)?.recorder?.pid;
  }

  /** Stops a stream's recording; resolves with its last file, probed and final, once every file of it is final. */
  async stopRecording(stream: string, reason = 'stopped by request'): Promise<Recording> {
    this.awaitingSpace.delete(stream);
    const session = this.sessions.get(stream);
    if (!session) throw new StudioError('NOT_FOUND', `stream "${stream}" is not being recorded`, { stream });
    await session.ready.catch(() => undefined);
    const id = session.recorder?.currentFile?.id ?? session.lastId;
    const before = id === undefined ? undefined : this.store.get(id);
    await session.recorder?.stop(reason);
    if (id === undefined || !before) throw new StudioError('NOT_FOUND', `stream "${stream}" is not being recorded`, { stream });
    // The files split off before it may still be being probed (a stop just after a split): all final.
    await Promise.allSettled([...this.finalizing].filter(([fileId]) => fileId === id || this.store.get(fileId)?.stream === stream).map(([, done]) => done));
    return this.view(this.store.get(id) ?? before);
  }

  /** The stream was deleted: its recording stops; its files stay. */
  async forgetStream(name: string): Promise<void> {
    if (this.sessions.has(name)) await this.stopRecording(name, 'the stream was deleted').catch(() => undefined);
  }

  /** Deletes the file, thumbnail and VOD (stopping the recording or conversion first). */
  async delete(id: string): Promise<{ id: string; deleted: true }> {
    const recording = this.require(id);
    for (const [stream, session] of [...this.sessions]) {
      if (session.recorder?.currentFile?.id === id) await this.stopRecording(stream, 'the recording was deleted').catch(() => undefined);
    }
    await this.finalizing.get(id);
    await this.options.jobs.removeFor(id);
    this.removeFiles(recording);
    this.store.delete(id);
    this.log.info({ id, stream: recording.stream }, 'recording deleted');
    this.options.bus.emit('recording.changed', { id, recording: null });
    return { id, deleted: true };
  }

  /** Queues the VOD conversion; progress and the outcome follow as recording.changed events. */
  convert(id: string, ladder: LadderPreset): Recording {
    const recording = this.require(id);
    if (recording.state === 'recording') throw new StudioError('CONFLICT', 'the recording is still in progress', { id });
    if (isActive(this.options.jobs.latestFor(id))) throw new StudioError('CONFLICT', 'the recording is already being converted', { id });
    if (!recording.video) throw new StudioError('BAD_REQUEST', 'the recording has no video to convert', { id });
    const input = path.join(this.dir, recording.file);
    if (!fs.existsSync(input)) throw new StudioError('NOT_FOUND', 'the recording file is missing', { id, file: recording.file });
    const updated = this.patchVod(id, { state: 'converting', progress: 0, ladder, hls: null, dash: null, error: null })!;
    try {
      this.options.jobs.enqueue(RECORDING_VOD_JOB, id, { recordingId: id, ladder, durationSec: recording.durationSec });
    } catch (error) {
      this.patchVod(id, recording.vod);
      throw error;
    }
    return this.view(updated);
  }

  /** One run of a recording-vod job (the queue's runner for RECORDING_VOD_JOB). */
  async runVod(ctx: VodRunContext & { payload: unknown }): Promise<void> {
    const { recordingId: id, ladder } = ctx.payload as RecordingVodPayload;
    const recording = this.store.get(id);
    const input = recording && path.join(this.dir, recording.file);
    if (!input || !fs.existsSync(input)) throw new JobError('SOURCE_GONE', 'the recording file is missing', { retry: false });
    const { children, ffmpegPath, ffprobePath, ffmpegInfo, tuning } = this.options;
    const tools = { children, ffmpegPath, ffprobePath, ffmpegInfo, logger: this.log, segmentSeconds: tuning?.vodSegmentSeconds };
    await convertToVod(tools, { id, input, outDir: this.vodDir(id), ladder }, ctx);
  }

  /** A job changed in the queue: a recording-vod job's state and progress become its recording's `vod`. */
  onJobChanged(job: Job): void {
    if (job.kind !== RECORDING_VOD_JOB) return;
    const current = this.store.get(job.subject)?.vod;
    // Only the newest job speaks for the recording (an older one may finish late).
    if (!current || this.options.jobs.latestFor(job.subject)?.id !== job.id) return;
    const id = job.subject;
    const patch: Partial<Vod> =
      job.state === 'done'
        ? { state: 'ready', progress: 1, hls: recordingUrls.hls(id), dash: recordingUrls.dash(id), error: null }
        : job.state === 'failed' || job.state === 'cancelled'
          ? { state: 'failed', error: job.error?.message ?? job.state }
          : // Waiting (its first run or a retry) or running: converting, with the run's progress below 1.
            { state: 'converting', progress: job.state === 'running' ? job.progress : 0 };
    if (Object.entries(patch).every(([key, value]) => current[key as keyof Vod] === value)) return;
    if (patch.state === 'failed') {
      this.log.warn({ id, job: job.id, error: job.error }, 'VOD conversion failed');
      // A run that failed cleaned up after itself; one failed at start (attempts used up by crashes) did not.
      fs.rmSync(this.vodDir(id), { recursive: true, force: true });
    }
    this.patchVod(id, patch);
  }

  /** Where a recording's VOD lives (the routes serve it). */
  vodDir(id: string): string {
    return path.join(this.dir, 'vod', id);
  }

  /** The file (or thumbnail) of a recording, for the routes; undefined when unknown. */
  fileOf(id: string, what: 'file' | 'thumbnail'): { dir: string; file: string; recording: StoredRecording } | undefined {
    const recording = isRecordingId(id) ? this.store.get(id) : undefined;
    if (!recording) return undefined;
    if (what === 'file') return { dir: this.dir, file: recording.file, recording };
    return recording.thumbnail ? { dir: path.join(this.dir, 'thumbs'), file: recording.thumbnail, recording } : undefined;
  }

  /**
   * The file of a recording that has ended (complete, or interrupted by a host that died: it plays up to
   * its last fragment), for the video library; undefined while it records, when it failed or is gone.
   */
  endedFile(id: string): { file: string; stream: string; sizeBytes: number } | undefined {
    const recording = isRecordingId(id) ? this.store.get(id) : undefined;
    if (!recording || (recording.state !== 'complete' && recording.state !== 'interrupted')) return undefined;
    return { file: path.join(this.dir, recording.file), stream: recording.stream, sizeBytes: recording.sizeBytes };
  }

  /** The folder of a recording's VOD when it is ready to play, else undefined. */
  readyVodDir(id: string): string | undefined {
    const recording = isRecordingId(id) ? this.store.get(id) : undefined;
    return recording?.vod.state === 'ready' ? this.vodDir(id) : undefined;
  }

  /** One retention sweep (age, then free space); concurrent callers share it. */
  sweep(): Promise<RetentionVictim[]> {
    this.sweeping ??= sweepRetention({
      candidates: () => this.store.list().map((r) => ({ id: r.id, startedAt: r.startedAt, endedAt: r.endedAt, bytes: this.bytesOf(r), busy: this.isBusy(r) })),
      policy: () => ({
        now: Date.now(),
        retentionDays: this.options.config().retentionDays,
        freeBytes: this.freeBytes(),
        minFreeBytes: this.options.config().minFreeMegabytes * MB,
      }),
      remove: async (id) => void (await this.delete(id)),
      logger: this.log,
    }).finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    this.awaitingSpace.clear();
    if (this.spaceTimer) clearInterval(this.spaceTimer);
    this.spaceTimer = undefined;
    await Promise.allSettled([...this.sessions.keys()].map((stream) => this.stopRecording(stream, 'the host is stopping')));
    // VOD conversions are the queue's: it stops them after this service and resumes them at the next start.
    await Promise.allSettled([...this.finalizing.values(), this.sweeping]);
  }

  private async begin(stream: string): Promise<Recording> {
    let settle!: () => void;
    const session: Session = { recorder: undefined, ready: new Promise<void>((resolve) => (settle = resolve)), lastId: undefined };
    this.sessions.set(stream, session);
    try {
      const dir = this.dir;
      fs.mkdirSync(dir, { recursive: true });
      const floor = this.options.config().minFreeMegabytes * MB;
      if (this.freeBytes() < floor) {
        await this.sweep();
        if (this.freeBytes() < floor) throw new StudioError('UNAVAILABLE', `disk almost full: less than ${this.options.config().minFreeMegabytes} MB free in ${dir}`);
      }
      const ffmpegPath = await this.options.ffmpegPath();
      if (this.disposed) throw new StudioError('UNAVAILABLE', 'the host is stopping');
      const recorder = new Recorder({
        stream,
        attach: (reader) => this.options.paths.addReader(stream, reader),
        children: this.options.children,
        ffmpegPath,
        logger: this.log,
        limits: () => this.limits(),
        freeBytes: () => this.freeBytes(),
        timing: this.options.tuning,
        hooks: {
          newFile: () => {
            const file = this.newFile(stream);
            session.lastId = file.id;
            return file;
          },
          progress: (file, progress) => this.emit(this.store.update(file.id, progress)),
          fileEnded: (file, outcome) => this.fileEnded(file, outcome),
          started: (file, mediaTime) => {
            const startPdt = this.options.programDateTime?.(stream, mediaTime);
            if (startPdt !== undefined && startPdt !== null) this.store.update(file.id, { startPdt });
          },
          ended: (reason) => {
            if (this.sessions.get(stream) === session) this.sessions.delete(stream);
            if (reason === DISK_FULL && !this.disposed && this.options.isLive(stream)) this.awaitSpace(stream);
          },
          lowDisk: async () => {
            await this.sweep();
            return this.freeBytes() >= this.limits().minFreeBytes;
          },
        },
      });
      session.recorder = recorder;
      const file = recorder.start();
      this.log.info({ stream, id: file.id }, 'recording started');
      return this.view(this.store.get(file.id)!);
    } catch (error) {
      if (this.sessions.get(stream) === session) this.sessions.delete(stream);
      throw error;
    } finally {
      settle();
    }
  }

  /**
   * The stream stays live but its recording stopped for want of space: checked as often as the
   * recorder checks the disk, it resumes in a new file once free space is a quarter above the floor
   * (a margin, so that it does not stop again at once), unless the stream leaves or it is stopped.
   */
  private awaitSpace(stream: string): void {
    this.awaitingSpace.add(stream);
    this.log.warn({ stream }, 'the recording resumes when there is disk space again');
    if (this.spaceTimer) return;
    const every = this.options.tuning?.diskCheckMs ?? DEFAULT_RECORDER_TIMING.diskCheckMs;
    this.spaceTimer = setInterval(() => this.resumeWhereSpace(), every);
    this.spaceTimer.unref();
  }

  private resumeWhereSpace(): void {
    const floor = this.limits().minFreeBytes;
    for (const stream of [...this.awaitingSpace]) {
      if (this.disposed || !this.options.isLive(stream)) {
        this.awaitingSpace.delete(stream);
        continue;
      }
      if (this.sessions.has(stream)) continue;
      if (this.freeBytes() < floor * 1.25) continue;
      this.awaitingSpace.delete(stream);
      this.log.info({ stream, freeBytes: this.freeBytes() }, 'disk space is back: the recording resumes');
      this.begin(stream).catch((error: unknown) => {
        this.log.error({ err: error, stream }, 'the recording did not resume');
        if (error instanceof StudioError && error.code === 'UNAVAILABLE' && !this.disposed) this.awaitSpace(stream);
      });
    }
    if (this.awaitingSpace.size === 0 && this.spaceTimer) {
      clearInterval(this.spaceTimer);
      this.spaceTimer = undefined;
    }
  }

  private limits(): { splitSeconds: number; splitBytes: number; minFreeBytes: number } {
    const config = this.options.config();
    return {
      splitSeconds: this.options.tuning?.splitSeconds ?? config.splitMinutes * 60,
      splitBytes: config.splitMegabytes * MB,
      minFreeBytes: config.minFreeMegabytes * MB,
    };
  }

  private newFile(stream: string): RecorderFile {
    const id = newRecordingId();
    const startedAt = Date.now();
    const container = this.options.config().format;
    const file = recordingFileName(stream, startedAt, id, container);
    const tracks = this.options.paths.tracksOf?.(stream);
    const { video, audio } = tracks ?? {};
    const recording: StoredRecording = {
      id,
      stream,
      file,
      container,
      state: 'recording',
      startedAt,
      endedAt: null,
      durationSec: 0,
      sizeBytes: 0,
      video: video ? { codec: video.codec, width: video.width, height: video.height } : null,
      audio: audio ? { codec: audio.codec, sampleRate: audio.sampleRate, channels: audio.channels } : null,
      error: null,
      thumbnail: null,
      vod: NO_VOD,
      ...(this.options.isEncrypted?.(stream) ? { encrypted: true } : {}),
    };
    this.store.insert(recording);
    this.emit(recording);
    return { id, path: path.join(this.dir, file), container };
  }

  private fileEnded(file: RecorderFile, outcome: FileOutcome): void {
    if (!outcome.started) {
      // It never received a frame: an empty file nobody wants.
      fs.rmSync(file.path, { force: true });
      if (this.store.delete(file.id)) this.options.bus.emit('recording.changed', { id: file.id, recording: null });
      return;
    }
    const done = this.finalize(file.id, outcome.state, outcome.error, Date.now()).finally(() => this.finalizing.delete(file.id));
    this.finalizing.set(file.id, done);
  }

  /** Probes the ended file (duration, codecs, size), makes its thumbnail, stores the final state. */
  private async finalize(id: string, state: Recording['state'], error: string | null, endedAt: number): Promise<void> {
    const recording = this.store.get(id);
    if (!recording) return;
    const tools = { runner: this.options.children, ffprobePath: this.options.ffprobePath, ffmpegPath: this.options.ffmpegPath, logger: this.log };
    const thumbnail = path.join(this.dir, 'thumbs', thumbnailFileName(id));
    const patch = await finalPatch(tools, path.join(this.dir, recording.file), thumbnail, { state, error, endedAt });
    this.emit(this.store.update(id, patch));
  }

  /**
   * Rows left `recording` by a crash: interrupted, then probed again. A VOD left `converting` resumes
   * with its job (the queue requeues it); one with no job left to run has failed.
   */
  private recoverCrashed(): void {
    for (const recording of this.store.inState('recording')) {
      if ([...this.sessions.values()].some((s) => s.recorder?.currentFile?.id === recording.id)) continue;
      const mtime = fs.statSync(path.join(this.dir, recording.file), { throwIfNoEntry: false })?.mtimeMs;
      const endedAt = Math.round(mtime ?? recording.startedAt);
      this.emit(this.store.update(recording.id, { state: 'interrupted', error: CRASHED, endedAt }));
      const done = this.finalize(recording.id, 'interrupted', CRASHED, endedAt).finally(() => this.finalizing.delete(recording.id));
      this.finalizing.set(recording.id, done);
    }
    for (const recording of this.store.list()) {
      if (recording.vod.state !== 'converting' || isActive(this.options.jobs.latestFor(recording.id))) continue;
      fs.rmSync(this.vodDir(recording.id), { recursive: true, force: true });
      this.patchVod(recording.id, { state: 'failed', error: 'the studio stopped during the conversion' });
    }
  }

  private patchVod(id: string, patch: Partial<Vod>): StoredRecording | undefined {
    const current = this.store.get(id);
    if (!current) return undefined;
    const updated = this.store.update(id, { vod: { ...current.vod, ...patch } });
    this.emit(updated);
    return updated;
  }

  private removeFiles(recording: StoredRecording): void {
    fs.rmSync(path.join(this.dir, recording.file), { force: true });
    if (recording.thumbnail) fs.rmSync(path.join(this.dir, 'thumbs', recording.thumbnail), { force: true });
    fs.rmSync(this.vodDir(recording.id), { recursive: true, force: true });
  }

  private bytesOf(recording: StoredRecording): number {
    return fileBytes(path.join(this.dir, recording.file)) + dirBytes(this.vodDir(recording.id));
  }

  private isBusy(recording: StoredRecording): boolean {
    return recording.state === 'recording' || isActive(this.options.jobs.latestFor(recording.id)) || this.finalizing.has(recording.id);
  }

  private freeBytes(): number {
    const dir = this.dir;
    fs.mkdirSync(dir, { recursive: true });
    return (this.options.freeBytes ?? statfsFreeBytes)(dir);
  }

  private require(id: string): StoredRecording {
    const recording = isRecordingId(id) ? this.store.get(id) : undefined;
    if (!recording) throw new StudioError('NOT_FOUND', `no recording "${id}"`, { id });
    return recording;
  }

  private emit(recording: StoredRecording | undefined): void {
    if (recording) this.options.bus.emit('recording.changed', { id: recording.id, recording: this.view(recording) });
  }

  private view(recording: StoredRecording): Recording {
    const { thumbnail, encrypted: _encrypted, ...rest } = recording;
    return { ...rest, fileUrl: recordingUrls.file(recording.id), thumbnailUrl: thumbnail ? recordingUrls.thumbnail(recording.id) : null };
  }
}
