import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { capabilityFlags, capsOf, describeLimits, fpsModeArgs, MODERN_CAPS, parseFilterNames } from './capabilities.js';

const read = (name: string): string => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const texts = (v: '41' | '5') => ({
  mainHelp: read(`ffmpeg${v}-help-long.txt`),
  muxerHelp: { dash: read(`ffmpeg${v}-muxer-dash.txt`), hls: read(`ffmpeg${v}-muxer-hls.txt`) },
  filters: read(`ffmpeg${v}-filters.txt`),
});

describe('capabilityFlags', () => {
  it('reads the npm-shipped 4.1: no fps_mode, no master publish rate, no low-latency dash options', () => {
    const flags = capabilityFlags(texts('41'));
    expect(flags).toMatchObject({
      'option:fps_mode': false,
      'option:vsync': true,
      'option:readrate': false,
      'option:max_muxing_queue_size': true,
      'dash:seg_duration': true,
      'dash:init_seg_name': true,
      'dash:media_seg_name': true,
      'dash:hls_playlist': true,
      'dash:master_m3u8_publish_rate': false,
      'dash:utc_timing_url': true,
      'dash:ldash': false,
      'dash:frag_type': false,
      'filter:scale': true,
      'filter:setsar': true,
      'filter:split': true,
    });
  });

  it('reads Debian 5.1: all of them', () => {
    const flags = capabilityFlags(texts('5'));
    for (const flag of ['option:fps_mode', 'option:readrate', 'dash:master_m3u8_publish_rate', 'dash:ldash', 'dash:frag_type', 'dash:write_prft', 'filter:ssim']) {
      expect(flags[flag], flag).toBe(true);
    }
  });

  it('counts a failed listing as nothing there', () => {
    const flags = capabilityFlags({ mainHelp: '', muxerHelp: {}, filters: '' });
    expect(Object.values(flags).every((v) => v === false)).toBe(true);
  });

  it('parses filter lines of both listing styles and nothing else', () => {
    expect([...parseFilterNames(' ..C scale             V->V       Scale.\n TSC overlay  VV->V  x\nFilters:\n  T.. = Timeline support\n')]).toEqual(['scale', 'overlay']);
  });
});

describe('caps', () => {
  it('take a flag the record does not hold as present, and a false one as absent', () => {
    const caps = capsOf({ 'option:fps_mode': false });
    expect(caps.has('option:fps_mode')).toBe(false);
    expect(caps.has('dash:ldash')).toBe(true);
    expect(capsOf(undefined).has('anything')).toBe(true);
  });

  it('say -vsync where -fps_mode is missing', () => {
    expect(fpsModeArgs(MODERN_CAPS, 'passthrough')).toEqual(['-fps_mode', 'passthrough']);
    expect(fpsModeArgs(capsOf({ 'option:fps_mode': false }), 'passthrough')).toEqual(['-vsync', 'passthrough']);
  });

  it('describe what an old build cannot do, and nothing for a current one', () => {
    // No master publish rate, no -fps_mode (low latency is no longer one: our segmenter serves it on 4.1).
    const old = describeLimits(capabilityFlags(texts('41')));
    expect(old).toHaveLength(2);
    expect(old.join(' ')).not.toMatch(/low-latency/);
    expect(describeLimits({ ...capabilityFlags(texts('41')), 'remux:flv_adts': false })).toHaveLength(3);
    expect(describeLimits(capabilityFlags(texts('5')))).toEqual([]);
  });
});
