import fs from 'node:fs';
import path from 'node:path';
import type { Chapter } from '../../../src-shared/contract/videos.js';
import { writeFileAtomicSync } from '../../core/atomic-file.js';
import { chaptersVtt } from './chapters.js';
import { masterWithSubtitles, mpdWithSubtitles, subtitlePlaylist, subtitlePlaylistFile, type SubtitleTrack } from './subtitles.js';

/** The files of a processed video that change after processing: manifests, subtitles, chapters, outputs.json. */

export const OUTPUTS_FILE = 'outputs.json';
export const MASTER = 'master.m3u8';
export const MANIFEST = 'manifest.mpd';
export const CHAPTERS_FILE = 'chapters.vtt';
export const PREVIEWS_FILE = 'previews.vtt';
export const POSTER_FILE = 'poster.jpg';
export const MP4_FILE = 'video.mp4';

/** Written whole or not at all: a reader (the file server, an edge) never sees half a manifest. */
export async function writeAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await fs.promises.writeFile(tmp, content);
    await fs.promises.rename(tmp, file);
  } catch (error) {
    await fs.promises.rm(tmp, { force: true });
    throw error;
  }
}

export async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.promises.readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Lists exactly `tracks` (their `subs/<id>.vtt` already in place) in the HLS master and the MPD, with a
 * playlist per track; playlists of tracks no longer listed go. No re-encoding.
 */
export async function applySubtitles(videoDir: string, tracks: readonly SubtitleTrack[], durationSec?: number): Promise<void> {
  const duration = durationSec ?? (await readJson<{ durationSec?: number }>(path.join(videoDir, OUTPUTS_FILE)))?.durationSec;
  if (!(duration !== undefined && duration > 0)) throw new Error(`no duration known for ${videoDir}`);
  for (const t of tracks) await writeAtomic(path.join(videoDir, subtitlePlaylistFile(t.id)), subtitlePlaylist(t.id, duration));
  const master = path.join(videoDir, MASTER);
  const mpd = path.join(videoDir, MANIFEST);
  await writeAtomic(master, masterWithSubtitles(await fs.promises.readFile(master, 'utf8'), tracks));
  await writeAtomic(mpd, mpdWithSubtitles(await fs.promises.readFile(mpd, 'utf8'), tracks));
  // outputs.json lists the tracks as the manifests do.
  const outputsFile = path.join(videoDir, OUTPUTS_FILE);
  const outputs = await readJson<Record<string, unknown>>(outputsFile);
  if (outputs) await writeAtomic(outputsFile, JSON.stringify({ ...outputs, subtitles: tracks.map((t) => ({ id: t.id, language: t.language, label: t.label })) }, null, 2));
  const keep = new Set(tracks.map((t) => subtitlePlaylistFile(t.id)));
  for (const name of await fs.promises.readdir(videoDir)) {
    if (/^subs_.*\.m3u8$/.test(name) && !keep.has(name)) await fs.promises.rm(path.join(videoDir, name), { force: true });
  }
}

/** chapters.vtt from the chapters as saved (after an edit in the UI as after detection); synchronous, whole or not at all. */
export function writeChaptersVtt(videoDir: string, chapters: readonly Chapter[], durationSec: number): void {
  writeFileAtomicSync(path.join(videoDir, CHAPTERS_FILE), chaptersVtt(chapters, durationSec));
}

/** The init segment and the media segments of one output stream of the dash muxer, in order. */
export function streamSegments(dir: string, generation: string, stream: number): string[] {
  const names = fs.readdirSync(dir);
  const init = `init-${generation}-stream${stream}.m4s`;
  if (!names.includes(init)) throw new Error(`no ${init} in the encoded output`);
  const chunk = new RegExp(`^chunk-${generation}-stream${stream}-(\\d+)\\.m4s$`);
  const chunks = names
    .map((n) => ({ n, m: chunk.exec(n) }))
    .filter((x) => x.m !== null)
    .sort((a, b) => Number(a.m![1]) - Number(b.m![1]))
    .map((x) => path.join(dir, x.n));
  if (chunks.length === 0) throw new Error(`no segments of stream ${stream} in the encoded output`);
  return [path.join(dir, init), ...chunks];
}

/** A new output folder in place of the old in two renames; the old one removed after. */
export async function replaceDir(tmp: string, outDir: string): Promise<void> {
  const old = `${outDir}.old`;
  await fs.promises.rm(old, { recursive: true, force: true });
  if (fs.existsSync(outDir)) await fs.promises.rename(outDir, old);
  await fs.promises.rename(tmp, outDir);
  await fs.promises.rm(old, { recursive: true, force: true });
}
