import { describe, expect, it } from 'vitest';
import type { FrameSource } from '../types.js';
import { TEXTURE_IDLE_MS, TextureCache } from './texture-cache.js';

/** The few WebGL2 calls the cache makes, recorded (no browser in the unit project). */
function fakeGl() {
  const log: string[] = [];
  let next = 0;
  const gl = {
    TEXTURE_2D: 1, TEXTURE_MIN_FILTER: 2, TEXTURE_MAG_FILTER: 3, TEXTURE_WRAP_S: 4, TEXTURE_WRAP_T: 5, LINEAR: 6, CLAMP_TO_EDGE: 7,
    UNPACK_FLIP_Y_WEBGL: 8, UNPACK_PREMULTIPLY_ALPHA_WEBGL: 9, RGBA: 10, UNSIGNED_BYTE: 11,
    createTexture: () => ({ n: ++next }),
    bindTexture: () => undefined,
    texParameteri: () => undefined,
    pixelStorei: (p: number, v: boolean) => log.push(`unpack ${p}=${String(v)}`),
    texImage2D: (...args: unknown[]) => {
      if ((args[5] as { broken?: boolean }).broken) throw new Error('closed');
      log.push('upload');
    },
    deleteTexture: (t: { n: number }) => log.push(`delete ${t.n}`),
  };
  return { gl: gl as unknown as WebGL2RenderingContext, log };
}

const source = (id: string, version = 1): FrameSource & { version: number } => ({ id, width: 2, height: 2, status: 'live', reason: null, version, current: () => null });
const picture = {} as TexImageSource;

describe('source textures', () => {
  it('uploads when the version moves on, not before', () => {
    const { gl, log } = fakeGl();
    const cache = new TextureCache(gl);
    const cam = source('cam');
    const t = cache.textureOf(cam, picture, 0);
    cache.textureOf(cam, picture, 1);
    cache.textureOf(cam, picture, 2);
    expect(cache.uploads).toBe(1);
    cam.version = 2;
    expect(cache.textureOf(cam, picture, 3)).toBe(t);
    expect(cache.uploads).toBe(2);
    // Rows top first and premultiplied alpha, set before every upload.
    expect(log.filter((l) => l.startsWith('unpack'))).toEqual(['unpack 8=false', 'unpack 9=true', 'unpack 8=false', 'unpack 9=true']);
  });
  it('a new source object under the same id uploads again, even at the same version', () => {
    const { gl } = fakeGl();
    const cache = new TextureCache(gl);
    cache.textureOf(source('cam'), picture, 0);
    cache.textureOf(source('cam'), picture, 0);
    expect(cache.uploads).toBe(2);
  });
  it('a picture that cannot be read keeps the last one, or gives none', () => {
    const { gl } = fakeGl();
    const cache = new TextureCache(gl);
    const cam = source('cam');
    const broken = { broken: true } as unknown as TexImageSource;
    expect(cache.textureOf(cam, broken, 0)).toBeNull();
    const t = cache.textureOf(cam, picture, 0);
    cam.version = 2;
    expect(cache.textureOf(cam, broken, 0)).toBe(t);
    expect(cache.uploads).toBe(1);
  });
  it('frees textures not drawn for a while, and all of them on clear', () => {
    const { gl, log } = fakeGl();
    const cache = new TextureCache(gl);
    cache.textureOf(source('old'), picture, 0);
    cache.textureOf(source('new'), picture, TEXTURE_IDLE_MS);
    cache.collect(TEXTURE_IDLE_MS + 1);
    expect(cache.size).toBe(1);
    expect(log.filter((l) => l.startsWith('delete'))).toEqual(['delete 1']);
    cache.clear(true);
    expect(cache.size).toBe(0);
    expect(log.filter((l) => l.startsWith('delete'))).toEqual(['delete 1']);
  });
});
