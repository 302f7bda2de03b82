import type { StudioConfig } from '../../src-shared/config.js';
import { broadcastArgsFor } from '../capture/broadcast-args.js';
import { BroadcastService } from '../capture/broadcast-service.js';
import { pickCaptureEncoder } from '../encoder/encoders.js';
import { pulseInputArgs } from '../capture/pulse.js';
import type { EventBus } from '../core/bus.js';
import type { ChildRegistry } from '../core/children.js';
import type { Logger } from '../core/logger.js';
import type { DisplayService } from '../displays/display-service.js';
import type { WaylandDesktops } from '../displays/wayland.linux.js';
import type { FfmpegService } from '../encoder/service.js';
import type { PathManager } from '../media/path-manager.js';
import type { HostSound } from '../remote/host-sound.js';
import type { StreamService } from '../media/stream-service.js';

/** Wires display broadcasts (part of the studio composition root): displays published into the live server's Paths. */
export function wireBroadcasts(deps: {
  config: () => StudioConfig;
  displays: DisplayService;
  sound: Pick<HostSound, 'source'>;
  paths: PathManager;
  streams: Pick<StreamService, 'lookup'>;
  children: ChildRegistry;
  ffmpeg: Pick<FfmpegService, 'info' | 'path'>;
  bus: EventBus;
  logger: Logger;
  wayland?: WaylandDesktops | undefined;
}): BroadcastService {
  return new BroadcastService({
    displays: deps.displays,
    ...(deps.wayland ? { wayland: deps.wayland } : {}),
    streamExists: (name) => deps.streams.lookup(name) !== undefined,
    paths: deps.paths,
    children: deps.children,
    ffmpegPath: () => deps.ffmpeg.path(),
    encoder: async () => pickCaptureEncoder((await deps.ffmpeg.info()).encoders),
    buildArgs: broadcastArgsFor(process.platform),
    // The host session's sound as remote viewers hear it (remote.audio, remote.audioSource), else a silent track.
    audio: async () => {
      const source = await deps.sound.source();
      return source ? { source, input: pulseInputArgs(source) } : undefined;
    },
    keyframeSeconds: () => deps.config().live.segmentSeconds,
    bus: deps.bus,
    logger: deps.logger.child({ service: 'broadcasts' }),
  });
}
