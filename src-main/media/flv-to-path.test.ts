import { describe, expect, it } from 'vitest';
import { StudioError } from '../core/errors.js';
import { buildTag, flvHeader, TAG_AUDIO, TAG_SCRIPT, TAG_VIDEO } from '../protocols/flv/flv.js';
import { FlvToPath } from './flv-to-path.js';
import type { MediaChunk, PathPublisher, TrackInfo } from './types.js';

const script = (name: string): Buffer => Buffer.from([0x02, 0x00, name.length, ...Buffer.from(name), 0x05]);
/** What ffmpeg writes: the header, onMetaData, an AVC sequence header and keyframe, an AAC sequence header. */
const ffmpegOutput = (): Buffer =>
  Buffer.concat([
    flvHeader(true, true),
    buildTag(TAG_SCRIPT, 0, script('onMetaData')),
    buildTag(TAG_SCRIPT, 0, script('onCuePoint')),
    buildTag(TAG_VIDEO, 0, Buffer.from([0x17, 0x00, 0, 0, 0, 1, 0x42, 0xc0, 0x1e])),
    buildTag(TAG_AUDIO, 0, Buffer.from([0xaf, 0x00, 0x11, 0x90])),
    buildTag(TAG_VIDEO, 0, Buffer.concat([Buffer.from([0x17, 0x01, 0, 0, 0]), Buffer.alloc(64)])),
  ]);

function recorder(): { publisher: PathPublisher; written: MediaChunk[]; tracks: TrackInfo[] } {
  const written: MediaChunk[] = [];
  const tracks: TrackInfo[] = [];
  return { written, tracks, publisher: { write: (c) => written.push(c), setTracks: (t) => tracks.push(t), end: () => undefined } };
}

describe('FlvToPath', () => {
  it('publishes once, at the first tag, drops script tags other than onMetaData and announces the tracks', () => {
    const path = recorder();
    let publishes = 0;
    const flv = new FlvToPath('capture', () => (publishes++, path.publisher));
    const bytes = ffmpegOutput();
    // Split anywhere: ffmpeg's pipe delivers arbitrary pieces.
    const written = [...flv.push(bytes.subarray(0, 7)), ...flv.push(bytes.subarray(7, 40)), ...flv.push(bytes.subarray(40))];
    expect(publishes).toBe(1);
    expect(flv.publisher).toBe(path.publisher);
    expect(written.map((c) => c.kind)).toEqual(['header', 'metadata', 'video', 'audio', 'video']);
    expect(path.written).toEqual(written);
    expect(path.tracks.at(-1)).toMatchObject({ video: { codec: 'h264' }, audio: { codec: 'aac' } });
  });

  it('names its source when the bytes are not FLV, and publishes nothing', () => {
    let publishes = 0;
    const flv = new FlvToPath('capture', () => (publishes++, recorder().publisher));
    expect(() => flv.push(Buffer.from('Unrecognized option'))).toThrow(/^capture output is not FLV: /);
    expect(publishes).toBe(0);
    expect(flv.publisher).toBeUndefined();
  });

  it("passes the Path's refusal on unchanged and tries again with the next bytes", () => {
    const path = recorder();
    let refuse = true;
    const flv = new FlvToPath('ingest', () => {
      if (refuse) throw new StudioError('CONFLICT', 'stream "demo" already has a publisher');
      return path.publisher;
    });
    const bytes = ffmpegOutput();
    expect(() => flv.push(bytes.subarray(0, 13))).toThrow('stream "demo" already has a publisher');
    expect(flv.publisher).toBeUndefined();
    refuse = false;
    flv.push(bytes.subarray(13));
    expect(flv.publisher).toBe(path.publisher);
  });
});
