import type { Writable } from 'node:stream';
import type { CaptureEvent, NativeCapture } from '../platform/native.js';

/** The picture a capture negotiated: ffmpeg's rawvideo input takes it as it is. */
export interface RawFormat {
  width: number;
  height: number;
  /** ffmpeg's pixel format name (`bgr0`, `rgba`...). */
  pixelFormat: string;
}

interface Sink {
  stream: Pick<Writable, 'write'>;
  /** A frame is still being written to it. */
  busy: boolean;
}

/**
 * Frames of a native capture into the encoders' stdin. The addon hands over one of its frame buffers
 * at a time; each encoder gets it unless the previous frame is still being written to that encoder
 * (then the frame is dropped for it alone, never queued: a slow encoder must not build latency), and
 * the buffer goes back to the addon once every write is done. Compositors send frames on damage only,
 * so while the screen does not change the newest frame is sent again at the asked rate: encoders and
 * viewers see a steady picture, and a viewer who joins gets a picture at the next keyframe.
 */
export class FramePump {
  private readonly sinks = new Map<string, Sink>();
  private buffers: Buffer[] = [];
  private generation = -1;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  format: RawFormat | undefined;
  /** Frames written to at least one encoder, and frames an encoder missed because it was busy. */
  readonly counts = { frames: 0, repeats: 0, dropped: 0 };

  constructor(
    private readonly capture: Pick<NativeCapture, 'release' | 'repeat'>,
    private readonly fps: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The addon's events that concern frames; returns true when it was one. */
  handle(event: CaptureEvent): boolean {
    if (event.type === 'format') {
      this.buffers = event.buffers;
      this.generation = event.generation;
      this.format = { width: event.width, height: event.height, pixelFormat: event.pixelFormat };
      return true;
    }
    if (event.type === 'frame') {
      this.deliver(event.index, event.generation, false);
      return true;
    }
    return false;
  }

  /** Sends every frame to `stream` from now on (in place of another under the same id); returns the detach function. */
  attach(id: string, stream: Pick<Writable, 'write'>): () => void {
    this.sinks.set(id, { stream, busy: false });
    this.timer ??= setInterval(() => this.tick(), Math.max(5, Math.round(1000 / this.fps)));
    this.timer.unref?.();
    return () => this.detach(id, stream);
  }

  /** Stops sending to `stream` (nothing when another stream has taken its id since). */
  detach(id: string, stream: Pick<Writable, 'write'>): void {
    if (this.sinks.get(id)?.stream !== stream) return;
    this.sinks.delete(id);
    if (this.sinks.size === 0) this.stopTimer();
  }

  /** While nothing new came for a frame and a half, the newest frame again. */
  tick(): void {
    if (this.sinks.size === 0 || this.now() - this.lastWriteAt < 1500 / this.fps) return;
    const again = this.capture.repeat();
    if (again) this.deliver(again.index, again.generation, true);
  }

  private deliver(index: number, generation: number, repeat: boolean): void {
    const buffer = generation === this.generation ? this.buffers[index] : undefined;
    const targets = buffer ? [...this.sinks.values()].filter((s) => !s.busy) : [];
    this.counts.dropped += buffer ? this.sinks.size - targets.length : 0;
    if (!buffer || targets.length === 0) {
      this.capture.release(index, generation);
      return;
    }
    let pending = targets.length;
    const done = (sink: Sink): void => {
      sink.busy = false;
      if (--pending === 0) this.capture.release(index, generation);
    };
    this.lastWriteAt = this.now();
    if (repeat) this.counts.repeats++;
    else this.counts.frames++;
    for (const sink of targets) {
      sink.busy = true;
      try {
        sink.stream.write(buffer, () => done(sink));
      } catch {
        done(sink);
      }
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.stopTimer();
    this.sinks.clear();
  }
}
