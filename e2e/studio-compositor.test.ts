// The studio's compositor in Chromium's WebGL2 (software here, as on a machine without a GPU): the
// compositor is bundled on the fly and given sources backed by canvases painted in the page; each
// test draws a frame and reads its pixels back in the same task (the drawing buffer is not kept).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SceneItem } from '../src-shared/contract/scenes.js';
import type { Compositor } from '../src-renderer/studio/compositor/compositor.js';
import type { CompositeFrame, FrameSource, PlacedItem, RenderScene } from '../src-renderer/studio/types.js';
import { launchChromium } from '../test-support/browser.js';
import { ROOT } from '../test-support/host-process.js';
import { needs } from '../test-support/peers.js';

const W = 320;
const H = 180;
type Rgba = [number, number, number, number];
type Point = [number, number];

/** A FrameSource whose fields a test changes. */
interface TestSource extends FrameSource {
  status: FrameSource['status'];
  version: number;
  picture: TexImageSource | null;
}

/** What the page gets (installKit): canvases, sources, items, and a render that reads pixels back. */
interface Kit {
  compositor: Compositor;
  canvas: HTMLCanvasElement;
  paint(draw: (g: CanvasRenderingContext2D) => void, w?: number, h?: number): HTMLCanvasElement;
  solid(color: string): HTMLCanvasElement;
  source(id: string, picture: TexImageSource | null, status?: FrameSource['status']): TestSource;
  item(id: string, box: [number, number, number, number], extra?: Partial<SceneItem>): SceneItem;
  scene(id: string, items: [SceneItem, FrameSource | null][]): RenderScene;
  /** Renders and returns the RGBA at each point (program pixels, y down). */
  draw(frame: CompositeFrame, points: Point[]): Rgba[];
}
type KitWindow = Window & { kit: Kit };

