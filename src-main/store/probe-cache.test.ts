import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FfmpegInfo } from '../../src-shared/contract/index.js';
import { openDatabase, type Db } from './db.js';
import { SqliteProbeCache } from './probe-cache.js';

const info = (over: Partial<FfmpegInfo> = {}): FfmpegInfo => ({
  found: true,
  path: '/usr/bin/ffmpeg',
  source: 'path',
  version: '6.1.1',
  ffprobePath: '/usr/bin/ffprobe',
  probedAt: 1_700_000_000_000,
  cached: false,
  encoders: [{ name: 'libx264', codec: 'h264', vendor: 'software', hardware: false, compiledIn: true, usable: true, probeMs: 40 }],
  features: { hls: true, srt: false },
  missing: ['SRT protocol'],
  ...over,
});

describe('SqliteProbeCache', () => {
  let db: Db;
  let cache: SqliteProbeCache;
  beforeEach(() => {
    db = openDatabase(':memory:');
    cache = new SqliteProbeCache(db);
  });
  afterEach(() => {
    vi.useRealTimers();
    db.close();
  });

  it('misses an unknown key', () => {
    expect(cache.get('/usr/bin/ffmpeg:1:2')).toBeUndefined();
  });

  it('returns what was stored, field for field', () => {
    cache.set('k1', info());
    expect(cache.get('k1')).toEqual(info());
    expect(db.prepare('SELECT probed_at FROM ffmpeg_probe WHERE key = ?').get('k1')).toEqual({ probed_at: 1_700_000_000_000 });
  });

  it('replaces the entry of the same key and keeps others apart', () => {
    cache.set('k1', info({ version: '6.0' }));
    cache.set('k2', info({ version: '7.0' }));
    cache.set('k1', info({ version: '6.1' }));
    expect(cache.get('k1')?.version).toBe('6.1');
    expect(cache.get('k2')?.version).toBe('7.0');
    expect(db.prepare('SELECT COUNT(*) AS n FROM ffmpeg_probe').get()).toEqual({ n: 2 });
  });

  it('stamps the current time when the info has no probedAt', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_800_000_000_000);
    cache.set('k', info({ probedAt: null }));
    expect(db.prepare('SELECT probed_at FROM ffmpeg_probe').get()).toEqual({ probed_at: 1_800_000_000_000 });
    expect(cache.get('k')?.probedAt).toBeNull();
  });

  it('treats a corrupt row as a miss', () => {
    db.prepare("INSERT INTO ffmpeg_probe (key, info, probed_at) VALUES ('bad', '{not json', 1)").run();
    expect(cache.get('bad')).toBeUndefined();
  });
});
