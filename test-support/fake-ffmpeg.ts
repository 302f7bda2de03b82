import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import type { MediaChunk, PathReader } from '../src-main/media/types.js';

/**
 * A stand-in for an ffmpeg child (unit tests of what supervises one: packager, recorder, relays): it
 * swallows stdin (or copies it to a file), prints progress blocks and stderr when told, and exits 0 when
 * its stdin ends, as ffmpeg does when its input ends, unless told to hang. It has no pid, so killTree
 * signals this object, never a real process group.
 */
export class FakeFfmpeg extends EventEmitter {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly pid = undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  stdinBytes = 0;
  kills: NodeJS.Signals[] = [];
  private total = 0;

  constructor(
    readonly command: string,
    readonly args: readonly string[],
    exitOnStdinEnd = true,
  ) {
    super();
    this.stdin.on('data', (b: Buffer) => (this.stdinBytes += b.length));
    if (exitOnStdinEnd) this.stdin.on('end', () => setImmediate(() => this.exit(0)));
  }

  /** Writes stdin to `file` (the output ffmpeg would write) and exits 0 once all of it is written. */
  copyStdinTo(file: string): this {
    const out = fs.createWriteStream(file);
    this.stdin.pipe(out);
    out.on('finish', () => this.exit(0));
    return this;
  }

  /** One progress block; `bytes` more written to the server. */
  progress(bytes: number): void {
    this.total += bytes;
    this.stdout.write(`frame=1\ntotal_size=${this.total}\nout_time_us=1000\nprogress=continue\n`);
  }

  fail(stderr: string, code = 1): void {
    this.stderr.write(stderr);
    setImmediate(() => this.exit(code));
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.kills.push(signal);
    setImmediate(() => this.exit(null, signal));
    return true;
  }

  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    if (this.exitCode !== null || this.signalCode !== null) return;
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('exit', code, signal);
    // stdio streams flush before 'close', as with a real child.
    setImmediate(() => this.emit('close', code, signal));
  }
}

export class FakeChildren {
  readonly spawned: FakeFfmpeg[] = [];
  exitOnStdinEnd = true;
  spawn = (command: string, args: readonly string[]): ChildProcess => {
    const child = new FakeFfmpeg(command, args, this.exitOnStdinEnd);
    this.spawned.push(child);
    return child as unknown as ChildProcess;
  };
  get last(): FakeFfmpeg {
    return this.spawned.at(-1)!;
  }
}

/** A Path stand-in: readers attach and detach; media and the publisher's end are pushed by hand. */
export class FakePath {
  readonly readers = new Set<PathReader>();
  attach = (reader: PathReader): (() => void) => {
    this.readers.add(reader);
    return () => this.readers.delete(reader);
  };
  push(bytes = 100): void {
    const chunk: MediaChunk = { kind: 'video', data: Buffer.alloc(bytes), keyframe: true, sequenceHeader: false, timestamp: 0 };
    for (const reader of this.readers) reader.push(chunk);
  }
  end(reason: string): void {
    const readers = [...this.readers];
    this.readers.clear();
    for (const reader of readers) reader.close(reason);
  }
}
