import type { z } from 'zod';
import type { Recording, vodSchema } from '../../src-shared/contract/restream.js';
import { readJson, type Db } from '../store/db.js';

export type Vod = z.infer<typeof vodSchema>;
export type RecordingState = Recording['state'];
export type RecordingContainer = Recording['container'];

/** A recording as stored: the Recording without its URLs, plus the thumbnail's file name. */
export type StoredRecording = Omit<Recording, 'fileUrl' | 'thumbnailUrl'> & {
  thumbnail: string | null;
  /** Program date-time of the file's first frame (media/media-clock.ts): where replayed data lines up. */
  startPdt?: number | null;
  /**
   * Its stream was encrypted when it was recorded: its VOD is served encrypted ever after, whatever
   * becomes of the stream (deleted, set to clear). Not part of the API's Recording.
   */
  encrypted?: boolean;
};

export type RecordingPatch = Partial<Omit<StoredRecording, 'id' | 'stream' | 'file' | 'container' | 'startedAt' | 'encrypted'>>;

export const NO_VOD: Vod = { state: 'none', progress: 0, ladder: null, hls: null, dash: null, error: null };

interface Row {
  id: string;
  stream: string;
  file: string;
  container: string;
  state: string;
  started_at: number;
  ended_at: number | null;
  duration_sec: number;
  size_bytes: number;
  video: string | null;
  audio: string | null;
  error: string | null;
  thumbnail: string | null;
  vod: string | null;
  start_pdt: number | null;
  encrypted: number;
}


const fromRow = (r: Row): StoredRecording => ({
  id: r.id,
  stream: r.stream,
  file: r.file,
  container: r.container === 'mkv' ? 'mkv' : 'mp4',
  state: r.state as RecordingState,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  durationSec: r.duration_sec,
  sizeBytes: r.size_bytes,
  video: readJson<StoredRecording['video']>(r.video, null),
  audio: readJson<StoredRecording['audio']>(r.audio, null),
  error: r.error,
  thumbnail: r.thumbnail,
  vod: { ...NO_VOD, ...readJson<Partial<Vod>>(r.vod, {}) },
  ...(r.start_pdt !== null && r.start_pdt !== undefined ? { startPdt: r.start_pdt } : {}),
  ...(r.encrypted ? { encrypted: true } : {}),
});

const COLUMNS: Record<keyof RecordingPatch, string> = {
  state: 'state',
  endedAt: 'ended_at',
  durationSec: 'duration_sec',
  sizeBytes: 'size_bytes',
  video: 'video',
  audio: 'audio',
  error: 'error',
  thumbnail: 'thumbnail',
  vod: 'vod',
  startPdt: 'start_pdt',
};

const JSON_FIELDS = new Set<keyof RecordingPatch>(['video', 'audio', 'vod']);

const toColumn = (field: keyof RecordingPatch, value: unknown): unknown =>
  JSON_FIELDS.has(field) ? (value === null ? null : JSON.stringify(value)) : value;

/** The `recordings` table (migration 3): one row per recorded file. */
export class RecordingStore {
  constructor(private readonly db: Db) {}

  insert(recording: StoredRecording): void {
    this.db
      .prepare(
        `INSERT INTO recordings (id, stream, file, container, state, started_at, ended_at, duration_sec, size_bytes, video, audio, error, thumbnail, vod, encrypted)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        recording.id,
        recording.stream,
        recording.file,
        recording.container,
        recording.state,
        recording.startedAt,
        recording.endedAt,
        recording.durationSec,
        recording.sizeBytes,
        toColumn('video', recording.video),
        toColumn('audio', recording.audio),
        recording.error,
        recording.thumbnail,
        toColumn('vod', recording.vod),
        recording.encrypted ? 1 : 0,
      );
  }

  get(id: string): StoredRecording | undefined {
    const row = this.db.prepare('SELECT * FROM recordings WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  /** Newest first; one stream's when `stream` is given. */
  list(stream?: string): StoredRecording[] {
    const rows =
      stream === undefined
        ? this.db.prepare('SELECT * FROM recordings ORDER BY started_at DESC, id DESC').all()
        : this.db.prepare('SELECT * FROM recordings WHERE stream = ? ORDER BY started_at DESC, id DESC').all(stream);
    return (rows as Row[]).map(fromRow);
  }

  inState(state: RecordingState): StoredRecording[] {
    return (this.db.prepare('SELECT * FROM recordings WHERE state = ? ORDER BY started_at').all(state) as Row[]).map(fromRow);
  }

  /** Applies the patch and returns the updated row (undefined when the id is unknown). */
  update(id: string, patch: RecordingPatch): StoredRecording | undefined {
    const fields = (Object.keys(patch) as (keyof RecordingPatch)[]).filter((f) => patch[f] !== undefined && f in COLUMNS);
    if (fields.length > 0) {
      const sets = fields.map((f) => `${COLUMNS[f]} = ?`).join(', ');
      this.db.prepare(`UPDATE recordings SET ${sets} WHERE id = ?`).run(...fields.map((f) => toColumn(f, patch[f])), id);
    }
    return this.get(id);
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM recordings WHERE id = ?').run(id).changes === 1;
  }
}
