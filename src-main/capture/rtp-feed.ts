import type dgram from 'node:dgram';
import type { Writable } from 'node:stream';
import type { ChildRegistry } from '../core/children.js';
import type { Logger } from '../core/logger.js';
import { Supervisor } from '../core/supervisor.js';
import { FfmpegRunner } from '../encoder/ffmpeg-runner.js';
import { bindRtpPair } from '../protocols/webrtc/udp.js';
import { RtpContinuity } from './rtp-continuity.js';

export interface RtpSink {
  readonly id: string;
  rtp(packet: Buffer): void;
}

/**
 * A feed restarts 1 s after every unexpected exit, for as long as it has sinks. The window only bounds
 * the failures the supervisor remembers (the delay never grows): without it a feed that fails for
 * hours keeps every failure time.
 */
const RESTART_POLICY = { maxFailures: Number.POSITIVE_INFINITY, failureWindowMs: 60_000, backoff: { baseMs: 1000, maxMs: 1000, jitter: 0 } };

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
  private ffmpeg: FfmpegRunner | undefined;
  private starting: Promise<void> | undefined;
  private readonly supervisor = new Supervisor(RESTART_POLICY, { unref: true });
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
      /** Feeds ffmpeg's stdin (a native capture's frames), on every start; returns the detach function. */
      input?: (stdin: Writable) => () => void;
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
    this.supervisor.starting();
    const child = FfmpegRunner.start(this.deps.children, command, args, {
      stderrMax: 4000,
      onUnexpectedExit: (reason) => {
        if (this.ffmpeg !== child) return;
        this.deps.logger.warn({ ...this.deps.label, reason }, 'rtp feed ffmpeg exited; restarting');
        this.supervisor.failed(() => void this.spawn().catch(() => undefined));
      },
    });
    this.ffmpeg = child;
    const stdin = child.child.stdin;
    if (this.deps.input && stdin) {
      const detach = this.deps.input(stdin);
      void child.exited.then(detach);
    }
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.starting = undefined;
    this.supervisor.stop();
    const ffmpeg = this.ffmpeg;
    this.ffmpeg = undefined;
    const sockets = this.sockets;
    this.sockets = undefined;
    await ffmpeg?.stop();
    sockets?.rtp.close();
    sockets?.rtcp.close();
  }
}
