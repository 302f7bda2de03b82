import { describe, expect, it } from 'vitest';
import { CollectingReader } from '../../test-support/collecting-reader.js';
import type { MediaChunk, MediaKind } from '../media/types.js';
import { SplitTap } from './split-tap.js';

let clock = 0;
const chunk = (kind: MediaKind, label: string, flags: { keyframe?: boolean; sequenceHeader?: boolean } = {}): MediaChunk => ({
  kind,
  data: Buffer.from(label),
  keyframe: flags.keyframe ?? false,
  sequenceHeader: flags.sequenceHeader ?? false,
  timestamp: (clock += 33),
});

const header = (): MediaChunk => chunk('header', 'H');
const meta = (): MediaChunk => chunk('metadata', 'M');
const avcConfig = (label = 'VC'): MediaChunk => chunk('video', label, { keyframe: true, sequenceHeader: true });
const aacConfig = (): MediaChunk => chunk('audio', 'AC', { sequenceHeader: true });
const key = (n: number): MediaChunk => chunk('video', `K${n}`, { keyframe: true });
const inter = (n: number): MediaChunk => chunk('video', `P${n}`);
const audio = (n: number): MediaChunk => chunk('audio', `A${n}`);

/** What a live Path replays to a new reader, then two GOPs. */
const live = (): MediaChunk[] => [header(), meta(), avcConfig(), aacConfig(), key(1), audio(1), inter(1), key(2), audio(2), inter(2)];

describe('SplitTap', () => {
  it('starts the first reader at the first keyframe, init chunks first', () => {
    const first = new CollectingReader('a');
    const handed: string[] = [];
    const tap = new SplitTap('t', { handedOver: (r) => handed.push(r.id) });
    tap.handOver(first);
    expect(tap.pending).toBe(first);
    for (const c of live()) tap.push(c);
    expect(first.texts()).toEqual(['H', 'M', 'VC', 'AC', 'K1', 'A1', 'P1', 'K2', 'A2', 'P2']);
    expect(handed).toEqual(['a']);
    expect(tap.active).toBe(first);
    expect(tap.pending).toBeUndefined();
  });

  it('splits at the next keyframe: no overlap, no gap, and the new file is decodable on its own', () => {
    const first = new CollectingReader('a');
    const second = new CollectingReader('b');
    const tap = new SplitTap('t');
    tap.handOver(first);
    for (const c of [header(), meta(), avcConfig(), aacConfig(), key(1), audio(1)]) tap.push(c);
    tap.handOver(second);
    for (const c of [inter(1), audio(2), key(2), audio(3), inter(2)]) tap.push(c);
    expect(first.texts()).toEqual(['H', 'M', 'VC', 'AC', 'K1', 'A1', 'P1', 'A2']);
    expect(first.closedWith).toBe('split');
    expect(second.texts()).toEqual(['H', 'M', 'VC', 'AC', 'K2', 'A3', 'P2']);
    expect(second.closedWith).toBeUndefined();
  });

  it('hands the newest sequence header to the next file (a resolution change mid-stream)', () => {
    const first = new CollectingReader('a');
    const second = new CollectingReader('b');
    const tap = new SplitTap('t');
    tap.handOver(first);
    for (const c of [header(), meta(), avcConfig('VC1'), key(1), avcConfig('VC2'), key(2)]) tap.push(c);
    tap.handOver(second);
    tap.push(key(3));
    expect(first.texts()).toEqual(['H', 'M', 'VC1', 'K1', 'VC2', 'K2']);
    expect(second.texts()).toEqual(['H', 'M', 'VC2', 'K3']);
  });

  it('starts an audio-only stream at any audio frame', () => {
    const first = new CollectingReader('a');
    const tap = new SplitTap('t');
    tap.handOver(first);
    for (const c of [header(), meta(), aacConfig(), audio(1), audio(2)]) tap.push(c);
    expect(first.texts()).toEqual(['H', 'M', 'AC', 'A1', 'A2']);
  });

  it('drops media while no reader is fed (ffmpeg died), and resumes the next one at a keyframe', () => {
    const first = new CollectingReader('a');
    const second = new CollectingReader('b');
    const tap = new SplitTap('t');
    tap.handOver(first);
    for (const c of [header(), meta(), avcConfig(), key(1)]) tap.push(c);
    tap.drop(first);
    tap.push(inter(1));
    tap.handOver(second);
    for (const c of [inter(2), audio(1), key(2)]) tap.push(c);
    expect(first.texts()).toEqual(['H', 'M', 'VC', 'K1']);
    expect(first.closedWith).toBeUndefined();
    expect(second.texts()).toEqual(['H', 'M', 'VC', 'K2']);
  });

  it('replaces a reader still waiting, and close() closes both readers once', () => {
    const first = new CollectingReader('a');
    const waiting = new CollectingReader('b');
    const replacement = new CollectingReader('c');
    const closed: string[] = [];
    const tap = new SplitTap('t', { closed: (r) => closed.push(r) });
    tap.handOver(first);
    for (const c of [header(), key(1)]) tap.push(c);
    tap.handOver(waiting);
    tap.handOver(replacement);
    expect(waiting.closedWith).toBe('replaced before it started');
    tap.close('publisher disconnected');
    tap.close('again');
    expect(first.closedWith).toBe('publisher disconnected');
    expect(replacement.closedWith).toBe('publisher disconnected');
    expect(closed).toEqual(['publisher disconnected']);
    expect(tap.closed).toBe(true);
    tap.push(key(2));
    const late = new CollectingReader('d');
    tap.handOver(late);
    expect(late.closedWith).toBe('publisher disconnected');
    expect(first.texts()).toEqual(['H', 'K1']);
  });
});
