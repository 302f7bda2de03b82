import { BaseSource, type AudioInput } from './base.js';
import { captureProblem, type CaptureErrorCode, type CaptureWhat } from './capture-errors.js';
import type { Drawable } from '../types.js';

/** How a track-backed source gets its media, and how it behaves when the media goes away. */
export interface TrackCapture {
  what: CaptureWhat;
  /** Opens the capture (getUserMedia, getDisplayMedia, a WHEP pull). */
  open(): Promise<MediaStream>;
  /** Devices come back by themselves (cameras, microphones): reopen when the device list changes. */
  reopenOnDeviceChange: boolean;
  /** A screen capture needs the user's click (the browser's rule): start() waits for capture(). */
  needsGesture: boolean;
  /** No frame for this long marks the source stalled (the last frame stays); 0 = never (a still screen sends few). */
  stallMs: number;
}

interface TrackProcessor {
  readable: ReadableStream<VideoFrame>;
}
type ProcessorCtor = new (init: { track: MediaStreamTrack }) => TrackProcessor;

const REOPEN_RETRY_MS = 3000;

/**
 * A source fed by a MediaStream: its video as VideoFrames (MediaStreamTrackProcessor, where the
 * browser has it) or through a playing video element, its sound for the mixer. A stalled track keeps
 * its last frame; an ended one (unplugged, capture stopped by the OS) turns `lost` and, for devices,
 * reopens when the device returns.
 */
export class TrackSource extends BaseSource {
  problem: CaptureErrorCode | null = null;
  private media: MediaStream | null = null;
  private frame: VideoFrame | null = null;
  /** Whether a render took `frame` (else a newer one replacing it counts as missed). */
  private taken = false;
  private element: HTMLVideoElement | null = null;
  private reader: ReadableStreamDefaultReader<VideoFrame> | null = null;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private opening = false;
  private readonly onDevices = () => {
    if (this.status === 'lost' || (this.status === 'error' && this.problem === 'DEVICE_NOT_FOUND')) void this.open();
  };

  constructor(
    id: string,
    readonly kind: string,
    private readonly capturer: TrackCapture,
  ) {
    super(id);
    if (capturer.reopenOnDeviceChange) navigator.mediaDevices?.addEventListener('devicechange', this.onDevices);
    const stalled = capturer.what === 'guest' ? 'No new picture from the guest: the show holds their last one, then shows their card until they are back.' : 'No new picture: the last one stays on screen.';
    if (capturer.stallMs > 0) this.watchStalls(capturer.stallMs, stalled, () => Boolean(this.media?.getVideoTracks().length));
    if (capturer.needsGesture) this.setStatus('lost', 'Press "Capture" to choose what to share.');
    else void this.open();
  }

  /** Starts (or restarts) the capture: for screens, call it from a click. */
  capture(): Promise<void> {
    return this.open();
  }

  /** The MediaStream now (tests and the device panel read its settings). */
  get stream(): MediaStream | null {
    return this.media;
  }

  current(): Drawable | null {
    if (this.frame) {
      this.taken = true;
      return this.frame;
    }
    return this.element && this.element.readyState >= 2 ? this.element : null;
  }

  override audio(): AudioInput | null {
    return this.media && this.media.getAudioTracks().length > 0 ? this.media : null;
  }

  override dispose(): void {
    super.dispose();
    clearTimeout(this.retry);
    navigator.mediaDevices?.removeEventListener('devicechange', this.onDevices);
    this.release();
  }

  private async open(): Promise<void> {
    if (this.opening || this.disposed) return;
    this.opening = true;
    clearTimeout(this.retry);
    // A capture that runs (Capture pressed again) shows on until the new one replaces it.
    const running = () => this.media?.getTracks().some((t) => t.readyState === 'live') === true;
    if (!running()) this.setStatus('starting');
    try {
      const media = await this.capturer.open();
      if (this.disposed) {
        media.getTracks().forEach((t) => t.stop());
        return;
      }
      this.release();
      this.media = media;
      this.problem = null;
      for (const track of media.getTracks()) track.addEventListener('ended', () => this.ended(track));
      const video = media.getVideoTracks()[0];
      if (video) this.watch(video);
      else this.setStatus('live');
    } catch (error) {
      // Capture pressed again and the new choice cancelled or refused: the capture that runs goes on.
      if (running()) return;
      const problem = captureProblem(error, this.capturer.what);
      this.problem = problem.code;
      this.setStatus('error', problem.message);
      // A device that is missing or busy now may be back soon: try again now and then.
      if (this.capturer.reopenOnDeviceChange && (problem.code === 'DEVICE_NOT_FOUND' || problem.code === 'DEVICE_IN_USE')) {
        this.retry = setTimeout(() => void this.open(), REOPEN_RETRY_MS);
      }
    } finally {
      this.opening = false;
    }
  }

  private watch(track: MediaStreamTrack): void {
    const Processor = (globalThis as { MediaStreamTrackProcessor?: ProcessorCtor }).MediaStreamTrackProcessor;
    if (Processor) {
      const reader = new Processor({ track }).readable.getReader();
      this.reader = reader;
      void this.pump(reader);
      return;
    }
    const element = document.createElement('video');
    element.muted = true;
    element.playsInline = true;
    element.srcObject = new MediaStream([track]);
    this.element = element;
    const onFrame = () => {
      if (this.element !== element) return;
      this.advanced(element.videoWidth, element.videoHeight);
      element.requestVideoFrameCallback(onFrame);
    };
    element.requestVideoFrameCallback(onFrame);
    void element.play().catch(() => undefined);
  }

  private async pump(reader: ReadableStreamDefaultReader<VideoFrame>): Promise<void> {
    for (;;) {
      let result: ReadableStreamReadResult<VideoFrame>;
      try {
        result = await reader.read();
      } catch {
        return;
      }
      if (result.done) return;
      if (this.reader !== reader) {
        result.value.close();
        return;
      }
      if (this.frame) {
        if (!this.taken) this.missed += 1;
        this.frame.close();
      }
      this.frame = result.value;
      this.taken = false;
      this.advanced(result.value.displayWidth, result.value.displayHeight);
    }
  }

  private ended(track: MediaStreamTrack): void {
    if (this.disposed || !this.media?.getTracks().includes(track)) return;
    const reason =
      this.capturer.what === 'screen'
        ? 'The screen capture ended (the window closed or sharing was stopped). Press "Capture" to share again.'
        : this.capturer.what === 'stream'
          ? 'The stream went off the air. Its picture comes back when it is live again.'
          : `The ${this.capturer.what} was disconnected. It comes back by itself when it is plugged in again.`;
    // The last frame stays in memory but the compositor shows the placeholder for a lost source.
    this.setStatus('lost', reason);
    if (this.capturer.reopenOnDeviceChange) this.retry = setTimeout(() => void this.open(), REOPEN_RETRY_MS);
  }

  private release(): void {
    void this.reader?.cancel().catch(() => undefined);
    this.reader = null;
    this.frame?.close();
    this.frame = null;
    if (this.element) {
      this.element.srcObject = null;
      this.element = null;
    }
    this.media?.getTracks().forEach((t) => t.stop());
    this.media = null;
  }
}
