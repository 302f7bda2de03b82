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
  protected disposed = false;

  constructor(readonly id: string) {}

  abstract current(): Drawable | null;

  audio(): AudioInput | null {
    return null;
  }

  dispose(): void {
    this.disposed = true;
  }

  protected setStatus(status: SourceStatus, reason: string | null = null): void {
    if (this.disposed || (this.status === status && this.reason === reason)) return;
    this.status = status;
    this.reason = reason;
    this.onChange?.();
  }

  /** A new picture of `width` x `height` is ready. */
  protected advanced(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.version += 1;
    if (this.status !== 'live') this.setStatus('live');
  }
}
