import type { FfmpegInfo } from '../../../src-shared/contract/index.js';

/** One thing the studio does with ffmpeg, and whether the found build can. Pure. */
export interface FfmpegAbility {
  id: string;
  label: string;
  ok: boolean;
  /** Why not, in the creator's words (only when !ok). */
  why?: string;
}

type Features = Readonly<Record<string, boolean>>;

interface AbilityRule {
  id: string;
  label: string;
  /** The platforms it applies to; all when absent. */
  platforms?: readonly string[];
  check(f: Features): string | null;
}

/** Null when every flag is true, else the first absent flag's reason. */
const all =
  (...pairs: [string, string][]) =>
  (f: Features): string | null => {
    for (const [flag, why] of pairs) if (f[flag] !== true) return why;
    return null;
  };

const RULES: readonly AbilityRule[] = [
  {
    id: 'ladder',
    label: 'Adaptive HLS and DASH from a live publish (the ladder)',
    check: (f) =>
      all(['hls', 'no HLS muxer'], ['dash', 'no DASH muxer'], ['aac', 'no AAC encoder'])(f) ??
      (f.libx264 === true || f.hardwareEncoder === true ? null : 'no H.264 encoder opens (neither libx264 nor a hardware one)'),
  },
  { id: 'record', label: 'Recording to MP4 and MKV, converting recordings to VOD', check: all(['mp4', 'no MP4 muxer']) },
  { id: 'rtmp', label: 'Restreaming to RTMP destinations (YouTube, Twitch)', check: all(['flv', 'no FLV muxer'], ['rtmp', 'no rtmp protocol']) },
  { id: 'rtmps', label: 'RTMPS destinations (Facebook Live and others that need TLS)', check: all(['rtmps', 'no rtmps protocol (built without TLS)']) },
  { id: 'srt', label: 'SRT destinations', check: all(['srt', 'no srt protocol (built without libsrt); SRT ingest still works, the studio serves it itself']) },
  { id: 'webrtc', label: 'WebRTC viewers (WHEP) with sound', check: all(['rtp', 'no RTP muxer'], ['libopus', 'no Opus encoder (libopus)']) },
  { id: 'hardware', label: 'Hardware encoding (NVENC, Quick Sync, AMF, VA-API)', check: all(['hardwareEncoder', 'no hardware encoder opens on this machine: x264 encodes on the CPU']) },
  { id: 'screen', label: 'Screen capture (X11)', platforms: ['linux'], check: all(['x11grab', 'no x11grab device']) },
  { id: 'sound', label: 'Desktop sound capture, sound in the remote desktop', platforms: ['linux'], check: all(['pulse', 'no PulseAudio input: those stay silent']) },
  { id: 'screen', label: 'Screen capture', platforms: ['win32'], check: all(['gdigrab', 'no gdigrab device']) },
  { id: 'screen', label: 'Screen, camera and microphone capture', platforms: ['darwin'], check: all(['avfoundation', 'no AVFoundation device']) },
  {
    id: 'lowLatency',
    label: 'Low-latency DASH and HLS',
    // Our own segmenter cuts the parts (ffmpeg's dash/hls muxers cannot): fragmented MP4 is all it needs.
    check: all(['mp4', 'no MP4 muxer (the low-latency segmenter reads fragmented MP4)']),
  },
];

/** How a creator gets a newer ffmpeg, per OS (shown when something is missing or the build is the bundled one). */
export const NEWER_FFMPEG: Readonly<Record<string, string>> = {
  linux: 'sudo apt install ffmpeg (Debian, Ubuntu) or your distribution’s ffmpeg package',
  darwin: 'brew install ffmpeg',
  win32: 'winget install Gyan.FFmpeg',
};

/**
 * What the studio can and cannot do with the found ffmpeg, can-do first in a stable order. A build
 * that was not probed yet (no features) yields nothing rather than a list of false refusals.
 */
export function ffmpegAbilities(info: FfmpegInfo, platform: string): FfmpegAbility[] {
  if (!info.found || Object.keys(info.features).length === 0) return [];
  const abilities = RULES.filter((r) => !r.platforms || r.platforms.includes(platform)).map((r): FfmpegAbility => {
    const why = r.check(info.features);
    return why === null ? { id: r.id, label: r.label, ok: true } : { id: r.id, label: r.label, ok: false, why };
  });
  return [...abilities.filter((a) => a.ok), ...abilities.filter((a) => !a.ok)];
}

/** Whether to show the "how to get a newer ffmpeg" advice. Hardware alone is not about the build. */
export function suggestNewer(info: FfmpegInfo, abilities: readonly FfmpegAbility[]): boolean {
  return !info.found || info.source === 'bundled' || abilities.some((a) => !a.ok && a.id !== 'hardware');
}
