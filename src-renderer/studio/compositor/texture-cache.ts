import type { Drawable, FrameSource } from '../types.js';

interface Entry {
  texture: WebGLTexture;
  /** The source object it was last uploaded from: a source made again under the same id starts its versions again. */
  owner: FrameSource;
  version: number;
  usedAt: number;
}

/** A texture not drawn for this long is freed (a source taken out of every scene, a stinger that ended). */
export const TEXTURE_IDLE_MS = 5000;

/** A texture with linear filtering and clamped edges, bound to TEXTURE_2D. */
export function newTexture(gl: WebGL2RenderingContext): WebGLTexture {
  const texture = gl.createTexture()!;
  gl.bindTexture(gl.TEXTURE_2D, texture);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  return texture;
}

/**
 * One texture per source id, uploaded again only when the source's `version` moved on (or another
 * source object took the id). Every kind of picture (VideoFrame, video, canvas, ImageBitmap, image)
 * goes through the same texImage2D with the same unpack state: rows top first (no flip: texture v = 0
 * is the picture's top, as the quad's texture coordinates expect) and premultiplied alpha, which is
 * what a canvas already holds and the only alpha that filters without dark fringes. WebGL ignores
 * both flags for an ImageBitmap: make one with the defaults (premultiplied, the image's own way up).
 */
export class TextureCache {
  uploads = 0;
  private readonly entries = new Map<string, Entry>();

  constructor(private gl: WebGL2RenderingContext) {}

  /** The source's texture bound to TEXTURE_2D, or null when it never had a picture that could be read. */
  textureOf(source: FrameSource, picture: Drawable, now: number): WebGLTexture | null {
    const gl = this.gl;
    let entry = this.entries.get(source.id);
    if (!entry) {
      entry = { texture: newTexture(gl), owner: source, version: Number.NaN, usedAt: now };
      this.entries.set(source.id, entry);
    }
    entry.usedAt = now;
    gl.bindTexture(gl.TEXTURE_2D, entry.texture);
    if (entry.owner !== source) {
      entry.owner = source;
      entry.version = Number.NaN;
    }
    if (entry.version !== source.version) {
      gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
      gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, true);
      try {
        gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, picture);
      } catch {
        // A closed VideoFrame or a picture that cannot be read (cross-origin): keep what was there.
        return Number.isNaN(entry.version) ? null : entry.texture;
      }
      entry.version = source.version;
      this.uploads += 1;
    }
    return entry.texture;
  }

  /** Frees the textures not used since `now - idleMs`. */
  collect(now: number, idleMs = TEXTURE_IDLE_MS): void {
    for (const [id, entry] of this.entries) {
      if (now - entry.usedAt > idleMs) {
        this.gl.deleteTexture(entry.texture);
        this.entries.delete(id);
      }
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Deletes every texture; `lost`: the context already took them, only forget them. */
  clear(lost = false): void {
    if (!lost) for (const entry of this.entries.values()) this.gl.deleteTexture(entry.texture);
    this.entries.clear();
  }
}
