import type { SceneItem } from '../../../src-shared/contract/scenes.js';
import type { CompositeFrame, FrameSource, Guide, RenderScene } from '../types.js';
import { PICTURE_FRAGMENT, PLAIN_FRAGMENT, QUAD_VERTEX, SOLID_FRAGMENT, buildProgram, hueMatrix, keyCbCr } from './shaders.js';
import { TextureCache, newTexture } from './texture-cache.js';
import { applyMatrix, cropRect, itemMatrix } from './transition.js';

interface Size {
  width: number;
  height: number;
}

interface Target {
  framebuffer: WebGLFramebuffer;
  texture: WebGLTexture;
}

type Uniforms = Record<string, WebGLUniformLocation | null>;
interface Program {
  program: WebGLProgram;
  u: Uniforms;
}

const QUAD_UNIFORMS = ['u_matrix', 'u_crop'];
const PLAIN_UNIFORMS = [...QUAD_UNIFORMS, 'u_tex', 'u_opacity'];
const PICTURE_UNIFORMS = [...PLAIN_UNIFORMS, 'u_key', 'u_keyCbCr', 'u_similarity', 'u_smoothness', 'u_spill', 'u_correct', 'u_brightness', 'u_contrast', 'u_saturation', 'u_gamma', 'u_hue'];
const SOLID_UNIFORMS = [...QUAD_UNIFORMS, 'u_color', 'u_border', 'u_cross', 'u_crossColor'];
const PLACEHOLDER = new Float32Array([0.16, 0.17, 0.2, 1]);
const CROSS = new Float32Array([0.42, 0.44, 0.5, 1]);
const SELECTION = new Float32Array([0.3, 0.6, 1, 1]);
const GUIDE = new Float32Array([1, 0, 1, 1]);
const WHOLE = new Float32Array([0, 0, 1, 1]);
/** A framebuffer texture's rows are bottom first: read it upside down. */
const FLIPPED = new Float32Array([0, 1, 1, -1]);
/** Textures are swept for idle ones every this many frames. */
const COLLECT_EVERY = 60;

/**
 * Draws scenes with WebGL2 on a canvas at the program size: each item a textured quad (position,
 * size, rotation, crop, opacity, chroma key, colour correction), a placeholder for a source with no
 * picture, transitions between two whole scenes (each drawn into its own texture first), and the
 * editor's outlines and guides. A source's texture is uploaded only when its picture moved on.
 */
export class Compositor {
  readonly stats = { frames: 0, lastRenderMs: 0, textureUploads: 0 };
  private readonly gl: WebGL2RenderingContext;
  private size: Size;
  private readonly cache: TextureCache;
  private picture!: Program;
  private plain!: Program;
  private solid!: Program;
  private quad: WebGLVertexArrayObject | null = null;
  private quadBuffer: WebGLBuffer | null = null;
  private targets: Target[] = [];
  private lost = false;
  private disposed = false;

  /**
   * `pixelScale` < 1 draws a smaller picture of the same layout (a preview: a quarter of the pixels
   * at 0.5, which a software renderer feels). Throws when the browser has no WebGL2.
   */
  constructor(
    private readonly canvas: HTMLCanvasElement | OffscreenCanvas,
    size: Size,
    private readonly pixelScale = 1,
  ) {
    // The program is opaque: no alpha in the drawing buffer, so nothing shows through the page.
    const gl = canvas.getContext('webgl2', { alpha: false, premultipliedAlpha: true, antialias: false, preserveDrawingBuffer: false, powerPreference: 'high-performance' }) as WebGL2RenderingContext | null;
    if (!gl) throw new Error('WebGL2 is not available in this browser');
    this.gl = gl;
    this.size = size;
    this.cache = new TextureCache(gl);
    canvas.width = this.pixels.width;
    canvas.height = this.pixels.height;
    canvas.addEventListener('webglcontextlost', this.onLost as EventListener);
    canvas.addEventListener('webglcontextrestored', this.onRestored as EventListener);
    this.init();
  }

  resize(size: Size): void {
    this.size = size;
    this.canvas.width = this.pixels.width;
    this.canvas.height = this.pixels.height;
    if (!this.lost && !this.disposed) this.makeTargets();
  }

