import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../../test-support/golden.js';
import { capsOf } from '../../encoder/capabilities.js';
import type { LadderSource } from '../../encoder/ladder.js';
import { frameArgs } from '../../encoder/frame-args.js';
import { analysisArgs, encodeArgs, loudnormFilter, mp4Args, parseLoudnorm, thumbnailTimes } from './process-args.js';
import { planVodEncode } from './presets.js';
import { planSprite } from './sprite-plan.js';

const source: LadderSource = { width: 1920, height: 1080, fps: 30, videoBitrateKbps: 8000, videoCodec: 'h264', audioCodec: 'aac', audioBitrateKbps: 160 };
const OLD = capsOf({ 'option:fps_mode': false, 'dash:master_m3u8_publish_rate': false });
const common = { input: '/in/source.mov', outDir: '/lib/videos/v.tmp', source, generation: 'ab12cd34', passLogPrefix: '/lib/videos/v.tmp/pass' };

// loudnorm's first pass, as both ffmpeg builds end their stderr.
const LOUDNORM_STDERR = `[out#0/null @ 0x1] [info] video:0kB audio:4500kB
[Parsed_loudnorm_0 @ 0x55] [info]
{
	"input_i" : "-20.51",
	"input_tp" : "-17.45",
	"input_lra" : "0.00",
	"input_thresh" : "-30.51",
	"output_i" : "-16.01",
	"output_tp" : "-12.95",
	"output_lra" : "0.00",
	"output_thresh" : "-26.01",
	"normalization_type" : "dynamic",
	"target_offset" : "0.01"
}
`;

describe('processing arguments', () => {
  it('fast: one pass, x264 veryfast, the ladder below 1080p, AAC copied', () => {
    const { pass1, main } = encodeArgs({ ...common, plan: planVodEncode('fast', source, { features: {} }, 600) });
    expect(pass1).toBeNull();
    expectGolden(main.join('\n'), new URL('./fixtures/encode-fast.args', import.meta.url));
  });

  it('balanced: two passes (video-only first pass to null), capped VBR, loudnorm on encoded audio', () => {
    const measure = parseLoudnorm(LOUDNORM_STDERR)!;
    const { pass1, main } = encodeArgs({ ...common, plan: planVodEncode('balanced', source, { features: {} }, 600), audioFilter: loudnormFilter(measure), caps: OLD });
    expectGolden(`${pass1!.join('\n')}\n\n${main.join('\n')}`, new URL('./fixtures/encode-balanced.args', import.meta.url));
  });

  it('parses loudnorm measurements; silence (-inf) or no JSON gives null', () => {
    expect(parseLoudnorm(LOUDNORM_STDERR)).toEqual({ inputI: -20.51, inputTp: -17.45, inputLra: 0, inputThresh: -30.51, targetOffset: 0.01 });
    expect(parseLoudnorm(LOUDNORM_STDERR.replace('"-20.51"', '"-inf"'))).toBeNull();
    expect(parseLoudnorm('no json here')).toBeNull();
  });

  it('remuxes the top rung and the audio into a faststart MP4', () => {
    expect(mp4Args(['/d/init-g-stream0.m4s', '/d/chunk-g-stream0-00001.m4s'], ['/d/init-g-stream4.m4s'], '/d/video.mp4')).toEqual([
      '-hide_banner', '-nostdin', '-y', '-loglevel', 'level+warning', '-nostats', '-progress', 'pipe:1',
      '-i', 'concat:/d/init-g-stream0.m4s|/d/chunk-g-stream0-00001.m4s', '-i', 'concat:/d/init-g-stream4.m4s',
      '-map', '0:v:0', '-map', '1:a:0', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', '/d/video.mp4',
    ]);
    expect(() => mp4Args(['/a|b/init.m4s'], null, '/d/video.mp4')).toThrow(/cannot be concatenated/);
  });

  it('sprite and scenes in one decode; -vsync where -fps_mode is missing', () => {
    const plan = planSprite(600, 640, 360);
    const modern = analysisArgs('concat:/d/i.m4s|/d/c1.m4s', '/d', plan);
    expect(modern.join(' ')).toContain("[0:v]split=2[a][b];[a]fps=1/6,scale=w=160:h=90,setsar=1,tile=10x10[sprite];[b]scale=w=320:h=-2,select='gt(scene\\,0.4)',showinfo[scenes]");
    expect(modern.join(' ')).toContain('-map [sprite] -fps_mode vfr -q:v 4 /d/sprite-%d.jpg -map [scenes] -f null -');
    expect(analysisArgs('x', '/d', plan, OLD).join(' ')).toContain('-map [sprite] -vsync vfr');
  });

  it('takes keyframe thumbnails at the middle of each tenth', () => {
    expect(thumbnailTimes(24)).toEqual([1.2, 3.6, 6, 8.4, 10.8, 13.2, 15.6, 18, 20.4, 22.8]);
    expect(frameArgs('/in.mp4', '/o.jpg', 3.6, { width: 320, quality: 3, keyframe: true })).toEqual([
      '-hide_banner', '-nostdin', '-y', '-loglevel', 'level+error', '-nostats',
      '-noaccurate_seek', '-ss', '3.6', '-i', '/in.mp4', '-frames:v', '1', '-vf', "scale=w='min(320,iw)':h=-2", '-q:v', '3', '-update', '1', '/o.jpg',
    ]);
  });
});

describe('presets', () => {
  it('high is HEVC where libx265 opened, else balanced with the reason', () => {
    const hevc = planVodEncode('high', source, { features: { libx265: true } }, 600);
    expect(hevc).toMatchObject({ preset: 'high', codec: 'hevc', twoPass: false, notes: [] });
    expect(hevc.encoder.name).toBe('libx265');
    expect(hevc.renditions.map((r) => `${r.id} ${r.videoCodec}`)).toEqual(['1080p hevc', '720p hevc', '480p hevc', '360p hevc']);
    const fallback = planVodEncode('high', source, { features: { libx265: false } }, 600);
    expect(fallback).toMatchObject({ preset: 'balanced', codec: 'h264', twoPass: true });
    expect(fallback.notes[0]).toMatch(/no usable HEVC encoder/);
  });

  it('never upscales, never copies, and encodes a tiny source at its own size', () => {
    expect(planVodEncode('fast', { ...source, width: 854, height: 480 }, { features: {} }, 60).renditions.map((r) => `${r.id} ${r.width}x${r.height} ${r.copy}`)).toEqual([
      '480p 854x480 false',
      '360p 640x360 false',
    ]);
    expect(planVodEncode('fast', { ...source, width: 3840, height: 2160 }, { features: {} }, 60).renditions[0]).toMatchObject({ id: '1080p', copy: false });
    expect(planVodEncode('fast', { ...source, width: 320, height: 240, videoBitrateKbps: 300 }, { features: {} }, 60).renditions).toEqual([
      { id: 'source', width: 320, height: 240, videoBitrateKbps: 300, audioBitrateKbps: 160, videoCodec: 'h264', copy: false },
    ]);
  });

  it('balanced is one pass on a short clip', () => {
    expect(planVodEncode('balanced', source, { features: {} }, 8)).toMatchObject({ twoPass: false, notes: [expect.stringMatching(/one pass/)] });
  });
});
