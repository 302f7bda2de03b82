import { describe, expect, it } from 'vitest';
import type { EncoderProbe } from '../../src-shared/contract/index.js';
import { outputIndexOf } from './args.win32.js';
import { h264EncoderArgs, pickCaptureEncoder, withFilters } from '../encoder/encoders.js';
import { captureArgsFor } from './index.js';

const base = { fps: 30, encoder: 'libx264', bitrateKbps: 4000, rtpPort: 40000, drawMouse: true };
const linux = captureArgsFor('linux');

describe('capture on Linux (x11grab)', () => {
  it('grabs a whole display with x264 zerolatency, a one-second GOP and no duplicated frames', () => {
    const args = linux({ ...base, target: { display: ':5', width: 1280, height: 720 } });
    const joined = args.join(' ');
    expect(joined).toContain('-f x11grab -draw_mouse 1 -framerate 30 -video_size 1280x720 -i :5.0+0,0');
    expect(joined).toContain('-c:v libx264 -preset ultrafast -tune zerolatency -profile:v baseline');
    expect(joined).toContain('-g 30 -bf 0');
    expect(joined).toContain('-fps_mode passthrough');
    expect(args.at(-1)).toBe('rtp://127.0.0.1:40000?pkt_size=1200');
  });

  it('scales before encoding when an output size is set (adaptation), and not otherwise', () => {
    const scaled = linux({ ...base, target: { display: ':5', width: 1280, height: 720 }, outputSize: { width: 640, height: 360 } }).join(' ');
    expect(scaled).toContain('-i :5.0+0,0 -vf scale=640:360:flags=fast_bilinear,setsar=1 -c:v libx264');
    expect(linux({ ...base, target: { display: ':5', width: 1280, height: 720 } })).not.toContain('-vf');
  });

  it('encodes VP8 in realtime mode for viewers without H.264', () => {
    const joined = linux({ ...base, encoder: 'libvpx', target: { display: ':5', width: 1280, height: 720 } }).join(' ');
    expect(joined).toContain('-c:v libvpx -deadline realtime -cpu-used 16 -static-thresh 100 -lag-in-frames 0');
    expect(joined).toContain('-g 30 -b:v 4000k');
    expect(joined).not.toContain('libx264');
  });

  it('grabs a region (a window) from its corner', () => {
    const args = linux({ ...base, target: { display: ':0', width: 300, height: 200, x: 10, y: 20 } });
    expect(args.join(' ')).toContain('-video_size 300x200 -i :0.0+10,20');
  });
});

describe('capture of a Wayland monitor (raw frames of the native capture on stdin)', () => {
  it('reads raw pictures of the negotiated format, stamped as they arrive, and encodes them like a grab', () => {
    const args = linux({ ...base, target: { display: 'wayland-0/Meta-0', width: 1280, height: 720 }, rawInput: { pixelFormat: 'bgr0' } });
    const joined = args.join(' ');
    expect(joined).toContain('-f rawvideo -pix_fmt bgr0 -video_size 1280x720 -framerate 30 -use_wallclock_as_timestamps 1 -i pipe:0 -c:v libx264');
    expect(joined).not.toContain('x11grab');
    expect(joined).toContain('-fps_mode passthrough');
    const scaled = linux({ ...base, target: { display: 'wayland-0/Meta-0', width: 1280, height: 720 }, rawInput: { pixelFormat: 'rgb0' }, outputSize: { width: 640, height: 360 } }).join(' ');
    expect(scaled).toContain('-i pipe:0 -vf scale=640:360:flags=fast_bilinear,setsar=1 -c:v libx264');
  });
});

// Fixtures only: no Windows or macOS machine runs this build's tests, so these arguments are checked
// against ffmpeg's documented ddagrab and avfoundation options, not run.
describe('capture on Windows (ddagrab; Windows APIs not run here)', () => {
  const win = captureArgsFor('win32');
  it('keeps Direct3D frames on the GPU for NVENC', () => {
    const args = win({ ...base, encoder: 'h264_nvenc', target: { display: '\\\\.\\DISPLAY2', width: 1920, height: 1080 } }).join(' ');
    expect(args).toContain('-f lavfi -i ddagrab=output_idx=1:framerate=30:video_size=1920x1080:offset_x=0:offset_y=0:draw_mouse=1 -c:v h264_nvenc');
    expect(args).not.toContain('hwdownload');
  });
  it('downloads frames for x264, and for any encoder when scaling', () => {
    expect(win({ ...base, target: { display: '\\\\.\\DISPLAY1', width: 800, height: 600, x: 100, y: 50 } }).join(' ')).toContain(
      'ddagrab=output_idx=0:framerate=30:video_size=800x600:offset_x=100:offset_y=50:draw_mouse=1 -vf hwdownload,format=bgra -c:v libx264',
    );
    const scaled = win({ ...base, encoder: 'h264_nvenc', target: { display: '\\\\.\\DISPLAY1', width: 1920, height: 1080 }, outputSize: { width: 960, height: 540 } });
    expect(scaled[scaled.indexOf('-vf') + 1]).toBe('hwdownload,format=bgra,scale=960:540:flags=fast_bilinear,setsar=1');
  });
  it('maps QSV through a derived device', () => {
    expect(win({ ...base, encoder: 'h264_qsv', target: { display: '\\\\.\\DISPLAY1', width: 1280, height: 720 } }).join(' ')).toContain('-vf hwmap=derive_device=qsv,format=qsv -c:v h264_qsv');
  });
  it('refuses a display name that is not a Windows one', () => {
    expect(outputIndexOf('\\\\.\\DISPLAY3')).toBe(2);
    expect(() => outputIndexOf(':0')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => outputIndexOf('\\\\.\\DISPLAY0')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});

describe('capture on macOS (avfoundation; not run here)', () => {
  it('grabs a screen by device name with the cursor, cropped to the region, into VideoToolbox', () => {
    const args = captureArgsFor('darwin')({ ...base, encoder: 'h264_videotoolbox', target: { display: 'Capture screen 0', width: 1280, height: 720, x: 0, y: 40 } });
    expect(args.join(' ')).toContain('-f avfoundation -capture_cursor 1 -framerate 30 -i Capture screen 0:none -vf crop=1280:720:0:40 -c:v h264_videotoolbox -realtime 1');
  });
});

describe('withFilters', () => {
  it('runs filters ahead of the upload into a VAAPI encoder', () => {
    const args = withFilters(h264EncoderArgs('h264_vaapi', 30, 4000), ['scale=960:540']);
    expect(args.filter((a) => a === '-vf')).toHaveLength(1);
    expect(args[args.indexOf('-vf') + 1]).toBe('scale=960:540,format=nv12,hwupload');
  });
});

describe('pickCaptureEncoder', () => {
  const probe = (name: string, usable: boolean): EncoderProbe => ({ name, codec: 'h264', vendor: 'nvidia', hardware: true, compiledIn: true, usable });
  it('prefers a usable hardware encoder, else x264', () => {
    expect(pickCaptureEncoder([probe('h264_nvenc', false), probe('h264_vaapi', false)])).toBe('libx264');
    expect(pickCaptureEncoder([probe('h264_vaapi', true), probe('h264_nvenc', true)])).toBe('h264_nvenc');
  });
});
