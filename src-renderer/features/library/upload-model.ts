/** The upload dialog's arithmetic, pure: chunking, parallel parts, speed and time left. */

export const CHUNK_BYTES = 5 * 1024 * 1024;
/** The concatenation extension takes up to 10 partial uploads; a few already fill a link. */
export const MAX_PARTS = 4;

/** Parallel parts for a file: one per 4 chunks at least (tiny parts cost more requests than they save), at most MAX_PARTS. */
export function partsFor(size: number): number {
  return Math.max(1, Math.min(MAX_PARTS, Math.floor(size / (4 * CHUNK_BYTES))));
}

/** The last part of an upload URL (`/api/v1/uploads/abc` -> `abc`): what videos.list takes as uploadId. */
export function uploadIdOf(url: string | null): string | null {
  if (!url) return null;
  const path = url.replace(/[?#].*$/, '').replace(/\/+$/, '');
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last ? decodeURIComponent(last) : null;
}

/** A rate that follows the link without jumping on each progress event: an exponential mean over ~3 s. */
export function smoothRate(previous: number | null, bytes: number, ms: number): number | null {
  if (ms <= 0) return previous;
  const now = (bytes / ms) * 1000;
  if (previous === null) return now;
  const weight = Math.min(1, ms / 3000);
  return previous + (now - previous) * weight;
}

/** Seconds until the bytes left are sent at `rate`, or null without a rate. */
export function secondsLeft(sent: number, size: number, rate: number | null): number | null {
  return rate && rate > 0 ? Math.max(0, (size - sent) / rate) : null;
}
