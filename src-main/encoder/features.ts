import type { EncoderProbe } from '../../src-shared/contract/system.js';

/** What one ffmpeg binary offers, as read from its listings. */
export interface FfmpegListings {
  muxers: ReadonlySet<string>;
  /** Protocols usable for output (destinations); ingest protocols are checked on the input side. */
  outputProtocols: ReadonlySet<string>;
  inputProtocols: ReadonlySet<string>;
  /** Input devices (capture). */
  inputDevices: ReadonlySet<string>;
}

const MUXERS = ['hls', 'dash', 'mp4', 'flv', 'mpegts', 'rtp', 'tee', 'segment'] as const;
const PROTOCOLS = ['rtmp', 'rtmps', 'srt', 'rist', 'srtp', 'http', 'https', 'tcp', 'udp'] as const;
const DEVICES = ['x11grab', 'kmsgrab', 'pulse', 'alsa', 'v4l2', 'gdigrab', 'dshow', 'avfoundation', 'lavfi'] as const;
// Encoders the studio names directly in its argument builders; true only when the trial encode opened.
const ENCODERS = ['libx264', 'libx265', 'libvpx', 'libvpx-vp9', 'libsvtav1', 'libaom-av1', 'aac', 'libopus'] as const;

/** Flat feature flags: muxers, protocols (both directions), capture devices and usable software encoders. */
export function featuresOf(listings: FfmpegListings, encoders: readonly EncoderProbe[]): Record<string, boolean> {
  const features: Record<string, boolean> = {};
  for (const name of MUXERS) features[name] = listings.muxers.has(name);
  for (const name of PROTOCOLS) features[name] = listings.outputProtocols.has(name) && listings.inputProtocols.has(name);
  for (const name of DEVICES) features[name] = listings.inputDevices.has(name);
  for (const name of ENCODERS) features[name] = encoders.some((e) => e.name === name && e.usable);
  features.hardwareEncoder = encoders.some((e) => e.hardware && e.usable);
  return features;
}

/** The capture devices that matter on each OS; others are not reported as missing. */
const CAPTURE_BY_PLATFORM: Partial<Record<NodeJS.Platform, readonly [string, string][]>> = {
  linux: [
    ['x11grab', 'No x11grab device: screen capture on X11 is unavailable'],
    ['pulse', 'No PulseAudio device: desktop and microphone audio capture are unavailable'],
    ['v4l2', 'No Video4Linux2 device: camera capture is unavailable'],
  ],
  win32: [
    ['gdigrab', 'No gdigrab device: screen capture is unavailable'],
    ['dshow', 'No DirectShow device: camera and microphone capture are unavailable'],
  ],
  darwin: [['avfoundation', 'No AVFoundation device: screen, camera and microphone capture are unavailable']],
};

const REQUIRED: readonly [string, string][] = [
  ['hls', 'No HLS muxer: HLS playback is unavailable'],
  ['dash', 'No DASH muxer: DASH playback is unavailable'],
  ['mp4', 'No MP4 muxer: recording to MP4 is unavailable'],
  ['flv', 'No FLV muxer: restreaming to RTMP destinations is unavailable'],
  ['rtp', 'No RTP muxer: WebRTC viewers (WHEP) are unavailable'],
  ['tee', 'No tee muxer: one encode cannot feed several outputs, so each destination encodes on its own'],
  ['rtmp', 'No RTMP protocol: RTMP destinations (YouTube, Twitch) are unavailable'],
  ['rtmps', 'No RTMPS protocol: destinations that require TLS (e.g. Facebook Live) are unavailable'],
  ['srt', 'No SRT protocol: SRT destinations are unavailable (SRT ingest still works: the studio serves it itself)'],
  ['rist', 'No RIST protocol: RIST destinations are unavailable'],
  ['aac', 'No AAC encoder opened: audio for HLS, DASH and RTMP is unavailable'],
  ['libopus', 'No Opus encoder (libopus) opened: audio for WebRTC viewers is unavailable'],
  ['libvpx', 'No VP8 encoder (libvpx) opened: WebRTC viewers without H.264 support cannot watch'],
];

/** Human sentences for what this ffmpeg lacks, most important first. */
export function describeMissing(
  features: Readonly<Record<string, boolean>>,
  encoders: readonly EncoderProbe[],
  platform: NodeJS.Platform = process.platform,
): string[] {
  const missing: string[] = [];
  const hardware = encoders.some((e) => e.hardware && e.usable);
  if (!hardware && features.libx264) missing.push('No hardware encoder opened: encoding uses x264 on the CPU');
  if (!hardware && !features.libx264) {
    missing.push('No hardware encoder opened and libx264 does not open: H.264 encoding is unavailable');
  }
  for (const [key, sentence] of [...REQUIRED, ...(CAPTURE_BY_PLATFORM[platform] ?? [])]) {
    if (!features[key]) missing.push(sentence);
  }
  return missing;
}
