import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * SHA-256 of segments, for P2P viewers who check a peer's copy against what the host published
 * (src-shared/p2p.ts). Segments are immutable once written: a hash is computed once per file (by its
 * path, size and mtime) and kept among the newest `capacity`.
 */
export class SegmentHashes {
  private readonly known = new Map<string, string>();

  constructor(
    private readonly capacity = 4096,
    /** A file written this recently may still be growing: hashed, but not kept. */
    private readonly settleMs = 1000,
  ) {}

  static of(bytes: Buffer): string {
    return crypto.createHash('sha256').update(bytes).digest('hex');
  }

  /** The hash of a segment held in memory, known by `key` (its run and file). */
  ofBuffer(key: string, bytes: Buffer): string {
    const hit = this.known.get(key);
    if (hit) return hit;
    return this.keep(key, SegmentHashes.of(bytes));
  }

  /**
   * The hash of `file` in `dir` and whether it is final (the file settled), or null when there is no
   * such file. `file` is a checked segment name (no separators).
   */
  async ofFile(dir: string, file: string, now = Date.now()): Promise<{ hash: string; final: boolean } | null> {
    const full = path.join(dir, file);
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(full);
    } catch {
      return null;
    }
    if (!stat.isFile()) return null;
    const key = `${full}\n${stat.size}\n${stat.mtimeMs}`;
    const hit = this.known.get(key);
    if (hit) return { hash: hit, final: true };
    const hash = SegmentHashes.of(await fs.promises.readFile(full));
    const final = now - stat.mtimeMs >= this.settleMs;
    if (final) this.keep(key, hash);
    return { hash, final };
  }

  private keep(key: string, hash: string): string {
    this.known.set(key, hash);
    if (this.known.size > this.capacity) this.known.delete(this.known.keys().next().value!);
    return hash;
  }
}
