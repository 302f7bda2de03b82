import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledFfmpegPath } from '../../../test-support/media.js';
import { needs, which } from '../../../test-support/peers.js';
import { ChildRegistry } from '../../core/children.js';
import { Fmp4StreamReader, type CmafSample, type Fmp4Event } from './fmp4-reader.js';
import { writeFragment } from './fragment-writer.js';

// Fixtures: see fixtures/README.md.
const fixture = (name: string): Buffer => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const children = new ChildRegistry();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-cmaf-'));
afterAll(async () => {
  await children.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The low-latency muxer arguments of the pipeline: one moof + mdat per frame on a pipe. */
const LL_MP4 = ['-f', 'mp4', '-movflags', 'empty_moov+default_base_moof+frag_every_frame+skip_trailer', '-flush_packets', '1', 'pipe:1'];

interface Probed {
  codec_name: string;
  nb_read_frames: string;
  duration_ts: number;
}

/** ffprobe's decoded frame count and duration of the one stream of `file`. */
async function probeFrames(file: string): Promise<Probed> {
  const args = ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,nb_read_frames,duration_ts', '-of', 'json', file];
  const result = await children.run(which('ffprobe')!, args, { timeoutMs: 30_000 });
  expect(result.stderr).toBe('');
  const [stream] = (JSON.parse(result.stdout) as { streams: Probed[] }).streams;
  return stream!;
}

function parse(buf: Buffer): { init: Buffer; trackId: number; samples: CmafSample[] } {
  const events = new Fmp4StreamReader().push(buf);
  const init = events[0] as Extract<Fmp4Event, { kind: 'init' }>;
  return { init: init.data, trackId: init.track.trackId, samples: events.flatMap((e) => (e.kind === 'fragment' ? e.samples : [])) };
}

describe.skipIf(needs('ffprobe'))('fragments written from parsed samples, as ffprobe decodes them', () => {
  it.each([
    // ffprobe on the fixtures: h264 30 frames, duration_ts 15360; aac 25 frames, duration_ts 25024.
    ['h264-ff51.mp4', 'h264', '30', 15360],
    ['h264-ff41.mp4', 'h264', '30', 15360],
    ['aac-ff51.mp4', 'aac', '25', 25024],
  ] as const)('%s: init + per-frame fragments regrouped by 4 decodes like the original', async (name, codec, frames, durationTs) => {
    const original = fixture(name);
    const { init, trackId, samples } = parse(original);
    const parts: Buffer[] = [];
    for (let i = 0; i < samples.length; i += 4) {
      const run = samples.slice(i, i + 4);
      parts.push(writeFragment({ sequence: parts.length + 1, trackId, baseDecodeTime: run[0]!.dts, samples: run }));
    }
    const file = path.join(tmp, `regrouped-${name}`);
    fs.writeFileSync(file, Buffer.concat([init, ...parts]));
    const expected = { codec_name: codec, nb_read_frames: frames, duration_ts: durationTs };
    expect(await probeFrames(file)).toEqual(expected);
    const copy = path.join(tmp, name);
    fs.writeFileSync(copy, original);
    expect(await probeFrames(copy)).toEqual(expected);
  });
});

/** ffmpeg encoding 1 s of 25 fps video with B-frames to a pipe; the reader takes the chunks as they come. */
async function liveEncode(ffmpeg: string): Promise<void> {
  const input = ['-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=25', '-t', '1'];
  const video = ['-c:v', 'libx264', '-preset', 'superfast', '-bf', '2', '-g', '10', '-sc_threshold', '0', '-pix_fmt', 'yuv420p'];
  const child = children.spawn(ffmpeg, ['-hide_banner', '-loglevel', 'error', ...input, ...video, ...LL_MP4]);
  const reader = new Fmp4StreamReader();
  const events: Fmp4Event[] = [];
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdout!.on('data', (chunk: Buffer) => events.push(...reader.push(chunk)));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(events[0]).toMatchObject({ kind: 'init', track: { handler: 'vide', codec: expect.stringMatching(/^avc1\.64/) as string, width: 160 } });
  const samples = events.flatMap((e) => (e.kind === 'fragment' ? e.samples : []));
  expect(samples).toHaveLength(25);
  expect(samples.flatMap((s, i) => (s.keyframe ? [i] : []))).toEqual([0, 10, 20]);
  expect(samples.some((s) => s.cto !== samples[0]!.cto)).toBe(true);
}

describe.skipIf(needs('ffmpeg'))('the system ffmpeg writing to a pipe', () => {
  it('gives a stream the reader parses as it arrives: 25 frames, B-frames, keyframes every 10', () => liveEncode(which('ffmpeg')!));
});

const bundled = bundledFfmpegPath();
describe.skipIf(!bundled)('the npm-shipped ffmpeg 4.1 writing to a pipe', () => {
  it('gives a stream the reader parses as it arrives: 25 frames, B-frames, keyframes every 10', () => liveEncode(bundled!));
});
