import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Service } from '../core/lifecycle.js';

/**
 * Follows a growing log file by polling (nginx appends; a reopened or truncated file starts over).
 * `drain()` reads everything written so far, so that a purge sees the newest cache entries.
 */
export class LogTail implements Service {
  readonly name = 'access-log';
  private offset = 0;
  private partial = '';
  private timer: NodeJS.Timeout | null = null;
  private readonly chunk = Buffer.allocUnsafe(1024 * 1024);
  /** Keeps a character cut by a chunk's end for the next chunk. */
  private decoder = new StringDecoder('utf8');

  constructor(
    private readonly file: string,
    private readonly onLine: (line: string) => void,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    // Start at the end: what an earlier run logged is not this run's traffic.
    try {
      this.offset = fs.statSync(this.file).size;
    } catch {
      this.offset = 0;
    }
    this.timer = setInterval(() => this.drain(), this.intervalMs);
    this.timer.unref();
  }

  drain(): void {
    let size: number;
    try {
      size = fs.statSync(this.file).size;
    } catch {
      return;
    }
    if (size < this.offset) {
      this.offset = 0;
      this.partial = '';
      this.decoder = new StringDecoder('utf8');
    }
    if (size === this.offset) return;
    const fd = fs.openSync(this.file, 'r');
    try {
      // Up to `size` in chunks of one reused buffer: a purge must see every line written before it.
      while (this.offset < size) {
        const read = fs.readSync(fd, this.chunk, 0, Math.min(size - this.offset, this.chunk.length), this.offset);
        if (read === 0) break;
        this.offset += read;
        const lines = (this.partial + this.decoder.write(this.chunk.subarray(0, read))).split('\n');
        this.partial = lines.pop() ?? '';
        for (const line of lines) if (line) this.onLine(line);
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.drain();
  }
}
