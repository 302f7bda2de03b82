import type { SourceSettings } from '../../../src-shared/contract/scenes.js';
import type { Drawable } from '../types.js';
import { BaseSource, VideoElementSource } from './base.js';
import { mediaProblem } from './capture-errors.js';
import { layoutText } from './text-layout.js';

type Of<K extends SourceSettings['kind']> = Extract<SourceSettings, { kind: K }>;

/** Loads one picture; rejects when the file is not an image. */
function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.crossOrigin = 'anonymous';
    image.decoding = 'async';
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error('not an image'));
    image.src = url;
  });
}

/** A still picture (png, jpeg, gif's first frame, webp, svg). */
export class ImageSource extends BaseSource {
  readonly kind = 'image';
  private image: HTMLImageElement | null = null;

  constructor(id: string, settings: Of<'image'>) {
    super(id);
    loadImage(settings.url).then(
      (image) => {
        if (this.disposed) return;
        this.image = image;
        this.advanced(image.naturalWidth, image.naturalHeight);
      },
      () => this.setStatus('error', mediaProblem(settings.url, 'image').message),
    );
  }

  current(): Drawable | null {
    return this.image;
  }
}

/** Pictures in turn, each for `intervalSec`; a file that is not an image is passed over (and named). */
export class SlideshowSource extends BaseSource {
  readonly kind = 'slideshow';
  private images: (HTMLImageElement | null)[] = [];
  private index = 0;
  private timer: ReturnType<typeof setInterval>;

  constructor(id: string, settings: Of<'slideshow'>) {
    super(id);
    void Promise.all(settings.urls.map((u) => loadImage(u).catch(() => null))).then((images) => {
      if (this.disposed) return;
      this.images = images;
      const bad = settings.urls.filter((_, i) => images[i] === null);
      if (bad.length === images.length) this.setStatus('error', mediaProblem(bad[0]!, 'image').message);
      else {
        this.show(images.findIndex((i) => i !== null));
        if (bad.length > 0) this.reason = `${bad.length} of ${images.length} files are not images and are left out.`;
      }
    });
    this.timer = setInterval(() => this.next(), settings.intervalSec * 1000);
  }

  current(): Drawable | null {
    return this.images[this.index] ?? null;
  }

  override dispose(): void {
    super.dispose();
    clearInterval(this.timer);
  }

  private next(): void {
    const n = this.images.length;
    for (let step = 1; step <= n; step++) {
      const i = (this.index + step) % n;
      if (this.images[i]) return this.show(i);
    }
  }

  private show(i: number): void {
    const image = this.images[i];
    if (!image) return;
    this.index = i;
    this.advanced(image.naturalWidth, image.naturalHeight);
  }
}

/** A video file, looping (or once), its sound into the mixer. */
export class VideoFileSource extends VideoElementSource {
  readonly kind = 'video';

  constructor(id: string, settings: Of<'video'>) {
    super(id);
    const v = this.element;
    v.loop = settings.loop;
    v.preload = 'auto';
    v.src = settings.url;
    v.addEventListener('error', () => this.setStatus('error', mediaProblem(settings.url, 'video').message));
    v.addEventListener('ended', () => this.setStatus('stalled', 'The video has ended: its last frame stays.'));
    void v.play().catch(() => undefined);
  }
}

function canvas(width: number, height: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = Math.max(1, Math.ceil(width));
  c.height = Math.max(1, Math.ceil(height));
  return c;
}

/** Text drawn with the browser's fonts: outline, background, alignment, and a ticker that scrolls. */
export class TextSource extends BaseSource {
  readonly kind = 'text';
  private readonly picture: HTMLCanvasElement;
  private readonly layout: ReturnType<typeof layoutText>;
  private readonly started = performance.now();

  constructor(
    id: string,
    private readonly settings: Of<'text'>,
  ) {
    super(id);
    const ctx = canvas(1, 1).getContext('2d')!;
    ctx.font = layoutText(settings, () => 0).font;
    this.layout = layoutText(settings, (line) => ctx.measureText(line).width);
    this.picture = canvas(this.layout.width, this.layout.height);
    this.draw(0);
  }

  current(): Drawable | null {
    // A ticker moves on every frame the compositor draws.
    if (this.settings.scrollPxPerSec > 0) this.draw(this.layout.scrollAt((performance.now() - this.started) / 1000));
    return this.picture;
  }

  private draw(offset: number): void {
    const s = this.settings;
    const ctx = this.picture.getContext('2d')!;
    ctx.clearRect(0, 0, this.picture.width, this.picture.height);
    if (s.background) {
      ctx.fillStyle = s.background;
      ctx.fillRect(0, 0, this.picture.width, this.picture.height);
    }
    ctx.font = this.layout.font;
    ctx.textBaseline = 'middle';
    ctx.lineJoin = 'round';
    const copies = s.scrollPxPerSec > 0 ? [-offset, this.layout.width - offset] : [0];
    for (const dx of copies) {
      for (const line of this.layout.lines) {
        if (s.outline && s.outline.width > 0) {
          ctx.strokeStyle = s.outline.color;
          ctx.lineWidth = s.outline.width * 2;
          ctx.strokeText(line.text, line.x + dx, line.y);
        }
        ctx.fillStyle = s.color;
        ctx.fillText(line.text, line.x + dx, line.y);
      }
    }
    this.advanced(this.picture.width, this.picture.height);
  }
}

/** A solid colour (with alpha), as a small picture the compositor stretches. */
export class ColorSource extends BaseSource {
  readonly kind = 'color';
  private readonly picture = canvas(16, 16);

  constructor(id: string, settings: Of<'color'>) {
    super(id);
    const ctx = this.picture.getContext('2d')!;
    ctx.fillStyle = settings.color;
    ctx.fillRect(0, 0, 16, 16);
    this.advanced(16, 16);
  }

  current(): Drawable | null {
    return this.picture;
  }
}