  render(frame: CompositeFrame): void {
    if (this.lost || this.disposed) return;
    const started = performance.now();
    const t = frame.transition;
    if (t && frame.to !== undefined && (t.kind === 'fade' || t.kind === 'slide')) {
      const [from, to] = this.targets as [Target, Target];
      this.drawSceneInto(from, frame.from);
      this.drawSceneInto(to, frame.to);
      this.bindScreen();
      const p = Math.min(1, Math.max(0, t.progress));
      const w = this.size.width;
      if (t.kind === 'fade') {
        // Premultiplied blend: to * p + from * (1 - p).
        this.drawTarget(from, 0, 1);
        this.drawTarget(to, 0, p);
      } else {
        // The new scene comes in from the right and pushes the old one out to the left.
        this.drawTarget(from, -p * w, 1);
        this.drawTarget(to, (1 - p) * w, 1);
      }
    } else {
      this.bindScreen();
      // A stinger (or any other kind) shows the new scene once its cut has passed; the stinger plays over both.
      this.drawScene(t && frame.to !== undefined && t.cut ? frame.to : frame.from);
      if (t?.kind === 'stinger' && t.stinger) this.drawStinger(t.stinger);
    }
    if (frame.overlay) this.drawOverlay(frame.from, frame.overlay.selectedItemId, frame.overlay.guides);
    this.stats.frames += 1;
    this.stats.textureUploads = this.cache.uploads;
    if (this.stats.frames % COLLECT_EVERY === 0) this.cache.collect(performance.now());
    this.stats.lastRenderMs = performance.now() - started;
  }

  /** Frees every GL resource; later renders draw nothing. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.canvas.removeEventListener('webglcontextlost', this.onLost as EventListener);
    this.canvas.removeEventListener('webglcontextrestored', this.onRestored as EventListener);
    this.cache.clear(this.lost);
    if (this.lost) return;
    const gl = this.gl;
    this.deleteTargets();
    for (const p of [this.picture, this.plain, this.solid]) gl.deleteProgram(p.program);
    gl.deleteVertexArray(this.quad);
    gl.deleteBuffer(this.quadBuffer);
  }

  /** The drawing buffer's size. */
  private get pixels(): Size {
    return { width: Math.max(1, Math.round(this.size.width * this.pixelScale)), height: Math.max(1, Math.round(this.size.height * this.pixelScale)) };
  }

