import type { Chapter } from '../../../src-shared/contract/index.js';
import { formatClock } from '../../../src-shared/dvr.js';

/** One row of the chapter editor as typed: the time stays text until it is saved. */
export interface ChapterDraft {
  key: number;
  start: string;
  title: string;
}

let nextKey = 1;

/** `31.46` -> `0:31.5`: the clock with tenths when there are some, so a detected chapter edits back to its time. */
export function chapterClock(sec: number): string {
  const tenths = Math.round(sec * 10) % 10;
  return tenths ? `${formatClock(sec)}.${tenths}` : formatClock(Math.round(sec));
}

export function draftsOf(chapters: Chapter[]): ChapterDraft[] {
  return [...chapters].sort((a, b) => a.startSec - b.startSec).map((c) => ({ key: nextKey++, start: chapterClock(c.startSec), title: c.title }));
}

/** `1:02:05`, `2:05`, `125` or `2:05.5` -> seconds; null when it is none of these. */
export function parseClock(text: string): number | null {
  const m = /^(?:(?:(\d+):)?(\d{1,2}):)?(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (!m) return null;
  const [h, min, sec] = [Number(m[1] ?? 0), Number(m[2] ?? 0), Number(m[3])];
  if ((m[2] !== undefined && sec >= 60) || (m[1] !== undefined && min >= 60)) return null;
  return h * 3600 + min * 60 + sec;
}

/** A new row at the playhead (or after the last chapter), titled after its place. */
export function addDraft(drafts: ChapterDraft[], atSec: number): ChapterDraft[] {
  const draft = { key: nextKey++, start: chapterClock(atSec), title: `Chapter ${drafts.length + 1}` };
  return [...drafts, draft];
}

export interface ChapterCheck {
  /** Sorted by start, ready for videos.update; null while any row has an error. */
  chapters: Chapter[] | null;
  errors: Record<number, string>;
}

/** The rows as chapters, or why not: a time that is no time, past the end, twice the same, an empty title. */
export function checkDrafts(drafts: ChapterDraft[], durationSec: number | null): ChapterCheck {
  const errors: Record<number, string> = {};
  const seen = new Map<number, number>();
  const chapters: Chapter[] = [];
  for (const d of drafts) {
    const start = parseClock(d.start);
    const title = d.title.trim();
    if (start === null) errors[d.key] = 'Write the time as m:ss or h:mm:ss';
    else if (durationSec !== null && start >= durationSec) errors[d.key] = `Starts after the end (${formatClock(durationSec)})`;
    else if (seen.has(start)) errors[d.key] = 'Another chapter starts at the same time';
    else if (!title) errors[d.key] = 'Give it a title';
    else if (title.length > 200) errors[d.key] = 'Keep the title under 200 characters';
    if (start !== null) seen.set(start, d.key);
    if (start !== null && !errors[d.key]) chapters.push({ startSec: start, title });
  }
  const ok = Object.keys(errors).length === 0;
  return { chapters: ok ? chapters.sort((a, b) => a.startSec - b.startSec) : null, errors };
}

/** Whether the rows say something else than what is saved (the Save button's state). */
export function draftsChanged(drafts: ChapterDraft[], saved: Chapter[]): boolean {
  const { chapters } = checkDrafts(drafts, null);
  if (!chapters) return true;
  const sorted = [...saved].sort((a, b) => a.startSec - b.startSec);
  // Times compare at the tenth the editor shows.
  const same = (a: number, b: number) => Math.abs(a - b) < 0.05;
  return chapters.length !== sorted.length || chapters.some((c, i) => !same(c.startSec, sorted[i]!.startSec) || c.title !== sorted[i]!.title);
}
