import type { ChildRegistry } from '../../core/children.js';
import type { Logger } from '../../core/logger.js';
import { MODERN_CAPS, type FfmpegCaps } from '../../encoder/capabilities.js';
import { FfmpegRunner } from '../../encoder/ffmpeg-runner.js';
import { FlvSplitter } from '../../protocols/flv/flv.js';
import type { MediaChunk } from '../../media/types.js';

/** Turns an SRT connection's MPEG-TS bytes into FLV chunks for the hub. */
export interface TsConverter {
  write(ts: Buffer): void;
  /** Stops at once; resolves when the process (if any) has exited. */
  stop(): Promise<void>;
}

export interface ConverterSink {
  chunk(chunk: MediaChunk): void;
  /** The converter died on its own: the connection ends with this reason. */
  failed(reason: string): void;
}

export type ConverterFactory = (sink: ConverterSink) => TsConverter;

/**
 * ffmpeg's arguments: first video and first audio copied from MPEG-TS on stdin to FLV on stdout.
 * Current flv muxers insert aac_adtstoasc themselves for ADTS AAC (naming it would refuse MP3 or Opus
 * audio); older ones (the npm-shipped 4.1) refuse ADTS unless it is named, so there it is named.
 */
export function tsToFlvArgs(caps: FfmpegCaps = MODERN_CAPS): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    // ffmpeg's default 5 s of stream analysis delays the first frame by as much: 1 s finds the
    // parameters of streams that start together, as an encoder's do.
    '-analyzeduration', '1000000',
    '-f', 'mpegts', '-i', 'pipe:0',
    '-map', '0:v:0?', '-map', '0:a:0?', '-c', 'copy', '-dn', '-sn',
    ...(caps.has('remux:flv_adts') ? [] : ['-bsf:a', 'aac_adtstoasc']),
    '-flvflags', 'no_duration_filesize',
    '-f', 'flv', 'pipe:1',
  ];
}

/** Bytes waiting for ffmpeg (before it starts, or when it reads slower than the caller sends). */
const MAX_PENDING_BYTES = 32 * 1024 * 1024;

export interface FfmpegConverterOptions {
  children: ChildRegistry;
  ffmpegPath: () => Promise<string>;
  /** What the found ffmpeg accepts; a current ffmpeg when omitted. */
  ffmpegCaps?: () => Promise<FfmpegCaps>;
  logger: Logger;
}

/** One ffmpeg per connection, spawned through the ChildRegistry so that none outlives the host. */
export class FfmpegConverter implements TsConverter {
  private ffmpeg: FfmpegRunner | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private stopped = false;
  private readonly splitter = new FlvSplitter();

  constructor(
    private readonly options: FfmpegConverterOptions,
    private readonly sink: ConverterSink,
  ) {
    void this.launch();
  }

  write(ts: Buffer): void {
    if (this.stopped) return;
    const stdin = this.ffmpeg?.child.stdin;
    if (!stdin) {
      this.pending.push(ts);
      this.pendingBytes += ts.length;
      if (this.pendingBytes > MAX_PENDING_BYTES) this.fail('the converter did not start in time');
      return;
    }
    if (stdin.writableLength > MAX_PENDING_BYTES) {
      this.fail('the converter fell behind the stream');
      return;
    }
    stdin.write(ts);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.pending = [];
    await this.ffmpeg?.stop();
  }

  private async launch(): Promise<void> {
    let command: string;
    let caps: FfmpegCaps;
    try {
      command = await this.options.ffmpegPath();
      caps = (await this.options.ffmpegCaps?.()) ?? MODERN_CAPS;
    } catch (error) {
      this.fail(`ffmpeg not found: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (this.stopped) return;
    let ffmpeg: FfmpegRunner;
    try {
      ffmpeg = FfmpegRunner.start(this.options.children, command, tsToFlvArgs(caps), {
        stderrMax: 2000,
        logger: this.options.logger,
        onUnexpectedExit: (reason) => this.fail(reason),
      });
    } catch (error) {
      this.fail(`cannot start ffmpeg: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.ffmpeg = ffmpeg;
    const child = ffmpeg.child;
    child.stdout?.on('data', (data: Buffer) => this.onFlv(data));
    for (const ts of this.pending) child.stdin?.write(ts);
    this.pending = [];
    this.pendingBytes = 0;
  }

  private onFlv(data: Buffer): void {
    if (this.stopped) return;
    let chunks: MediaChunk[];
    try {
      chunks = this.splitter.push(data);
    } catch (error) {
      this.fail(`converter output is not FLV: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    for (const chunk of chunks) this.sink.chunk(chunk);
  }

  private fail(reason: string): void {
    if (this.stopped) return;
    this.options.logger.warn({ reason, stderr: this.ffmpeg?.stderr.trim().slice(-500) }, 'SRT converter failed');
    void this.stop();
    this.sink.failed(reason);
  }
}
