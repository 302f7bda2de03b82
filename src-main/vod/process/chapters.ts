import type { Chapter } from '../../../src-shared/contract/videos.js';
import { vttTime } from './sprite-plan.js';

/**
 * Chapters from scene changes: ffmpeg's `select='gt(scene,0.4)',showinfo` prints one line per frame
 * that differs enough from the previous one; those instants, thinned out, become "Chapter N". Pure.
 */

/** `pts_time:12.345` of each showinfo line, in order. */
export function parseSceneTimes(stderr: string): number[] {
  const times: number[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.includes('Parsed_showinfo')) continue;
    const match = /\bpts_time:\s*(-?[\d.]+)/.exec(line);
    if (match) times.push(Number(match[1]));
  }
  return times.filter((t) => Number.isFinite(t)).sort((a, b) => a - b);
}

export interface ChapterOptions {
  /** Scenes closer than this to the previous chapter start are merged into it: 30 s, a sixth of a shorter video. */
  minGapSec?: number;
  maxChapters?: number;
}

/**
 * Chapter 1 starts at 0; a scene change starts a new chapter when it lies at least minGapSec after
 * the previous start and before the end by as much (a 3-second closing chapter helps nobody). Beyond
 * maxChapters, the chapters kept are spread evenly over the ones found.
 */
export function chaptersFromScenes(sceneTimes: readonly number[], durationSec: number, options: ChapterOptions = {}): Chapter[] {
  const minGap = options.minGapSec ?? Math.min(30, Math.max(1, durationSec / 6));
  const max = options.maxChapters ?? 20;
  const starts = [0];
  for (const t of [...sceneTimes].sort((a, b) => a - b)) {
    if (t - starts.at(-1)! >= minGap && (durationSec <= 0 || durationSec - t >= minGap)) starts.push(t);
  }
  let kept = starts;
  if (starts.length > max) {
    kept = Array.from({ length: max }, (_, i) => starts[Math.round((i * (starts.length - 1)) / (max - 1))]!);
  }
  return kept.map((t, i) => ({ startSec: Math.round(t * 1000) / 1000, title: `Chapter ${i + 1}` }));
}

/** WebVTT chapters: each runs to the next one's start, the last to the end. */
export function chaptersVtt(chapters: readonly Chapter[], durationSec: number): string {
  const sorted = [...chapters].sort((a, b) => a.startSec - b.startSec);
  const lines = ['WEBVTT', ''];
  sorted.forEach((chapter, i) => {
    const end = i + 1 < sorted.length ? sorted[i + 1]!.startSec : durationSec;
    if (!(end > chapter.startSec)) return;
    // A cue text cannot hold a blank line or "-->": titles are one plain line.
    const title = chapter.title.replace(/\s+/g, ' ').replaceAll('-->', '->').trim();
    lines.push(`${i + 1}`, `${vttTime(chapter.startSec)} --> ${vttTime(end)}`, title, '');
  });
  return lines.join('\n');
}
