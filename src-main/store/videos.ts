import type { Chapter, VideoEncryption, VideoPreset, VideoState, VideoVisibility } from '../../src-shared/contract/videos.js';
import { readJson, type Db } from './db.js';

export interface StoredSubtitle {
  id: string;
  language: string;
  label: string;
}

export interface VideoMedia {
  durationSec: number;
  width: number | null;
  height: number | null;
  sizeBytes: number;
}

/** What processing made (outputs.json of the video's folder), as far as the API lists it. */
export interface VideoOutputFiles {
  thumbnails: string[];
}

export interface StoredVideo {
  id: string;
  owner: string;
  title: string;
  description: string;
  visibility: VideoVisibility;
  /** Served encrypted (AES-128 HLS, keys to its viewers only; no clear MP4 or MPD). */
  encryption: VideoEncryption;
  tags: string[];
  source: 'upload' | 'recording';
  uploadId: string | null;
  recordingId: string | null;
  fileName: string | null;
  state: VideoState;
  preset: VideoPreset;
  normalizeLoudness: boolean;
  error: { code: string; message: string } | null;
  media: VideoMedia | null;
  outputs: VideoOutputFiles | null;
  subtitles: StoredSubtitle[];
  chapters: Chapter[];
  views: number;
  createdAt: number;
  updatedAt: number;
  readyAt: number | null;
}

type Row = {
  id: string;
  owner: string;
  title: string;
  description: string;
  visibility: string;
  encryption: string;
  tags: string;
  source: string;
  upload_id: string | null;
  recording_id: string | null;
  file_name: string | null;
  state: string;
  preset: string;
  normalize_loudness: number;
  error: string | null;
  media: string | null;
  outputs: string | null;
  subtitles: string;
  chapters: string;
  views: number;
  created_at: number;
  updated_at: number;
  ready_at: number | null;
};


const toVideo = (r: Row): StoredVideo => ({
  id: r.id,
  owner: r.owner,
  title: r.title,
  description: r.description,
  visibility: r.visibility as VideoVisibility,
  encryption: r.encryption === 'aes-128' ? 'aes-128' : 'none',
  tags: readJson<string[]>(r.tags, []),
  source: r.source as StoredVideo['source'],
  uploadId: r.upload_id,
  recordingId: r.recording_id,
  fileName: r.file_name,
  state: r.state as VideoState,
  preset: r.preset as VideoPreset,
  normalizeLoudness: r.normalize_loudness === 1,
  error: readJson(r.error, null),
  media: readJson(r.media, null),
  outputs: readJson(r.outputs, null),
  subtitles: readJson<StoredSubtitle[]>(r.subtitles, []),
  chapters: readJson<Chapter[]>(r.chapters, []),
  views: r.views,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  readyAt: r.ready_at,
});

type Patchable = Omit<StoredVideo, 'id' | 'owner' | 'source' | 'createdAt' | 'views'>;

const COLUMNS: { [K in keyof Patchable]: [column: string, encode: (value: Patchable[K]) => unknown] } = {
  title: ['title', (v) => v],
  description: ['description', (v) => v],
  visibility: ['visibility', (v) => v],
  encryption: ['encryption', (v) => v],
  tags: ['tags', (v) => JSON.stringify(v)],
  uploadId: ['upload_id', (v) => v],
  recordingId: ['recording_id', (v) => v],
  fileName: ['file_name', (v) => v],
  state: ['state', (v) => v],
  preset: ['preset', (v) => v],
  normalizeLoudness: ['normalize_loudness', (v) => (v ? 1 : 0)],
  error: ['error', (v) => (v === null ? null : JSON.stringify(v))],
  media: ['media', (v) => (v === null ? null : JSON.stringify(v))],
  outputs: ['outputs', (v) => (v === null ? null : JSON.stringify(v))],
  subtitles: ['subtitles', (v) => JSON.stringify(v)],
  chapters: ['chapters', (v) => JSON.stringify(v)],
  updatedAt: ['updated_at', (v) => v],
  readyAt: ['ready_at', (v) => v],
};

/** The videos of the library (one row each; lists are small enough to filter in memory). */
export class VideoStore {
  constructor(private readonly db: Db) {}

  list(): StoredVideo[] {
    return (this.db.prepare('SELECT * FROM videos ORDER BY created_at DESC, id').all() as Row[]).map(toVideo);
  }

  get(id: string): StoredVideo | undefined {
    const row = this.db.prepare('SELECT * FROM videos WHERE id = ?').get(id) as Row | undefined;
    return row ? toVideo(row) : undefined;
  }

  byUpload(uploadId: string): StoredVideo | undefined {
    const row = this.db.prepare('SELECT * FROM videos WHERE upload_id = ?').get(uploadId) as Row | undefined;
    return row ? toVideo(row) : undefined;
  }

  insert(video: StoredVideo): StoredVideo {
    this.db
      .prepare(
        `INSERT INTO videos (id, owner, title, description, visibility, encryption, tags, source, upload_id, recording_id, file_name, state, preset,
           normalize_loudness, error, media, outputs, subtitles, chapters, views, created_at, updated_at, ready_at)
         VALUES (@id, @owner, @title, @description, @visibility, @encryption, @tags, @source, @uploadId, @recordingId, @fileName, @state, @preset,
           @normalizeLoudness, @error, @media, @outputs, @subtitles, @chapters, @views, @createdAt, @updatedAt, @readyAt)`,
      )
      .run({
        ...video,
        tags: JSON.stringify(video.tags),
        normalizeLoudness: video.normalizeLoudness ? 1 : 0,
        error: video.error === null ? null : JSON.stringify(video.error),
        media: video.media === null ? null : JSON.stringify(video.media),
        outputs: video.outputs === null ? null : JSON.stringify(video.outputs),
        subtitles: JSON.stringify(video.subtitles),
        chapters: JSON.stringify(video.chapters),
      });
    return video;
  }

  /** Changes the given fields (updatedAt included when given); returns the row after, or undefined when gone. */
  update(id: string, patch: Partial<Patchable>): StoredVideo | undefined {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [key, value] of Object.entries(patch) as [keyof Patchable, never][]) {
      if (value === undefined) continue;
      const [column, encode] = COLUMNS[key] as [string, (v: unknown) => unknown];
      sets.push(`${column} = ?`);
      values.push(encode(value));
    }
    if (sets.length > 0) this.db.prepare(`UPDATE videos SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
    return this.get(id);
  }

  addView(id: string): void {
    this.db.prepare('UPDATE videos SET views = views + 1 WHERE id = ?').run(id);
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM videos WHERE id = ?').run(id).changes > 0;
  }
}
