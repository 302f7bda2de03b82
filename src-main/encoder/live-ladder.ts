import type { LadderPreset } from '../../src-shared/contract/streams.js';
import type { FfmpegInfo } from '../../src-shared/contract/system.js';
import type { TrackInfo } from '../media/types.js';
import { planLadder, type LadderPlan, type LadderSource } from './ladder.js';

/** Assumed until the publisher's metadata says otherwise (and when it never does). */
const ASSUMED_SOURCE = { width: 1280, height: 720, fps: 30, videoCodec: 'h264' } as const;

/** What the ladder planner knows of a live source from its tracks; 0 (unknown) sizes count as the assumed ones. */
export function liveLadderSource(tracks: TrackInfo): LadderSource {
  const { video, audio } = tracks;
  return {
    width: video?.width || ASSUMED_SOURCE.width,
    height: video?.height || ASSUMED_SOURCE.height,
    fps: video?.fps || ASSUMED_SOURCE.fps,
    videoBitrateKbps: video?.bitrateKbps ?? 0,
    videoCodec: video?.codec ?? ASSUMED_SOURCE.videoCodec,
    audioCodec: audio?.codec ?? null,
    audioBitrateKbps: audio?.bitrateKbps ?? 0,
  };
}

/** The live packager's ladder for a publish: renditions, encoder and audio, and the frame rate to keep. */
export function planLiveLadder(
  preset: LadderPreset,
  tracks: TrackInfo,
  info: FfmpegInfo,
  host: { platform: NodeJS.Platform; cores: number },
): LadderPlan & { fps: number } {
  const source = liveLadderSource(tracks);
  return { ...planLadder(preset, source, info, host.platform, { cores: host.cores }), fps: source.fps };
}
