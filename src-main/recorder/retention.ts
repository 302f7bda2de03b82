import type { Logger } from '../core/logger.js';

/**
 * Which recordings to delete: those older than retentionDays, then the oldest ones while free space
 * is below the floor, when that reaches the floor. A recording in progress (or being converted) is
 * never chosen.
 */

export interface RetentionCandidate {
  id: string;
  startedAt: number;
  endedAt: number | null;
  /** Bytes its deletion frees (file, thumbnail and VOD). */
  bytes: number;
  /** Being recorded or converted. */
  busy: boolean;
}

export interface RetentionPolicy {
  now: number;
  /** 0 keeps recordings forever. */
  retentionDays: number;
  freeBytes: number;
  minFreeBytes: number;
}

export interface RetentionVictim {
  id: string;
  reason: 'age' | 'space';
}

const DAY_MS = 86_400_000;

/** Pure: the recordings to delete, in the order to delete them. */
export function planRetention(recordings: readonly RetentionCandidate[], policy: RetentionPolicy): RetentionVictim[] {
  const oldestFirst = recordings.filter((r) => !r.busy).sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id));
  const victims: RetentionVictim[] = [];
  const chosen = new Set<string>();
  let free = policy.freeBytes;
  if (policy.retentionDays > 0) {
    const cutoff = policy.now - policy.retentionDays * DAY_MS;
    for (const r of oldestFirst) {
      if ((r.endedAt ?? r.startedAt) >= cutoff) continue;
      victims.push({ id: r.id, reason: 'age' });
      chosen.add(r.id);
      free += r.bytes;
    }
  }
  // Deleting an empty recording frees nothing: it is left to the age rule.
  const deletable = oldestFirst.filter((r) => !chosen.has(r.id) && r.bytes > 0);
  // When deleting every one of them would still leave the disk under the floor (something else filled
  // it), deleting them gains nothing a recording could use: they are all kept.
  if (free + deletable.reduce((sum, r) => sum + r.bytes, 0) < policy.minFreeBytes) return victims;
  for (const r of deletable) {
    if (free >= policy.minFreeBytes) break;
    victims.push({ id: r.id, reason: 'space' });
    free += r.bytes;
  }
  return victims;
}

export interface RetentionSweep {
  candidates: () => RetentionCandidate[];
  policy: () => RetentionPolicy;
  remove: (id: string, reason: RetentionVictim['reason']) => Promise<void>;
  logger: Logger;
}

/** Plans and applies one sweep; one failed deletion does not stop the others. Returns what was deleted. */
export async function sweepRetention(sweep: RetentionSweep): Promise<RetentionVictim[]> {
  const policy = sweep.policy();
  const victims = planRetention(sweep.candidates(), policy);
  const done: RetentionVictim[] = [];
  for (const victim of victims) {
    try {
      await sweep.remove(victim.id, victim.reason);
      done.push(victim);
    } catch (error) {
      sweep.logger.warn({ err: error, id: victim.id }, 'retention could not delete a recording');
    }
  }
  if (done.length > 0) {
    sweep.logger.info(
      { age: done.filter((v) => v.reason === 'age').length, space: done.filter((v) => v.reason === 'space').length, freeBytes: policy.freeBytes },
      'retention deleted recordings',
    );
  }
  return done;
}
