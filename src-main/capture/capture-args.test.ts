import { describe, expect, it } from 'vitest';
import type { EncoderProbe } from '../../src-shared/contract/index.js';
import { captureArgsLinux } from './args.linux.js';
import { h264EncoderArgs, pickCaptureEncoder, withOutputSize } from './encoder-args.js';
import { captureArgsFor } from './index.js';

const base = { fps: 30, encoder: 'libx264', bitrateKbps: 4000, rtpPort: 40000, drawMouse: true };

describe('captureArgsLinux', () => {
  it('grabs a whole display with x264 zerolatency, a one-second GOP and no duplicated frames', () => {
    const args = captureArgsLinux({ ...base, target: { display: ':5', width: 1280, height: 720 } });
    const joined = args.join(' ');
    expect(joined).toContain('-f x11grab -draw_mouse 1 -framerate 30 -video_size 1280x720 -i :5.0+0,0');
    expect(joined).toContain('-c:v libx264 -preset ultrafast -tune zerolatency -profile:v baseline');
    expect(joined).toContain('-g 30 -bf 0');
    expect(joined).toContain('-fps_mode passthrough');
    expect(args.at(-1)).toBe('rtp://127.0.0.1:40000?pkt_size=1200');
  });

  it('scales before encoding when an output size is set (adaptation), and not otherwise', () => {
    const scaled = captureArgsLinux({ ...base, target: { display: ':5', width: 1280, height: 720 }, outputSize: { width: 640, height: 360 } }).join(' ');
    expect(scaled).toContain('-i :5.0+0,0 -vf scale=640:360:flags=fast_bilinear,setsar=1 -c:v libx264');
    expect(captureArgsLinux({ ...base, target: { display: ':5', width: 1280, height: 720 } })).not.toContain('-vf');
  });

  it('scales ahead of the upload into a VAAPI encoder', () => {
    const args = withOutputSize(h264EncoderArgs('h264_vaapi', 30, 4000), { width: 960, height: 540 });
    expect(args.filter((a) => a === '-vf')).toHaveLength(1);
    expect(args[args.indexOf('-vf') + 1]).toBe('scale=960:540:flags=fast_bilinear,setsar=1,format=nv12,hwupload');
  });

  it('grabs a region (a window) from its corner', () => {
    const args = captureArgsLinux({ ...base, target: { display: ':0', width: 300, height: 200, x: 10, y: 20 } });
    expect(args.join(' ')).toContain('-video_size 300x200 -i :0.0+10,20');
  });
});

describe('capture per OS', () => {
  it('refuses Windows and macOS capture with NOT_IMPLEMENTED_ON_OS', () => {
    for (const os of ['win32', 'darwin'] as const) {
      expect(() => captureArgsFor(os)({ ...base, target: { display: '0', width: 640, height: 360 } })).toThrow(
        expect.objectContaining({ code: 'NOT_IMPLEMENTED_ON_OS' }),
      );
    }
  });
});

describe('pickCaptureEncoder', () => {
  const probe = (name: string, usable: boolean): EncoderProbe => ({ name, codec: 'h264', vendor: 'nvidia', hardware: true, compiledIn: true, usable });
  it('prefers a usable hardware encoder, else x264', () => {
    expect(pickCaptureEncoder([probe('h264_nvenc', false), probe('h264_vaapi', false)])).toBe('libx264');
    expect(pickCaptureEncoder([probe('h264_vaapi', true), probe('h264_nvenc', true)])).toBe('h264_nvenc');
  });
});
