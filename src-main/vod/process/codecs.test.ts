import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hevcCodecString, masterWithHevcCodecs } from './codecs.js';

describe('HEVC codec names', () => {
  it('reads profile, compatibility, tier, level and constraints from the hvcC of an init segment (x265 Main, 360p)', () => {
    expect(hevcCodecString(fs.readFileSync(new URL('./fixtures/init-hevc.m4s', import.meta.url)))).toBe('hvc1.1.6.L63.90');
    expect(hevcCodecString(Buffer.from('no such box'))).toBeNull();
  });

  it('replaces the bare hvc1 of each variant, leaving other codecs and variants alone', () => {
    const master = [
      '#EXTM3U',
      '#EXT-X-STREAM-INF:BANDWIDTH=570744,RESOLUTION=640x360,CODECS="hvc1,mp4a.40.2",AUDIO="group_A1"',
      'media_0.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=426x240,CODECS="hvc1,mp4a.40.2",AUDIO="group_A1"',
      'media_1.m3u8',
      '',
    ].join('\n');
    const out = masterWithHevcCodecs(master, new Map([['media_0.m3u8', 'hvc1.1.6.L90.B0']]));
    expect(out.split('\n')[1]).toContain('CODECS="hvc1.1.6.L90.B0,mp4a.40.2"');
    expect(out.split('\n')[3]).toContain('CODECS="hvc1,mp4a.40.2"');
  });
});
