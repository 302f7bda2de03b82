import type dgram from 'node:dgram';
import type { ChildRegistry } from '../core/children.js';
import type { Logger } from '../core/logger.js';
import { FfmpegChild } from '../servers/webrtc/ffmpeg-child.js';
import { bindRtpPair } from '../servers/webrtc/udp.js';
import type { CaptureArgsBuilder, CaptureOptions } from './types.js';

export interface RtpSink {
  readonly id: string;
  video(rtp: Buffer): void;
}

const RESTART_DELAY_MS = 1000;

/**
 * One capture of a display shared by its viewers: ffmpeg encodes once, its RTP arrives on a loopback
 * UDP socket and every packet is handed to each viewer (each has its own werift track, which rewrites
 * the header of what it sends). Runs while at least one viewer is attached; restarted if ffmpeg dies.
 */
export class CaptureFeed {
  private readonly sinks = new Map<string, RtpSink>();
  private sockets: { rtp: dgram.Socket; rtcp: dgram.Socket; port: number } | undefined;
  private ffmpeg: FfmpegChild | undefined;
  private starting: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly deps: {
      children: ChildRegistry;
      ffmpegPath: () => Promise<string>;
      buildArgs: CaptureArgsBuilder;
      options: Omit<CaptureOptions, 'rtpPort'>;
      logger: Logger;
    },
  ) {}

  get sinkCount(): number {
    return this.sinks.size;
  }

  /** Adds a viewer and starts the capture if it is the first; returns the detach function. */
  async attach(sink: RtpSink): Promise<() => void> {
    this.sinks.set(sink.id, sink);
    await (this.starting ??= this.start());
    return () => {
      this.sinks.delete(sink.id);
      if (this.sinks.size === 0) void this.stop();
    };
  }

  private async start(): Promise<void> {
    this.closed = false;
    const sockets = await bindRtpPair();
    this.sockets = sockets;
    sockets.rtp.on('message', (packet) => {
      for (const sink of this.sinks.values()) sink.video(packet);
    });
    sockets.rtcp.on('message', () => undefined);
    await this.spawn();
  }

  private async spawn(): Promise<void> {
    if (this.closed || !this.sockets) return;
    const args = this.deps.buildArgs({ ...this.deps.options, rtpPort: this.sockets.port });
    const command = await this.deps.ffmpegPath();
    this.deps.logger.info({ display: this.deps.options.target.display, encoder: this.deps.options.encoder }, 'capture started');
    this.ffmpeg = FfmpegChild.spawn(this.deps.children, command, args, (reason) => {
      this.deps.logger.warn({ display: this.deps.options.target.display, reason }, 'capture ffmpeg exited; restarting');
      this.restartTimer = setTimeout(() => void this.spawn().catch(() => undefined), RESTART_DELAY_MS);
      this.restartTimer.unref();
    });
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.starting = undefined;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const ffmpeg = this.ffmpeg;
    this.ffmpeg = undefined;
    const sockets = this.sockets;
    this.sockets = undefined;
    await ffmpeg?.stop();
    sockets?.rtp.close();
    sockets?.rtcp.close();
  }
}
