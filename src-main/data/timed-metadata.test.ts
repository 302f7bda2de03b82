import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../test-support/golden.js';
import type { DataMessage } from '../../src-shared/contract/data.js';
import { parseAttributes } from '../servers/hls/playlist.js';
import { dateRangeTag, eventStreamXml, TimedMetadata, type TimedMessage } from './timed-metadata.js';

const T0 = Date.UTC(2026, 0, 1);
const golden = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url);

function message(seq: number, pdt: number | null, data: unknown = { score: seq }, channel = 'score', stream = 'cam'): DataMessage {
  return {
    id: `${channel}:${seq}`, stream, channel, seq, at: T0, mediaTime: pdt === null ? null : pdt - T0, programDateTime: pdt,
    contentType: 'application/json', data, source: { kind: 'api', transport: 'http', remoteAddress: null },
  };
}

describe('timed metadata writers', () => {
  it('writes an EXT-X-DATERANGE per message, its data as base64url JSON, a large one marked for fetching', () => {
    const tag = dateRangeTag(message(7, T0 + 1234) as TimedMessage, 2048);
    expect(tag).toBe(
      `#EXT-X-DATERANGE:ID="score-7",CLASS="com.streams-studio.data",START-DATE="2026-01-01T00:00:01.234Z",X-CHANNEL="score",X-SEQ="7",X-DATA="eyJzY29yZSI6N30"`,
    );
    const attrs = parseAttributes(tag.slice(tag.indexOf(':') + 1));
    expect(JSON.parse(Buffer.from(attrs['X-DATA']!, 'base64url').toString('utf8'))).toEqual({ score: 7 });
    const big = dateRangeTag(message(8, T0, { text: 'x'.repeat(3000) }) as TimedMessage, 2048);
    expect(big).toContain('X-TRUNCATED="YES"');
    expect(big).not.toContain('X-DATA');
  });

  it('writes a DASH EventStream on the period timeline (ms from the period start)', () => {
    const xml = eventStreamXml([message(1, T0 + 500), message(2, T0 + 2500, { a: '<b&>' })] as TimedMessage[], T0 + 100, 2048);
    expectGolden(xml + '\n', golden('event-stream.xml'));
    expect(eventStreamXml([], T0, 2048)).toBe('');
  });
});

describe('TimedMetadata', () => {
  it('keeps live messages of every channel but chat, in program-time order, bounded, and hands them to subscribers', () => {
    const timed = new TimedMetadata({ maxPerStream: 3 });
    const seen: number[] = [];
    const off = timed.subscribe('cam', (m) => seen.push(m.seq));
    timed.onMessage(message(1, T0 + 1000));
    timed.onMessage(message(2, null)); // not live: not in the media
    timed.onMessage(message(3, T0 + 3000, { text: 'hi' }, 'chat')); // the chat has its own panel
    timed.onMessage(message(4, T0 + 500)); // the publisher's own, older media time
    timed.onMessage(message(5, T0 + 4000, {}, 'score', 'other'));
    expect(timed.messages('cam').map((m) => m.seq)).toEqual([4, 1]);
    expect(seen).toEqual([1, 4]);
    off();
    timed.onMessage(message(6, T0 + 2000));
    timed.onMessage(message(7, T0 + 6000));
    expect(seen).toEqual([1, 4]);
    expect(timed.messages('cam').map((m) => m.seq)).toEqual([1, 6, 7]);
    // A playlist lists the dates in its window only.
    expect(timed.dateRanges('cam', T0 + 1500).map((l) => /ID="([^"]+)"/.exec(l)![1])).toEqual(['score-6', 'score-7']);
    expect(timed.messages('cam', T0 + 1500, T0 + 2000).map((m) => m.seq)).toEqual([6]);
    // The same lines (the same array: kept playlists are keyed by it) until a message comes or the window moves.
    const memo = new TimedMetadata();
    for (const m of timed.messages('cam')) memo.onMessage(m);
    const lines = memo.dateRanges('cam', T0 + 1500);
    expect(memo.dateRanges('cam', T0 + 1500)).toBe(lines);
    expect(memo.dateRanges('cam', T0 + 1000)).not.toBe(lines);
    const again = memo.dateRanges('cam', T0 + 1500);
    expect(again).toEqual(lines);
    memo.onMessage(message(5, T0 + 4000, {}, 'score', 'other')); // another stream's
    expect(memo.dateRanges('cam', T0 + 1500)).toBe(again);
    memo.onMessage(message(8, T0 + 6500));
    expect(memo.dateRanges('cam', T0 + 1500)).not.toBe(again);
    expect(memo.dateRanges('cam', T0 + 1500).map((l) => /ID="([^"]+)"/.exec(l)![1])).toEqual(['score-6', 'score-7', 'score-8']);
    // A Period's EventStream: [from, to), times from its start.
    expect(timed.eventStream('cam', T0 + 1500, T0 + 6000)).toMatch(/^ {4}<EventStream[^\n]+\n {6}<Event presentationTime="500" duration="0" id="6">[^\n]+\n {4}<\/EventStream>$/);
    expect(timed.eventStream('cam', T0 + 7000, T0 + 8000)).toBe('');
    // Bounded per playlist answer: the newest that fit.
    const tight = new TimedMetadata({ maxPlaylistBytes: 300 });
    for (const m of timed.messages('cam')) tight.onMessage(m);
    expect(tight.dateRanges('cam', 0).map((l) => /ID="([^"]+)"/.exec(l)![1])).toEqual(['score-7']);
    // A recording's replay (a VOD page): its span only, from its first frame's date; none without one.
    expect(timed.recordingReplay({ stream: 'cam', startPdt: T0 + 1500, durationSec: 1 })).toEqual({
      startPdt: T0 + 1500,
      messages: [{ id: 'score-6', channel: 'score', seq: 6, programDateTime: T0 + 2000, data: { score: 6 } }],
    });
    expect(timed.recordingReplay({ stream: 'cam', startPdt: null, durationSec: 1 })).toBeNull();
    timed.forget('cam');
    expect(timed.messages('cam')).toEqual([]);
  });
});
