/**
 * Low-latency DASH: the MPD of the same window the LL-HLS playlists list, as a pure function
 * (DASH-IF low-latency guidelines: chunked CMAF announced by availabilityTimeOffset and
 * availabilityTimeComplete="false", a ServiceDescription with the target latency, UTCTiming).
 *
 * One Period per run (a run brings a new initialization section), id = the run. Its start is the
 * wall-clock time of the run's first segment relative to availabilityStartTime (in a live MPD, even
 * after that segment left the DVR window: a Period must not move between updates); in each
 * Representation's SegmentTemplate, presentationTimeOffset is that segment's baseDecodeTime and
 * `$Number$` is the media sequence number, so LL-HLS and LL-DASH share the same segment files.
 *
 * Addressing per Period: `@duration` when every segment of the run starts where the nominal duration
 * puts it and lasts that long (within a frame, or 1%), so a player computes the live edge from the
 * clock and asks for the segment being written, which the route streams as its chunks arrive.
 * Otherwise a SegmentTimeline of the complete segments, which a player only learns about from the
 * next MPD: latency then grows by about a segment.
 * An ended stream gets a static MPD starting at its first listed segment, without availability offsets.
 */

import { appendQuery } from '../playlist.js';
import { CLEARKEY_DASH_SCHEME } from '../../../protocols/cmaf/cbcs.js';
import { escapeXml } from '../mpd.js';
import { llUris, type LlRunStart, type LlSegment, type LlTrackInfo, type LlTrackSnapshot } from './types.js';

export interface LlMpdTrack {
  info: LlTrackInfo;
  snapshot: LlTrackSnapshot;
}

export type LlUtcTiming =
  /** The player asks this URL for the time (an ISO 8601 body): `urn:mpeg:dash:utc:http-iso:2014`. */
  | { kind: 'http-iso'; url: string }
  /** The server's clock at writing (Unix ms), in the MPD itself: `urn:mpeg:dash:utc:direct:2014`. */
  | { kind: 'direct'; nowMs: number };

export interface LlMpdInput {
  /** Video renditions and the audio track, in track order; the first video track's runs define the Periods. */
  tracks: readonly LlMpdTrack[];
  /** MPD@availabilityStartTime (Unix ms): fixed for the whole live run of the stream, at or before its first segment. */
  availabilityStartMs: number;
  /** MPD@publishTime (Unix ms): now. */
  publishMs: number;
  /** The segmenter's nominal segment duration and part duration (seconds). */
  segmentSec: number;
  partSec: number;
  minimumUpdatePeriodSec: number;
  /** The DVR window (seconds): timeShiftBufferDepth. */
  timeShiftBufferDepthSec: number;
  /** ServiceDescription Latency@target (and suggestedPresentationDelay), milliseconds. */
  targetLatencyMs: number;
  minLatencyMs?: number;
  maxLatencyMs?: number;
  /** ServiceDescription PlaybackRate: how far a player may speed up or slow down to hold the target (default 0.96-1.04). */
  playbackRate?: { min: number; max: number };
  utcTiming: LlUtcTiming;
  /** Query (without `?`) appended to every initialization and media address; may be ''. */
  query: string;
  /** Static MPD; default: every track's snapshot has ended. */
  ended?: boolean;
  /**
   * A Period's EventStream (timed data, data/timed-metadata.ts) for messages dated in [fromPdt, toPdt):
   * presentation times count from the Period's start, which is its first segment's program date-time.
   */
  eventStream?: (fromPdt: number, toPdt: number) => string;
  /**
   * A cbcs stream: its key id (32 hex digits) and the ClearKey licence server's absolute address. Every
   * AdaptationSet gets the mp4protection descriptor (`cenc:default_KID`) and a ClearKey one with the
   * licence address in `dashif:Laurl` (DASH-IF IOP 7.6.2.4), which dash.js asks through EME.
   */
  protection?: { kid: string; licenceUrl: string; systems?: readonly { systemId: string; pssh: Buffer; laUrl?: string }[] };
}

const DEFAULT_PLAYBACK_RATE = { min: 0.96, max: 1.04 };
const PROFILE = 'urn:mpeg:dash:profile:isoff-live:2011';
const UTC_SCHEME = { 'http-iso': 'urn:mpeg:dash:utc:http-iso:2014', direct: 'urn:mpeg:dash:utc:direct:2014' } as const;
const AUDIO_CHANNELS_SCHEME = 'urn:mpeg:dash:23003:3:audio_channel_configuration:2011';

