import type { Chapter } from '../../src-shared/contract/videos.js';

/**
 * The ffmpeg command lines of an episode's audio (pure): the loudness measurement is the library's
 * (vod/process/process-args.ts); here the two renditions podcast apps take, each normalised with the
 * measured values: AAC in an M4A (`ipod` muxer, moov first so a player starts before the end arrives)
 * and MP3 with its ID3v2.4 tag: text frames, chapters (CHAP, from the ffmetadata input) and the
 * artwork as an attached picture (APIC, front cover). ffmpeg writes no CTOC: id3-toc.ts adds it.
 */

const HEAD = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'level+warning', '-nostats', '-progress', 'pipe:1'];

export interface EpisodeTags {
  title: string;
  /** The show's author. */
  artist: string;
  /** The show's title. */
  album: string;
  /** YYYY or YYYY-MM-DD. */
  date: string;
  comment: string;
  track: number | null;
  genre: string;
}

/** A value in an ffmetadata file: `=`, `;`, `#`, `\` and line breaks escaped with a backslash. */
export function metadataValue(text: string): string {
  return text.replace(/[\\=;#\n]/g, (c) => `\\${c}`).replace(/\r/g, '');
}

/**
 * The ffmetadata file: global tags, then one [CHAPTER] per chapter, each ending where the next starts
 * (the last at the end). Chapters at or past the end are dropped; none when there is only one at 0.
 */
export function ffmetadata(tags: EpisodeTags, chapters: readonly Chapter[], durationSec: number): string {
  const lines = [';FFMETADATA1'];
  const put = (key: string, value: string | number | null): void => {
    if (value !== null && value !== '') lines.push(`${key}=${metadataValue(String(value))}`);
  };
  put('title', tags.title);
  put('artist', tags.artist);
  put('album_artist', tags.artist);
  put('album', tags.album);
  put('date', tags.date);
  put('genre', tags.genre);
  put('track', tags.track);
  put('comment', tags.comment.slice(0, 1000));
  const totalMs = Math.round(durationSec * 1000);
  const kept = [...chapters].sort((a, b) => a.startSec - b.startSec).filter((c) => Math.round(c.startSec * 1000) < totalMs);
  if (kept.length === 1 && kept[0]!.startSec === 0) kept.length = 0;
  kept.forEach((c, i) => {
    const start = Math.round(c.startSec * 1000);
    const end = i + 1 < kept.length ? Math.round(kept[i + 1]!.startSec * 1000) : totalMs;
    if (end <= start) return;
    lines.push('[CHAPTER]', 'TIMEBASE=1/1000', `START=${start}`, `END=${end}`);
    put('title', c.title);
  });
  return `${lines.join('\n')}\n`;
}

export interface EpisodeAudioArgs {
  input: string;
  /** The ffmetadata file (ffmetadata()). */
  metadata: string;
  /** A square JPEG for the MP3's APIC, or null. */
  artwork: string | null;
  /** loudnorm's second pass, or null to leave the level as it is. */
  audioFilter: string | null;
  /** Of the source's first audio stream: podcasts are mono or stereo. */
  channels: number;
  m4a: string;
  mp3: string;
  /** AAC and MP3 bit rate, kb/s (for both channels). */
  bitrateKbps?: number;
}

/**
 * Both renditions from one ffmpeg (one decode, one loudnorm): MP3 (libmp3lame, CBR, ID3v2.4 without
 * an ID3v1 tail) and M4A (AAC-LC). The chapters go to both; the artwork to the MP3 only (the npm
 * ffmpeg 4.1 cannot write an MP4 cover).
 */
export function episodeAudioArgs(o: EpisodeAudioArgs): string[] {
  const kbps = o.bitrateKbps ?? 128;
  const channels = String(Math.min(Math.max(o.channels, 1), 2));
  const filter = o.audioFilter ? ['-af', o.audioFilter] : [];
  const meta = o.artwork ? '2' : '1';
  const inputs = ['-i', o.input, ...(o.artwork ? ['-i', o.artwork] : []), '-f', 'ffmetadata', '-i', o.metadata];
  const mp3 = [
    '-map', '0:a:0', ...(o.artwork ? ['-map', '1:v:0'] : []),
    '-map_metadata', meta, '-map_chapters', meta,
    ...filter, '-ac', channels, '-c:a', 'libmp3lame', '-b:a', `${kbps}k`,
    ...(o.artwork ? ['-c:v', 'copy', '-disposition:v:0', 'attached_pic', '-metadata:s:v:0', 'title=Cover (front)', '-metadata:s:v:0', 'comment=Cover (front)'] : []),
    '-id3v2_version', '4', '-write_id3v1', '0', '-f', 'mp3', o.mp3,
  ];
  const m4a = [
    '-map', '0:a:0', '-map_metadata', meta, '-map_chapters', meta,
    ...filter, '-ac', channels, '-c:a', 'aac', '-b:a', `${kbps}k`,
    '-movflags', '+faststart', '-f', 'ipod', o.m4a,
  ];
  return [...HEAD, ...inputs, ...mp3, ...m4a];
}

/** A picture (JPEG, PNG...) made a square JPEG of `size` px (covered and centred, as directories crop). */
export function artworkArgs(input: string, output: string, size = 1400): string[] {
  return [
    '-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-i', input, '-frames:v', '1',
    '-vf', `scale=${size}:${size}:force_original_aspect_ratio=increase,crop=${size}:${size},format=yuvj420p`,
    '-q:v', '3', '-f', 'image2', '-c:v', 'mjpeg', output,
  ];
}
