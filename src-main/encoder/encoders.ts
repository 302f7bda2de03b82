import type { EncoderProbe } from '../../src-shared/contract/system.js';

/**
 * The one table of video encoders the studio drives, in order of preference: hardware H.264 first,
 * then x264 (the fallback every ffmpeg build here has), then VP8 for viewers without H.264. Each row
 * carries its options per profile, so the live ladder and interactive capture choose from one list
 * (VideoToolbox and VAAPI never both open on one machine, so their order between them is moot):
 * - `ladder`: the adaptive ladder and the relays (ladder.ts picks, packager-args.ts adds the stream
 *   specifiers): constant bitrate, forced keyframes as IDR frames so that segments start cleanly.
 * - `lowLatency`: interactive capture (remote desktop, WebRTC previews, a broadcast of a display): no
 *   B-frames, constrained baseline where the encoder allows it (what every browser decodes), a GOP the
 *   caller sets and a capped bitrate (lowLatencyArgs below adds those).
 */

export interface LadderProfileOptions {
  /** The libx264 preset that keeps the ladder at real time (ladder.ts sizes it by rungs per core). */
  x264Preset: string;
  /** DRM render node for VAAPI. */
  vaapiDevice?: string;
}

export interface LadderProfile {
  /** Global options before the input: opening the hardware device. */
  inputArgs(options: LadderProfileOptions): string[];
  /** Filters after scale+setsar: the pixel format, and the upload to the device where one is needed. */
  uploadFilter: string;
  /** Options of each encoded stream, as [option, value]. */
  streamOptions(options: LadderProfileOptions): Array<[string, string]>;
}

export interface LowLatencyProfile {
  /** A filter the encoder needs on its input (VAAPI uploads to the device); callers' filters run first. */
  filter?: string;
  /** Options after `-c:v <name>`, before the GOP and the rate cap. */
  options: readonly string[];
}

export interface VideoEncoderRow {
  /** ffmpeg encoder name: h264_nvenc, libx264... */
  name: string;
  codec: 'h264' | 'vp8';
  vendor: EncoderProbe['vendor'];
  hardware: boolean;
  /** Where the ladder may use it (the low-latency pick trusts the probe's trial encode alone). */
  platforms: readonly NodeJS.Platform[] | 'all';
  /** Absent: the ladder does not encode with it. */
  ladder?: LadderProfile;
  lowLatency: LowLatencyProfile;
}

const none = (): string[] => [];

