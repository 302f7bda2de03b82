import { EDGE_DOWNLOADS_BATCH, type EdgeDownloadRecord } from '../../src-shared/contract/cdn.js';

/** Lines kept while the origin is away; past it the oldest go (counted in `dropped`). */
const MAX_PENDING = 50_000;

/** One line of nginx's podcast log (nginx-conf.ts, PODCAST_LOG_FORMAT), or null. */
export function parsePodcastLine(line: string): EdgeDownloadRecord | null {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof raw.t !== 'number' || typeof raw.u !== 'string' || typeof raw.s !== 'number' || typeof raw.ip !== 'string') return null;
  const text = (value: unknown, max: number): string => (typeof value === 'string' ? value.slice(0, max) : '');
  const contentRange = text(raw.cr, 128);
  return {
    at: Math.round(raw.t * 1000),
    ip: raw.ip.slice(0, 64),
    userAgent: text(raw.ua, 512),
    method: text(raw.m, 16),
    uri: raw.u.slice(0, 1024),
    status: raw.s,
    bytes: typeof raw.b === 'number' && raw.b >= 0 ? Math.floor(raw.b) : 0,
    contentRange: contentRange === '' ? null : contentRange,
  };
}

/**
 * The edge's podcast download lines on their way to the origin: kept until the origin link sends them
 * (a batch with each heartbeat), the oldest dropped past a bound while the origin is away.
 */
export class PodcastLog {
  private pending: EdgeDownloadRecord[] = [];
  dropped = 0;

  readonly onLine = (line: string): void => {
    const record = parsePodcastLine(line);
    if (!record) return;
    this.pending.push(record);
    if (this.pending.length > MAX_PENDING) {
      const over = this.pending.length - MAX_PENDING;
      this.pending.splice(0, over);
      this.dropped += over;
    }
  };

  /** The next batch, taken off the queue. */
  take(): EdgeDownloadRecord[] {
    return this.pending.splice(0, EDGE_DOWNLOADS_BATCH);
  }

  /** A batch the link could not send goes back in front. */
  putBack(records: EdgeDownloadRecord[]): void {
    this.pending.unshift(...records);
  }

  get size(): number {
    return this.pending.length;
  }
}
