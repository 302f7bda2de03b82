import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Video } from '../../src-shared/contract/videos.js';
import { StudioError } from '../core/errors.js';
import type { StoredSubtitle } from '../store/videos.js';
import type { VideoLibrary } from './library.js';

export type SubtitleFormat = 'srt' | 'vtt' | 'ass';

/** A subtitle track as processing takes it: its source file, converted to WebVTT into the outputs. */
export interface SubtitleSource extends StoredSubtitle {
  file: string;
}

export interface SubtitleServiceOptions {
  library: Pick<VideoLibrary, 'stored' | 'dirOf' | 'setSubtitles'>;
  /** `<library>/subtitles`: the files as uploaded, one folder per video (kept for processing again). */
  dir: string;
  /** Converts an uploaded file to WebVTT (throws with the reason when it is not one of its format). */
  toWebVtt: (source: string, output: string) => Promise<void>;
  /** Lists the tracks in a ready video's HLS master and MPD (the files are in `<videoDir>/subs/`). */
  apply: (videoDir: string, tracks: readonly StoredSubtitle[]) => Promise<void>;
}

// Made on first use: building it at load read 4.6 MB of ICU's data into every host's memory at start.
let languageNames: Intl.DisplayNames | undefined;

/** "English", "Portuguese (Brazil)"; the code itself when unknown. */
export function languageLabel(language: string): string {
  try {
    languageNames ??= new Intl.DisplayNames(['en'], { type: 'language' });
    return languageNames.of(language) ?? language;
  } catch {
    return language;
  }
}

/**
 * Subtitle tracks of a video: kept as uploaded, converted to WebVTT and listed in the master and the
 * MPD at once when the video is ready (else by its processing), without encoding anything again.
 */
export class SubtitleService {
  constructor(private readonly o: SubtitleServiceOptions) {}

  /** The tracks of a video with their uploaded files, for processing. */
  sourcesOf(videoId: string, tracks: readonly StoredSubtitle[]): SubtitleSource[] {
    const folder = path.join(this.o.dir, videoId);
    const files = fs.existsSync(folder) ? fs.readdirSync(folder) : [];
    return tracks.flatMap((t) => {
      const file = files.find((f) => f.startsWith(`${t.id}.`));
      return file ? [{ ...t, file: path.join(folder, file) }] : [];
    });
  }

  async add(id: string, input: { language: string; label?: string; format: SubtitleFormat; content: string }): Promise<Video> {
    const video = this.o.library.stored(id);
    if (video.subtitles.length >= 20) throw new StudioError('CONFLICT', 'a video has at most 20 subtitle tracks');
    const track: StoredSubtitle = { id: crypto.randomBytes(6).toString('hex'), language: input.language, label: input.label ?? languageLabel(input.language) };
    const folder = path.join(this.o.dir, id);
    fs.mkdirSync(folder, { recursive: true });
    const source = path.join(folder, `${track.id}.${input.format}`);
    fs.writeFileSync(source, input.content);
    // Converted now even when the video is not ready: a file that is not what it claims is refused here.
    const checked = path.join(folder, `${track.id}.check.vtt`);
    try {
      await this.o.toWebVtt(source, checked);
    } catch (error) {
      fs.rmSync(source, { force: true });
      throw new StudioError('BAD_REQUEST', `not a ${input.format.toUpperCase()} subtitle file: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      fs.rmSync(checked, { force: true });
    }
    const tracks = [...video.subtitles, track];
    await this.publish(id, video.state === 'ready', tracks, { id: track.id, source });
    return this.o.library.setSubtitles(id, tracks);
  }

  async remove(id: string, subtitleId: string): Promise<Video> {
    const video = this.o.library.stored(id);
    if (!video.subtitles.some((t) => t.id === subtitleId)) throw new StudioError('NOT_FOUND', `no subtitle track "${subtitleId}"`);
    const tracks = video.subtitles.filter((t) => t.id !== subtitleId);
    await this.publish(id, video.state === 'ready', tracks);
    for (const file of fs.existsSync(path.join(this.o.dir, id)) ? fs.readdirSync(path.join(this.o.dir, id)) : []) {
      if (file.startsWith(`${subtitleId}.`)) fs.rmSync(path.join(this.o.dir, id, file), { force: true });
    }
    fs.rmSync(path.join(this.o.library.dirOf(id), 'subs', `${subtitleId}.vtt`), { force: true });
    return this.o.library.setSubtitles(id, tracks);
  }

  /** Deletes the uploaded files of a video (it is being deleted). */
  removeAll(videoId: string): void {
    fs.rmSync(path.join(this.o.dir, videoId), { recursive: true, force: true });
  }

  private async publish(id: string, ready: boolean, tracks: StoredSubtitle[], added?: { id: string; source: string }): Promise<void> {
    if (!ready) return;
    const videoDir = this.o.library.dirOf(id);
    if (added) {
      fs.mkdirSync(path.join(videoDir, 'subs'), { recursive: true });
      await this.o.toWebVtt(added.source, path.join(videoDir, 'subs', `${added.id}.vtt`));
    }
    await this.o.apply(videoDir, tracks);
  }
}