/** xs:duration in seconds, millisecond precision. */
const dur = (sec: number): string => `PT${Number(Math.max(0, sec).toFixed(3))}S`;
const iso = (unixMs: number): string => new Date(unixMs).toISOString();
const dec = (n: number): string => String(Number(n.toFixed(6)));

function attrs(list: Record<string, string | number | undefined>): string {
  return Object.entries(list)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
}

/** DASH frameRate: an integer, an NTSC fraction (30000/1001), or a decimal. */
function frameRate(fps: number): string {
  if (Number.isInteger(fps)) return String(fps);
  const ntsc = Math.round(fps * 1.001);
  if (Math.abs(fps - (ntsc * 1000) / 1001) < 0.001) return `${ntsc * 1000}/1001`;
  return dec(fps);
}

/** How far a segment may stray from its nominal place and length and still be addressed by @duration. */
function tolerance(info: LlTrackInfo, segmentSec: number): number {
  const frame = info.kind === 'video' && info.fps ? 1 / info.fps : info.sampleRate ? 1024 / info.sampleRate : 0;
  return Math.max(frame, segmentSec / 100);
}

interface Anchor {
  /**
   * Where the Period's timeline is counted from: in a live MPD the run's first segment, even after it
   * left the window (a Period's start, presentationTimeOffset and @duration numbering must not move
   * between updates of the MPD: dash.js stopped asking for segments when they did); in a static MPD
   * the first listed segment.
   */
  origin: LlRunStart;
  /** The run's first listed segment in this track (a SegmentTimeline's startNumber). */
  first: LlSegment;
  segments: LlSegment[];
}

function anchorOf(track: LlMpdTrack, run: string, msn: number, live: boolean): Anchor | null {
  const segments = track.snapshot.segments.filter((s) => s.run === run);
  const first = segments.find((s) => s.msn === msn) ?? segments[0];
  if (!first) return null;
  const origin = (live ? track.snapshot.runStarts?.[run] : undefined) ?? first;
  return { origin, first, segments: segments.filter((s) => s.msn >= first.msn) };
}

/** True when every segment sits where startNumber + k x nominal duration puts it (see the file header). */
function fitsDuration(track: LlMpdTrack, anchor: Anchor, segmentSec: number): boolean {
  const { timescale } = track.snapshot;
  const tol = tolerance(track.info, segmentSec);
  return anchor.segments.every((seg, i) => {
    const k = seg.msn - anchor.origin.msn;
    const start = (seg.baseDecodeTime - anchor.origin.baseDecodeTime) / timescale;
    if (Math.abs(start - k * segmentSec) > tol) return false;
    // A run's last segment may be short: the next Period (or the end) cuts it.
    const lastOfRun = i === anchor.segments.length - 1;
    return !seg.complete || Math.abs(seg.duration - segmentSec) <= tol || (lastOfRun && seg.duration < segmentSec);
  });
}

/** `<S t d r>` of the complete segments, t written where the timeline does not continue the previous entry. */
function timeline(segments: readonly LlSegment[], timescale: number): string[] {
  const entries: { t: number; d: number; r: number; explicitT: boolean }[] = [];
  let next: number | null = null;
  for (const seg of segments) {
    if (!seg.complete) break;
    const d = Math.round(seg.duration * timescale);
    const prev = entries.at(-1);
    const continues = next === seg.baseDecodeTime;
    if (prev && continues && prev.d === d) prev.r += 1;
    else entries.push({ t: seg.baseDecodeTime, d, r: 0, explicitT: !continues });
    next = seg.baseDecodeTime + d;
  }
  return entries.map((e) => `<S${attrs({ t: e.explicitT ? e.t : undefined, d: e.d, r: e.r > 0 ? e.r : undefined })}/>`);
}

interface PeriodPlan {
  run: string;
  startMs: number;
  /** Per track (same order as the input), its segments of the run; null when the track has none. */
  anchors: (Anchor | null)[];
  /** The reference track's segments of the run. */
  reference: Anchor;
  useDuration: boolean;
}

