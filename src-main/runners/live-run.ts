import type { ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { LIVE_CHANNEL, type RunnerServerMessage } from '../../src-shared/contract/runners.js';
import { killTree, type ChildRegistry } from '../core/children.js';
import type { Logger } from '../core/logger.js';

type LiveMessage = Extract<RunnerServerMessage, { type: 'live' }>;

/** stderr sent back per message at most (ffmpeg's warnings can be long). */
const STDERR_CHUNK_MAX = 8 * 1024;
/** Bytes waiting on the origin link before ffmpeg's output is read more slowly. */
const LINK_HIGH_WATER = 4 * 1024 * 1024;

export interface LiveRunOptions {
  origin: string;
  message: LiveMessage;
  ffmpegPath: string;
  children: Pick<ChildRegistry, 'spawn'>;
  logger: Logger;
  /** This runner cannot take the run (its slots are full): it says so on the link at once. */
  refusal?: string;
}

/**
 * The runner's side of one live ladder run: the origin's link (a WebSocket with the run's secret)
 * brings the FLV, which goes into this machine's ffmpeg run with the origin's arguments (the
 * low-latency packager's: progress on stdout, each track as fragmented MP4 on fd 3 + track); every
 * track, the progress and stderr go back on the link with a channel byte; the exit code closes it.
 * The link closing first (the origin stopped the run, or it is gone) kills ffmpeg.
 */
export class LiveRun {
  private ffmpeg: ChildProcess | null = null;
  private socket: WebSocket | null = null;
  readonly ended: Promise<void>;
  private resolveEnded!: () => void;
  private exited = false;

  constructor(private readonly o: LiveRunOptions) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  get lease(): string {
    return this.o.message.lease;
  }

  start(): void {
    const { message, logger } = this.o;
    const url = `${this.o.origin.replace(/^http/, 'ws').replace(/\/$/, '')}${message.path}`;
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${message.secret}` }, handshakeTimeout: 5000, perMessageDeflate: false });
    this.socket = socket;
    socket.on('open', () => {
      if (this.o.refusal) this.sendExit(socket, { code: null, signal: null, error: this.o.refusal });
      else this.spawn(socket);
    });
    socket.on('message', (data: Buffer, binary: boolean) => {
      const stdin = this.ffmpeg?.stdin;
      if (!stdin || stdin.destroyed) return;
      if (!binary) {
        if (String(data) === 'end') stdin.end();
        return;
      }
      // ffmpeg behind: the link waits (TCP pushes back to the origin's reader, which drops what it must).
      if (!stdin.write(data)) {
        socket.pause();
        stdin.once('drain', () => socket.resume());
      }
    });
    socket.on('error', (error) => logger.warn({ err: error.message, lease: message.lease }, 'live link error'));
    socket.on('close', (code) => {
      if (!this.exited) logger.info({ lease: message.lease, code }, 'live link closed: stopping ffmpeg');
      this.kill();
      if (!this.ffmpeg) this.resolveEnded();
    });
  }

  private spawn(socket: WebSocket): void {
    const { message, logger } = this.o;
    let child: ChildProcess;
    try {
      child = this.o.children.spawn(this.o.ffmpegPath, message.args, { stdio: ['pipe', 'pipe', 'pipe', ...Array.from({ length: message.tracks }, () => 'pipe' as const)] });
    } catch (error) {
      this.sendExit(socket, { code: null, signal: null, error: `could not start ffmpeg: ${(error as Error).message}` });
      return;
    }
    this.ffmpeg = child;
    logger.info({ lease: message.lease, stream: message.stream, pid: child.pid, tracks: message.tracks }, 'live ladder started');
    child.stdin?.on('error', () => undefined);
    const relay = (channel: number, stream: NodeJS.ReadableStream | null | undefined, max = Infinity): void => {
      stream?.on('data', (chunk: Buffer) => {
        if (socket.readyState !== socket.OPEN) return;
        const body = chunk.length > max ? chunk.subarray(chunk.length - max) : chunk;
        socket.send(Buffer.concat([Buffer.from([channel]), body]), { binary: true });
        // The origin reads slower than ffmpeg writes: stop reading ffmpeg until the link drains.
        if (socket.bufferedAmount > LINK_HIGH_WATER && 'pause' in stream) {
          stream.pause();
          const wait = setInterval(() => {
            if (socket.readyState !== socket.OPEN || socket.bufferedAmount < LINK_HIGH_WATER / 2) {
              clearInterval(wait);
              stream.resume();
            }
          }, 20);
        }
      });
      stream?.on('error', () => undefined);
    };
    relay(LIVE_CHANNEL.progress, child.stdout);
    relay(LIVE_CHANNEL.stderr, child.stderr, STDERR_CHUNK_MAX);
    for (let track = 0; track < message.tracks; track += 1) relay(track, child.stdio[3 + track] as NodeJS.ReadableStream | null);
    let once = false;
    const exit = (code: number | null, signal: NodeJS.Signals | null, error?: Error): void => {
      if (once) return;
      once = true;
      this.exited = true;
      logger.info({ lease: message.lease, code, signal }, 'live ladder ended');
      this.sendExit(socket, { code, signal, ...(error ? { error: error.message } : {}) });
      this.resolveEnded();
    };
    child.once('error', (error) => exit(null, null, error));
    child.once('close', (code, signal) => exit(code, signal));
  }

  private sendExit(socket: WebSocket, exit: { code: number | null; signal: NodeJS.Signals | null; error?: string }): void {
    this.exited = true;
    if (socket.readyState === socket.OPEN) {
      socket.send(JSON.stringify({ type: 'exit', ...exit }));
      socket.close(1000, 'ffmpeg exited');
    }
    if (!this.ffmpeg) this.resolveEnded();
  }

  /** Stops now: ffmpeg killed, the link closed. */
  kill(): void {
    const child = this.ffmpeg;
    if (child && child.exitCode === null && child.signalCode === null) killTree(child, 'SIGKILL');
    const socket = this.socket;
    if (socket && (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING)) socket.terminate();
  }
}
