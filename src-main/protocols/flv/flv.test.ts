import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeAmf0, parseScriptTag } from './amf0.js';
import {
  buildTag,
  chunkFromTag,
  describeAudio,
  describeVideo,
  flvHeader,
  FlvSplitter,
  isAacSequenceHeader,
  isVideoKeyframe,
  isVideoSequenceHeader,
  parseAudioSpecificConfig,
  parseTagHeader,
  stripSetDataFrame,
  tagBody,
  TAG_AUDIO,
  TAG_SCRIPT,
  TAG_VIDEO,
} from './flv.js';
import { TrackTracker } from './tracks.js';

// 1 s of testsrc2 160x120@30, x264 -g 15 -bf 0, AAC mono 44.1 kHz, written by ffmpeg 5.1 `-f flv`.
const FIXTURE = fs.readFileSync(new URL('./fixtures/testsrc-1s.flv', import.meta.url));

const hevc = (first: number, rest: number[] = [0, 0, 0, 0xaa]) => Buffer.from([first, ...Buffer.from('hvc1'), ...rest]);

describe('FLV header and tag headers', () => {
  it('builds the file header with audio/video flags and PreviousTagSize0', () => {
    expect(flvHeader(true, true).toString('hex')).toBe('464c5601050000000900000000');
    expect(flvHeader(false, true)[4]).toBe(0x01);
    expect(flvHeader(true, false)[4]).toBe(0x04);
  });

  it('round-trips a tag, extended timestamp byte included', () => {
    const body = Buffer.from([0xaf, 0x01, 1, 2, 3]);
    const tag = buildTag(TAG_AUDIO, 0x12345678, body);
    expect(tag.length).toBe(11 + body.length + 4);
    expect(tag.subarray(4, 8).toString('hex')).toBe('34567812');
    expect(parseTagHeader(tag)).toEqual({ type: TAG_AUDIO, dataSize: 5, timestamp: 0x12345678, streamId: 0 });
    expect(tag.readUInt32BE(tag.length - 4)).toBe(16);
    expect(tagBody(tag)).toEqual(body);
    expect(() => parseTagHeader(tag.subarray(0, 10))).toThrow(RangeError);
  });
});

describe('codec detection', () => {
  it('reads legacy AVC and AAC packets', () => {
    expect(describeVideo(Buffer.from([0x17, 0x00, 0, 0, 0]))).toEqual({ codec: 'h264', keyframe: true, sequenceHeader: true, exHeader: false });
    expect(isVideoKeyframe(Buffer.from([0x17, 0x01, 0, 0, 0]))).toBe(true);
    expect(isVideoKeyframe(Buffer.from([0x27, 0x01, 0, 0, 0]))).toBe(false);
    expect(isVideoKeyframe(Buffer.from([0x17, 0x00, 0, 0, 0]))).toBe(false);
    expect(isVideoKeyframe(Buffer.from([0x17, 0x02, 0, 0, 0]))).toBe(false); // end of sequence, as ffmpeg ends a file
    expect(isAacSequenceHeader(Buffer.from([0xaf, 0x00, 0x12, 0x10]))).toBe(true);
    expect(isAacSequenceHeader(Buffer.from([0xaf, 0x01, 0x21]))).toBe(false);
    expect(describeAudio(Buffer.from([0x2f, 0xff]))).toEqual({ codec: 'mp3', sequenceHeader: false, exHeader: false });
  });

  it('reads the legacy HEVC extension (codec id 12)', () => {
    expect(describeVideo(Buffer.from([0x1c, 0x00, 0, 0, 0]))).toMatchObject({ codec: 'hevc', sequenceHeader: true });
    expect(describeVideo(Buffer.from([0x2c, 0x01, 0, 0, 0]))).toMatchObject({ codec: 'hevc', keyframe: false });
  });

  it('reads Enhanced RTMP FourCC video headers (hvc1, av01, vp09)', () => {
    // 0x80 ex-header bit | frame type << 4 | packet type
    expect(describeVideo(hevc(0x90))).toEqual({ codec: 'hevc', keyframe: true, sequenceHeader: true, exHeader: true });
    expect(isVideoSequenceHeader(hevc(0x90))).toBe(true);
    expect(describeVideo(hevc(0x91))).toMatchObject({ keyframe: true, sequenceHeader: false });
    expect(describeVideo(hevc(0x93))).toMatchObject({ keyframe: true, sequenceHeader: false }); // CodedFramesX
    expect(describeVideo(hevc(0xa1))).toMatchObject({ keyframe: false, sequenceHeader: false });
    expect(describeVideo(hevc(0x92))).toMatchObject({ keyframe: false, sequenceHeader: false }); // SequenceEnd
    expect(describeVideo(Buffer.from([0x90, ...Buffer.from('av01'), 0x81]))).toMatchObject({ codec: 'av1', sequenceHeader: true });
    expect(describeVideo(Buffer.from([0xa1, ...Buffer.from('vp09')]))).toMatchObject({ codec: 'vp9', keyframe: false });
    // v2 multitrack: packet type 6, then the track's packet type and FourCC
    expect(describeVideo(Buffer.from([0x96, 0x00, ...Buffer.from('hvc1'), 0]))).toMatchObject({ codec: 'hevc', sequenceHeader: true });
    expect(describeVideo(Buffer.from([0x90, 0x68]))).toBeUndefined();
  });

  it('reads Enhanced RTMP audio (Opus) and chunkFromTag marks sequence headers', () => {
    const opusHead = Buffer.from('4f707573486561640102380180bb000000', 'hex');
    const seq = Buffer.from([0x90, ...Buffer.from('Opus'), ...opusHead]);
    expect(describeAudio(seq)).toEqual({ codec: 'opus', sequenceHeader: true, exHeader: true });
    const chunk = chunkFromTag(buildTag(TAG_AUDIO, 5, seq));
    expect(chunk).toMatchObject({ kind: 'audio', sequenceHeader: true, keyframe: true, timestamp: 5 });
    const tracks = new TrackTracker().feed(chunk);
    expect(tracks?.audio).toMatchObject({ codec: 'opus', channels: 2, sampleRate: 48000 });
  });

  it('parses AudioSpecificConfig', () => {
    expect(parseAudioSpecificConfig(Buffer.from([0x12, 0x10]))).toEqual({ sampleRate: 44100, channels: 2 });
    expect(parseAudioSpecificConfig(Buffer.from([0x11, 0x88]))).toEqual({ sampleRate: 48000, channels: 1 });
    expect(parseAudioSpecificConfig(Buffer.from([0x12]))).toBeUndefined();
  });
});

