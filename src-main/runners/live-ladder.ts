import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { WebSocket } from 'ws';
import { LIVE_CHANNEL } from '../../src-shared/contract/runners.js';
import type { FfmpegExit } from '../encoder/ffmpeg-runner.js';
import type { LadderCallbacks, LadderProcess } from '../encoder/packager.js';
import { pickErrorLine, ProgressReader } from '../encoder/progress.js';
import { keepAlive } from '../http/websocket.js';

/** Bytes sent to the runner and not yet written to its socket before the reader is told to wait. */
const HIGH_WATER = 1024 * 1024;
/** Kept of the runner's ffmpeg's stderr (the useful error is at the end). */
const STDERR_MAX = 32 * 1024;
/** The origin closes the socket with this code to stop the run (the runner kills its ffmpeg). */
export const LIVE_KILL_CLOSE = 4000;

export interface RemoteLadderOptions {
  runnerName: string;
  tracks: number;
  callbacks: LadderCallbacks;
  /** The runner must connect its live socket this soon after being asked. */
  connectTimeoutMs: number;
  /** Pings this often; two unanswered and the run is lost (a runner or a link that vanished). */
  keepAliveMs: number;
  /** The run ended (the lease is given back). */
  onEnd: () => void;
}

/**
 * The origin's side of one live ladder run on a runner, as the packager sees a local ffmpeg: the FLV
 * written to `stdin` goes down the runner's socket (with backpressure), each track that comes back is
 * a readable, progress and stderr come back as ffmpeg prints them, and the run exits once: with the
 * runner's ffmpeg's code, or when the socket closes or stops answering (the packager restarts the
 * run, here or on another runner).
 */
export class RemoteLadder implements LadderProcess {
  readonly pid = undefined;
  readonly where: string;
  readonly tracks: PassThrough[];
  readonly stdin: RemoteStdin;
  private socket: WebSocket | null = null;
  private tail = '';
  private requested = false;
  private done = false;
  private readonly progress: ProgressReader;
  private readonly connectTimer: NodeJS.Timeout;
  readonly exited: Promise<FfmpegExit>;
  private resolveExit!: (exit: FfmpegExit) => void;
  private closeWhy = '';

  constructor(private readonly o: RemoteLadderOptions) {
    this.where = o.runnerName;
    this.tracks = Array.from({ length: o.tracks }, () => new PassThrough({ highWaterMark: 4 * 1024 * 1024 }));
    this.stdin = new RemoteStdin();
    this.progress = new ProgressReader(o.callbacks.onProgress);
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
    this.connectTimer = setTimeout(() => this.exit({ code: null, signal: null }, `the runner did not open its live link within ${Math.round(o.connectTimeoutMs / 1000)} s`), o.connectTimeoutMs);
  }

  get stderr(): string {
    return this.tail;
  }

  get connected(): boolean {
    return this.socket !== null;
  }

  /** The runner's live socket for this run. */
  attach(socket: WebSocket): void {
    if (this.done || this.socket) {
      socket.close(LIVE_KILL_CLOSE, this.done ? 'the run has ended' : 'the run has a link already');
      return;
    }
    clearTimeout(this.connectTimer);
    this.socket = socket;
    keepAlive(socket, this.o.keepAliveMs);
    socket.on('message', (data: Buffer, binary: boolean) => {
      if (!binary) return this.onText(String(data));
      if (data.length < 1) return;
      const channel = data[0]!;
      const body = data.subarray(1);
      if (channel < this.tracks.length) this.tracks[channel]!.write(body);
      else if (channel === LIVE_CHANNEL.progress) this.progress.push(body.toString('utf8'));
      else if (channel === LIVE_CHANNEL.stderr) this.tail = (this.tail + body.toString('utf8')).slice(-STDERR_MAX);
    });
    socket.on('close', (code, reason) => {
      const why = this.closeWhy || (code === 1006 || code === 1005 ? 'the link to the runner was lost' : `the runner closed its live link (${code}${reason.length ? `: ${String(reason)}` : ''})`);
      this.exit({ code: null, signal: null }, why);
    });
    socket.on('error', () => undefined);
    this.stdin.connect(socket);
  }

