import type { LayerDescription } from './layers.js';
import type { ReceiveStats } from './receive-stats.js';
import type { Drawable, FrameSource, SourceStatus } from '../types.js';

/** What a live source offers the mixer: a stream with sound, or a media element playing it. */
export type AudioInput = MediaStream | HTMLMediaElement;

/** A running source: its picture for the compositor, its sound for the mixer, and a way to stop it. */
export interface LiveSource extends FrameSource {
  /** Pictures replaced by a newer one before any render took them. */
  readonly missed: number;
  readonly kind: string;
  /** Sound to mix, when the source has any. */
  audio(): AudioInput | null;
  /** Called on every status change (the UI shows it on the source's row). */
  onChange: (() => void) | null;
  /** Frees devices, decoders and timers. */
  dispose(): void;
  /** A pulled source (a guest, a stream over WHEP): how it reaches the studio now. */
  network?: () => Promise<ReceiveStats | null>;
  /** The largest box the program (or the preview about to become it) draws it in; null: not shown there. */
  showAt?: (size: { width: number; height: number } | null) => void;
  /** A pull of a simulcast publisher: its layers, the one received and the one asked for. */
  layer?: () => { layers: LayerDescription[]; current: string | null; wanted: string | null } | null;
}

/** The bookkeeping every source shares: status, reason, size and the picture's version. */
export abstract class BaseSource implements LiveSource {
  abstract readonly kind: string;
  width = 0;
  height = 0;
  status: SourceStatus = 'starting';
  reason: string | null = null;
  version = 0;
  /** Pictures replaced by a newer one before any render took them (the page fell behind the source). */
  missed = 0;
  onChange: (() => void) | null = null;
  network?: () => Promise<ReceiveStats | null>;
  showAt?: (size: { width: number; height: number } | null) => void;
  layer?: () => { layers: LayerDescription[]; current: string | null; wanted: string | null } | null;
  standIn?: () => FrameSource | null;
  protected disposed = false;
  /** When the last picture came (performance.now()). */
  private lastPictureAt = 0;
  private stallWatch: ReturnType<typeof setInterval> | undefined;

  constructor(readonly id: string) {}

  abstract current(): Drawable | null;

  audio(): AudioInput | null {
    return null;
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.stallWatch);
  }

  /**
   * While live (and `applies()`), no new picture for `ms` marks the source stalled with `reason`: the
   * compositor keeps its last picture. Checked every half second.
   */
  protected watchStalls(ms: number, reason: string, applies: () => boolean = () => true): void {
    clearInterval(this.stallWatch);
    this.stallWatch = setInterval(() => {
      if (this.status === 'live' && applies() && performance.now() - this.lastPictureAt > ms) this.setStatus('stalled', reason);
    }, 500);
  }

  protected setStatus(status: SourceStatus, reason: string | null = null): void {
    if (this.disposed || (this.status === status && this.reason === reason)) return;
    this.status = status;
    this.reason = reason;
    this.onChange?.();
  }

  /** How long ago the last picture came (ms; Infinity before the first). */
  pictureAgeMs(now = performance.now()): number {
    return this.lastPictureAt === 0 ? Number.POSITIVE_INFINITY : now - this.lastPictureAt;
  }

  /** A new picture of `width` x `height` is ready. */
  protected advanced(width: number, height: number): void {
    this.lastPictureAt = performance.now();
    this.width = width;
    this.height = height;
    this.version += 1;
    if (this.status !== 'live') this.setStatus('live');
  }
}

/**
 * A source that plays in a <video> of its own (a file, an HLS pull): each presented frame is its new
 * picture, its sound goes to the mixer through the element, and dispose lets go of the element's media.
 */
export abstract class VideoElementSource extends BaseSource {
  readonly element: HTMLVideoElement = document.createElement('video');

  constructor(id: string) {
    super(id);
    const v = this.element;
    v.crossOrigin = 'anonymous';
    v.playsInline = true;
    const onFrame = () => {
      if (this.disposed) return;
      this.advanced(v.videoWidth, v.videoHeight);
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
  }

  current(): Drawable | null {
    return this.element.readyState >= 2 ? this.element : null;
  }

  override audio(): AudioInput | null {
    return this.element;
  }

  override dispose(): void {
    super.dispose();
    this.element.pause();
    this.element.removeAttribute('src');
    this.element.load();
  }
}
