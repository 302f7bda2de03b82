import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encoderProbeSchema } from '../../src-shared/contract/system.js';
import { describeMissing, featuresOf } from './features.js';
import { lastErrorLine, namesOf, parseEncoders, parseFormats, parseProtocols, parseVersion } from './parse.js';
import { ENCODER_CANDIDATES, trialArgs } from './trial.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name: string): string => fs.readFileSync(path.join(here, 'fixtures', name), 'utf8');

describe('parseVersion', () => {
  it('reads Debian and static build versions', () => {
    expect(parseVersion(fixture('ffmpeg5-version.txt'))).toBe('5.1.9-0+deb12u1');
    expect(parseVersion(fixture('ffmpeg41-version.txt'))).toBe('N-47683-g0e8eb07980-static');
  });
  it('returns null for text that is not ffmpeg output', () => {
    expect(parseVersion('bash: ffmpeg: command not found')).toBeNull();
  });
});

describe('parseEncoders', () => {
  it('lists video and audio encoders of ffmpeg 5.1 without the legend', () => {
    const encoders = parseEncoders(fixture('ffmpeg5-encoders.txt'));
    const byName = new Map(encoders.map((e) => [e.name, e]));
    expect(byName.get('libx264')).toMatchObject({ kind: 'video', description: expect.stringContaining('H.264') });
    expect(byName.get('aac')?.kind).toBe('audio');
    expect(byName.has('h264_nvenc')).toBe(true);
    expect(byName.has('h264_vaapi')).toBe(true);
    expect(byName.has('av1_nvenc')).toBe(false);
    expect(byName.has('=')).toBe(false);
    expect(encoders.some((e) => e.kind === 'subtitle')).toBe(true);
  });
  it('parses the 2018 static build shipped in @ffmpeg-installer (no nvenc)', () => {
    const names = parseEncoders(fixture('ffmpeg41-encoders.txt')).map((e) => e.name);
    expect(names).toContain('libx264');
    expect(names).toContain('libopus');
    expect(names).not.toContain('h264_nvenc');
  });
});

describe('parseFormats and parseProtocols', () => {
  it('reads muxers, including comma-separated aliases', () => {
    const muxers = namesOf(parseFormats(fixture('ffmpeg5-muxers.txt')), 'mux');
    for (const name of ['hls', 'dash', 'mp4', 'flv', 'rtp', 'tee', 'ssegment', 'stream_segment']) expect(muxers).toContain(name);
    expect(muxers).not.toContain('--');
  });
  it('reads input devices, splitting video4linux2,v4l2', () => {
    const formats = parseFormats(fixture('ffmpeg5-devices.txt'));
    const inputs = namesOf(formats, 'demux');
    expect([...inputs]).toEqual(expect.arrayContaining(['x11grab', 'kmsgrab', 'pulse', 'alsa', 'v4l2', 'lavfi']));
    expect(inputs).not.toContain('sdl2'); // output only
    expect(formats.find((f) => f.names.includes('libcdio'))?.description).toBe('');
  });
  it('separates input and output protocols', () => {
    const five = parseProtocols(fixture('ffmpeg5-protocols.txt'));
    expect(five.output).toContain('srt');
    expect(five.input).toContain('srt');
    expect(five.output).toContain('rtmps');
    expect(five.output).not.toContain('hls'); // hls is an input-only protocol
    const old = parseProtocols(fixture('ffmpeg41-protocols.txt'));
    expect(old.output).not.toContain('srt');
    expect(old.output).toContain('rtmp');
  });
});

describe('lastErrorLine', () => {
  it('prefers the component-tagged cause over the generic trailer', () => {
    expect(lastErrorLine(fixture('nvenc-no-gpu.stderr.txt'))).toBe('h264_nvenc: Cannot load libcuda.so.1');
    expect(lastErrorLine(fixture('vaapi-no-device.stderr.txt'))).toBe(
      'AVHWDeviceContext: No VA display found for device /dev/dri/renderD128.',
    );
  });
  it('falls back to the last line that is not a generic trailer', () => {
    expect(lastErrorLine(fixture('qsv-no-device.stderr.txt'))).toBe(
      "Failed to set value 'qsv=hw' for option 'init_hw_device': Generic error in an external library",
    );
    expect(lastErrorLine('Conversion failed!\n')).toBe('Conversion failed!');
    expect(lastErrorLine('  \n')).toBeUndefined();
  });
  it('shortens very long lines', () => {
    expect(lastErrorLine('x'.repeat(500), 50)).toHaveLength(50);
  });
});

describe('trialArgs and candidates', () => {
  it('covers every family with unique names', () => {
    const names = ENCODER_CANDIDATES.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of ENCODER_CANDIDATES) expect(encoderProbeSchema.safeParse({ ...c, compiledIn: false, usable: false }).success).toBe(true);
    expect(names).toEqual(expect.arrayContaining(['h264_nvenc', 'av1_qsv', 'hevc_amf', 'h264_vaapi', 'hevc_videotoolbox', 'libx264', 'libopus']));
  });
  it('opens the hardware device VAAPI needs and encodes one frame to null', () => {
    const vaapi = ENCODER_CANDIDATES.find((c) => c.name === 'h264_vaapi')!;
    const args = trialArgs(vaapi, { vaapiDevice: '/dev/dri/renderD129' });
    expect(args.slice(args.indexOf('-vaapi_device'), args.indexOf('-vaapi_device') + 2)).toEqual(['-vaapi_device', '/dev/dri/renderD129']);
    expect(args).toContain('format=nv12,hwupload');
    expect(args.slice(-3)).toEqual(['-f', 'null', '-']);
    const opus = trialArgs(ENCODER_CANDIDATES.find((c) => c.name === 'libopus')!);
    expect(opus.join(' ')).toContain('anullsrc');
    expect(opus.join(' ')).toContain('-c:a libopus');
  });
});

describe('features and missing', () => {
  const listings = (protocols: string) => {
    const p = parseProtocols(fixture(`ffmpeg${protocols}-protocols.txt`));
    return {
      muxers: namesOf(parseFormats(fixture(`ffmpeg${protocols}-muxers.txt`)), 'mux'),
      inputProtocols: p.input,
      outputProtocols: p.output,
      inputDevices: namesOf(parseFormats(fixture(`ffmpeg${protocols}-devices.txt`)), 'demux'),
    };
  };
  const software = ['libx264', 'aac', 'libopus', 'libvpx'].map((name) => ({
    name, codec: 'h264' as const, vendor: 'software' as const, hardware: false, compiledIn: true, usable: true,
  }));

  it('says that the old bundled build lacks SRT and RIST, and that encoding is on the CPU', () => {
    const features = featuresOf(listings('41'), software);
    expect(features).toMatchObject({ hls: true, dash: true, flv: true, srt: false, rist: false, rtmp: true, x11grab: true, libx264: true });
    const missing = describeMissing(features, software, 'linux');
    expect(missing).toContain('No SRT protocol: SRT destinations are unavailable (SRT ingest still works: the studio serves it itself)');
    expect(missing).toContain('No hardware encoder opened: encoding uses x264 on the CPU');
    expect(missing.some((m) => m.includes('gdigrab'))).toBe(false);
  });
  it('has nothing but the hardware sentence to say about Debian 5.1 on Linux', () => {
    const features = featuresOf(listings('5'), software);
    expect(describeMissing(features, software, 'linux')).toEqual(['No hardware encoder opened: encoding uses x264 on the CPU']);
    expect(describeMissing(features, software, 'win32')).toContain('No gdigrab device: screen capture is unavailable');
  });
});
