import type { Video, VideoState, VideoVisibility } from '../../../src-shared/contract/index.js';
import { runnerWords, type RunnerNames } from '../edges/runners-model.js';

export const VIDEO_BADGE: Record<VideoState, string> = {
  uploading: 'badge-accent',
  queued: 'badge-idle',
  processing: 'badge-accent',
  ready: 'badge-ok',
  failed: 'badge-bad',
};

export const VIDEO_STATE_WORDS: Record<VideoState, string> = {
  uploading: 'The file is still arriving',
  queued: 'Waiting for its turn in the processing queue',
  processing: 'Being made into HLS, DASH, an MP4, thumbnails and previews',
  ready: 'Ready to play and share',
  failed: 'Processing failed: process it again, or delete it',
};

export const VISIBILITY_WORDS: Record<VideoVisibility, { label: string; explain: string }> = {
  public: { label: 'Public', explain: 'Anyone with the link; listed' },
  unlisted: { label: 'Unlisted', explain: 'Anyone with the link; not listed' },
  private: { label: 'Private', explain: 'Only with a signed link that expires' },
};

/** A time left for people: `40` -> `less than a minute`, `130` -> `about 3 min`, `4000` -> `about 1 h 7 min`. */
export function formatEta(sec: number | null | undefined): string | null {
  if (sec === null || sec === undefined || !Number.isFinite(sec) || sec < 0) return null;
  if (sec < 60) return 'less than a minute';
  const min = Math.ceil(sec / 60);
  if (min < 60) return `about ${min} min`;
  const h = Math.floor(min / 60);
  return `about ${h} h${min % 60 ? ` ${min % 60} min` : ''}`;
}

const ORDINAL: Record<number, string> = { 1: 'next', 2: '2nd', 3: '3rd' };

/**
 * What happens next to a video, in one line: the upload dialog and the video page show it. A job on a
 * transcoding runner says which (`runnerNames`: id -> name; the id when the name is not known).
 */
export function nextStep(video: Pick<Video, 'state' | 'progress' | 'etaSec' | 'job' | 'error' | 'upload'>, runnerNames: RunnerNames = {}): string {
  const eta = formatEta(video.etaSec ?? video.job?.etaSec);
  switch (video.state) {
    case 'uploading': {
      const { offset = 0, size = null } = video.upload ?? {};
      return size ? `Uploading · ${Math.floor((offset / size) * 100)} %` : 'Uploading';
    }
    case 'queued': {
      const pos = video.job?.queuePosition ?? null;
      const place = pos === null ? 'Queued' : `Queued · ${ORDINAL[pos] ?? `${pos}th`} in line`;
      return eta ? `${place} · ready in ${eta}` : place;
    }
    case 'processing': {
      const step = video.job?.step ? ` (${video.job.step})` : '';
      const where = runnerWords(video.job?.runner, runnerNames);
      const done = `Processing${step} · ${Math.floor(video.progress * 100)} %${where ? ` · ${where}` : ''}`;
      return eta ? `${done} · ${eta} left` : done;
    }
    case 'ready':
      return 'Ready';
    case 'failed':
      return `Failed${video.error ? `: ${video.error.message}` : ''}`;
  }
}

export interface LibraryFilter {
  q: string;
  state: VideoState | '';
  visibility: VideoVisibility | '';
  tag: string;
}

export const NO_FILTER: LibraryFilter = { q: '', state: '', visibility: '', tag: '' };

/** Newest first; the search matches every word in the title, description, tags or file name. */
export function filterVideos(videos: Record<string, Video>, filter: LibraryFilter): Video[] {
  const words = filter.q.toLowerCase().split(/\s+/).filter(Boolean);
  return Object.values(videos)
    .filter((v) => !filter.state || v.state === filter.state)
    .filter((v) => !filter.visibility || v.visibility === filter.visibility)
    .filter((v) => !filter.tag || v.tags.includes(filter.tag))
    .filter((v) => {
      if (words.length === 0) return true;
      const haystack = [v.title, v.description, v.fileName ?? '', ...v.tags].join(' ').toLowerCase();
      return words.every((w) => haystack.includes(w));
    })
    .sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
}

export function allTags(videos: Record<string, Video>): string[] {
  return [...new Set(Object.values(videos).flatMap((v) => v.tags))].sort((a, b) => a.localeCompare(b));
}

/** `talk, Demo ,talk,,` -> `['talk', 'Demo']`: the tags field as typed. */
export function parseTags(text: string): string[] {
  const seen = new Set<string>();
  return text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t && !seen.has(t.toLowerCase()) && seen.add(t.toLowerCase()));
}

/** A title from a file name: `my_trip-2024.final.mp4` -> `my trip 2024.final`. */
export function titleFromFile(name: string): string {
  const bare = name.replace(/\.[a-z0-9]{2,4}$/i, '').replace(/[_-]+/g, ' ').trim();
  return (bare || name).slice(0, 200);
}

export type SubtitleFormat = 'srt' | 'vtt' | 'ass';

export function subtitleFormatOf(fileName: string): SubtitleFormat | null {
  const ext = /\.([a-z]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  return ext === 'srt' || ext === 'vtt' || ext === 'ass' ? ext : ext === 'ssa' ? 'ass' : null;
}

/** `2 · 1920×1080 · 4m 5s`-like facts: a video's size when known. */
export function resolutionOf(video: Pick<Video, 'width' | 'height'>): string | null {
  return video.width && video.height ? `${video.width}×${video.height}` : null;
}

/** `1234` -> `1,234 views`; `1` -> `1 view`. */
export function formatViews(views: number): string {
  return `${views.toLocaleString('en-US')} ${views === 1 ? 'view' : 'views'}`;
}
