import fs from 'node:fs';
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
    }
    if (size === this.offset) return;
    const fd = fs.openSync(this.file, 'r');
    try {
      const length = Math.min(size - this.offset, 16 * 1024 * 1024);
      const buffer = Buffer.alloc(length);
      const read = fs.readSync(fd, buffer, 0, length, this.offset);
      this.offset += read;
      const text = this.partial + buffer.subarray(0, read).toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) if (line) this.onLine(line);
    } finally {
      fs.closeSync(fd);
    }
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.drain();
  }
}
