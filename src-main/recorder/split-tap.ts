import type { MediaChunk, PathReader } from '../media/types.js';

type InitSlot = 'header' | 'metadata' | 'video' | 'audio';
const INIT_ORDER: readonly InitSlot[] = ['header', 'metadata', 'video', 'audio'];

function initSlot(chunk: MediaChunk): InitSlot | null {
  if (chunk.kind === 'header' || chunk.kind === 'metadata') return chunk.kind;
  return chunk.sequenceHeader ? chunk.kind : null;
}

/**
 * The recorder's one reader on a Path, in front of the reader of the file being written. A split (or
 * a new file after ffmpeg died) hands over at the next point where a decoder can start: a video
 * keyframe, or any audio frame for a stream without video. The new file gets the FLV header, the
 * metadata and the sequence headers first, then that frame; the old file ends with the frame before
 * it. So consecutive files neither overlap nor leave a gap. Pure: no I/O, no timers.
 */
export class SplitTap implements PathReader {
  readonly id: string;
  private readonly init = new Map<InitSlot, MediaChunk>();
  private current: PathReader | undefined;
  private next: PathReader | undefined;
  private sawVideo = false;
  private closedWith: string | undefined;

  constructor(
    id: string,
    private readonly hooks: {
      /** `reader` received its first frame (and the previous reader, if any, was closed). */
      handedOver?: (reader: PathReader, first: MediaChunk) => void;
      /** The Path closed the tap (the publisher ended), or close() was called. */
      closed?: (reason: string) => void;
    } = {},
  ) {
    this.id = id;
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** The reader now being fed, if any. */
  get active(): PathReader | undefined {
    return this.current;
  }

  /** The reader waiting for the next keyframe, if any. */
  get pending(): PathReader | undefined {
    return this.next;
  }

  /**
   * Starts `reader` at the next resume point; until then the current reader goes on. A reader
   * already waiting is replaced (and closed). After close(), `reader` is closed at once.
   */
  handOver(reader: PathReader): void {
    if (this.closedWith !== undefined) {
      reader.close(this.closedWith);
      return;
    }
    const replaced = this.next;
    this.next = reader;
    replaced?.close('replaced before it started');
  }

  /** Stops feeding `reader` without closing it (its sink is gone). */
  drop(reader: PathReader): void {
    if (this.current === reader) this.current = undefined;
    if (this.next === reader) this.next = undefined;
  }

  push(chunk: MediaChunk): void {
    if (this.closedWith !== undefined) return;
    const slot = initSlot(chunk);
    if (slot) this.init.set(slot, chunk);
    if (chunk.kind === 'video') this.sawVideo = true;
    if (this.next && this.isResumePoint(chunk)) {
      const previous = this.current;
      const reader = this.next;
      this.current = reader;
      this.next = undefined;
      previous?.close('split');
      for (const s of INIT_ORDER) {
        const c = this.init.get(s);
        if (c) reader.push(c);
      }
      reader.push(chunk);
      this.hooks.handedOver?.(reader, chunk);
      return;
    }
    this.current?.push(chunk);
  }

  close(reason: string): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = reason;
    const current = this.current;
    const next = this.next;
    this.current = undefined;
    this.next = undefined;
    current?.close(reason);
    next?.close(reason);
    this.hooks.closed?.(reason);
  }

  private isResumePoint(chunk: MediaChunk): boolean {
    if (chunk.sequenceHeader || (chunk.kind !== 'video' && chunk.kind !== 'audio')) return false;
    return chunk.kind === 'video' ? chunk.keyframe : !this.sawVideo;
  }
}
