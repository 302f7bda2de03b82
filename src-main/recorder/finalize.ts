import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../core/logger.js';
import { makeThumbnail, probeMedia, type Runner } from './media-info.js';
import type { RecordingPatch, RecordingState } from './recording-store.js';

export interface FinalizeTools {
  runner: Runner;
  ffprobePath: () => Promise<string>;
  ffmpegPath: () => Promise<string>;
  logger: Logger;
}

/**
 * What makes an ended recording final: its probed duration, size and codecs, and a thumbnail.
 * A file that cannot be probed keeps its state with the reason as error; a missing file is failed.
 */
export async function finalPatch(
  tools: FinalizeTools,
  file: string,
  thumbnail: string,
  ended: { state: RecordingState; error: string | null; endedAt: number },
): Promise<RecordingPatch> {
  try {
    const info = await probeMedia(tools.runner, await tools.ffprobePath(), file);
    fs.mkdirSync(path.dirname(thumbnail), { recursive: true });
    const made = info.video ? await makeThumbnail(tools.runner, await tools.ffmpegPath(), file, thumbnail, info.durationSec).catch(() => false) : false;
    return {
      ...ended,
      durationSec: Math.round(info.durationSec * 1000) / 1000,
      sizeBytes: info.sizeBytes,
      video: info.video && { codec: info.video.codec, width: info.video.width, height: info.video.height },
      audio: info.audio && { codec: info.audio.codec, sampleRate: info.audio.sampleRate, channels: info.audio.channels },
      thumbnail: made ? path.basename(thumbnail) : null,
    };
  } catch (error) {
    const size = fs.statSync(file, { throwIfNoEntry: false })?.size;
    const why = size === undefined ? 'the file is missing' : `the file cannot be read: ${(error as Error).message}`;
    tools.logger.warn({ file, err: error }, 'recorded file could not be probed');
    return { ...ended, state: size === undefined ? 'failed' : ended.state, error: ended.error ?? why, sizeBytes: size ?? 0 };
  }
}