describe('script tags', () => {
  it('strips @setDataFrame and decodes onMetaData', () => {
    const metadataTag = new FlvSplitter().push(FIXTURE)[1]!;
    const body = tagBody(metadataTag.data);
    const rtmpBody = Buffer.concat([Buffer.from([0x02, 0x00, 0x0d]), Buffer.from('@setDataFrame'), body]);
    expect(stripSetDataFrame(rtmpBody)).toEqual(body);
    expect(stripSetDataFrame(body)).toBe(body);
    const script = parseScriptTag(rtmpBody);
    expect(script?.name).toBe('onMetaData');
    expect(script?.value).toMatchObject({ width: 160, height: 120, framerate: 30, videocodecid: 7, audiocodecid: 10, stereo: false });
    expect(parseScriptTag(Buffer.from([0x02, 0x00, 0x05, 0x61]))).toBeUndefined();
    // true, null, strict array [2, 'a']
    expect(decodeAmf0(Buffer.from('0101050a0000000200400000000000000002000161', 'hex'))).toEqual([true, null, [2, 'a']]);
    expect(() => decodeAmf0(Buffer.from('0a0000000500', 'hex'))).toThrow(RangeError);
  });
});

describe('the ffmpeg fixture', () => {
  const chunks = new FlvSplitter().push(FIXTURE);

  it('splits into header, metadata, sequence headers, then a keyframe', () => {
    expect(chunks.slice(0, 4).map((c) => [c.kind, c.sequenceHeader])).toEqual([
      ['header', false],
      ['metadata', false],
      ['video', true],
      ['audio', true],
    ]);
    const firstFrame = chunks.find((c) => c.kind === 'video' && !c.sequenceHeader);
    expect(firstFrame?.keyframe).toBe(true);
    expect(chunks.filter((c) => c.kind === 'video' && c.keyframe && !c.sequenceHeader)).toHaveLength(2);
    expect(Buffer.concat(chunks.map((c) => c.data)).equals(FIXTURE)).toBe(true);
  });

  it('splits the same way when bytes arrive in odd pieces', () => {
    const splitter = new FlvSplitter();
    const pieces: number[] = [];
    for (let i = 0; i < FIXTURE.length; i += 7) pieces.push(...splitter.push(FIXTURE.subarray(i, i + 7)).map((c) => c.data.length));
    expect(pieces).toEqual(chunks.map((c) => c.data.length));
    expect(() => new FlvSplitter().push(Buffer.alloc(20))).toThrow(/not an FLV/);
  });

  it('yields h264 160x120@30 and mono 44.1 kHz AAC tracks', () => {
    const tracker = new TrackTracker();
    for (const chunk of chunks) tracker.feed(chunk);
    expect(tracker.current).toEqual({
      video: { codec: 'h264', width: 160, height: 120, fps: 30, bitrateKbps: 0 },
      audio: { codec: 'aac', sampleRate: 44100, channels: 1, bitrateKbps: 31 },
    });
  });

  it('marks metadata and script tags as metadata chunks', () => {
    const tag = buildTag(TAG_SCRIPT, 0, Buffer.from([0x02, 0x00, 0x01, 0x61]));
    expect(chunkFromTag(tag)).toMatchObject({ kind: 'metadata', keyframe: false, sequenceHeader: false });
    expect(chunkFromTag(buildTag(TAG_VIDEO, 40, Buffer.from([0x27, 0x01, 0, 0, 0])))).toMatchObject({ kind: 'video', keyframe: false, timestamp: 40 });
  });
});
