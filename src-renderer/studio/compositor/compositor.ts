import type { SceneItem } from '../../../src-shared/contract/scenes.js';
import type { CompositeFrame, FrameSource, Guide, RenderScene } from '../types.js';
import { PICTURE_FRAGMENT, PLAIN_FRAGMENT, QUAD_VERTEX, SOLID_FRAGMENT, buildProgram, rgba } from './shaders.js';
import { applyMatrix, cropRect, itemMatrix } from './transition.js';

interface Size {
  width: number;
  height: number;
}

interface CachedTexture {
  texture: WebGLTexture;
  version: number;
  usedAt: number;
}

interface Target {
  framebuffer: WebGLFramebuffer;
  texture: WebGLTexture;
}

type Uniforms = Record<string, WebGLUniformLocation | null>;

const PICTURE_UNIFORMS = ['u_matrix', 'u_crop', 'u_tex', 'u_opacity', 'u_premultiplied', 'u_key', 'u_keyColor', 'u_similarity', 'u_smoothness', 'u_spill', 'u_correct', 'u_brightness', 'u_contrast', 'u_saturation', 'u_gamma', 'u_hue'];
/** A texture not drawn for this long is freed. */
const TEXTURE_IDLE_MS = 5000;
const PLACEHOLDER = [0.16, 0.17, 0.2, 1] as const;
const CROSS = [0.42, 0.44, 0.5, 1] as const;
const SELECTION = [0.3, 0.6, 1, 1] as const;
const GUIDE = [1, 0.2, 0.9, 1] as const;
const IDENTITY = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);

/**
 * Draws scenes with WebGL2 on a canvas at the program size: each item a textured quad (position,
 * size, rotation, crop, opacity, chroma key, colour correction), a placeholder for a source with no
 * picture, transitions between two whole scenes (each drawn into its own texture first), and the
 * editor's outlines and guides. A source's texture is uploaded only when its picture moved on.
 */
export class Compositor {
  readonly stats = { frames: 0, lastRenderMs: 0, textureUploads: 0 };
  private gl: WebGL2RenderingContext;
  private size: Size;
  private picture!: { program: WebGLProgram; u: Uniforms };
  private plain!: { program: WebGLProgram; u: Uniforms };
  private solid!: { program: WebGLProgram; matrix: WebGLUniformLocation | null; color: WebGLUniformLocation | null; crop: WebGLUniformLocation | null; border: WebGLUniformLocation | null };
  private quad!: WebGLVertexArrayObject;
  private lineVao!: WebGLVertexArrayObject;
  private lineBuffer!: WebGLBuffer;
  private targets: Target[] = [];
  private textures = new Map<string, CachedTexture>();
  private lost = false;

  /**
   * `pixelScale` < 1 draws a smaller picture of the same layout (a preview: a quarter of the pixels
   * at 0.5, which a software renderer feels).
   */
  constructor(
    private readonly canvas: HTMLCanvasElement | OffscreenCanvas,
    size: Size,
    private readonly pixelScale = 1,
  ) {
    const gl = canvas.getContext('webgl2', { alpha: false, premultipliedAlpha: true, antialias: false, preserveDrawingBuffer: false, powerPreference: 'high-performance' }) as WebGL2RenderingContext | null;
    if (!gl) throw new Error('WebGL2 is not available in this browser');
    this.gl = gl;
    this.size = size;
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
    this.makeTargets();
  }

  /** The drawing buffer's size. */
  private get pixels(): Size {
    return { width: Math.max(1, Math.round(this.size.width * this.pixelScale)), height: Math.max(1, Math.round(this.size.height * this.pixelScale)) };
  }

  render(frame: CompositeFrame): void {
    if (this.lost) return;
    const started = performance.now();
    const t = frame.transition;
    if (t && frame.to !== undefined && (t.kind === 'fade' || t.kind === 'slide')) {
      this.drawSceneInto(this.targets[0]!, frame.from);
      this.drawSceneInto(this.targets[1]!, frame.to);
      this.bindScreen();
      const { width: w, height: h } = this.size;
      const p = t.progress;
      const place = (x: number, opacity: number, target: Target) =>
        this.drawTexture(target.texture, itemMatrix({ x, y: 0, width: w, height: h, rotationDeg: 0 }, this.size), [0, 1, 1, -1], opacity, true, null);
      if (t.kind === 'fade') {
        place(0, 1, this.targets[0]!);
        place(0, p, this.targets[1]!);
      } else {
        place(-p * w, 1, this.targets[0]!);
        place((1 - p) * w, 1, this.targets[1]!);
      }
    } else {
      this.bindScreen();
      // A stinger (or anything else) swaps the scenes at its cut; the stinger plays over both.
      this.drawScene(t && frame.to !== undefined && t.cut ? frame.to : frame.from);
      if (t?.kind === 'stinger' && t.stinger) this.drawSource(t.stinger, { x: 0, y: 0, width: this.size.width, height: this.size.height, rotationDeg: 0 }, null);
    }
    if (frame.overlay) this.drawOverlay(frame.from, frame.overlay.selectedItemId, frame.overlay.guides);
    this.stats.frames += 1;
    this.stats.lastRenderMs = performance.now() - started;
    if (this.stats.frames % 60 === 0) this.collect();
  }