  private onText(text: string): void {
    let message: { type?: string; code?: unknown; signal?: unknown; error?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (message.type !== 'exit') return;
    const code = typeof message.code === 'number' ? message.code : null;
    const signal = typeof message.signal === 'string' ? (message.signal as NodeJS.Signals) : null;
    const error = typeof message.error === 'string' ? message.error.slice(0, 500) : '';
    this.exit({ code, signal }, error);
  }

  private exit(exit: { code: number | null; signal: NodeJS.Signals | null }, why: string): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.connectTimer);
    if (why) this.closeWhy = why;
    for (const track of this.tracks) track.end();
    this.stdin.disconnect();
    const socket = this.socket;
    if (socket && socket.readyState === socket.OPEN) socket.close(LIVE_KILL_CLOSE, 'the run has ended');
    const result: FfmpegExit = { ...exit, requested: this.requested };
    this.o.onEnd();
    this.o.callbacks.onExit(result);
    this.resolveExit(result);
  }

  finish(graceMs: number, endStdinAfterMs: number, onKill?: () => void): Promise<void> {
    this.requested = true;
    const endTimer = setTimeout(() => this.stdin.end(), endStdinAfterMs);
    const killTimer = setTimeout(() => {
      onKill?.();
      this.kill();
    }, graceMs);
    return this.exited.then(() => {
      clearTimeout(endTimer);
      clearTimeout(killTimer);
    });
  }

  kill(): void {
    this.requested = true;
    this.exit({ code: null, signal: 'SIGKILL' }, 'stopped by the origin');
  }

  reason(exit: FfmpegExit): string {
    const where = `on runner ${this.where}`;
    if (this.closeWhy && exit.code === null) return `${where}: ${this.closeWhy}`;
    if (exit.signal) return `${where}: ffmpeg was killed by ${exit.signal}`;
    return `${where}: ffmpeg exited with code ${exit.code ?? '?'}: ${pickErrorLine(this.tail) ?? this.closeWhy ?? 'no error message'}`;
  }
}

/**
 * The packager's reader writes the FLV here: queued until the runner's socket opens, then sent as
 * binary messages. write() answers false past HIGH_WATER bytes not yet on the wire, and 'drain'
 * follows when they are (the reader then drops what a slow link cannot carry, as with a slow ffmpeg).
 */
export class RemoteStdin extends EventEmitter {
  private socket: WebSocket | null = null;
  private queued: Buffer[] = [];
  private inFlight = 0;
  private ended = false;
  private closed = false;

  write(data: Buffer): boolean {
    if (this.closed || this.ended) return true;
    this.inFlight += data.length;
    if (this.socket) this.send(data);
    else this.queued.push(data);
    return this.inFlight < HIGH_WATER;
  }

  end(): void {
    if (this.ended || this.closed) return;
    this.ended = true;
    if (this.socket) this.socket.send('end');
  }

  connect(socket: WebSocket): void {
    this.socket = socket;
    for (const data of this.queued.splice(0)) this.send(data);
    if (this.ended) socket.send('end');
  }

  disconnect(): void {
    this.closed = true;
    this.queued = [];
    this.socket = null;
    // A reader waiting for room goes on (its writes now go nowhere) and closes itself.
    this.emit('drain');
  }

  private send(data: Buffer): void {
    const socket = this.socket!;
    if (socket.readyState !== socket.OPEN) return;
    socket.send(data, { binary: true }, () => {
      const before = this.inFlight;
      this.inFlight -= data.length;
      if (before >= HIGH_WATER && this.inFlight < HIGH_WATER) this.emit('drain');
    });
  }
}
