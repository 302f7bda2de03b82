import { describe, expect, it } from 'vitest';
import { softwareEncoder, type EncoderChoice } from '../encoder/ladder.js';
import { argsForLog, relayArgs, relayRendition, renditionIds } from './relay-args.js';

const HEAD = ['-hide_banner', '-nostdin', '-loglevel', 'level+warning', '-nostats', '-progress', 'pipe:1'];
const INPUT = ['-f', 'flv', '-i', 'pipe:0', '-map', '0:v:0?', '-map', '0:a:0?'];
const x264 = softwareEncoder('veryfast');
const source = { video: { codec: 'h264', width: 1920, height: 1080, fps: 30, bitrateKbps: 6000 }, audio: { codec: 'aac', sampleRate: 48000, channels: 2, bitrateKbps: 160 } };

describe('relayArgs', () => {
  it('copies to RTMP by default, with an I/O timeout and no header rewrite at the end', () => {
    expect(relayArgs({ protocol: 'rtmp', publishUrl: 'rtmp://live.twitch.tv/app/live_1', rendition: null })).toEqual([
      ...HEAD, ...INPUT, '-c', 'copy', '-max_muxing_queue_size', '1024', '-rw_timeout', '10000000',
      '-flvflags', 'no_duration_filesize', '-f', 'flv', 'rtmp://live.twitch.tv/app/live_1',
    ]);
  });

  it('sends MPEG-TS to SRT, and never uses -timeout (for rtmp:// it means listen)', () => {
    const args = relayArgs({ protocol: 'srt', publishUrl: 'srt://h:9000?streamid=publish:k', rendition: null, ioTimeoutSec: 5 });
    expect(args.slice(-5)).toEqual(['-rw_timeout', '5000000', '-f', 'mpegts', 'srt://h:9000?streamid=publish:k']);
    expect(args).not.toContain('-timeout');
    expect(relayArgs({ protocol: 'rtmps', publishUrl: 'rtmps://x/app/k', rendition: null })).not.toContain('-timeout');
  });

  it('makes ffmpeg verify an rtmps:// server against the CA file it is given (ffmpeg does not by default)', () => {
    const args = relayArgs({ protocol: 'rtmps', publishUrl: 'rtmps://x/app/k', rendition: null, caFile: '/home/ca.pem' });
    expect(args.slice(-9)).toEqual(['-tls_verify', '1', '-ca_file', '/home/ca.pem', '-flvflags', 'no_duration_filesize', '-f', 'flv', 'rtmps://x/app/k']);
    expect(relayArgs({ protocol: 'rtmps', publishUrl: 'rtmps://x/app/k', rendition: null })).toContain('-tls_verify');
    expect(relayArgs({ protocol: 'rtmp', publishUrl: 'rtmp://x/app/k', rendition: null, caFile: '/home/ca.pem' })).not.toContain('-tls_verify');
  });

  it('encodes a 720p rendition from a 1080p source: rung size and bitrate, 2 s GOP, AAC copied', () => {
    const rendition = relayRendition('720p', source, x264)!;
    expect(rendition).toMatchObject({ width: 1280, height: 720, videoBitrateKbps: 2500, fps: 30, audio: { copy: true } });
    const args = relayArgs({ protocol: 'rtmp', publishUrl: 'rtmp://a.rtmp.youtube.com/live2/k', rendition });
    expect(args).toEqual([
      ...HEAD, ...INPUT,
      '-vf', 'scale=w=1280:h=720,setsar=1,format=yuv420p', '-c:v', 'libx264', '-preset', 'veryfast',
      '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '5000k',
      '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-force_key_frames', 'expr:gte(t,n_forced*2)',
      '-c:a', 'copy', '-max_muxing_queue_size', '1024', '-rw_timeout', '10000000',
      '-flvflags', 'no_duration_filesize', '-f', 'flv', 'rtmp://a.rtmp.youtube.com/live2/k',
    ]);
  });

  it('without known tracks: the rung height at most, aspect kept by ffmpeg, audio encoded', () => {
    const rendition = relayRendition('480p', undefined, x264)!;
    const args = relayArgs({ protocol: 'rtmp', publishUrl: 'rtmp://h/live/k', rendition });
    expect(args[args.indexOf('-vf') + 1]).toBe("scale=w=-2:h='min(480,ih)',setsar=1,format=yuv420p");
    expect(args.slice(args.indexOf('-c:a'), args.indexOf('-c:a') + 6)).toEqual(['-c:a', 'aac', '-b:a', '128k', '-ar', '48000']);
  });

  it('caps the bitrate at the source, never upscales, and follows a 60 fps source', () => {
    const small = { video: { codec: 'h264', width: 854, height: 480, fps: 60, bitrateKbps: 900 } };
    const rendition = relayRendition('1080p', small, x264)!;
    expect(rendition).toMatchObject({ width: 854, height: 480, videoBitrateKbps: 900, fps: 60 });
    const args = relayArgs({ protocol: 'rtmp', publishUrl: 'rtmp://h/live/k', rendition });
    expect(args[args.indexOf('-g') + 1]).toBe('120');
  });

  it('opens a hardware device before the input and uses its filters and options', () => {
    const nvenc: EncoderChoice = { name: 'h264_vaapi', vendor: 'vaapi', hardware: true, inputArgs: ['-vaapi_device', '/dev/dri/renderD128'], uploadFilter: 'format=nv12,hwupload', streamOptions: [['-rc_mode', 'CBR']] };
    const args = relayArgs({ protocol: 'rtmp', publishUrl: 'rtmp://h/live/k', rendition: relayRendition('720p', source, nvenc)! });
    expect(args.indexOf('-vaapi_device')).toBeLessThan(args.indexOf('-i'));
    expect(args).toContain('scale=w=1280:h=720,setsar=1,format=nv12,hwupload');
    expect(args.slice(args.indexOf('-c:v'), args.indexOf('-c:v') + 4)).toEqual(['-c:v', 'h264_vaapi', '-rc_mode', 'CBR']);
  });

  it('knows the ladder rungs and hides the publish URL from logs', () => {
    expect(renditionIds()).toEqual(['1080p', '720p', '480p', '360p']);
    expect(relayRendition('4k', source, x264)).toBeUndefined();
    const args = relayArgs({ protocol: 'rtmp', publishUrl: 'rtmp://h/live/secret', rendition: null });
    expect(argsForLog(args, 'rtmp://h/live/secret').join(' ')).not.toContain('secret');
  });
});