  private init(): void {
    const gl = this.gl;
    const link = (fragment: string, names: string[]): Program => {
      const program = buildProgram(gl, QUAD_VERTEX, fragment);
      return { program, u: Object.fromEntries(names.map((n) => [n, gl.getUniformLocation(program, n)])) };
    };
    this.picture = link(PICTURE_FRAGMENT, PICTURE_UNIFORMS);
    this.plain = link(PLAIN_FRAGMENT, PLAIN_UNIFORMS);
    this.solid = link(SOLID_FRAGMENT, SOLID_UNIFORMS);
    this.quad = gl.createVertexArray();
    gl.bindVertexArray(this.quad);
    this.quadBuffer = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, this.quadBuffer);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    this.makeTargets();
  }

  private makeTargets(): void {
    const gl = this.gl;
    this.deleteTargets();
    this.targets = [0, 1].map(() => {
      const texture = newTexture(gl);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, this.pixels.width, this.pixels.height, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
      const framebuffer = gl.createFramebuffer()!;
      gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
      gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0);
      return { framebuffer, texture };
    });
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
  }

  private deleteTargets(): void {
    for (const t of this.targets) {
      this.gl.deleteFramebuffer(t.framebuffer);
      this.gl.deleteTexture(t.texture);
    }
    this.targets = [];
  }

  private bindScreen(): void {
    this.bindTarget(null);
  }

  private bindTarget(framebuffer: WebGLFramebuffer | null): void {
    const gl = this.gl;
    gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
    gl.viewport(0, 0, this.pixels.width, this.pixels.height);
    gl.clearColor(0, 0, 0, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
  }

  private drawSceneInto(target: Target, scene: RenderScene | null | undefined): void {
    this.bindTarget(target.framebuffer);
    this.drawScene(scene);
  }

  /** A whole scene's texture over the program, moved `x` program pixels to the right. */
  private drawTarget(target: Target, x: number, opacity: number): void {
    const matrix = itemMatrix({ x, y: 0, width: this.size.width, height: this.size.height, rotationDeg: 0 }, this.size);
    this.drawTexture(target.texture, matrix, FLIPPED, opacity, null);
  }

  private drawScene(scene: RenderScene | null | undefined): void {
    for (const { item, source } of scene?.items ?? []) if (item.visible) this.drawItem(source, item);
  }

  /** The picture a source has to show now, or null (lost, refused, or none yet). */
  private pictureOf(source: FrameSource | null): { source: FrameSource; texture: WebGLTexture } | null {
    if (!source || source.status === 'lost' || source.status === 'error' || source.width === 0) return null;
    const picture = source.current();
    const texture = picture ? this.cache.textureOf(source, picture, performance.now()) : null;
    return texture ? { source, texture } : null;
  }

  /** One item's picture at its place, or the placeholder when its source has none to show. */
  private drawItem(source: FrameSource | null, item: SceneItem): void {
    const matrix = itemMatrix(item, this.size);
    const shown = this.pictureOf(source?.standIn?.() ?? source);
    if (!shown) return this.drawSolid(matrix, PLACEHOLDER, [0, 0], CROSS);
    this.drawTexture(shown.texture, matrix, cropRect(item.crop), item.opacity, item);
  }

  /** The stinger over the whole program; nothing until its first frame (never a placeholder over the show). */
  private drawStinger(stinger: FrameSource): void {
    const shown = this.pictureOf(stinger);
    if (!shown) return;
    const matrix = itemMatrix({ x: 0, y: 0, width: this.size.width, height: this.size.height, rotationDeg: 0 }, this.size);
    this.drawTexture(shown.texture, matrix, WHOLE, 1, null);
  }

  private drawTexture(texture: WebGLTexture, matrix: Float32Array, crop: Float32List, opacity: number, item: SceneItem | null): void {
    const gl = this.gl;
    const key = item?.chromaKey;
    const cc = item?.color;
    const { program, u } = key || cc ? this.picture : this.plain;
    gl.useProgram(program);
    gl.bindVertexArray(this.quad);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.uniform1i(u.u_tex!, 0);
    gl.uniformMatrix3fv(u.u_matrix!, false, matrix);
    gl.uniform4fv(u.u_crop!, crop);
    gl.uniform1f(u.u_opacity!, opacity);
    if (program === this.plain.program) return gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    gl.uniform1i(u.u_key!, key ? 1 : 0);
    if (key) {
      gl.uniform2fv(u.u_keyCbCr!, keyCbCr(key.color));
      gl.uniform1f(u.u_similarity!, key.similarity);
      gl.uniform1f(u.u_smoothness!, key.smoothness);
      gl.uniform1f(u.u_spill!, key.spill);
    }
    gl.uniform1i(u.u_correct!, cc ? 1 : 0);
    if (cc) {
      gl.uniform1f(u.u_brightness!, cc.brightness);
      gl.uniform1f(u.u_contrast!, cc.contrast);
      gl.uniform1f(u.u_saturation!, cc.saturation);
      gl.uniform1f(u.u_gamma!, cc.gamma);
      gl.uniformMatrix3fv(u.u_hue!, false, hueMatrix(cc.hueDeg));
    }
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }

  /** A solid quad; `border` keeps only an outline that wide, `cross` adds the placeholder's diagonals. */
  private drawSolid(matrix: Float32Array, color: Float32Array, border: [number, number] = [0, 0], cross: Float32Array | null = null): void {
    const gl = this.gl;
    const u = this.solid.u;
    gl.useProgram(this.solid.program);
    gl.bindVertexArray(this.quad);
    gl.uniformMatrix3fv(u.u_matrix!, false, matrix);
    gl.uniform4fv(u.u_crop!, WHOLE);
    gl.uniform2fv(u.u_border!, border);
    gl.uniform4fv(u.u_color!, color);
    gl.uniform1f(u.u_cross!, cross ? Math.max(1.5, this.pixels.width / 640) : 0);
    gl.uniform4fv(u.u_crossColor!, cross ?? color);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }

  private box(x: number, y: number, width: number, height: number): Float32Array {
    return itemMatrix({ x, y, width, height, rotationDeg: 0 }, this.size);
  }

  /** The editor's marks, thick enough to see on a preview shown at half size or less. */
  private drawOverlay(scene: RenderScene | null | undefined, selected: string | null, guides: readonly Guide[]): void {
    const px = Math.max(2, Math.round(this.size.width / 640));
    const item = scene?.items.find((p) => p.item.id === selected)?.item;
    if (item) {
      this.drawSolid(itemMatrix(item, this.size), SELECTION, [px / Math.max(1, item.width), px / Math.max(1, item.height)]);
      // Corner handles, on the item's corners as turned.
      const h = 6 * px;
      const m = itemMatrix(item, this.size);
      for (const [u, v] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const [x, y] = applyMatrix(m, u, v);
        const cx = ((x + 1) / 2) * this.size.width;
        const cy = ((1 - y) / 2) * this.size.height;
        this.drawSolid(this.box(cx - h / 2, cy - h / 2, h, h), SELECTION);
      }
    }
    for (const g of guides) {
      const m = g.axis === 'x' ? this.box(g.at - px / 2, 0, px, this.size.height) : this.box(0, g.at - px / 2, this.size.width, px);
      this.drawSolid(m, GUIDE);
    }
  }

  private readonly onLost = (e: Event): void => {
    // Without preventDefault the browser never restores the context.
    e.preventDefault();
    this.lost = true;
    this.cache.clear(true);
    this.targets = [];
  };

  private readonly onRestored = (): void => {
    if (this.disposed) return;
    this.lost = false;
    this.init();
  };
}