export const VIDEO_ENCODERS: readonly VideoEncoderRow[] = [
  {
    name: 'h264_nvenc',
    codec: 'h264',
    vendor: 'nvidia',
    hardware: true,
    platforms: ['linux', 'win32'],
    ladder: {
      inputArgs: none,
      uploadFilter: 'format=yuv420p',
      streamOptions: () => [['-preset', 'p4'], ['-tune', 'll'], ['-rc', 'cbr'], ['-forced-idr', '1'], ['-no-scenecut', '1']],
    },
    lowLatency: { options: ['-preset', 'p1', '-tune', 'ull', '-zerolatency', '1', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p'] },
  },
  {
    name: 'h264_qsv',
    codec: 'h264',
    vendor: 'intel',
    hardware: true,
    platforms: ['linux', 'win32'],
    ladder: {
      inputArgs: () => ['-init_hw_device', 'qsv=hw', '-filter_hw_device', 'hw'],
      uploadFilter: 'format=nv12,hwupload=extra_hw_frames=64,format=qsv',
      streamOptions: () => [['-preset', 'veryfast'], ['-look_ahead', '0'], ['-forced_idr', '1']],
    },
    lowLatency: { options: ['-preset', 'veryfast', '-low_power', '1', '-profile:v', 'baseline', '-pix_fmt', 'nv12'] },
  },
  {
    name: 'h264_amf',
    codec: 'h264',
    vendor: 'amd',
    hardware: true,
    platforms: ['linux', 'win32'],
    ladder: {
      inputArgs: none,
      uploadFilter: 'format=nv12',
      streamOptions: () => [['-usage', 'lowlatency'], ['-quality', 'speed'], ['-rc', 'cbr']],
    },
    lowLatency: { options: ['-usage', 'ultralowlatency', '-profile:v', 'constrained_baseline', '-pix_fmt', 'yuv420p'] },
  },
  {
    name: 'h264_videotoolbox',
    codec: 'h264',
    vendor: 'apple',
    hardware: true,
    platforms: ['darwin'],
    ladder: {
      inputArgs: none,
      uploadFilter: 'format=nv12',
      streamOptions: () => [['-realtime', '1'], ['-allow_sw', '0']],
    },
    lowLatency: { options: ['-realtime', '1', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p'] },
  },
  {
    name: 'h264_vaapi',
    codec: 'h264',
    vendor: 'vaapi',
    hardware: true,
    platforms: ['linux', 'freebsd', 'openbsd'],
    ladder: {
      inputArgs: (o) => ['-vaapi_device', o.vaapiDevice ?? '/dev/dri/renderD128'],
      uploadFilter: 'format=nv12,hwupload',
      streamOptions: () => [['-rc_mode', 'CBR']],
    },
    lowLatency: { filter: 'format=nv12,hwupload', options: ['-profile:v', 'constrained_baseline'] },
  },
  {
    name: 'libx264',
    codec: 'h264',
    vendor: 'software',
    hardware: false,
    platforms: 'all',
    ladder: {
      inputArgs: none,
      uploadFilter: 'format=yuv420p',
      streamOptions: (o) => [['-preset', o.x264Preset]],
    },
    lowLatency: { options: ['-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-sc_threshold', '0'] },
  },
  {
    // Realtime libvpx: `-cpu-used 16 -static-thresh 100` hold 1080p30 on two cores; no lagged or alt-ref frames.
    name: 'libvpx',
    codec: 'vp8',
    vendor: 'software',
    hardware: false,
    platforms: 'all',
    lowLatency: {
      options: ['-deadline', 'realtime', '-cpu-used', '16', '-static-thresh', '100', '-lag-in-frames', '0', '-auto-alt-ref', '0', '-error-resilient', '1', '-pix_fmt', 'yuv420p'],
    },
  },
];

const rowNamed = (name: string): VideoEncoderRow | undefined => VIDEO_ENCODERS.find((row) => row.name === name);
/** The software H.264 row: the fallback of the ladder and of capture. */
export const X264 = rowNamed('libx264')!;

/** The hardware H.264 rows, in order of preference. */
export const HARDWARE_H264: readonly VideoEncoderRow[] = VIDEO_ENCODERS.filter((row) => row.hardware && row.codec === 'h264');

/** Whether the ladder may use `row` on `platform`. */
export const runsOn = (row: VideoEncoderRow, platform: NodeJS.Platform): boolean => row.platforms === 'all' || row.platforms.includes(platform);

/** The H.264 encoder to capture with: the first hardware row the probe opened, else libx264. */
export function pickCaptureEncoder(encoders: readonly EncoderProbe[]): string {
  for (const row of HARDWARE_H264) if (encoders.some((e) => e.name === row.name && e.usable)) return row.name;
  return X264.name;
}

/**
 * The low-latency profile of `row` as ffmpeg output options: its own options, then a GOP of `gopFrames`
 * (ffmpeg cannot answer a viewer's keyframe request, so a joining viewer waits at most that long), no
 * B-frames (VP8 has none to turn off), and the bitrate capped for the network.
 */
function lowLatencyArgs(row: VideoEncoderRow, bitrateKbps: number, gopFrames: number): string[] {
  const profile = row.lowLatency;
  const gop = ['-g', String(Math.max(1, gopFrames)), ...(row.codec === 'h264' ? ['-bf', '0'] : [])];
  const rate = ['-b:v', `${bitrateKbps}k`, '-maxrate', `${bitrateKbps}k`, '-bufsize', `${Math.round(bitrateKbps / 2)}k`];
  return [...(profile.filter ? ['-vf', profile.filter] : []), '-c:v', row.name, ...profile.options, ...gop, ...rate];
}

/**
 * Low-latency H.264 arguments for interactive capture, a GOP of one second unless the caller sets one
 * (a broadcast passes the live segment length). A name outside the H.264 rows gets libx264.
 */
export function h264EncoderArgs(encoder: string, fps: number, bitrateKbps: number, gopFrames = Math.round(fps)): string[] {
  const row = rowNamed(encoder);
  return lowLatencyArgs(row?.codec === 'h264' ? row : X264, bitrateKbps, gopFrames);
}

/** VP8 for viewers without H.264, with the same one-second GOP and rate cap as H.264. */
function vp8EncoderArgs(fps: number, bitrateKbps: number): string[] {
  return lowLatencyArgs(rowNamed('libvpx')!, bitrateKbps, Math.round(fps));
}

/** The encoder arguments of a capture: `libvpx` is VP8, anything else an H.264 encoder. */
export function videoEncoderArgs(encoder: string, fps: number, bitrateKbps: number): string[] {
  return encoder === 'libvpx' ? vp8EncoderArgs(fps, bitrateKbps) : h264EncoderArgs(encoder, fps, bitrateKbps);
}

/**
 * Encoder arguments with `filters` run on the frames first (a download from the GPU, a scale for
 * adaptation): merged ahead of the encoder's own `-vf` where it has one (VAAPI uploads last).
 */
export function withFilters(encoderArgs: readonly string[], filters: readonly string[]): string[] {
  if (filters.length === 0) return [...encoderArgs];
  const chain = filters.join(',');
  const at = encoderArgs.indexOf('-vf');
  if (at < 0) return ['-vf', chain, ...encoderArgs];
  const out = [...encoderArgs];
  out[at + 1] = `${chain},${out[at + 1]}`;
  return out;
}

/** The filter that scales frames to `size` (square pixels). */
export function scaleFilter(size: { width: number; height: number }): string {
  return `scale=${size.width}:${size.height}:flags=fast_bilinear,setsar=1`;
}
