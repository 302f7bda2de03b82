import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../core/atomic-file.js';

/**
 * Crash loops. A host that dies while it starts (killed, a native crash, an error nobody caught)
 * leaves `HOME/starting.json` behind, which counts the starts that did not finish and says how far
 * the last one got. After CRASH_LOOP_STARTS of them in a row the next start is a safe mode: the UI,
 * the API and sign-in only, with no media servers, jobs or automatic restarts of anything, and the
 * reason on the page, so the owner can see what failed and change the config instead of watching the
 * host die again. A start that stays up for STABLE_MS, or stops cleanly, or refuses to start with a
 * clear error (bad config, port in use: the person has a message), clears the count.
 */

export const CRASH_LOOP_STARTS = 3;
export const STABLE_MS = 30_000;

export interface StartRecord {
  /** Starts in a row that did not finish, this one included. */
  attempts: number;
  /** How far the start got: `database`, `wiring`, `service:<name>`, `running`. */
  phase: string;
  /** The error that ended a start, when one was caught. */
  error: string | null;
  pid: number;
  at: number;
}

/** Why this start is a safe mode: what the UI and the console say. */
export interface SafeMode {
  attempts: number;
  phase: string;
  error: string | null;
  /** One sentence for people. */
  reason: string;
}

/** The sentence a safe-mode host shows. */
export function safeModeReason(previous: StartRecord): string {
  const how = previous.error ? `failed with "${previous.error}"` : 'was killed or crashed';
  const where = previous.phase === 'running' ? 'just after it started' : `while starting ${previous.phase.replace(/^service:/, 'the service ')}`;
  return `The last ${previous.attempts} starts did not finish: the last one ${how} ${where}. Media servers, jobs and automatic starts are off until the next normal start.`;
}

export class StartGuard {
  private record: StartRecord;
  private cleared = false;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly file: string,
    readonly previous: StartRecord | null,
    readonly safeMode: SafeMode | null,
  ) {
    this.record = { attempts: (previous?.attempts ?? 0) + 1, phase: 'database', error: null, pid: process.pid, at: Date.now() };
    this.write();
  }

  /** Reads what the last start left, counts this one, and decides on a safe mode (or `force` it). */
  static begin(home: string, options: { force?: boolean } = {}): StartGuard {
    const file = path.join(home, 'starting.json');
    const previous = readRecord(file);
    const looping = previous !== null && previous.attempts >= CRASH_LOOP_STARTS;
    const safeMode: SafeMode | null = looping
      ? { attempts: previous.attempts, phase: previous.phase, error: previous.error, reason: safeModeReason(previous) }
      : options.force
        ? { attempts: 0, phase: 'asked', error: null, reason: 'Started in safe mode on request (--safe-mode): media servers, jobs and automatic starts are off.' }
        : null;
    return new StartGuard(file, previous, safeMode);
  }

  phase(name: string): void {
    if (this.cleared) return;
    this.record = { ...this.record, phase: name };
    this.write();
  }

  /** The start ended with an error: counted, with its message, for the next start to show. */
  failed(error: unknown): void {
    if (this.cleared) return;
    this.record = { ...this.record, error: error instanceof Error ? error.message : String(error) };
    this.write();
  }

  /** Started: the count is cleared once the host has stayed up for STABLE_MS. */
  started(): void {
    this.phase('running');
    this.timer = setTimeout(() => this.clear(), STABLE_MS);
    this.timer.unref();
  }

  /** Not a crash: a clean stop, a stable run, or a refusal with a clear message. */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.cleared = true;
    fs.rmSync(this.file, { force: true });
  }

  /**
   * Written whole or not at all (a new file renamed over the old): a host killed while it writes,
   * which is when this file matters, must leave the last record, not an empty file that counts as no
   * crash at all (a fresh-clone test run caught a fourth start after three kills starting normally).
   */
  private write(): void {
    try {
      writeFileAtomicSync(this.file, `${JSON.stringify(this.record)}\n`);
    } catch {
      // A home we cannot write to fails the start a moment later, with its own clear error.
    }
  }
}

function readRecord(file: string): StartRecord | null {
  try {
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<StartRecord>;
    if (typeof record.attempts !== 'number' || typeof record.phase !== 'string') return null;
    return { attempts: record.attempts, phase: record.phase, error: typeof record.error === 'string' ? record.error : null, pid: Number(record.pid) || 0, at: Number(record.at) || 0 };
  } catch {
    return null;
  }
}
