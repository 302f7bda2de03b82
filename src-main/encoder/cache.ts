import fs from 'node:fs';
import type { FfmpegInfo } from '../../src-shared/contract/system.js';

/** Where probe results are kept between runs (the store backs it with SQLite). */
export interface FfmpegProbeCache {
  get(key: string): FfmpegInfo | undefined;
  set(key: string, info: FfmpegInfo): void;
}

/** Bumped when a probe learns to read more (v2: option capabilities), so older cached probes are redone. */
const PROBE_FORMAT = 2;

/** Same path, size and mtime: the same binary, so its probe still holds. Null when the file cannot be read. */
export function probeCacheKey(file: string): string | null {
  try {
    const stat = fs.statSync(file);
    return `v${PROBE_FORMAT}|${file}|${stat.size}|${stat.mtimeMs}`;
  } catch {
    return null;
  }
}

/** A cache that lives as long as the process: for tests and for hosts without a store. */
export class MemoryProbeCache implements FfmpegProbeCache {
  private readonly entries = new Map<string, FfmpegInfo>();

  get(key: string): FfmpegInfo | undefined {
    const info = this.entries.get(key);
    return info && structuredClone(info);
  }

  set(key: string, info: FfmpegInfo): void {
    this.entries.set(key, structuredClone(info));
  }

  get size(): number {
    return this.entries.size;
  }
}
