import { findPulseMonitor, opusRtpArgs } from '../capture/pulse.js';
import { RtpFeed, type RtpSink } from '../capture/rtp-feed.js';
import type { ChildRegistry } from '../core/children.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import type { SoundSource } from './display-share.js';

/** How long a look-up of the sound server is trusted (a server started later is found soon after). */
const SOURCE_TTL_MS = 10_000;

/**
 * The host session's sound: the PulseAudio monitor source (also what a display broadcast captures),
 * encoded once as Opus RTP for every remote viewer; none when `remote.audio` is off, off Linux (ffmpeg's
 * pulse input is a Linux device), or when no sound server answers.
 */
export class HostSound implements SoundSource, Service {
  readonly name = 'host-sound';
  private feed: RtpFeed | undefined;
  private lookup: { at: number; source: Promise<string | undefined> } | undefined;

  constructor(
    private readonly deps: {
      children: ChildRegistry;
      ffmpegPath: () => Promise<string>;
      /** Whether the found ffmpeg has the pulse input device (the npm-shipped build has none). */
      ffmpegHasPulse?: () => Promise<boolean>;
      settings: () => { audio: 'auto' | 'off'; audioSource: string };
      env: NodeJS.ProcessEnv;
      platform: NodeJS.Platform;
      logger: Logger;
    },
  ) {}

  async attach(sink: RtpSink): Promise<(() => void) | undefined> {
    const source = await this.source();
    if (!source) return undefined;
    const feed = (this.feed ??= new RtpFeed({
      children: this.deps.children,
      ffmpegPath: this.deps.ffmpegPath,
      args: (port) => opusRtpArgs(source, port),
      clockRate: 48_000,
      label: { sound: source },
      logger: this.deps.logger,
    }));
    const detach = await feed.attach(sink);
    return () => {
      detach();
      if (feed.sinkCount === 0 && this.feed === feed) this.feed = undefined;
    };
  }

  async dispose(): Promise<void> {
    const feed = this.feed;
    this.feed = undefined;
    await feed?.stop();
  }

  /**
   * The PulseAudio source to capture, looked up at most every 10 s; undefined when there is none, or
   * when the found ffmpeg cannot read it (the npm-shipped build has no pulse input).
   */
  source(): Promise<string | undefined> {
    const { audio, audioSource } = this.deps.settings();
    if (audio === 'off' || this.deps.platform !== 'linux') return Promise.resolve(undefined);
    const now = Date.now();
    if (!this.lookup || now - this.lookup.at > SOURCE_TTL_MS) {
      this.lookup = { at: now, source: this.lookUp(audioSource) };
    }
    return this.lookup.source;
  }

  private async lookUp(configured: string): Promise<string | undefined> {
    const source = await findPulseMonitor({ children: this.deps.children, env: this.deps.env, ...(configured ? { configured } : {}) });
    if (source && this.deps.ffmpegHasPulse && !(await this.deps.ffmpegHasPulse())) {
      this.deps.logger.warn({ source }, 'a sound server answers, but this ffmpeg has no pulse input: remote sessions and broadcasts are silent');
      return undefined;
    }
    return source;
  }
}
