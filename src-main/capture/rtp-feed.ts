import type dgram from 'node:dgram';
import type { ChildRegistry } from '../core/children.js';
import type { Logger } from '../core/logger.js';
import { FfmpegChild } from '../servers/webrtc/ffmpeg-child.js';
import { bindRtpPair } from '../protocols/webrtc/udp.js';
import { RtpContinuity } from './rtp-continuity.js';

export interface RtpSink {
  readonly id: string;
  rtp(packet: Buffer): void;
}

const RESTART_DELAY_MS = 1000;

/**
 * One ffmpeg whose RTP output is shared by many receivers (a display's capture, or the host's sound):
 * ffmpeg encodes once, its RTP arrives on a loopback UDP socket and every packet is handed to each
 * sink (each viewer has its own werift track, which rewrites the header of what it sends). Runs while
 * at least one sink is attached; restarted if ffmpeg dies; `reconfigure` restarts it with new
 * arguments (a new size or bitrate) on the same socket, so the sinks see one continuous stream.
 */
export class RtpFeed {
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
      /** ffmpeg's arguments, sending RTP to the given loopback port. */
      args: (rtpPort: number) => string[];
      /** RTP clock rate of the stream (90000 for video, 48000 for Opus). */
      clockRate: number;
      /** What the logs say this feed is, e.g. `{ display: ':5' }`. */
      label: Record<string, unknown>;
      logger: Logger;
    },
  ) {}

  get sinkCount(): number {
    return this.sinks.size;
  }

  /** Adds a sink and starts ffmpeg if it is the first; returns the detach function. */
  async attach(sink: RtpSink): Promise<() => void> {
    this.sinks.set(sink.id, sink);
    await (this.starting ??= this.start());
    return () => {
      this.sinks.delete(sink.id);
      if (this.sinks.size === 0) void this.stop();
    };
  }

  /** New arguments from now on: a running ffmpeg is replaced at once. */
  async reconfigure(args: (rtpPort: number) => string[]): Promise<void> {
    this.deps.args = args;
    if (!this.ffmpeg || this.closed) return;
    const old = this.ffmpeg;
    this.ffmpeg = undefined;
    await old.stop();
    await this.spawn();
  }

  private async start(): Promise<void> {
    this.closed = false;
    const sockets = await bindRtpPair();
    this.sockets = sockets;
    // One numbering for the receivers across ffmpeg restarts (reconfigurations and crashes).
    const continuity = new RtpContinuity(this.deps.clockRate);
    sockets.rtp.on('message', (packet) => {
      continuity.rewrite(packet);
      for (const sink of this.sinks.values()) sink.rtp(packet);
    });
    sockets.rtcp.on('message', () => undefined);
    await this.spawn();
  }

  private async spawn(): Promise<void> {
    if (this.closed || !this.sockets) return;
    const args = this.deps.args(this.sockets.port);
    const command = await this.deps.ffmpegPath();
    if (this.closed) return;
    this.deps.logger.info({ ...this.deps.label }, 'rtp feed started');
    const child = FfmpegChild.spawn(this.deps.children, command, args, (reason) => {
      if (this.ffmpeg !== child) return;
      this.deps.logger.warn({ ...this.deps.label, reason }, 'rtp feed ffmpeg exited; restarting');
      this.restartTimer = setTimeout(() => void this.spawn().catch(() => undefined), RESTART_DELAY_MS);
      this.restartTimer.unref();
    });
    this.ffmpeg = child;
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
