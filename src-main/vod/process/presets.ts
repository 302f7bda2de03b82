import type { Rendition } from '../../../src-shared/contract/streams.js';
import type { FfmpegInfo } from '../../../src-shared/contract/system.js';
import type { VideoPreset } from '../../../src-shared/contract/videos.js';
import { audioPlan, buildLadder, rungSize, softwareEncoder, typicalBitrateKbps, type AudioPlan, type EncoderChoice, type LadderSource } from '../../encoder/ladder.js';

/**
 * What a library preset means for the encode. Pure.
 * - fast: libx264 veryfast, one pass.
 * - balanced: libx264 medium; two passes when the video is at least TWO_PASS_MIN_SEC long. A VOD
 *   ladder is capped VBR (not the live packager's CBR): the first pass tells x264 where the picture
 *   needs bits, so the second spends the same average where it shows. On a few seconds there is
 *   nothing to redistribute, and the first pass costs about a third of the encode.
 * - high: HEVC (libx265 medium) when the probed ffmpeg opened libx265, else balanced, with the reason.
 *   libx265 through ffmpeg has no per-stream two-pass before ffmpeg 6, so HEVC is one pass.
 * The ladder is the live `high` ladder (1080p/720p/480p/360p, never taller than the source), every rung
 * encoded: a copied source would not share the rungs' keyframes, and segments must align for ABR.
 */

export const TWO_PASS_MIN_SEC = 10;

export interface VodEncodePlan {
  requested: VideoPreset;
  /** What runs: `high` without libx265 becomes `balanced`. */
  preset: VideoPreset;
  codec: 'h264' | 'hevc';
  encoder: EncoderChoice;
  twoPass: boolean;
  renditions: Rendition[];
  audio: AudioPlan | null;
  /** Why the plan differs from what was asked, in words (logged, kept in outputs.json). */
  notes: string[];
}

export function hevcEncoder(): EncoderChoice {
  return {
    name: 'libx265',
    vendor: 'software',
    hardware: false,
    inputArgs: [],
    uploadFilter: 'format=yuv420p',
    // hvc1: the sample entry Safari and MSE want for HEVC in fMP4; x265's own log is chatty.
    streamOptions: [
      ['-preset', 'medium'],
      ['-tag', 'hvc1'],
      ['-x265-params', 'log-level=error'],
    ],
  };
}

/** Every rung encoded; a source smaller than the smallest rung is encoded at its own size. */
export function vodRenditions(source: LadderSource, encoder: EncoderChoice, codec: 'h264' | 'hevc'): Rendition[] {
  let rungs = buildLadder('high', source, encoder).filter((r) => !r.copy);
  if (rungs.length === 0) {
    const size = rungSize(source.width, source.height, source.height);
    const kbps = typicalBitrateKbps(size.width, size.height);
    const capped = source.videoBitrateKbps > 0 ? Math.min(kbps, Math.round(source.videoBitrateKbps)) : kbps;
    rungs = [{ id: 'source', ...size, videoBitrateKbps: Math.max(100, capped), audioBitrateKbps: audioPlan(source)?.bitrateKbps ?? 0, videoCodec: 'h264', copy: false }];
  }
  return rungs.map((r) => ({ ...r, videoCodec: codec }));
}

export function planVodEncode(requested: VideoPreset, source: LadderSource, info: Pick<FfmpegInfo, 'features'>, durationSec: number): VodEncodePlan {
  const notes: string[] = [];
  let preset = requested;
  if (requested === 'high' && info.features.libx265 !== true) {
    preset = 'balanced';
    notes.push('high: this ffmpeg has no usable HEVC encoder (libx265), so the video is encoded as balanced (H.264)');
  }
  const codec = preset === 'high' ? 'hevc' : 'h264';
  const encoder = preset === 'high' ? hevcEncoder() : softwareEncoder(preset === 'fast' ? 'veryfast' : 'medium');
  const twoPass = preset === 'balanced' && durationSec >= TWO_PASS_MIN_SEC;
  if (preset === 'balanced' && !twoPass) notes.push(`balanced: one pass (shorter than ${TWO_PASS_MIN_SEC} s, a first pass gains nothing)`);
  return { requested, preset, codec, encoder, twoPass, renditions: vodRenditions(source, encoder, codec), audio: audioPlan(source), notes };
}

/** What the outputs will take, about: every rung and the audio for the whole length, plus the MP4 (top rung + audio). */
export function estimateOutputBytes(plan: Pick<VodEncodePlan, 'renditions' | 'audio'>, durationSec: number): number {
  const audio = plan.audio ? plan.audio.bitrateKbps : 0;
  const ladder = plan.renditions.reduce((sum, r) => sum + r.videoBitrateKbps, 0) + audio;
  const mp4 = (plan.renditions[0]?.videoBitrateKbps ?? 0) + audio;
  return Math.round(((ladder + mp4) * 1000 * durationSec * 1.05) / 8);
}
