import type { FfmpegInfo } from '../../src-shared/contract/index.js';
import type { Db } from './db.js';

/** Persists ffmpeg probe results, keyed by binary path, size and mtime, so restarts skip trial encodes. */
export class SqliteProbeCache {
  constructor(private readonly db: Db) {}

  get(key: string): FfmpegInfo | undefined {
    const row = this.db.prepare('SELECT info FROM ffmpeg_probe WHERE key = ?').get(key) as { info: string } | undefined;
    if (!row) return undefined;
    try {
      return JSON.parse(row.info) as FfmpegInfo;
    } catch {
      return undefined;
    }
  }

  set(key: string, info: FfmpegInfo): void {
    this.db
      .prepare('INSERT OR REPLACE INTO ffmpeg_probe (key, info, probed_at) VALUES (?, ?, ?)')
      .run(key, JSON.stringify(info), info.probedAt ?? Date.now());
  }
}
