import type { EncoderProbe } from '../../src-shared/contract/index.js';

/** Hardware H.264 encoders in order of preference; x264 is the fallback every ffmpeg build here has. */
const PREFERENCE = ['h264_nvenc', 'h264_qsv', 'h264_amf', 'h264_videotoolbox', 'h264_vaapi'] as const;

/** The H.264 encoder to capture with: the first usable hardware one of the probe, else libx264. */
export function pickCaptureEncoder(encoders: readonly EncoderProbe[]): string {
  for (const name of PREFERENCE) if (encoders.some((e) => e.name === name && e.usable)) return name;
  return 'libx264';
}

/**
 * Low-latency H.264 arguments for interactive capture: no B-frames, a GOP of one second (ffmpeg cannot
 * answer a viewer's keyframe request, so a joining viewer waits at most that long), constrained
 * baseline where the encoder allows it (what every browser decodes), bitrate capped for the network.
 * A broadcast passes its own GOP instead: the live segment length.
 */
export function h264EncoderArgs(encoder: string, fps: number, bitrateKbps: number, gopFrames = Math.round(fps)): string[] {
  const gop = String(Math.max(1, gopFrames));
  const rate = ['-b:v', `${bitrateKbps}k`, '-maxrate', `${bitrateKbps}k`, '-bufsize', `${Math.round(bitrateKbps / 2)}k`];
  const common = ['-g', gop, '-bf', '0', ...rate];
  switch (encoder) {
    case 'h264_nvenc':
      return ['-c:v', encoder, '-preset', 'p1', '-tune', 'ull', '-zerolatency', '1', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', ...common];
    case 'h264_qsv':
      return ['-c:v', encoder, '-preset', 'veryfast', '-low_power', '1', '-profile:v', 'baseline', '-pix_fmt', 'nv12', ...common];
    case 'h264_amf':
      return ['-c:v', encoder, '-usage', 'ultralowlatency', '-profile:v', 'constrained_baseline', '-pix_fmt', 'yuv420p', ...common];
    case 'h264_videotoolbox':
      return ['-c:v', encoder, '-realtime', '1', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', ...common];
    case 'h264_vaapi':
      return ['-vf', 'format=nv12,hwupload', '-c:v', encoder, '-profile:v', 'constrained_baseline', ...common];
    default:
      return [
        '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
        '-sc_threshold', '0', ...common,
      ];
  }
}

/**
 * VP8 for viewers without H.264: libvpx in realtime mode (`-cpu-used 16 -static-thresh 100` hold 1080p30
 * on two cores), no lagged or alt-ref frames, the same one-second GOP and rate cap as H.264.
 */
export function vp8EncoderArgs(fps: number, bitrateKbps: number): string[] {
  return [
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '16', '-static-thresh', '100', '-lag-in-frames', '0', '-auto-alt-ref', '0',
    '-error-resilient', '1', '-pix_fmt', 'yuv420p', '-g', String(Math.max(1, Math.round(fps))),
    '-b:v', `${bitrateKbps}k`, '-maxrate', `${bitrateKbps}k`, '-bufsize', `${Math.round(bitrateKbps / 2)}k`,
  ];
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
