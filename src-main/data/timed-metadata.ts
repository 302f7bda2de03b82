import { RESERVED_CHANNELS, type DataMessage } from '../../src-shared/contract/data.js';

/**
 * Data messages written into the media: a tap on the hub (`onMessage`) keeps, per stream, the latest
 * messages that have a program date-time, and the packagers read them back: HLS/LL-HLS media playlists
 * as EXT-X-DATERANGE tags, the DASH MPD as an EventStream, the WebRTC data channel as they come.
 * The studio's own channels stay out: the chat goes its own way (its panel), and window results are
 * aggregates over many moments, not data of one frame.
 *
 * Bounded: `maxPerStream` messages per stream (the oldest go first: a long DVR window with a busy channel
 * shows only the latest in its playlists; players fetch older ones with data.messages), and a message's
 * data over `maxDataBytes` is not inlined: its tag says X-TRUNCATED and the player fetches it.
 */

export const DATERANGE_CLASS = 'com.streams-studio.data';
export const EVENT_SCHEME = 'urn:streams-studio:data';
const EXCLUDED_CHANNELS = new Set<string>(RESERVED_CHANNELS);

export interface TimedMetadataOptions {
  maxPerStream?: number;
  maxDataBytes?: number;
  /** Date-range text per playlist answer (LL-HLS playlists are fetched several times a second): the newest that fit. */
  maxPlaylistBytes?: number;
}

/** Kept messages of a stream in a program-time span, e.g. from the hub: every channel's `messages(..., {fromPdt, toPdt})`. */
export type ReplaySource = (stream: string, fromPdt: number, toPdt: number) => DataMessage[];

/** A message as a packager writes it: its program date-time is known. */
export type TimedMessage = DataMessage & { programDateTime: number };

export class TimedMetadata {
  private readonly streams = new Map<string, TimedMessage[]>();
  private readonly listeners = new Map<string, Set<(message: TimedMessage) => void>>();
  private history: ReplaySource | undefined;
  /**
   * Each message's tag, made once: a low-latency playlist is answered several times a second to every
   * viewer, each with up to maxPlaylistBytes of tags (made anew each time, they took a sixth of the
   * host's CPU in the soak, with JSON, base64 and dates for 500 messages per answer).
   */
  private readonly tags = new WeakMap<TimedMessage, string>();
  /** Per stream: a count of its kept messages' changes, and the last date ranges asked for. */
  private readonly versions = new Map<string, number>();
  private readonly lastDateRanges = new Map<string, { version: number; fromPdt: number; lines: readonly string[] }>();
  readonly maxPerStream: number;
  readonly maxDataBytes: number;
  readonly maxPlaylistBytes: number;

  constructor(options: TimedMetadataOptions = {}) {
    this.maxPerStream = options.maxPerStream ?? 500;
    this.maxDataBytes = options.maxDataBytes ?? 2048;
    this.maxPlaylistBytes = options.maxPlaylistBytes ?? 64 * 1024;
  }

  /** The hub's tap (DataHubPort.onMessage). Messages without program time (not live) stay out of the media. */
  onMessage(message: DataMessage): void {
    if (message.programDateTime === null || EXCLUDED_CHANNELS.has(message.channel)) return;
    const timed = message as TimedMessage;
    let list = this.streams.get(message.stream);
    if (!list) this.streams.set(message.stream, (list = []));
    // Kept in program-time order: a publisher's own media time may be behind the newest message's.
    let at = list.length;
    while (at > 0 && list[at - 1]!.programDateTime > timed.programDateTime) at -= 1;
    list.splice(at, 0, timed);
    if (list.length > this.maxPerStream) list.splice(0, list.length - this.maxPerStream);
    this.versions.set(message.stream, (this.versions.get(message.stream) ?? 0) + 1);
    for (const listener of this.listeners.get(message.stream) ?? []) listener(timed);
  }

  /** Kept messages of `stream` with a program date-time in [fromPdt, toPdt], oldest first. */
  messages(stream: string, fromPdt = -Infinity, toPdt = Infinity): TimedMessage[] {
    return (this.streams.get(stream) ?? []).filter((m) => m.programDateTime >= fromPdt && m.programDateTime <= toPdt);
  }

  /**
   * Where replays (a recording's VOD, a long DVR window) read messages older than memory holds: the
   * hub's store, once it exists (entry/data.ts). Without it, replays see what memory kept.
   */
  useHistory(source: ReplaySource): void {
    this.history = source;
  }

  /** Messages of a span of the program timeline for a replay, oldest first (the studio's own channels left out). */
  replay(stream: string, fromPdt: number, toPdt: number): TimedMessage[] {
    if (!this.history) return this.messages(stream, fromPdt, toPdt);
    return this.history(stream, fromPdt, toPdt)
      .filter((m): m is TimedMessage => m.programDateTime !== null && m.programDateTime >= fromPdt && m.programDateTime <= toPdt && !EXCLUDED_CHANNELS.has(m.channel))
      .sort((a, b) => a.programDateTime - b.programDateTime);
  }

