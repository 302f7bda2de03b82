import fs from 'node:fs/promises';
import path from 'node:path';
import { Fmp4StreamReader } from '../../protocols/cmaf/fmp4-reader.js';

/**
 * Where each segment of the standard packager (ffmpeg's dash muxer, one moof per segment) sits on the
 * program timeline, for the stitched HLS playlists: EXT-X-PROGRAM-DATE-TIME from the media clock and
 * EXTINF equal to the media's own duration (hls.js places date ranges on the EXTINF timeline).
 *
 * The muxer starts each track's decode times at 0 with the first packet it got: the packager tells us
 * that packet's FLV time per session folder (`firstMedia`), so a segment's media time is that plus its
 * tfdt. A segment's timing is read once (init + segment parsed) and kept: its date is fixed while the
 * live run that wrote it is on, so a later run's anchor never moves it. Bounded: the newest entries stay.
 */

export interface SegmentTiming {
  programDateTime: number;
  durationSec: number;
}

const MAX_ENTRIES = 4096;
/** A segment larger than this is not parsed (its playlist keeps ffmpeg's values). */
const MAX_SEGMENT_BYTES = 64 * 1024 * 1024;
const CHUNK_RE = /^chunk-(?:[a-z0-9]+-)?stream(\d{1,3})-\d{1,9}\.m4s$/;

export class SegmentTimes {
  private readonly firsts = new Map<string, { video?: number; audio?: number }>();
  private readonly timings = new Map<string, Promise<SegmentTiming | null>>();
  private readonly periodStarts = new Map<string, number>();

  constructor(private readonly clock: { programDateTime(stream: string, mediaTime: number): number | null }) {}

  /** The packager fed its first `kind` frame (FLV ms) to the run writing into `dir`. */
  firstMedia(dir: string, kind: 'video' | 'audio', mediaTime: number): void {
    const entry = this.firsts.get(dir) ?? {};
    entry[kind] ??= mediaTime;
    this.firsts.set(dir, entry);
    if (this.firsts.size > MAX_ENTRIES / 8) this.firsts.delete(this.firsts.keys().next().value!);
  }

  /**
   * The program date-time of the session's DASH Period start (its time 0: the first video frame, else
   * audio), kept once known; null before the packager's first frame or the clock's anchor.
   */
  periodStartPdt(stream: string, dir: string): number | null {
    const known = this.periodStarts.get(dir);
    if (known !== undefined) return known;
    const first = this.firsts.get(dir);
    const t = first?.video ?? first?.audio;
    const pdt = t === undefined ? null : this.clock.programDateTime(stream, t);
    if (pdt === null) return null;
    this.periodStarts.set(dir, Math.round(pdt));
    if (this.periodStarts.size > MAX_ENTRIES / 8) this.periodStarts.delete(this.periodStarts.keys().next().value!);
    return Math.round(pdt);
  }

  /** The segment `file` of session folder `dir` of `stream`, or null when it cannot be placed (yet). */
  timing(stream: string, dir: string, file: string): Promise<SegmentTiming | null> {
    const key = path.join(dir, file);
    let found = this.timings.get(key);
    if (!found) {
      found = this.read(stream, dir, file);
      this.timings.set(key, found);
      // A miss is retried on the next request (the clock or the first frame may come later).
      void found.then((t) => {
        if (t === null) this.timings.delete(key);
      });
      if (this.timings.size > MAX_ENTRIES) this.timings.delete(this.timings.keys().next().value!);
    }
    return found;
  }

  private async read(stream: string, dir: string, file: string): Promise<SegmentTiming | null> {
    const match = CHUNK_RE.exec(file);
    if (!match) return null;
    try {
      const init = await fs.readFile(path.join(dir, file.replace(/-\d{1,9}\.m4s$/, '.m4s').replace(/^chunk-/, 'init-')));
      const stat = await fs.stat(path.join(dir, file));
      if (stat.size > MAX_SEGMENT_BYTES) return null;
      const segment = await fs.readFile(path.join(dir, file));
      return this.place(stream, dir, init, segment);
    } catch {
      return null;
    }
  }

  /** @internal Pure apart from the clock: the timing of a segment from its init section and bytes. */
  place(stream: string, dir: string, init: Buffer, segment: Buffer): SegmentTiming | null {
    let timescale = 0;
    let kind: 'video' | 'audio' = 'video';
    let start: number | null = null;
    let ticks = 0;
    for (const event of new Fmp4StreamReader().push(Buffer.concat([init, segment]))) {
      if (event.kind === 'init') {
        timescale = event.track.timescale;
        kind = event.track.handler === 'soun' ? 'audio' : 'video';
      } else {
        start ??= event.baseDecodeTime;
        for (const sample of event.samples) ticks += sample.duration;
      }
    }
    const first = this.firsts.get(dir)?.[kind];
    if (!(timescale > 0) || start === null || first === undefined) return null;
    const programDateTime = this.clock.programDateTime(stream, first + (start * 1000) / timescale);
    return programDateTime === null ? null : { programDateTime: Math.round(programDateTime), durationSec: ticks / timescale };
  }
}
