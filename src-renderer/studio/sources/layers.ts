/**
 * Which of a guest's simulcast layers the studio asks for: the smallest whose picture still fills the
 * size the program (or the preview about to become it) shows the guest at, so that a guest in a corner
 * costs a quarter of the bandwidth and decoding of one shown whole.
 */

export interface Size {
  width: number;
  height: number;
}

/** One encoding as the host describes it (GET <session>/layer). */
export interface LayerDescription {
  encodingId: string;
  active: boolean;
  /** 0 until the host has seen its first keyframe. */
  width: number;
  height: number;
  bitrate: number;
}

/** A layer may be this much smaller than where it is drawn (a 640x360 layer fills a 700x394 box). */
const SLACK = 0.9;

/**
 * The encoding to ask for, or null for the publisher's default (its first, the largest): `shown` is
 * the largest box the source is drawn in (program pixels, crop undone), null when it is not on the
 * program or the preview (then the smallest layer does); the largest when none fills it. While a layer
 * that might fill the box has not been seen yet (the browser sends the large ones once its bandwidth
 * estimate allows), the default.
 */
export function chooseLayer(layers: readonly LayerDescription[], shown: Size | null): string | null {
  const known = layers.filter((l) => l.width > 0 && l.height > 0).sort((a, b) => a.width * a.height - b.width * b.height);
  if (known.length === 0) return null;
  if (!shown) return known[0]!.encodingId;
  const fits = known.find((l) => l.width >= shown.width * SLACK && l.height >= shown.height * SLACK);
  if (fits) return fits.encodingId;
  return known.length === layers.length ? known.at(-1)!.encodingId : null;
}

/** The largest box each source is drawn in, over the given scenes' placed items (crop undone). */
export function shownSizes(items: Iterable<{ sourceId: string; width: number; height: number; crop?: { left: number; right: number; top: number; bottom: number } }>): Map<string, Size> {
  const out = new Map<string, Size>();
  for (const item of items) {
    const c = item.crop;
    const width = item.width / Math.max(0.01, 1 - (c ? c.left + c.right : 0));
    const height = item.height / Math.max(0.01, 1 - (c ? c.top + c.bottom : 0));
    const seen = out.get(item.sourceId);
    out.set(item.sourceId, { width: Math.max(width, seen?.width ?? 0), height: Math.max(height, seen?.height ?? 0) });
  }
  return out;
}

/**
 * Keeps a pull on the layer chooseLayer picks: asks the host when the choice changes, and looks again
 * every `everyMs` (the host learns the layers' sizes as their keyframes come). `request` does the HTTP.
 */
export class LayerPicker {
  private shown: Size | null = null;
  private asked: string | null | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private busy = false;
  /** What the host said last (the panel shows the layer received). */
  state: { layers: LayerDescription[]; current: string | null; wanted: string | null } | null = null;

  constructor(
    private readonly request: (method: 'GET' | 'POST', body?: { encodingId: string | null }) => Promise<LayerPicker['state']>,
    everyMs = 2000,
  ) {
    this.timer = setInterval(() => void this.update(), everyMs);
    void this.update();
  }

  /** Where the source is drawn now (null: nowhere that counts). */
  showAt(size: Size | null): void {
    const same = size === this.shown || (size && this.shown && Math.round(size.width) === Math.round(this.shown.width) && Math.round(size.height) === Math.round(this.shown.height));
    this.shown = size;
    if (!same) void this.update();
  }

  async update(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      this.state = (await this.request('GET')) ?? this.state;
      if (!this.state) return;
      const choice = chooseLayer(this.state.layers, this.shown);
      if (choice !== (this.asked ?? this.state.wanted)) {
        this.state = (await this.request('POST', { encodingId: choice })) ?? this.state;
        this.asked = choice;
      }
    } catch {
      // The pull is going away, or the host is busy: the next look asks again.
    } finally {
      this.busy = false;
    }
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}