/** Runs in the page: builds the kit around a fresh compositor. */
function installKit(size: { width: number; height: number }): void {
  const lib = (window as unknown as { StudioCompositor: { Compositor: typeof Compositor } }).StudioCompositor;
  const canvas = document.createElement('canvas');
  document.body.append(canvas);
  const compositor = new lib.Compositor(canvas, size);
  const gl = canvas.getContext('webgl2')!;
  const paint: Kit['paint'] = (draw, w = 64, h = 64) => {
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    draw(c.getContext('2d')!);
    return c;
  };
  const kit: Kit = {
    compositor,
    canvas,
    paint,
    solid: (color) =>
      paint((g) => {
        g.fillStyle = color;
        g.fillRect(0, 0, 64, 64);
      }),
    source: (id, picture, status = 'live') => ({
      id,
      status,
      reason: null,
      version: 1,
      picture,
      // A video's size is videoWidth, a VideoFrame's displayWidth, the rest have width.
      get width() {
        const p = this.picture as { width?: number; videoWidth?: number; displayWidth?: number } | null;
        return p ? p.videoWidth || p.displayWidth || p.width || 0 : 0;
      },
      get height() {
        const p = this.picture as { height?: number; videoHeight?: number; displayHeight?: number } | null;
        return p ? p.videoHeight || p.displayHeight || p.height || 0 : 0;
      },
      current() {
        return this.picture;
      },
    }),
    item: (id, [x, y, width, height], extra = {}) => ({
      id, sourceId: id, visible: true, locked: false, x, y, width, height, rotationDeg: 0, opacity: 1,
      crop: { left: 0, top: 0, right: 0, bottom: 0 }, chromaKey: null, color: null, ...extra,
    }),
    scene: (id, items) => ({ id, items: items.map(([item, source]): PlacedItem => ({ item, source })) }),
    draw: (frame, points) => {
      compositor.render(frame);
      const px = new Uint8Array(4);
      return points.map(([x, y]) => {
        gl.readPixels(x, canvas.height - 1 - y, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
        return [px[0]!, px[1]!, px[2]!, px[3]!];
      });
    },
  };
  (window as unknown as KitWindow).kit = kit;
}

const RED: Rgba = [255, 0, 0, 255];
const GREEN: Rgba = [0, 255, 0, 255];
const BLUE: Rgba = [0, 0, 255, 255];
const YELLOW: Rgba = [255, 255, 0, 255];
const BLACK: Rgba = [0, 0, 0, 255];
/** The placeholder's grey (compositor.ts PLACEHOLDER) and its cross. */
const PLACEHOLDER: Rgba = [41, 43, 51, 255];
const CROSS: Rgba = [107, 112, 128, 255];

/** Each pixel within `tolerance` of its expected colour (alpha ignored: the program is opaque). */
function expectPixels(actual: Rgba[], expected: Rgba[], tolerance = 3, what = 'pixel'): void {
  const off = actual.map((a, i) => ({ i, a, e: expected[i]! })).filter(({ a, e }) => [0, 1, 2].some((c) => Math.abs(a[c]! - e[c]!) > tolerance));
  expect(off.map(({ i, a, e }) => `${what} ${i}: ${a.slice(0, 3).join(',')} (wanted ${e.slice(0, 3).join(',')})`)).toEqual([]);
}

describe.skipIf(needs('chromium'))('the compositor in WebGL2', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [path.join(ROOT, 'src-renderer/studio/compositor/compositor.ts')],
      bundle: true,
      format: 'iife',
      globalName: 'StudioCompositor',
      write: false,
      logLevel: 'silent',
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 640, height: 400 } });
    await page.setContent('<!doctype html><html><body style="margin:0;background:#000"></body></html>');
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    await page.evaluate(installKit, { width: W, height: H });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('places items by position and size, the later ones on top', async () => {
    const [over, under] = await page.evaluate(() => {
      const k = (window as unknown as KitWindow).kit;
      const bg = k.item('bg', [0, 0, 320, 180]);
      const blue = k.item('blue', [40, 40, 100, 60]);
      const green = k.item('green', [100, 60, 100, 60]);
      const sources = { bg: k.source('bg', k.solid('#ff0000')), blue: k.source('blue', k.solid('#0000ff')), green: k.source('green', k.solid('#00ff00')) };
      const points: Point[] = [[20, 20], [60, 50], [120, 50], [120, 80], [180, 110], [220, 150], [139, 99], [141, 99]];
      const a = k.draw({ from: k.scene('s', [[bg, sources.bg], [blue, sources.blue], [green, sources.green]]) }, points);
      const b = k.draw({ from: k.scene('s', [[bg, sources.bg], [green, sources.green], [blue, sources.blue]]) }, points);
      return [a, b];
    });
    expectPixels(over, [RED, BLUE, BLUE, GREEN, GREEN, RED, GREEN, GREEN]);
    // The same items in the other order: blue now covers the overlap.
    expectPixels(under, [RED, BLUE, BLUE, BLUE, GREEN, RED, BLUE, GREEN]);
  });

  it('crops the picture (a fraction from each side)', async () => {
    const px = await page.evaluate(() => {
      const k = (window as unknown as KitWindow).kit;
      const halves = k.paint((g) => {
        g.fillStyle = '#ff0000';
        g.fillRect(0, 0, 32, 64);
        g.fillStyle = '#0000ff';
        g.fillRect(32, 0, 32, 64);
      });
      const item = k.item('halves', [0, 0, 320, 180], { crop: { left: 0.5, top: 0, right: 0, bottom: 0 } });
      return k.draw({ from: k.scene('s', [[item, k.source('halves', halves)]]) }, [[10, 90], [160, 90], [310, 90]]);
    });
    expectPixels(px, [BLUE, BLUE, BLUE]);
  });

  it('turns an item 90 degrees about its centre', async () => {
    const px = await page.evaluate(() => {
      const k = (window as unknown as KitWindow).kit;
      const topRed = k.paint((g) => {
        g.fillStyle = '#ff0000';
        g.fillRect(0, 0, 64, 32);
        g.fillStyle = '#0000ff';
        g.fillRect(0, 32, 64, 32);
      });
      // 160x80 centred on (160, 90): turned, it stands 80 wide and 160 tall, its top to the right.
      const item = k.item('turned', [80, 50, 160, 80], { rotationDeg: 90 });
      return k.draw({ from: k.scene('s', [[item, k.source('turned', topRed)]]) }, [[180, 90], [140, 90], [170, 20], [100, 90], [220, 90]]);
    });
    expectPixels(px, [RED, BLUE, RED, BLACK, BLACK]);
  });

  it('blends an item at opacity 0.5 over what is under it', async () => {
    const px = await page.evaluate(() => {
      const k = (window as unknown as KitWindow).kit;
      const bg = k.item('bg', [0, 0, 320, 180]);
      const half = k.item('half', [0, 0, 160, 180], { opacity: 0.5 });
      return k.draw({ from: k.scene('s', [[bg, k.source('bg', k.solid('#ff0000'))], [half, k.source('half', k.solid('#0000ff'))]]) }, [[80, 90], [240, 90]]);
    });
    expectPixels(px, [[128, 0, 128, 255], RED]);
  });

  it('takes every kind of picture the same way up, with its transparency', async () => {
    const result = await page.evaluate(async () => {
      const k = (window as unknown as KitWindow).kit;
      // Red on top, blue below, and a half-transparent red stripe at the bottom right.
      const painted = k.paint((g) => {
        g.fillStyle = '#ff0000';
        g.fillRect(0, 0, 64, 32);
        g.fillStyle = '#0000ff';
        g.fillRect(0, 32, 64, 32);
        g.clearRect(32, 48, 32, 16);
        g.fillStyle = 'rgba(255, 0, 0, 0.5)';
        g.fillRect(32, 48, 32, 16);
      });
      const image = new Image();
      image.src = painted.toDataURL('image/png');
      await image.decode();
      const video = document.createElement('video');
      video.muted = true;
      // A canvas stream sends frames when its canvas is drawn on: redraw it until the video has one.
      const streamed = k.paint((g) => g.drawImage(painted, 0, 0));
      video.srcObject = streamed.captureStream();
      const redraw = setInterval(() => streamed.getContext('2d')!.drawImage(painted, 0, 0), 50);
      const videoReady = Promise.race([
        new Promise((resolve) => video.addEventListener('loadeddata', () => resolve(true), { once: true })),
        new Promise((resolve) => setTimeout(() => resolve(false), 10_000)),
      ]).finally(() => clearInterval(redraw));
      void video.play();
      const pictures: [string, TexImageSource][] = [
        ['canvas', painted],
        ['image', image],
        ['bitmap', await createImageBitmap(painted)],
        ['frame', new VideoFrame(painted, { timestamp: 0 })],
      ];
      if (await videoReady) pictures.push(['video', video]);
      const bg = k.item('bg', [0, 0, 320, 180]);
      const white = k.source('white', k.solid('#ffffff'));
      const out: Record<string, Rgba[]> = {};
      for (const [name, picture] of pictures) {
        const item = k.item(`kind-${name}`, [0, 0, 320, 180]);
        out[name] = k.draw({ from: k.scene('s', [[bg, white], [item, k.source(`kind-${name}`, picture)]]) }, [[80, 40], [80, 140], [240, 165]]);
      }
      return out;
    });
    expect(Object.keys(result)).toEqual(['canvas', 'image', 'bitmap', 'frame', 'video']);
    for (const [name, px] of Object.entries(result)) {
      // Over white, half-transparent red is pink; a video has no alpha, and its colours pass through YUV.
      if (name === 'video') expectPixels(px.slice(0, 2), [RED, BLUE], 40, name);
      else expectPixels(px, [RED, BLUE, [255, 128, 128, 255]], 4, name);
    }
  });

  it('keys out green and keeps the red in front of it', async () => {
    const px = await page.evaluate(() => {
      const k = (window as unknown as KitWindow).kit;
      const screen = k.paint((g) => {
        g.fillStyle = '#00ff00';
        g.fillRect(0, 0, 64, 64);
        g.fillStyle = '#ff0000';
        g.fillRect(16, 16, 32, 32);
      });
      const bg = k.item('bg', [0, 0, 320, 180]);
      const keyed = k.item('screen', [0, 0, 320, 180], { chromaKey: { color: '#00ff00', similarity: 0.4, smoothness: 0.08, spill: 0.1 } });
      return k.draw({ from: k.scene('s', [[bg, k.source('bg', k.solid('#0000ff'))], [keyed, k.source('screen', screen)]]) }, [[20, 20], [300, 160], [160, 90], [110, 70]]);
    });
    expectPixels(px, [BLUE, BLUE, RED, RED]);
  });

  it('corrects colour: saturation 0 makes grey, a hue turn of 120 degrees makes red green', async () => {
    const [grey, turned] = await page.evaluate(() => {
      const k = (window as unknown as KitWindow).kit;
      const cc = { brightness: 0, contrast: 1, saturation: 0, gamma: 1, hueDeg: 0 };
      const a = k.item('red', [0, 0, 320, 180], { color: cc });
      const b = k.item('red', [0, 0, 320, 180], { color: { ...cc, saturation: 1, hueDeg: 120 } });
      const red = k.source('red', k.solid('#ff0000'));
      return [k.draw({ from: k.scene('s', [[a, red]]) }, [[160, 90]])[0]!, k.draw({ from: k.scene('s', [[b, red]]) }, [[160, 90]])[0]!];
    });
    // Red's luma (BT.709: 0.2126) on every channel.
    expectPixels([grey], [[54, 54, 54, 255]], 4);
    expect(turned[1]).toBeGreaterThan(turned[0] + 60);
    expect(turned[1]).toBeGreaterThan(turned[2] + 60);
  });

  it('fades: half way is the average of the two scenes', async () => {
    const px = await page.evaluate(() => {
      const k = (window as unknown as KitWindow).kit;
      const from = k.scene('a', [[k.item('r', [0, 0, 320, 180]), k.source('r', k.solid('#ff0000'))]]);
      const to = k.scene('b', [[k.item('b', [0, 0, 320, 180]), k.source('b', k.solid('#0000ff'))]]);
      return k.draw({ from, to, transition: { kind: 'fade', progress: 0.5 } }, [[10, 10], [160, 90], [310, 170]]);
    });
    expectPixels(px, [[128, 0, 128, 255], [128, 0, 128, 255], [128, 0, 128, 255]], 4);
  });

  it('slides: half way, the old scene on the left half and the new one on the right', async () => {
    const px = await page.evaluate(() => {
      const k = (window as unknown as KitWindow).kit;
      const from = k.scene('a', [[k.item('r', [0, 0, 320, 180]), k.source('r', k.solid('#ff0000'))]]);
      const to = k.scene('b', [[k.item('b', [0, 0, 320, 180]), k.source('b', k.solid('#0000ff'))]]);
      return k.draw({ from, to, transition: { kind: 'slide', progress: 0.5 } }, [[10, 90], [150, 90], [170, 90], [310, 90]]);
    });
    expectPixels(px, [RED, RED, BLUE, BLUE]);
  });

  it('plays a stinger over the scenes and swaps them at its cut', async () => {
    const [before, after, noFrame] = await page.evaluate(() => {
      const k = (window as unknown as KitWindow).kit;
      const from = k.scene('a', [[k.item('r', [0, 0, 320, 180]), k.source('r', k.solid('#ff0000'))]]);
      const to = k.scene('b', [[k.item('b', [0, 0, 320, 180]), k.source('b', k.solid('#0000ff'))]]);
      // Transparent but for a yellow square in the middle.
      const stinger = k.source('stinger', k.paint((g) => {
        g.fillStyle = '#ffff00';
        g.fillRect(16, 16, 32, 32);
      }));
      const points: Point[] = [[20, 20], [160, 90]];
      const at = (cut: boolean, s = stinger) => k.draw({ from, to, transition: { kind: 'stinger', progress: 0.4, cut, stinger: s } }, points);
      return [at(false), at(true), at(true, k.source('stinger-loading', null, 'starting'))];
    });
    expectPixels(before, [RED, YELLOW]);
    expectPixels(after, [BLUE, YELLOW]);
    // A stinger with no frame yet covers nothing.
    expectPixels(noFrame, [BLUE, BLUE]);
  });

  it('draws a placeholder for a lost source, one never ready, and an item without a source', async () => {
    const [lost, never, none, threw] = await page.evaluate(() => {
      const k = (window as unknown as KitWindow).kit;
      const item = k.item('x', [0, 0, 320, 180]);
      const around: Point[] = [];
      for (let dx = -2; dx <= 2; dx++) for (let dy = -2; dy <= 2; dy++) around.push([160 + dx, 90 + dy]);
      const points: Point[] = [[160, 20], [20, 90], ...around];
      const lostSource = k.source('lost', k.solid('#ff0000'), 'lost');
      const neverSource = k.source('never', null, 'starting');
      let error: string | null = null;
      const results: Rgba[][] = [];
      try {
        results.push(k.draw({ from: k.scene('s', [[item, lostSource]]) }, points));
        results.push(k.draw({ from: k.scene('s', [[item, neverSource]]) }, points));
        results.push(k.draw({ from: k.scene('s', [[item, null]]) }, points));
      } catch (e) {
        error = String(e);
      }
      return [...results, error] as [Rgba[], Rgba[], Rgba[], string | null];
    });
    expect(threw).toBeNull();
    for (const px of [lost, never, none]) {
      expectPixels(px.slice(0, 2), [PLACEHOLDER, PLACEHOLDER]);
      // The diagonals cross in the middle.
      expect(px.slice(2).some((p) => Math.abs(p[0] - CROSS[0]) <= 3 && Math.abs(p[2] - CROSS[2]) <= 3)).toBe(true);
    }
  });

  it('uploads a texture only when the source has a new picture', async () => {
    const counts = await page.evaluate(() => {
      const k = (window as unknown as KitWindow).kit;
      const src = k.source('counted', k.solid('#ff0000'));
      const frame = { from: k.scene('s', [[k.item('counted', [0, 0, 320, 180]), src]]) };
      const uploads = () => k.compositor.stats.textureUploads;
      const start = uploads();
      const seen: number[] = [];
      for (let i = 0; i < 3; i++) k.draw(frame, []);
      seen.push(uploads() - start);
      src.picture = k.solid('#00ff00');
      src.version += 1;
      const px = k.draw(frame, [[160, 90]])[0]!;
      k.draw(frame, []);
      seen.push(uploads() - start);
      return { seen, green: px[1], frames: k.compositor.stats.frames, ms: k.compositor.stats.lastRenderMs };
    });
    expect(counts.seen).toEqual([1, 2]);
    expect(counts.green).toBe(255);
    expect(counts.frames).toBeGreaterThan(10);
    expect(counts.ms).toBeGreaterThanOrEqual(0);
  });

  it('draws again after the context was lost and restored', async () => {
    const px = await page.evaluate(async () => {
      const k = (window as unknown as KitWindow).kit;
      const gl = k.canvas.getContext('webgl2')!;
      const lose = gl.getExtension('WEBGL_lose_context');
      if (!lose) return null;
      const frame = { from: k.scene('s', [[k.item('r', [0, 0, 320, 180]), k.source('r', k.solid('#ff0000'))]]) };
      const event = (name: string) =>
        Promise.race([new Promise((resolve) => k.canvas.addEventListener(name, () => resolve(name), { once: true })), new Promise((resolve) => setTimeout(() => resolve(`no ${name} in 10 s`), 10_000))]);
      const lost = event('webglcontextlost');
      lose.loseContext();
      k.draw(frame, []);
      const afterLoss = await lost;
      // Restoring is allowed once the lost event's dispatch has finished (its listeners may cancel it).
      await new Promise((resolve) => setTimeout(resolve, 0));
      const restored = event('webglcontextrestored');
      lose.restoreContext();
      const afterRestore = await restored;
      return { events: [afterLoss, afterRestore], px: k.draw(frame, [[160, 90]]) };
    });
    expect(px, 'WEBGL_lose_context is there').not.toBeNull();
    expect(px!.events).toEqual(['webglcontextlost', 'webglcontextrestored']);
    expectPixels(px!.px, [RED]);
  });

  it('draws the editor overlay (selection and guides) and saves a screenshot', async () => {
    const { png, px } = await page.evaluate(() => {
      const k = (window as unknown as KitWindow).kit;
      const gradient = k.paint((g) => {
        const grad = g.createLinearGradient(0, 0, 64, 64);
        grad.addColorStop(0, '#203050');
        grad.addColorStop(1, '#608040');
        g.fillStyle = grad;
        g.fillRect(0, 0, 64, 64);
      });
      const logo = k.paint((g) => {
        g.fillStyle = '#ffcc00';
        g.beginPath();
        g.arc(32, 32, 30, 0, Math.PI * 2);
        g.fill();
      });
      const bg = k.item('bg', [0, 0, 320, 180]);
      const selected = k.item('logo', [100, 40, 80, 80], { rotationDeg: 15 });
      const camera = k.item('camera', [200, 100, 100, 60]);
      const scene = k.scene('s', [[bg, k.source('bg', gradient)], [selected, k.source('logo', logo)], [camera, k.source('camera-gone', null, 'lost')]]);
      const pixels = k.draw({ from: scene, overlay: { selectedItemId: 'logo', guides: [{ axis: 'x', at: 160 }, { axis: 'y', at: 40 }] } }, [[160, 170], [300, 40]]);
      // Copied in the same task: the drawing buffer is not kept after the frame is shown.
      const copy = document.createElement('canvas');
      copy.width = k.canvas.width;
      copy.height = k.canvas.height;
      copy.getContext('2d')!.drawImage(k.canvas, 0, 0);
      return { png: copy.toDataURL('image/png'), px: pixels };
    });
    expectPixels(px, [[255, 0, 255, 255], [255, 0, 255, 255]]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-compositor-'));
    const file = path.join(dir, 'overlay.png');
    fs.writeFileSync(file, Buffer.from(png.replace(/^data:image\/png;base64,/, ''), 'base64'));
    expect(fs.statSync(file).size).toBeGreaterThan(1000);
    console.log(`compositor screenshot: ${file}`);
  });

  it('resizes to a new program size, then frees its resources on dispose and draws nothing', async () => {
    const result = await page.evaluate(() => {
      const k = (window as unknown as KitWindow).kit;
      k.compositor.resize({ width: 160, height: 90 });
      const size = [k.canvas.width, k.canvas.height];
      const bg = k.item('bg', [0, 0, 160, 90]);
      const right = k.item('right', [80, 0, 80, 90]);
      const red = k.source('r', k.solid('#ff0000'));
      const blue = k.source('b', k.solid('#0000ff'));
      const px = k.draw({ from: k.scene('a', [[bg, red], [right, blue]]), to: k.scene('b', [[bg, blue]]), transition: { kind: 'fade', progress: 0 } }, [[40, 45], [120, 45]]);
      const before = k.compositor.stats.frames;
      k.compositor.dispose();
      k.compositor.render({ from: null });
      return { size, px, frames: k.compositor.stats.frames - before };
    });
    expect(result.size).toEqual([160, 90]);
    expectPixels(result.px, [RED, BLUE]);
    expect(result.frames).toBe(0);
  });
});