  /**
   * A VOD page's replay of a recording (`/watch/<id>` of a video made from it): its first frame's
   * program date-time and the messages of its span, at most `max` (the newest).
   */
  recordingReplay(recording: { stream: string; startPdt?: number | null; durationSec: number }, max = 5000): { startPdt: number; messages: { id: string; channel: string; seq: number; programDateTime: number; data: unknown }[] } | null {
    if (recording.startPdt === null || recording.startPdt === undefined) return null;
    const messages = this.replay(recording.stream, recording.startPdt, recording.startPdt + recording.durationSec * 1000).slice(-max);
    return {
      startPdt: recording.startPdt,
      messages: messages.map((m) => ({ id: `${m.channel}-${m.seq}`, channel: m.channel, seq: m.seq, programDateTime: m.programDateTime, data: inlineData(m, this.maxDataBytes) === null ? null : m.data })),
    };
  }

  /** EXT-X-DATERANGE lines of a replayed span (a recording's VOD playlists). */
  replayDateRanges(stream: string, fromPdt: number, toPdt: number): string[] {
    return this.newestThatFit(this.replay(stream, fromPdt, toPdt));
  }

  /**
   * EXT-X-DATERANGE lines for a playlist whose window starts at `fromPdt` (RFC 8216bis: dates in the
   * window). The same array while nothing changed (no new message, the same window start): the
   * low-latency routes keep each written playlist for as long as its date ranges are the same.
   */
  dateRanges(stream: string, fromPdt: number): readonly string[] {
    const version = this.versions.get(stream) ?? 0;
    const last = this.lastDateRanges.get(stream);
    if (last && last.version === version && last.fromPdt === fromPdt) return last.lines;
    const lines = this.newestThatFit(this.messages(stream, fromPdt));
    this.lastDateRanges.set(stream, { version, fromPdt, lines });
    return lines;
  }

  private newestThatFit(messages: readonly TimedMessage[]): string[] {
    const out: string[] = [];
    let bytes = 0;
    for (let i = messages.length - 1; i >= 0; i -= 1) {
      const message = messages[i]!;
      let tag = this.tags.get(message);
      if (tag === undefined) this.tags.set(message, (tag = dateRangeTag(message, this.maxDataBytes)));
      if ((bytes += tag.length + 1) > this.maxPlaylistBytes) break;
      out.push(tag);
    }
    return out.reverse();
  }

  /** A DASH EventStream of the messages dated in [fromPdt, toPdt) for a Period starting at fromPdt ('' when none). */
  eventStream(stream: string, fromPdt: number, toPdt: number): string {
    return eventStreamXml(this.messages(stream, fromPdt, toPdt).filter((m) => m.programDateTime < toPdt), fromPdt, this.maxDataBytes);
  }

  /** Each new message of `stream` as it comes (the WebRTC data channel); returns the off switch. */
  subscribe(stream: string, listener: (message: TimedMessage) => void): () => void {
    let set = this.listeners.get(stream);
    if (!set) this.listeners.set(stream, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(stream);
    };
  }

  /** The stream was deleted. */
  forget(stream: string): void {
    this.streams.delete(stream);
    this.versions.delete(stream);
    this.lastDateRanges.delete(stream);
  }
}

/** The message's data as base64url JSON, or null when it is over `maxBytes` (the player fetches it). */
export function inlineData(message: DataMessage, maxBytes: number): string | null {
  const json = Buffer.from(JSON.stringify(message.data ?? null), 'utf8');
  return json.length > maxBytes ? null : json.toString('base64url');
}

/** One EXT-X-DATERANGE tag (RFC 8216bis 4.4.5.1): client attributes X-CHANNEL, X-SEQ, X-DATA. */
export function dateRangeTag(message: TimedMessage, maxDataBytes: number): string {
  const data = inlineData(message, maxDataBytes);
  // Attribute values are quoted strings: ids, channel names ([a-z0-9_-]), ISO dates and base64url hold no quote.
  const attrs = [
    `ID="${message.channel}-${message.seq}"`,
    `CLASS="${DATERANGE_CLASS}"`,
    `START-DATE="${new Date(message.programDateTime).toISOString()}"`,
    `X-CHANNEL="${message.channel}"`,
    `X-SEQ="${message.seq}"`,
    data === null ? 'X-TRUNCATED="YES"' : `X-DATA="${data}"`,
  ];
  return `#EXT-X-DATERANGE:${attrs.join(',')}`;
}

/**
 * A DASH EventStream for a Period that starts at `periodStartPdt` (Unix ms) on the program timeline:
 * presentationTime in ms (timescale 1000) from the Period's start; each Event's body is the message JSON
 * (the data as JSON, left out over the size bound as for HLS).
 */
export function eventStreamXml(messages: readonly TimedMessage[], periodStartPdt: number, maxDataBytes: number): string {
  if (messages.length === 0) return '';
  const events = messages
    .filter((m) => m.programDateTime >= periodStartPdt)
    .map((m) => {
      const data = inlineData(m, maxDataBytes);
      const at = Math.round(m.programDateTime - periodStartPdt);
      const body = { channel: m.channel, seq: m.seq, programDateTime: m.programDateTime, data: data === null ? null : m.data, truncated: data === null };
      return `      <Event presentationTime="${at}" duration="0" id="${m.seq}">${xmlEscape(JSON.stringify(body))}</Event>`;
    });
  if (events.length === 0) return '';
  return [`    <EventStream schemeIdUri="${EVENT_SCHEME}" value="data" timescale="1000">`, ...events, '    </EventStream>'].join('\n');
}

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A WebRTC time map: the RTP timestamp (90 kHz) of a frame, its media time and program date-time. */
export interface TimeMap {
  rtp: number;
  mediaTime: number;
  programDateTime: number;
}
