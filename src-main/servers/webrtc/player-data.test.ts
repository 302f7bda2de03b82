import { describe, expect, it } from 'vitest';
import { createDataLane, dataReplayScript, decodeDateRangeData, pdtOfFragments, pdtOfRtp } from './player-data.js';

const msg = (seq: number, programDateTime: number) => ({ id: `score-${seq}`, channel: 'score', seq, programDateTime, data: { seq } });

describe('the player data lane', () => {
  it('shows a message at the first frame reaching its PDT, once, again after a rewind, never when long past', () => {
    const lane = createDataLane(5000, 100);
    lane.add(msg(1, 10_000));
    lane.add(msg(2, 10_033));
    lane.add(msg(1, 10_000)); // the same date range in the next playlist
    expect(lane.frame(9_967).map((m) => m.seq)).toEqual([]);
    expect(lane.frame(10_000).map((m) => m.seq)).toEqual([1]);
    expect(lane.frame(10_000)).toEqual([]);
    expect(lane.frame(10_032.9995).map((m) => m.seq)).toEqual([2]); // float noise below a ms
    // DVR: back before both, then forward through them again.
    expect(lane.frame(8_000)).toEqual([]);
    expect(lane.frame(10_040).map((m) => m.seq)).toEqual([1, 2]);
    // A message whose moment passed more than 5 s before the frame (a late join, a seek forward) is not shown.
    lane.add(msg(3, 11_000));
    expect(lane.frame(17_000)).toEqual([]);
    expect(lane.size()).toBe(3);
  });

  it('keeps a bounded number of messages, the oldest dropped', () => {
    const lane = createDataLane(5000, 2);
    for (const seq of [3, 1, 2]) lane.add(msg(seq, 1000 * seq));
    expect(lane.size()).toBe(2);
    expect(lane.frame(3000).map((m) => m.seq)).toEqual([2, 3]);
  });

  it('decodes X-DATA, maps fragments and RTP time maps to program time', () => {
    expect(decodeDateRangeData(Buffer.from(JSON.stringify({ a: 'é' })).toString('base64url'))).toEqual({ a: 'é' });
    expect(decodeDateRangeData(undefined)).toBeNull();
    const frags = [{ start: 10, programDateTime: 5_000_000 }, { start: 12, programDateTime: 5_002_000 }];
    expect(pdtOfFragments(frags, 12.5)).toBe(5_002_500);
    expect(pdtOfFragments(frags, 9)).toBeNull();
    const maps = [{ rtp: 4294967000, programDateTime: 1000 }];
    // 296 ticks before the wrap plus 604 after: 900 ticks = 10 ms later.
    expect(pdtOfRtp(maps, 604)).toBe(1010);
    expect(pdtOfRtp([...maps, { rtp: 9604, programDateTime: 1110 }], 604)).toBe(1010);
    expect(pdtOfRtp([], 1)).toBeNull();
  });

  it('replays a VOD page\'s data at startPdt + the frame\'s media time, in an overlay it adds', () => {
    const script = dataReplayScript({ startPdt: 1_000_000, messages: [msg(1, 1_002_000), { ...msg(2, 1_003_000), data: '</script>' }] });
    expect(script).not.toContain('</script>');
    // A tiny page: the video (its frame callback captured) in a stage the overlay list is added to.
    let frame: ((now: number, meta: { mediaTime: number }) => void) | undefined;
    const added: { id: string; children: unknown[] }[] = [];
    const element = (): Record<string, unknown> => {
      const el: Record<string, unknown> = { style: {}, children: [] as unknown[], setAttribute: () => undefined };
      el.append = (child: unknown) => (el.children as unknown[]).push(child);
      return el;
    };
    const stage = { style: {}, append: (list: { id: string; children: unknown[] }) => added.push(list) };
    const video = { parentElement: stage, requestVideoFrameCallback: (cb: typeof frame) => (frame = cb) };
    const window: { __data?: { seq: number; framePdt: number; mode: string }[] } = {};
    const document = { getElementById: (id: string) => (id === 'v' ? video : added.find((l) => l.id === id) ?? null), createElement: element };
    new Function('window', 'document', script)(window, document);
    expect(added).toHaveLength(1);
    frame!(0, { mediaTime: 1.9 });
    expect(window.__data).toEqual([]);
    frame!(0, { mediaTime: 2 });
    frame!(0, { mediaTime: 3.5 });
    expect(window.__data!.map((d) => [d.seq, d.framePdt, d.mode])).toEqual([[1, 1_002_000, 'replay'], [2, 1_003_500, 'replay']]);
    expect(added[0]!.children).toHaveLength(2);
  });
});
