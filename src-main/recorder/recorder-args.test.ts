import { describe, expect, it } from 'vitest';
import { packetTimesArgs, probeArgs, recorderArgs, thumbnailArgs, thumbnailTime } from './recorder-args.js';

describe('recorderArgs', () => {
  it('remuxes FLV on stdin into fragmented MP4 that survives kill -9', () => {
    expect(recorderArgs({ container: 'mp4', output: '/rec/main.mp4' })).toEqual([
      '-hide_banner', '-nostdin', '-y', '-loglevel', 'level+warning', '-nostats', '-progress', 'pipe:1',
      '-f', 'flv', '-i', 'pipe:0',
      '-map', '0:v?', '-map', '0:a?', '-c', 'copy', '-flush_packets', '1',
      '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '1000000',
      '/rec/main.mp4',
    ]);
  });

  it('writes Matroska with a cluster at least every fragment', () => {
    const args = recorderArgs({ container: 'mkv', output: '/rec/main.mkv', fragmentSeconds: 0.5, logLevel: 'error' });
    expect(args).toContain('level+error');
    expect(args.slice(args.indexOf('-f', 12))).toEqual(['-f', 'matroska', '-cluster_time_limit', '500', '-cluster_size_limit', '4194304', '/rec/main.mkv']);
    expect(args).not.toContain('-c:v');
    expect(args).not.toContain('-movflags');
  });

  it('refuses a fragment length that is not positive', () => {
    expect(() => recorderArgs({ container: 'mp4', output: 'x.mp4', fragmentSeconds: 0 })).toThrow(/positive/);
  });
});

describe('probe and thumbnail arguments', () => {
  it('asks ffprobe for format and streams as JSON', () => {
    expect(probeArgs('/a b.mp4')).toEqual(['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '/a b.mp4']);
    expect(packetTimesArgs('/x.mkv')).toEqual(['-v', 'error', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', '/x.mkv']);
  });

  it('takes the exact frame 1 s in, at most 320 wide with an even height', () => {
    const args = thumbnailArgs('/in.mp4', '/thumbs/rec.jpg', 1);
    expect(args).not.toContain('-noaccurate_seek');
    expect(args.slice(args.indexOf('-ss'))).toEqual(['-ss', '1', '-i', '/in.mp4', '-frames:v', '1', '-vf', "scale=w='min(320,iw)':h=-2", '-q:v', '4', '-update', '1', '/thumbs/rec.jpg']);
  });

  it('picks an earlier frame for files shorter than 2 s', () => {
    expect(thumbnailTime(600)).toBe(1);
    expect(thumbnailTime(2)).toBe(1);
    expect(thumbnailTime(1.2)).toBe(0.6);
    expect(thumbnailTime(0)).toBe(0);
    expect(thumbnailTime(Number.NaN)).toBe(0);
  });
});
