import fs from 'node:fs';
import path from 'node:path';
import type { LiveSession } from './types.js';

/** Continue the same playlists (with a discontinuity) when a publisher returns within this time. */
const RESUME_WINDOW_MS = 5 * 60_000;

/**
 * Whether a new session joins the previous run's playlists: a restarted packager always does, a
 * returning publisher when the last session ended less than `windowMs` ago.
 */
export function continuesRun(last: LiveSession | undefined, continuing: boolean, now: number, windowMs: number): boolean {
  if (continuing) return true;
  return last !== undefined && last.endedAt !== null && now - last.endedAt < windowMs;
}

/**
 * The packager session folders of every stream (`<root>/<stream>/<session id>`), oldest first: what
 * the playback routes stitch into one playlist. Every packager run writes to a new one.
 */
export class LiveSessions {
  private readonly byStream = new Map<string, LiveSession[]>();
  private counter = 0;

  constructor(private readonly options: { root: string; resumeWindowMs?: number }) {}

  /** Wipes the root (at start): nothing stale is ever served. */
  reset(): void {
    fs.rmSync(this.options.root, { recursive: true, force: true });
    fs.mkdirSync(this.options.root, { recursive: true });
    this.byStream.clear();
  }

  /** A new session folder; `continuing` for a restarted packager of the same publish. */
  open(name: string, continuing = false): LiveSession {
    const list = this.byStream.get(name) ?? [];
    const now = Date.now();
    const resume = continuesRun(list.at(-1), continuing, now, this.options.resumeWindowMs ?? RESUME_WINDOW_MS);
    // The stitched playlists number segments across every session of the current run: keep them all
    // (each session's ffmpeg deletes its own old segments); a run that ended long ago is dropped.
    const kept = resume ? list : [];
    for (const old of list) if (!kept.includes(old)) fs.rmSync(old.dir, { recursive: true, force: true });
    const id = `${now.toString(36)}${(this.counter++).toString(36)}`;
    const dir = path.join(this.options.root, name, id);
    fs.mkdirSync(dir, { recursive: true });
    const session: LiveSession = { id, dir, startedAt: now, endedAt: null, renditions: [], discontinuityBefore: resume };
    this.byStream.set(name, [...kept, session]);
    return session;
  }

  /** The current session's packager exited. */
  end(name: string): void {
    const current = this.byStream.get(name)?.at(-1);
    if (current && current.endedAt === null) current.endedAt = Date.now();
  }

  of(name: string): LiveSession[] {
    return this.byStream.get(name) ?? [];
  }

  /** The stream was deleted: its sessions and their folders go. */
  forget(name: string): void {
    this.byStream.delete(name);
    // Retried: a low-latency run's last writes may still be landing in the folder as it goes.
    fs.rmSync(path.join(this.options.root, name), { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  }
}
