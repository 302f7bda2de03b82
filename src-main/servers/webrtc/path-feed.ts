import type dgram from 'node:dgram';
import type { ChildRegistry } from '../../core/children.js';
import type { Logger } from '../../core/logger.js';
import { flvHeader } from '../../protocols/flv/flv.js';
import type { MediaChunk, PathReader } from '../../media/types.js';
import type { FeedSink, MediaFeed } from './feed.js';
import { FfmpegRunner } from '../../encoder/ffmpeg-runner.js';
import { FlvToRtp } from '../../protocols/webrtc/flv-to-rtp.js';
import { aacToOpusArgs } from './rtp-args.js';
import { bindRtpPair } from '../../protocols/webrtc/udp.js';
import { deliver } from './native-fanout.js';

export interface PathFeedDeps {
  children: ChildRegistry;
  ffmpegPath: () => Promise<string>;
  logger: Logger;
  /** The publisher ended or the feed failed: the server closes its viewers. */
  onEnded(feed: PathFeed, reason: string): void;
}

/** FLV bytes waiting for the Opus encoder beyond this are dropped (it fell behind or hangs). */
const MAX_AUDIO_BACKLOG = 1024 * 1024;

/**
 * An RTMP/SRT stream from the Path as RTP: H.264 repacketized in-process (no re-encode), AAC turned
 * into Opus by one ffmpeg that runs only while the feed has viewers. An RTMP publisher cannot be
 * asked for a keyframe, so a joining viewer starts at the cached GOP instead.
 */
export class PathFeed implements MediaFeed, PathReader {
  readonly id: string;
  private readonly sinks = new Set<FeedSink>();
  private readonly video2rtp = new FlvToRtp();
  private encoder: FfmpegRunner | undefined;
  private sockets: dgram.Socket[] = [];
  private audioHead: Buffer[] = [];
  private audioStarted = false;
  private ended = false;
  private detachReader: (() => void) | undefined;

  constructor(
    readonly name: string,
    readonly hasAudio: boolean,
    private readonly deps: PathFeedDeps,
  ) {
    this.id = `webrtc-feed-${name}`;
  }

  /** H.264 always (other codecs are refused before a feed exists); the profile once the Path replayed its configuration. */
  get video(): MediaFeed['video'] {
    const profile = this.video2rtp.profile;
    return { codec: 'h264', ...(profile ? { h264Profile: profile } : {}) };
  }

  get sinkCount(): number {
    return this.sinks.size;
  }

  /** Joins the Path (which replays its cache, so the GOP is known at once) and starts the Opus encoder. */
  async start(addReader: (reader: PathReader) => () => void): Promise<void> {
    if (this.hasAudio) await this.startEncoder();
    if (this.ended) return;
    this.detachReader = addReader(this);
  }

  attach(sink: FeedSink): () => void {
    for (const packet of this.video2rtp.cachedGop) sink.video(packet);
    const map = this.video2rtp.lastKeyframe;
    if (map && this.video2rtp.cachedGop.length > 0) sink.timeMap?.(map);
    this.sinks.add(sink);
    return () => {
      this.sinks.delete(sink);
    };
  }

  requestKeyframe(): void {
    // Nothing to ask: RTMP and SRT have no back channel to the encoder. Viewers start at the cached GOP.
  }

  push(chunk: MediaChunk): void {
    if (this.ended) return;
    if (chunk.kind === 'video') {
      const before = this.video2rtp.lastKeyframe;
      for (const packet of this.video2rtp.push(chunk)) deliver(this.sinks, 'video', packet);
      const map = this.video2rtp.lastKeyframe;
      // A time map per keyframe: a viewer maps every frame's RTP time to media time from the latest.
      if (map && map !== before) for (const sink of this.sinks) sink.timeMap?.(map);
    } else if (chunk.kind === 'audio' && this.hasAudio) this.toEncoder(chunk);
  }

  close(reason: string): void {
    this.stop(reason, true);
  }

  /** Stops for good; `notify` tells the server (the publisher ended, the encoder died). */
  stop(reason: string, notify = false): void {
    if (this.ended) return;
    this.ended = true;
    this.detachReader?.();
    void this.encoder?.stop();
    for (const socket of this.sockets) socket.close();
    this.sockets = [];
    this.deps.logger.debug({ stream: this.name, reason }, 'WebRTC feed stopped');
    if (notify) this.deps.onEnded(this, reason);
  }

  private async startEncoder(): Promise<void> {
    const command = await this.deps.ffmpegPath();
    const pair = await bindRtpPair();
    if (this.ended) {
      pair.rtp.close();
      pair.rtcp.close();
      return;
    }
    this.sockets = [pair.rtp, pair.rtcp];
    pair.rtp.on('message', (packet: Buffer) => {
      deliver(this.sinks, 'audio', packet);
    });
    this.encoder = FfmpegRunner.start(this.deps.children, command, aacToOpusArgs(pair.port), {
      stderrMax: 4000,
      onUnexpectedExit: (reason) => {
        this.deps.logger.warn({ stream: this.name, reason }, 'Opus encoder of a WebRTC feed failed');
        this.stop(`audio encoder failed: ${reason}`, true);
      },
    });
    this.encoder.child.stdin?.write(flvHeader(true, false));
  }

  private toEncoder(chunk: MediaChunk): void {
    const stdin = this.encoder?.child.stdin;
    if (!stdin) return;
    if (chunk.sequenceHeader) this.audioHead = [chunk.data];
    // ffmpeg must see the configuration record before the first frame.
    if (!this.audioStarted) {
      if (this.audioHead.length === 0) return;
      this.audioStarted = true;
      for (const head of this.audioHead) stdin.write(head);
      if (chunk.sequenceHeader) return;
    }
    if (stdin.writableLength > MAX_AUDIO_BACKLOG) return;
    stdin.write(chunk.data);
  }
}
