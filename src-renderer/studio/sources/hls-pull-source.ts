import type Hls from 'hls.js';
import { VideoElementSource } from './base.js';

/** A stream that is not playing is asked for again after this long. */
const RETRY_MS = 3000;
/** No new picture for this long: the source is stalled (its last picture stays). */
const STALL_MS = 3000;

/**
 * A live stream of this host pulled over (low-latency) HLS with hls.js in a <video>: for a stream a
 * WebRTC pull cannot reach, or to show it as its HLS viewers see it. Its sound goes to the mixer through
 * the element. A stream that is not live (or ends) is a lost source that comes back when it plays
 * again: the element stays, so the mixer's strip does too.
 */
export class HlsPullSource extends VideoElementSource {
  readonly kind = 'stream';
  private hls: Hls | null = null;
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    id: string,
    private readonly stream: string,
  ) {
    super(id);
    // The stream ended (its playlist closed): lost until it is published again.
    this.element.addEventListener('ended', () => this.restart(`The stream ${stream} ended: it shows when it starts again.`));
    this.watchStalls(STALL_MS, `No new picture from ${stream} for ${STALL_MS / 1000} s: its last one stays.`);
    void this.start();
  }

  override dispose(): void {
    clearTimeout(this.retry);
    this.hls?.destroy();
    this.hls = null;
    super.dispose();
  }

  /** Lost, for `reason`; the pull starts again in a moment. */
  private restart(reason: string): void {
    if (this.disposed) return;
    this.setStatus('lost', reason);
    this.hls?.destroy();
    this.hls = null;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.start(), RETRY_MS);
  }

  private async start(): Promise<void> {
    const { default: HlsJs } = await import('hls.js');
    if (this.disposed) return;
    const url = `/live/${encodeURIComponent(this.stream)}/index.m3u8`;
    if (!HlsJs.isSupported()) {
      if (!this.element.canPlayType('application/vnd.apple.mpegurl')) return this.setStatus('error', 'This browser can play HLS neither with Media Source Extensions nor by itself.');
      this.element.src = url;
      void this.element.play().catch(() => undefined);
      return;
    }
    // Quick to give up on a stream that is not live: the source asks again every few seconds itself.
    const policy = { default: { maxTimeToFirstByteMs: 5000, maxLoadTimeMs: 10_000, timeoutRetry: { maxNumRetry: 1, retryDelayMs: 500, maxRetryDelayMs: 1000 }, errorRetry: { maxNumRetry: 1, retryDelayMs: 500, maxRetryDelayMs: 1000 } } };
    // lowLatencyMode plays LL-HLS at its PART-HOLD-BACK; a plain HLS stream plays at its usual distance.
    const hls = new HlsJs({ lowLatencyMode: true, maxLiveSyncPlaybackRate: 1.1, manifestLoadPolicy: policy, playlistLoadPolicy: policy });
    this.hls = hls;
    hls.on(HlsJs.Events.MANIFEST_PARSED, () => void this.element.play().catch(() => undefined));
    hls.on(HlsJs.Events.ERROR, (_event, data) => {
      if (!data.fatal || this.disposed || this.hls !== hls) return;
      const offline = data.response?.code === 404 || data.response?.code === 503;
      this.restart(offline ? `The stream ${this.stream} is not live: it shows when it starts.` : `The stream ${this.stream} stopped playing (${data.details}); trying again.`);
    });
    hls.loadSource(url);
    hls.attachMedia(this.element);
  }
}