  dispose(): void {
    this.canvas.removeEventListener('webglcontextlost', this.onLost as EventListener);
    this.canvas.removeEventListener('webglcontextrestored', this.onRestored as EventListener);
    for (const t of this.textures.values()) this.gl.deleteTexture(t.texture);
    this.textures.clear();
    this.deleteTargets();
  }

  private deleteTargets(): void {
    for (const t of this.targets) {
      this.gl.deleteFramebuffer(t.framebuffer);
      this.gl.deleteTexture(t.texture);
    }
    this.targets = [];
  }

  private init(): void {
    const gl = this.gl;
    const program = buildProgram(gl, QUAD_VERTEX, PICTURE_FRAGMENT);
    this.picture = { program, u: Object.fromEntries(PICTURE_UNIFORMS.map((n) => [n, gl.getUniformLocation(program, n)])) };
    const plain = buildProgram(gl, QUAD_VERTEX, PLAIN_FRAGMENT);
    this.plain = { program: plain, u: Object.fromEntries(['u_matrix', 'u_crop', 'u_tex', 'u_opacity', 'u_premultiplied'].map((n) => [n, gl.getUniformLocation(plain, n)])) };
    const solid = buildProgram(gl, QUAD_VERTEX, SOLID_FRAGMENT);
    this.solid = { program: solid, matrix: gl.getUniformLocation(solid, 'u_matrix'), color: gl.getUniformLocation(solid, 'u_color'), crop: gl.getUniformLocation(solid, 'u_crop'), border: gl.getUniformLocation(solid, 'u_border') };
    this.quad = gl.createVertexArray()!;
    gl.bindVertexArray(this.quad);
    const buffer = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    this.lineVao = gl.createVertexArray()!;
    gl.bindVertexArray(this.lineVao);
    this.lineBuffer = gl.createBuffer()!;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.lineBuffer);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    gl.bindVertexArray(null);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    this.makeTargets();
  }

  private makeTargets(): void {
    const gl = this.gl;
    this.deleteTargets();
    this.targets = [0, 1].map(() => {
      const texture = this.newTexture();
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, this.pixels.width, this.pixels.height, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
      const framebuffer = gl.createFramebuffer()!;
      gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
      gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0);
      return { framebuffer, texture };
    });
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
  }

  private newTexture(): WebGLTexture {
    const gl = this.gl;
    const texture = gl.createTexture()!;
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    return texture;
  }

  private bindScreen(): void {
    const gl = this.gl;
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.viewport(0, 0, this.pixels.width, this.pixels.height);
    gl.clearColor(0, 0, 0, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
  }

  private drawSceneInto(target: Target, scene: RenderScene | null | undefined): void {
    const gl = this.gl;
    gl.bindFramebuffer(gl.FRAMEBUFFER, target.framebuffer);
    gl.viewport(0, 0, this.pixels.width, this.pixels.height);
    gl.clearColor(0, 0, 0, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    this.drawScene(scene);
  }

  private drawScene(scene: RenderScene | null | undefined): void {
    for (const { item, source } of scene?.items ?? []) if (item.visible) this.drawSource(source, item, item);
  }

  /** One picture at `place`, or the placeholder when its source has none to show. */
  private drawSource(source: FrameSource | null, place: Pick<SceneItem, 'x' | 'y' | 'width' | 'height' | 'rotationDeg'>, item: SceneItem | null): void {
    const matrix = itemMatrix(place, this.size);
    const picture = source && source.status !== 'lost' && source.status !== 'error' ? source.current() : null;
    if (!source || !picture || source.width === 0) return this.drawPlaceholder(matrix);
    const texture = this.textureOf(source, picture);
    if (!texture) return this.drawPlaceholder(matrix);
    this.drawTexture(texture, matrix, item ? cropRect(item.crop) : [0, 0, 1, 1], item?.opacity ?? 1, false, item);
  }

  private textureOf(source: FrameSource, picture: TexImageSource): WebGLTexture | null {
    const gl = this.gl;
    let cached = this.textures.get(source.id);
    if (!cached) {
      cached = { texture: this.newTexture(), version: -1, usedAt: 0 };
      this.textures.set(source.id, cached);
    }
    cached.usedAt = performance.now();
    gl.bindTexture(gl.TEXTURE_2D, cached.texture);
    if (cached.version !== source.version) {
      try {
        gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, picture);
      } catch {
        // A frame closed or a picture that cannot be read (cross-origin): keep what was there.
        return cached.version >= 0 ? cached.texture : null;
      }
      cached.version = source.version;
      this.stats.textureUploads += 1;
    }
    return cached.texture;
  }

  private drawTexture(texture: WebGLTexture, matrix: Float32Array, crop: readonly number[], opacity: number, premultiplied: boolean, item: SceneItem | null): void {
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
    if (program === this.plain.program) {
      gl.uniform1f(u.u_premultiplied!, premultiplied ? 1 : 0);
      gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
      return;
    }
    gl.uniform1i(u.u_premultiplied!, premultiplied ? 1 : 0);
    gl.uniform1i(u.u_key!, key ? 1 : 0);
    if (key) {
      gl.uniform3fv(u.u_keyColor!, rgba(key.color).slice(0, 3));
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
      gl.uniform1f(u.u_hue!, (cc.hueDeg * Math.PI) / 180);
    }
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }

  private drawSolid(matrix: Float32Array, color: readonly number[], border: readonly [number, number] = [0, 0]): void {
    const gl = this.gl;
    gl.useProgram(this.solid.program);
    gl.bindVertexArray(this.quad);
    gl.uniformMatrix3fv(this.solid.matrix, false, matrix);
    gl.uniform4fv(this.solid.crop, [0, 0, 1, 1]);
    gl.uniform2fv(this.solid.border, border);
    gl.uniform4fv(this.solid.color, color);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }

  /** Line segments, in clip space. */
  private drawLines(points: readonly number[], color: readonly number[]): void {
    const gl = this.gl;
    gl.useProgram(this.solid.program);
    gl.bindVertexArray(this.lineVao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.lineBuffer);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array(points), gl.DYNAMIC_DRAW);
    gl.uniformMatrix3fv(this.solid.matrix, false, IDENTITY);
    gl.uniform2fv(this.solid.border, [0, 0]);
    gl.uniform4fv(this.solid.color, color);
    gl.drawArrays(gl.LINES, 0, points.length / 2);
  }

  private drawPlaceholder(matrix: Float32Array): void {
    this.drawSolid(matrix, PLACEHOLDER);
    const c = [[0, 0], [1, 1], [1, 0], [0, 1]].flatMap(([x, y]) => applyMatrix(matrix, x!, y!));
    this.drawLines(c, CROSS);
  }

  /** The editor's marks, thick enough to see on a preview shown at half size or less. */
  private drawOverlay(scene: RenderScene | null | undefined, selected: string | null, guides: readonly Guide[]): void {
    const px = Math.max(2, Math.round(this.size.width / 640));
    const item = scene?.items.find((p) => p.item.id === selected)?.item;
    if (item) {
      this.drawSolid(itemMatrix(item, this.size), SELECTION, [px / Math.max(1, item.width), px / Math.max(1, item.height)]);
      // Corner handles (the bottom-right one resizes).
      const h = 6 * px;
      for (const [x, y] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        this.drawSolid(itemMatrix({ x: item.x + x! * item.width - h / 2, y: item.y + y! * item.height - h / 2, width: h, height: h, rotationDeg: 0 }, this.size), SELECTION);
      }
    }
    for (const g of guides) {
      const rect = g.axis === 'x' ? { x: g.at - px / 2, y: 0, width: px, height: this.size.height } : { x: 0, y: g.at - px / 2, width: this.size.width, height: px };
      this.drawSolid(itemMatrix({ ...rect, rotationDeg: 0 }, this.size), GUIDE);
    }
  }

  /** Frees the textures of sources no longer drawn. */
  private collect(): void {
    const now = performance.now();
    for (const [id, t] of this.textures) {
      if (now - t.usedAt > TEXTURE_IDLE_MS) {
        this.gl.deleteTexture(t.texture);
        this.textures.delete(id);
      }
    }
  }

  private readonly onLost = (e: Event): void => {
    e.preventDefault();
    this.lost = true;
    this.textures.clear();
    this.targets = [];
  };

  private readonly onRestored = (): void => {
    this.lost = false;
    this.init();
  };
}
