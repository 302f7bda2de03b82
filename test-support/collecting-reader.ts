import type { MediaChunk, PathReader } from '../src-main/media/types.js';

/** A Path reader that keeps every chunk and the reason it was closed with, for assertions. */
export class CollectingReader implements PathReader {
  readonly chunks: MediaChunk[] = [];
  closedWith: string | undefined;
  constructor(readonly id = 'collector') {}
  push(chunk: MediaChunk): void {
    this.chunks.push(chunk);
  }
  close(reason: string): void {
    this.closedWith = reason;
  }
  /** Each chunk as a word: `header`, `metadata`, `video-config`, `audio-config`, `key` (a video keyframe), `video`, `audio`. */
  kinds(): string[] {
    return this.chunks.map((c) => (c.sequenceHeader ? `${c.kind}-config` : c.kind === 'video' && c.keyframe ? 'key' : c.kind));
  }
  /** Each chunk's bytes as text (for hand-made chunks labelled by their data). */
  texts(): string[] {
    return this.chunks.map((c) => c.data.toString());
  }
  /** All the bytes received, in order. */
  bytes(): Buffer {
    return Buffer.concat(this.chunks.map((c) => c.data));
  }
}
