import fs from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { CollectingReader } from '../../test-support/collecting-reader.js';
import { silentLogger } from '../core/logger.js';
import { StudioError } from '../core/errors.js';
import { buildTag, chunkFromTag, FlvSplitter, TAG_VIDEO } from '../protocols/flv/flv.js';
import { PathManager } from './path-manager.js';
import type { MediaChunk, PathReader, PublisherInfo } from './types.js';

const FIXTURE = fs.readFileSync(new URL('../protocols/flv/fixtures/testsrc-1s.flv', import.meta.url));
const CHUNKS = new FlvSplitter().push(FIXTURE);

function publisher(): PublisherInfo & { kicked: string[] } {
  const kicked: string[] = [];
  return { protocol: 'rtmp', remoteAddress: '127.0.0.1', kicked, kick: (reason) => kicked.push(reason) };
}

const isKeyframe = (c: MediaChunk) => c.kind === 'video' && c.keyframe && !c.sequenceHeader;

describe('PathManager', () => {
  it('allows one publisher per name and frees the name when it ends', () => {
    const paths = new PathManager(silentLogger());
    const first = paths.publish('main', publisher());
    expect(() => paths.publish('main', publisher())).toThrow(StudioError);
    try {
      paths.publish('main', publisher());
    } catch (error) {
      expect((error as StudioError).code).toBe('CONFLICT');
    }
    expect(paths.publisherOf('main')?.protocol).toBe('rtmp');
    expect(paths.liveNames()).toEqual(['main']);
    first.end('done');
    expect(paths.publisherOf('main')).toBeUndefined();
    expect(paths.stats('main')).toBeUndefined();
    expect(() => paths.publish('main', publisher()).end('again')).not.toThrow();
    expect(() => paths.publish('', publisher())).toThrow(/stream name/);
  });

  it('replaces a publisher silent for 2 s (a killed encoder not yet timed out) and keeps refusing one that sends', () => {
    let now = 1000;
    const paths = new PathManager(silentLogger(), { silenceClock: () => now });
    const events: string[] = [];
    paths.onPublish((name, info) => events.push(`publish ${name} ${info.remoteAddress}`));
    paths.onUnpublish((name, reason) => events.push(`unpublish ${name}: ${reason}`));
    const old = publisher();
    const first = paths.publish('main', old);
    const reader = { id: 'r', pushed: 0, closed: '', push() { this.pushed += 1; }, close(reason: string) { this.closed = reason; } };
    paths.addReader('main', reader);
    now += 1500;
    first.write({ kind: 'video', data: Buffer.alloc(10), keyframe: true, sequenceHeader: false, timestamp: 0 });
    now += 1900;
    expect(paths.publisherSilentMs('main')).toBe(1900);
    expect(() => paths.publish('main', { ...publisher(), remoteAddress: '10.0.0.2' })).toThrow(/already has a publisher/);
    now += 200;
    const next = paths.publish('main', { ...publisher(), remoteAddress: '10.0.0.3' });
    expect(old.kicked).toEqual(['replaced by a new publisher after 2.1 s of silence']);
    expect(reader.closed).toBe('replaced by a new publisher after 2.1 s of silence');
    expect(events).toEqual(['publish main 127.0.0.1', 'unpublish main: replaced by a new publisher after 2.1 s of silence', 'publish main 10.0.0.3']);
    expect(paths.publisherOf('main')?.remoteAddress).toBe('10.0.0.3');
    expect(paths.liveNames()).toEqual(['main']);
    // The replaced publisher's late writes and end go nowhere.
    first.write({ kind: 'video', data: Buffer.alloc(10), keyframe: true, sequenceHeader: false, timestamp: 40 });
    first.end('socket closed at last');
    expect(paths.publisherOf('main')?.remoteAddress).toBe('10.0.0.3');
    expect(paths.stats('main')?.bytesIn).toBe(0);
    next.end('done');
    expect(paths.publisherOf('main')).toBeUndefined();
  });

  it('gives a reader added before the publisher the whole stream, then closes it when the publisher ends', () => {
    const paths = new PathManager(silentLogger());
    const reader = new CollectingReader('early');
    paths.addReader('main', reader);
    expect(paths.stats('main')).toMatchObject({ readers: 1, bytesIn: 0 });
    const pub = paths.publish('main', publisher());
    for (const chunk of CHUNKS) pub.write(chunk);
    expect(Buffer.concat(reader.chunks.map((c) => c.data)).equals(FIXTURE)).toBe(true);
    pub.end('publisher disconnected');
    expect(reader.closedWith).toBe('publisher disconnected');
    pub.write(CHUNKS[5]!); // a stale handle writes nowhere
    expect(reader.chunks).toHaveLength(CHUNKS.length);
  });

  it('starts a reader joining mid-stream with header, metadata, sequence headers and the current GOP', () => {
    const paths = new PathManager(silentLogger());
    const pub = paths.publish('main', publisher());
    const secondKey = CHUNKS.findIndex((c, i) => i > 5 && isKeyframe(c));
    for (const chunk of CHUNKS.slice(0, secondKey + 4)) pub.write(chunk);
    const late = new CollectingReader('late');
    paths.addReader('main', late);
    expect(late.kinds().slice(0, 5)).toEqual(['header', 'metadata', 'video-config', 'audio-config', 'key']);
    expect(late.chunks[4]).toBe(CHUNKS[secondKey]);
    expect(late.chunks.slice(5)).toEqual(CHUNKS.slice(secondKey + 1, secondKey + 4));
    for (const chunk of CHUNKS.slice(secondKey + 4)) pub.write(chunk);
    expect(late.chunks.at(-1)).toBe(CHUNKS.at(-1));
  });

  it('synthesizes an FLV header when a publisher writes tags first, and forwards only one header', () => {
    const paths = new PathManager(silentLogger());
    const reader = new CollectingReader('r');
    paths.addReader('main', reader);
    const pub = paths.publish('main', publisher());
    pub.write(chunkFromTag(buildTag(TAG_VIDEO, 0, Buffer.from([0x17, 0x01, 0, 0, 0, 1]))));
    pub.write(CHUNKS[0]!);
    expect(reader.kinds()).toEqual(['header', 'key']);
  });

  it('isolates readers: one that throws is removed and closed, the others and the publisher go on', () => {
    const paths = new PathManager(silentLogger());
    const good = new CollectingReader('good');
    const bad: PathReader = {
      id: 'bad',
      push: vi.fn((chunk: MediaChunk) => {
        if (chunk.kind === 'video') throw new Error('boom');
      }),
      close: vi.fn(() => {
        throw new Error('close boom');
      }),
    };
    paths.addReader('main', bad);
    paths.addReader('main', good);
    const pub = paths.publish('main', publisher());
    for (const chunk of CHUNKS) expect(() => pub.write(chunk)).not.toThrow();
    expect(good.chunks).toHaveLength(CHUNKS.length);
    expect(bad.close).toHaveBeenCalledWith('reader failed');
    expect(paths.stats('main')?.readers).toBe(1);
  });

  it('removes a reader with the returned function, without closing it', () => {
    const paths = new PathManager(silentLogger());
    const reader = new CollectingReader('r');
    const remove = paths.addReader('main', reader);
    remove();
    expect(paths.stats('main')).toBeUndefined();
    expect(reader.closedWith).toBeUndefined();
  });

  it('tells listeners about publish, tracks and unpublish; a throwing listener harms nobody', () => {
    const paths = new PathManager(silentLogger());
    const events: string[] = [];
    paths.onPublish(() => {
      throw new Error('listener bug');
    });
    paths.onPublish((name, info, tracks) => events.push(`publish ${name} ${info.protocol} ${JSON.stringify(tracks)}`));
    const offTracks = paths.onTracks((name, tracks) => events.push(`tracks ${name} ${tracks.video?.codec}`));
    paths.onUnpublish((name, reason) => events.push(`unpublish ${name} ${reason}`));
    const pub = paths.publish('cam', publisher());
    pub.setTracks({ video: { codec: 'h264', width: 640, height: 360, fps: 30, bitrateKbps: 0 } });
    expect(paths.tracksOf('cam')?.video?.width).toBe(640);
    offTracks();
    pub.setTracks({});
    pub.end('bye');
    pub.end('twice');
    expect(events).toEqual(['publish cam rtmp {}', 'tracks cam h264', 'unpublish cam bye']);
  });

  it('kick asks the connection to close and ends the path with the reason', () => {
    const paths = new PathManager(silentLogger());
    const info = publisher();
    const reasons: string[] = [];
    paths.onUnpublish((_name, reason) => reasons.push(reason));
    const reader = new CollectingReader('r');
    paths.publish('main', info);
    paths.addReader('main', reader);
    expect(paths.kick('main', 'key rotated')).toBe(true);
    expect(info.kicked).toEqual(['key rotated']);
    expect(reasons).toEqual(['key rotated']);
    expect(reader.closedWith).toBe('key rotated');
    expect(paths.kick('main', 'again')).toBe(false);
  });

  it('counts bytes, chunks and the input bitrate over whole seconds', () => {
    let now = 10_000;
    const paths = new PathManager(silentLogger(), { now: () => now });
    const pub = paths.publish('main', publisher());
    const chunk = chunkFromTag(buildTag(TAG_VIDEO, 0, Buffer.alloc(1000 - 15, 0x27)));
    for (let second = 0; second < 3; second++) {
      for (let i = 0; i < 10; i++) pub.write(chunk);
      now += 1000;
    }
    // 3 complete seconds of 10 kB each; the synthesized FLV header is not input.
    expect(paths.stats('main')).toEqual({ bytesIn: 30_000, chunksIn: 30, readers: 0, bitrateInBps: 80_000 });
  });

  it('caps the cached GOP of a stream that never sends a keyframe again', () => {
    const paths = new PathManager(silentLogger(), { maxGopChunks: 10 });
    const pub = paths.publish('main', publisher());
    pub.write(chunkFromTag(buildTag(TAG_VIDEO, 0, Buffer.from([0x17, 0x01, 0, 0, 0]))));
    for (let i = 1; i <= 20; i++) pub.write(chunkFromTag(buildTag(TAG_VIDEO, i * 33, Buffer.from([0x27, 0x01, 0, 0, 0]))));
    const late = new CollectingReader('late');
    paths.addReader('main', late);
    expect(late.kinds()).toEqual(['header']);
  });
});