function planPeriods(input: LlMpdInput, live: boolean): PeriodPlan[] {
  const reference = input.tracks.find((t) => t.info.kind === 'video') ?? input.tracks[0];
  if (!reference) return [];
  const plans: PeriodPlan[] = [];
  for (const seg of reference.snapshot.segments) {
    if (plans.at(-1)?.run === seg.run) continue;
    const anchors = input.tracks.map((t) => anchorOf(t, seg.run, seg.msn, live));
    const useDuration = input.tracks.every((t, i) => !anchors[i] || fitsDuration(t, anchors[i]!, input.segmentSec));
    const own = anchorOf(reference, seg.run, seg.msn, live)!;
    plans.push({ run: seg.run, startMs: own.origin.programDateTime, anchors, reference: own, useDuration });
  }
  return plans;
}

function representation(track: LlMpdTrack, anchor: Anchor, plan: PeriodPlan, input: LlMpdInput, live: boolean): string[] {
  const { info, snapshot } = track;
  const q = (uri: string): string => appendQuery(uri, input.query);
  const rep = {
    id: info.index, codecs: info.codec, bandwidth: info.bandwidthBps,
    ...(info.kind === 'video'
      ? { width: info.width, height: info.height, frameRate: info.fps ? frameRate(info.fps) : undefined }
      : { audioSamplingRate: info.sampleRate }),
  };
  const template = attrs({
    timescale: snapshot.timescale,
    presentationTimeOffset: anchor.origin.baseDecodeTime,
    // @duration numbers every segment from the run's start; a timeline numbers from its first entry.
    startNumber: plan.useDuration ? anchor.origin.msn : anchor.first.msn,
    duration: plan.useDuration ? Math.round(input.segmentSec * snapshot.timescale) : undefined,
    initialization: q(llUris.init(plan.run, info.index)),
    media: q(llUris.segmentTemplate(plan.run, info.index)),
    // A segment can be fetched once its first part exists; the route streams the rest as it comes.
    availabilityTimeOffset: live ? dec(input.segmentSec - input.partSec) : undefined,
    availabilityTimeComplete: live ? 'false' : undefined,
  });
  const out = [`      <Representation${attrs(rep)}>`];
  if (info.kind === 'audio' && info.channels) {
    out.push(`        <AudioChannelConfiguration${attrs({ schemeIdUri: AUDIO_CHANNELS_SCHEME, value: info.channels })}/>`);
  }
  if (live && info.kind === 'video') {
    // The wall-clock time of the run's first frame, which the ServiceDescription's Latency refers to
    // (DVB TS 103 285 10.20.4): it agrees with availabilityStartTime and the Period's start, so a
    // player that applies it (dash.js does) finds no offset to correct.
    const prt = { id: 0, type: 'encoder', wallClockTime: iso(anchor.origin.programDateTime), presentationTime: anchor.origin.baseDecodeTime };
    out.push(`        <ProducerReferenceTime${attrs(prt)}/>`);
  }
  if (plan.useDuration) {
    out.push(`        <SegmentTemplate${template}/>`);
  } else {
    out.push(`        <SegmentTemplate${template}>`, '          <SegmentTimeline>');
    out.push(...timeline(anchor.segments, snapshot.timescale).map((s) => `            ${s}`));
    out.push('          </SegmentTimeline>', '        </SegmentTemplate>');
  }
  out.push('      </Representation>');
  return out;
}

function adaptationSets(plan: PeriodPlan, input: LlMpdInput, live: boolean): string[] {
  const out: string[] = [];
  for (const kind of ['video', 'audio'] as const) {
    const reps = input.tracks.flatMap((t, i) => {
      const anchor = plan.anchors[i];
      return t.info.kind === kind && anchor ? [representation(t, anchor, plan, input, live)] : [];
    });
    if (reps.length === 0) continue;
    const set = { id: kind === 'video' ? 0 : 1, contentType: kind, mimeType: `${kind}/mp4`, segmentAlignment: 'true', startWithSAP: 1 };
    out.push(`    <AdaptationSet${attrs(set)}>`, ...(input.protection ? contentProtection(input.protection) : []), ...reps.flat(), '    </AdaptationSet>');
  }
  return out;
}

const CENC_SCHEME = 'urn:mpeg:dash:mp4protection:2011';

const dashed = (hex: string): string => hex.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

/** The namespaces `contentProtection` writes in (on the MPD element). */
export const PROTECTION_NAMESPACES = { 'xmlns:cenc': 'urn:mpeg:cenc:2013', 'xmlns:dashif': 'https://dashif.org/CPS' } as const;

