import { backoffDelay } from '../../../src-shared/backoff.js';
import type { SourceSettings } from '../../../src-shared/contract/scenes.js';
import { connectData, type DataConnection, type EventSourceLike } from '../../../src-shared/data-client.js';
import { OVERLAY_CHAT_LINES, overlayApply, overlayChannels, overlayInit, overlayPoll, overlayReactions, overlayScore, type OverlayPart } from '../../../src-shared/overlay-state.js';
import type { Drawable } from '../types.js';
import { BaseSource } from './base.js';
import { layoutOverlay, OVERLAY_BOX, type OverlayOp } from './overlay-layout.js';

type OverlaySettings = Extract<SourceSettings, { kind: 'overlay' }>;

/** How often a stream that is not there is asked for again. */
const MISSING_RETRY_MS = 5000;

/**
 * A live overlay drawn into the show from the stream's data channels (not an iframe): the poll with its
 * votes, the chat's latest lines, the score or the top reactions. The channels come over SSE with the
 * data SDK (reconnects with backoff and resumes after the last seq; the history replays at once, so
 * the current poll and score show on start); each message that changes the part repaints a canvas of
 * the part's fixed size (transparent where nothing is). A private stream's channels are read with the
 * page's session. While the channels cannot be read the last picture stays (never a placeholder over
 * the show) and the source's row says why.
 */
export class OverlaySource extends BaseSource {
  readonly kind = 'overlay';
  private readonly picture: HTMLCanvasElement;
  private readonly state = overlayInit();
  private connections: DataConnection[] = [];
  private retry: ReturnType<typeof setTimeout> | undefined;
  private open = new Set<string>();
  /** What was painted last, in picture pixels (tests find the bars and words here). */
  ops: OverlayOp[] = [];
  /** Messages taken in. */
  messages = 0;

  constructor(
    id: string,
    private readonly settings: OverlaySettings,
  ) {
    super(id);
    const box = OVERLAY_BOX[settings.part];
    this.picture = document.createElement('canvas');
    this.picture.width = box.width;
    this.picture.height = box.height;
    this.paint();
    void this.connect();
  }

  get part(): OverlayPart {
    return this.settings.part;
  }

  current(): Drawable | null {
    return this.picture;
  }

  override dispose(): void {
    super.dispose();
    clearTimeout(this.retry);
    for (const c of this.connections) c.close();
    this.connections = [];
  }

  /** Checks the stream is there (an event stream cannot say 404), then follows its channels. */
  private async connect(): Promise<void> {
    const stream = this.settings.stream;
    const channels = overlayChannels(this.settings.part);
    try {
      const res = await fetch(`/api/v1/streams/${encodeURIComponent(stream)}/data/${channels[0]}/messages?limit=1`, { credentials: 'same-origin' });
      if (this.disposed) return;
      if (res.status === 404 || res.status === 403) {
        const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        this.setStatus('stalled', res.status === 404 ? `There is no stream "${stream}": create it, or choose another.` : (body?.error?.message ?? `The data of "${stream}" may not be read here.`));
        this.retry = setTimeout(() => void this.connect(), MISSING_RETRY_MS);
        return;
      }
    } catch {
      // The host is unreachable: the event streams below retry by themselves.
    }
    if (this.disposed) return;
    this.connections = channels.map((channel) =>
      connectData({
        baseUrl: window.location.origin,
        stream,
        channel,
        transport: 'sse',
        // Same origin: the page's session cookie goes along (a private stream's channels need it).
        openEvents: (url) => new EventSource(url) as unknown as EventSourceLike,
        // From the start of the kept history: the current poll, score and last chat lines show at once.
        afterSeq: 0,
        retryDelay: (n) => backoffDelay(n, { baseMs: 1000, maxMs: 15_000, jitter: 0.2 }),
        onMessage: (m) => {
          this.messages += 1;
          if (overlayApply(this.state, m, OVERLAY_CHAT_LINES) === this.settings.part) this.paint();
        },
        onState: (s) => {
          if (s === 'open') this.open.add(channel);
          else this.open.delete(channel);
          if (this.open.size === channels.length) this.setStatus('live');
          else if (s === 'waiting') this.setStatus('stalled', `The data of "${stream}" cannot be read just now; trying again.`);
        },
      }),
    );
  }

  private paint(): void {
    const ctx = this.picture.getContext('2d')!;
    const measure = (text: string, font: string): number => {
      ctx.font = font;
      return ctx.measureText(text).width;
    };
    const ops = layoutOverlay(this.settings.part, { poll: overlayPoll(this.state), chat: this.state.chat, score: overlayScore(this.state), reactions: overlayReactions(this.state) }, this.settings.accent, measure);
    ctx.clearRect(0, 0, this.picture.width, this.picture.height);
    ctx.textBaseline = 'middle';
    for (const op of ops) {
      if (op.op === 'rect') {
        ctx.fillStyle = op.fill;
        ctx.beginPath();
        ctx.roundRect(op.x, op.y, op.w, op.h, Math.min(op.radius, op.w / 2, op.h / 2));
        ctx.fill();
      } else {
        ctx.font = op.font;
        ctx.fillStyle = op.fill;
        ctx.textAlign = op.align;
        ctx.fillText(op.text, op.x, op.y);
      }
    }
    this.ops = ops;
    // A new picture for the compositor, without claiming the channels are open (setStatus says that).
    this.width = this.picture.width;
    this.height = this.picture.height;
    this.version += 1;
  }
}
