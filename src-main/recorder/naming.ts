import crypto from 'node:crypto';

/**
 * Names of recordings: ids, file names on disk, the name a download is saved under, and the URLs a
 * Recording carries. Pure except newRecordingId (random).
 */

export const RECORDING_ID_RE = /^rec_[a-z0-9]{12}$/;

export function newRecordingId(): string {
  return `rec_${crypto.randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12)}`;
}

export const isRecordingId = (id: string): boolean => RECORDING_ID_RE.test(id);

const pad = (n: number): string => String(n).padStart(2, '0');

/** `2024-05-01_14-03-09` in UTC: sorts by time and is valid on every file system. */
export function stamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}_${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}`;
}

/** The file in the recordings folder: `<stream>_<utc stamp>_<id>.<container>` (stream names are already file-safe). */
export function recordingFileName(stream: string, startedAt: number, id: string, container: 'mp4' | 'mkv'): string {
  return `${stream}_${stamp(startedAt)}_${id}.${container}`;
}

export const thumbnailFileName = (id: string): string => `${id}.jpg`;

/** What a browser saves the download as: `main 2024-05-01 14-03-09.mp4`. */
export function downloadFileName(stream: string, startedAt: number, container: 'mp4' | 'mkv'): string {
  return `${stream} ${stamp(startedAt).replace('_', ' ')}.${container}`;
}

/** Content-Disposition for a download: an ASCII fallback plus the RFC 5987 UTF-8 form. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export const recordingUrls = {
  file: (id: string): string => `/api/v1/recordings/${id}/file`,
  thumbnail: (id: string): string => `/api/v1/recordings/${id}/thumbnail.jpg`,
  hls: (id: string): string => `/vod/${id}/index.m3u8`,
  dash: (id: string): string => `/vod/${id}/manifest.mpd`,
};
