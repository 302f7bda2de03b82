import type dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildRegistry } from '../../core/children.js';
import type { Logger } from '../../core/logger.js';
import { Supervisor, type RestartPolicy } from '../../core/supervisor.js';
import { FlvToPath } from '../../media/flv-to-path.js';
import type { PathPublisher } from '../../media/types.js';
import { FfmpegRunner } from '../../encoder/ffmpeg-runner.js';
import { ingestArgs, ingestSdp, type IngestSdpInput } from './rtp-args.js';
import { bindUdp, freeRtpPort } from '../../protocols/webrtc/udp.js';

export interface WhipIngestOptions {
  name: string;
  video?: { codec: 'h264' | 'vp8'; payloadType: number };
  audio?: { payloadType: number };
  /** Publishes into the Path (throws CONFLICT when the name was taken meanwhile); called at ffmpeg's first output. */
  publish(): PathPublisher;
  /** Keyframes are requested this often: Chrome sends them rarely, and HLS/DASH segments cut only at keyframes. */
  keyframeIntervalMs: number;
  children: ChildRegistry;
  ffmpegPath: () => Promise<string>;
  logger: Logger;
  /** ffmpeg needs a keyframe (with SPS/PPS) to start: asked when it starts, and again until video flows. */
  requestKeyframe(): void;
  failed(reason: string): void;
}

const KEYFRAME_RETRY_MS = 500;
/**
 * ffmpeg started again, at once, when it stopped before publishing anything (see runFfmpeg): 3 times,
 * then the ingest fails. After its first output an exit is a failure of the publish.
 */
const PROBE_RESTARTS: RestartPolicy = { maxFailures: 4, backoff: { baseMs: 0, maxMs: 0, jitter: 0 } };

/**
 * A WHIP publisher's RTP into the Path: forwarded over loopback UDP to one ffmpeg that reads it through
 * an SDP file and writes FLV (H.264 copied or VP8 re-encoded, Opus to AAC), so that HLS/DASH,
 * recording and restreaming see a WHIP stream like any other.
 */
export class WhipIngest {
  private ffmpeg: FfmpegRunner | undefined;
  private socket: dgram.Socket | undefined;
  private ports: { video?: number; audio?: number } = {};
  private sdpDir: string | undefined;
  private flv: FlvToPath;
  private stopped = false;
  private readonly supervisor = new Supervisor(PROBE_RESTARTS, { unref: true });
  private sawVideo = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly options: WhipIngestOptions) {
    this.flv = this.newFlv();
  }

  async start(): Promise<void> {
    const { video, audio } = this.options;
    const command = await this.options.ffmpegPath();
    this.socket = await bindUdp(0);
    const input: IngestSdpInput = {};
    if (video) {
      this.ports.video = await freeRtpPort();
      input.video = { port: this.ports.video, payloadType: video.payloadType, codec: video.codec };
    }
    if (audio) {
      this.ports.audio = await freeRtpPort();
      input.audio = { port: this.ports.audio, payloadType: audio.payloadType };
    }
    if (this.stopped) return this.cleanup();
    this.sdpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-whip-'));
    const sdpPath = path.join(this.sdpDir, 'input.sdp');
    fs.writeFileSync(sdpPath, ingestSdp(input));
    this.runFfmpeg(command, ingestArgs(sdpPath, video?.codec, audio !== undefined));
    if (!video) return;
    // Quickly until ffmpeg has seen its first keyframe (its probing needs SPS/PPS), then at the segment pace.
    let last = 0;
    this.retry = setInterval(() => {
      const now = Date.now();
      if (!this.sawVideo || now - last >= this.options.keyframeIntervalMs) {
        last = now;
        this.options.requestKeyframe();
      }
    }, KEYFRAME_RETRY_MS);
    this.retry.unref();
  }

  /**
   * ffmpeg gives up when its probe saw no keyframe (no SPS/PPS: "dimensions not set"), as when the
   * publisher's first keyframe comes late on a busy machine: before anything was published the
   * supervisor starts it again (keyframes are still being asked for), as PROBE_RESTARTS allows.
   */
  private runFfmpeg(command: string, args: string[]): void {
    this.supervisor.starting();
    const runner = FfmpegRunner.start(this.options.children, command, args, {
      stderrMax: 4000,
      onUnexpectedExit: (reason) => {
        if (this.stopped || this.ffmpeg !== runner) return;
        const beforeOutput = !this.flv.publisher;
        const decision = beforeOutput ? this.supervisor.failed() : null;
        if (decision?.action === 'restart') {
          this.options.logger.warn({ stream: this.options.name, reason, retry: decision.failures }, 'WHIP ingest ffmpeg stopped before its first output: started again');
          this.supervisor.retryIn(decision.delayMs, () => {
            if (this.stopped) return;
            this.flv = this.newFlv();
            this.runFfmpeg(command, args);
          });
          return;
        }
        this.options.logger.warn({ stream: this.options.name, reason }, 'WHIP ingest ffmpeg failed');
        this.options.failed(`ingest failed: ${reason}`);
      },
    });
    this.ffmpeg = runner;
    runner.child.stdout?.on('data', (data: Buffer) => this.onFlv(data));
  }

  private newFlv(): FlvToPath {
    return new FlvToPath('ingest', () => this.options.publish());
  }

  /** An RTP packet, or an RTCP sender report (ffmpeg reads both on the RTP port), of the video track. */
  video(rtp: Buffer): void {
    if (this.ports.video !== undefined) this.socket?.send(rtp, this.ports.video, '127.0.0.1');
  }

  /** An RTP packet or an RTCP sender report of the audio track. */
  audio(rtp: Buffer): void {
    if (this.ports.audio !== undefined) this.socket?.send(rtp, this.ports.audio, '127.0.0.1');
  }

  /** Stops ffmpeg and ends the Path publisher (if it published) with `reason`. */
  async stop(reason: string): Promise<void> {
    this.stopped = true;
    this.supervisor.stop();
    if (this.retry) clearInterval(this.retry);
    this.flv.publisher?.end(reason);
    await this.ffmpeg?.stop();
    this.cleanup();
  }

  private cleanup(): void {
    this.socket?.close();
    this.socket = undefined;
    if (this.sdpDir) fs.rmSync(this.sdpDir, { recursive: true, force: true });
    this.sdpDir = undefined;
  }

  private onFlv(data: Buffer): void {
    if (this.stopped) return;
    try {
      if (this.flv.push(data).some((chunk) => chunk.kind === 'video')) this.sawVideo = true;
    } catch (error) {
      // Not FLV, or the Path refused the publish (CONFLICT: the name was taken meanwhile).
      this.options.failed((error as Error).message);
    }
  }
}
