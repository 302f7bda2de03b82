import { describe, expect, it } from 'vitest';
import { broadcastArgsFor } from './broadcast-args.js';
import { broadcastTarget } from './broadcast-target.js';
import { pulseInputArgs } from './pulse.js';

const broadcastArgsLinux = broadcastArgsFor('linux');
const base = { fps: 30, encoder: 'libx264', bitrateKbps: 4000, keyframeSeconds: 2, drawMouse: true };
const HEAD = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-thread_queue_size', '512'];
const AAC_FLV = ['-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2', '-flvflags', 'no_duration_filesize', '-f', 'flv', 'pipe:1'];

describe('broadcastArgsLinux', () => {
  it('grabs a whole display with a silent track: x264, 2 s GOPs on time, H.264 + AAC as FLV on stdout', () => {
    expect(broadcastArgsLinux({ ...base, target: { display: ':5', width: 640, height: 360 } })).toEqual([
      ...HEAD,
      '-f', 'x11grab', '-draw_mouse', '1', '-framerate', '30', '-video_size', '640x360', '-i', ':5.0+0,0',
      '-thread_queue_size', '512', '-f', 'lavfi', '-i', 'anullsrc=channel_layout=stereo:sample_rate=48000',
      '-map', '0:v:0', '-map', '1:a:0',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
      '-sc_threshold', '0', '-g', '60', '-bf', '0', '-b:v', '4000k', '-maxrate', '4000k', '-bufsize', '2000k',
      '-keyint_min', '60', '-force_key_frames', 'expr:gte(t,n_forced*2)',
      ...AAC_FLV,
    ]);
  });

  it('grabs a region from its corner, with the sound of a PulseAudio monitor and the segment length as GOP', () => {
    const args = broadcastArgsLinux({
      ...base,
      fps: 25,
      keyframeSeconds: 4,
      drawMouse: false,
      target: { display: ':7', width: 300, height: 200, x: 10, y: 20 },
      audioInput: pulseInputArgs('sink.monitor'),
    });
    const joined = args.join(' ');
    expect(joined).toContain('-f x11grab -draw_mouse 0 -framerate 25 -video_size 300x200 -i :7.0+10,20');
    expect(joined).toContain('-thread_queue_size 512 -f pulse -fragment_size 1920 -sample_rate 48000 -channels 2 -i sink.monitor -map 0:v:0 -map 1:a:0');
    expect(joined).not.toContain('anullsrc');
    expect(joined).toContain('-g 100 -bf 0');
    expect(joined).toContain('-keyint_min 100 -force_key_frames expr:gte(t,n_forced*4)');
    expect(args.slice(-AAC_FLV.length)).toEqual(AAC_FLV);
  });

  it('keeps a hardware encoder from the probe, with the broadcast GOP', () => {
    const joined = broadcastArgsLinux({ ...base, encoder: 'h264_nvenc', target: { display: ':5', width: 640, height: 360 } }).join(' ');
    expect(joined).toContain('-c:v h264_nvenc');
    expect(joined).toContain('-g 60 -bf 0');
  });

  it('broadcasts a Wayland monitor from its raw frames on stdin, cropped to a region', () => {
    const raw = { pixelFormat: 'bgr0', width: 1280, height: 720 };
    const region = broadcastArgsLinux({ ...base, target: { display: 'wayland-0/Meta-0', width: 640, height: 360, x: 320, y: 180 }, rawInput: raw }).join(' ');
    expect(region).toContain('-thread_queue_size 512 -f rawvideo -pix_fmt bgr0 -video_size 1280x720 -framerate 30 -use_wallclock_as_timestamps 1 -i pipe:0');
    expect(region).toContain('-vf crop=640:360:320:180 -c:v libx264');
    const whole = broadcastArgsLinux({ ...base, target: { display: 'wayland-0/Meta-0', width: 1280, height: 720, x: 0, y: 0 }, rawInput: raw }).join(' ');
    expect(whole).not.toContain('crop=');
    expect(whole).not.toContain('x11grab');
  });
});

describe('broadcast per OS (Windows and macOS arguments checked, not run here)', () => {
  it('grabs with ddagrab on Windows, downloading the frames for x264, with a silent track', () => {
    const joined = broadcastArgsFor('win32')({ ...base, target: { display: '\\\\.\\DISPLAY1', width: 1920, height: 1080 } }).join(' ');
    expect(joined).toContain('-thread_queue_size 512 -f lavfi -i ddagrab=output_idx=0:framerate=30:video_size=1920x1080:offset_x=0:offset_y=0:draw_mouse=1');
    expect(joined).toContain('-vf hwdownload,format=bgra -c:v libx264');
    expect(joined).toContain('anullsrc');
  });
  it('grabs with avfoundation on macOS', () => {
    const joined = broadcastArgsFor('darwin')({ ...base, encoder: 'h264_videotoolbox', target: { display: 'Capture screen 0', width: 1280, height: 720 } }).join(' ');
    expect(joined).toContain('-f avfoundation -capture_cursor 1 -framerate 30 -i Capture screen 0:none');
    expect(joined).toContain('-vf crop=1280:720:0:0 -c:v h264_videotoolbox');
  });
});

describe('broadcastTarget', () => {
  const display = { width: 640, height: 360 };
  const win = (x: number, y: number, width: number, height: number) => ({ id: 7, title: 'w', x, y, width, height });

  it('is the whole display without a region or window', () => {
    expect(broadcastTarget(display, {})).toEqual({ x: 0, y: 0, width: 640, height: 360 });
  });

  it('keeps a region inside the display, its odd sizes rounded down to even', () => {
    expect(broadcastTarget(display, { region: { x: 10, y: 20, width: 301, height: 199 } })).toEqual({ x: 10, y: 20, width: 300, height: 198 });
    expect(broadcastTarget(display, { region: { x: 0, y: 0, width: 640, height: 360 } })).toEqual({ x: 0, y: 0, width: 640, height: 360 });
  });

  it('refuses a region that leaves the display with VALIDATION_FAILED and the field', () => {
    for (const region of [{ x: 600, y: 0, width: 100, height: 100 }, { x: 0, y: 300, width: 640, height: 61 }]) {
      expect(() => broadcastTarget(display, { region })).toThrow(
        expect.objectContaining({ code: 'VALIDATION_FAILED', details: expect.objectContaining({ fields: [expect.objectContaining({ path: 'region' })] }) }),
      );
    }
  });

  it("captures a window's rectangle clamped to the display, even-sized", () => {
    expect(broadcastTarget(display, { window: win(100, 50, 201, 101) })).toEqual({ x: 100, y: 50, width: 200, height: 100 });
    expect(broadcastTarget(display, { window: win(-20, -10, 700, 400) })).toEqual({ x: 0, y: 0, width: 640, height: 360 });
    expect(broadcastTarget(display, { window: win(500, 300, 300, 300) })).toEqual({ x: 500, y: 300, width: 140, height: 60 });
  });

  it('refuses a window with nothing of it on the display', () => {
    expect(() => broadcastTarget(display, { window: win(700, 0, 100, 100) })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