/** An AdaptationSet's ContentProtection elements: cbcs with its default KID, ClearKey with its licence server, then other DRM systems'. */
export function contentProtection(p: NonNullable<LlMpdInput['protection']>): string[] {
  const out = [
    `      <ContentProtection${attrs({ schemeIdUri: CENC_SCHEME, value: 'cbcs', 'cenc:default_KID': dashed(p.kid) })}/>`,
    `      <ContentProtection${attrs({ schemeIdUri: CLEARKEY_DASH_SCHEME, value: 'ClearKey1.0' })}>`,
    `        <dashif:Laurl>${escapeXml(p.licenceUrl)}</dashif:Laurl>`,
    '      </ContentProtection>',
  ];
  // Other DRM systems, as the key provider gave them.
  for (const system of p.systems ?? []) {
    out.push(
      `      <ContentProtection${attrs({ schemeIdUri: `urn:uuid:${dashed(system.systemId)}` })}>`,
      `        <cenc:pssh>${system.pssh.toString('base64')}</cenc:pssh>`,
      ...(system.laUrl ? [`        <dashif:Laurl>${escapeXml(system.laUrl)}</dashif:Laurl>`] : []),
      '      </ContentProtection>',
    );
  }
  return out;
}

/** The LL-DASH MPD of the window (see the file header). */
export function writeLlMpd(input: LlMpdInput): string {
  const ended = input.ended ?? (input.tracks.length > 0 && input.tracks.every((t) => t.snapshot.ended));
  const live = !ended;
  const plans = planPeriods(input, live);
  // Static: the presentation starts at the first listed segment (older ones are gone from disk).
  const origin = live ? input.availabilityStartMs : (plans[0]?.startMs ?? input.availabilityStartMs);
  const mpd: Record<string, string | number | undefined> = {
    xmlns: 'urn:mpeg:dash:schema:mpd:2011',
    ...(input.protection ? PROTECTION_NAMESPACES : {}),
    profiles: PROFILE,
    type: live ? 'dynamic' : 'static',
    minBufferTime: dur(input.segmentSec),
  };
  if (live) {
    Object.assign(mpd, {
      availabilityStartTime: iso(input.availabilityStartMs),
      publishTime: iso(input.publishMs),
      minimumUpdatePeriod: dur(input.minimumUpdatePeriodSec),
      timeShiftBufferDepth: dur(input.timeShiftBufferDepthSec),
      suggestedPresentationDelay: dur(input.targetLatencyMs / 1000),
      maxSegmentDuration: dur(input.segmentSec),
    });
  } else {
    const last = plans.at(-1);
    const endMs = last ? last.startMs + last.reference.segments.reduce((sum, s) => sum + s.duration, 0) * 1000 : origin;
    mpd.mediaPresentationDuration = dur((endMs - origin) / 1000);
  }
  const out = ['<?xml version="1.0" encoding="utf-8"?>', `<MPD${attrs(mpd)}>`];
  if (live) {
    const rate = input.playbackRate ?? DEFAULT_PLAYBACK_RATE;
    out.push(
      '  <ServiceDescription id="0">',
      `    <Latency${attrs({ referenceId: 0, target: Math.round(input.targetLatencyMs), min: input.minLatencyMs, max: input.maxLatencyMs })}/>`,
      `    <PlaybackRate${attrs({ min: dec(rate.min), max: dec(rate.max) })}/>`,
      '  </ServiceDescription>',
    );
  }
  plans.forEach((plan, i) => {
    out.push(`  <Period${attrs({ id: plan.run, start: dur((plan.startMs - origin) / 1000) })}>`);
    // EventStream comes before the AdaptationSets (ISO/IEC 23009-1 Period's element order).
    const events = input.eventStream?.(plan.startMs, plans[i + 1]?.startMs ?? Infinity);
    if (events) out.push(events);
    out.push(...adaptationSets(plan, input, live), '  </Period>');
  });
  if (live) {
    const t = input.utcTiming;
    const value = t.kind === 'http-iso' ? t.url : iso(t.nowMs);
    out.push(`  <UTCTiming${attrs({ schemeIdUri: UTC_SCHEME[t.kind], value })}/>`);
  }
  out.push('</MPD>');
  return out.join('\n') + '\n';
}
