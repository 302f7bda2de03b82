import type { Episode, Show } from '../../../src-shared/contract/index.js';
import type { FieldIssue } from '../../../src-shared/errors.js';

/** What a listener's app sees of an episode: not in the feed, in it later, in it now. */
export type EpisodeStatus = 'draft' | 'scheduled' | 'published';

export function episodeStatus(ep: Pick<Episode, 'status' | 'publishAt'>, now: number): EpisodeStatus {
  if (ep.status === 'draft') return 'draft';
  return ep.publishAt !== null && ep.publishAt > now ? 'scheduled' : 'published';
}

export const STATUS_BADGE: Record<EpisodeStatus, string> = { draft: 'badge-idle', scheduled: 'badge-warn', published: 'badge-ok' };

export const AUDIO_BADGE: Record<Episode['state'], string> = { queued: 'badge-idle', processing: 'badge-accent', ready: 'badge-ok', failed: 'badge-bad' };

/** The audio's state in a line: `Queued · next in line`, `Encoding (loudness) · 42 %`, `Ready`, `Failed: …`. */
export function audioLine(ep: Pick<Episode, 'state' | 'job' | 'error'>): string {
  switch (ep.state) {
    case 'queued': {
      const pos = ep.job?.queuePosition ?? null;
      return pos === null ? 'Queued' : pos === 1 ? 'Queued · next in line' : `Queued · ${pos} in line`;
    }
    case 'processing': {
      const step = ep.job?.step ? ` (${ep.job.step})` : '';
      return `Encoding${step} · ${Math.floor((ep.job?.progress ?? 0) * 100)} %`;
    }
    case 'ready':
      return 'Ready';
    case 'failed':
      return `Failed${ep.error ? `: ${ep.error.message}` : ''}`;
  }
}

export const isEncoding = (ep: Pick<Episode, 'state'>): boolean => ep.state === 'queued' || ep.state === 'processing';

/** `S2 · E5`, `E5`, `S2`, or '' when neither is set. */
export function numberLabel(ep: Pick<Episode, 'season' | 'episode'>): string {
  return [ep.season !== null ? `S${ep.season}` : null, ep.episode !== null ? `E${ep.episode}` : null].filter(Boolean).join(' · ');
}

/** `65` -> `1:05`, `3725` -> `1:02:05`, null -> `—`. */
export function formatLength(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec) || sec < 0) return '—';
  const s = Math.round(sec);
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  return h > 0 ? `${h}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
}

/**
 * The host's VALIDATION_FAILED details as a form's errors, by field (`ownerEmail`); the first message
 * of each field wins; an issue of the whole input (a refine, path '') goes under `form`.
 */
export function errorsByField(fields: readonly FieldIssue[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const { path, message } of fields) {
    const key = path.split('.')[0] || 'form';
    if (!(key in errors)) errors[key] = message;
  }
  return errors;
}

/** The errors left once `patch`'s fields are edited again. */
export function withoutFields(errors: Record<string, string>, patch: object): Record<string, string> {
  return Object.fromEntries(Object.entries(errors).filter(([k]) => !(k in patch)));
}

/** Unix ms as a `<input type="datetime-local">` value, in the browser's time zone. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** A `datetime-local` value (local time) as Unix ms, or null when it is not one. */
export function fromLocalInput(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const date = new Date(y, mo - 1, d, h, mi);
  return date.getMonth() === mo - 1 && date.getDate() === d ? date.getTime() : null;
}

/** The choices of the category select, grouped under their parent: `Arts`, then `Arts > Books`... */
export function categoryGroups(choices: readonly string[]): { parent: string; options: { value: string; label: string }[] }[] {
  const groups: { parent: string; options: { value: string; label: string }[] }[] = [];
  for (const value of choices) {
    const [parent, sub] = value.split(' > ') as [string, string | undefined];
    let group = groups.find((g) => g.parent === parent);
    if (!group) groups.push((group = { parent, options: [] }));
    group.options.push({ value, label: sub ?? `${parent} (all)` });
  }
  return groups;
}

/** The artwork's URL, changed whenever the show is (the file keeps its path when replaced). */
export function artworkUrl(show: Pick<Show, 'artwork' | 'updatedAt'>): string | null {
  if (!show.artwork) return null;
  return `${show.artwork}${show.artwork.includes('?') ? '&' : '?'}v=${show.updatedAt}`;
}

/** `1 episode`, `12 episodes`. */
export const countLabel = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** `in 3 h`, `in 2 days`, `3 min ago`: how far a moment is, roughly. */
export function relativeTime(at: number, now: number): string {
  const diff = at - now;
  const abs = Math.abs(diff);
  const unit = abs < 3_600_000 ? [60_000, 'min'] : abs < 172_800_000 ? [3_600_000, 'h'] : [86_400_000, 'days'];
  const n = Math.max(1, Math.round(abs / (unit[0] as number)));
  const text = `${n} ${unit[1] === 'days' && n === 1 ? 'day' : unit[1]}`;
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}
