import type { Bitmap } from './png.js';

/**
 * The studio's icon, drawn in code so that a checkout without image files still has one:
 * a rounded square in the brand gradient, a white play triangle and a red "live" dot.
 * Coordinates are in a 0..1 unit square; every pixel is 4x4 supersampled for smooth edges.
 * resources/icons/*.png were written from these (icon 512, tray 32, trayTemplate 16 and @2x 32) with encodePng.
 */
type Shape = (x: number, y: number) => boolean;
type Rgb = readonly [number, number, number];

const roundedSquare =
  (inset: number, radius: number): Shape =>
  (x, y) => {
    const lo = inset + radius;
    const hi = 1 - inset - radius;
    const dx = Math.max(lo - x, 0, x - hi);
    const dy = Math.max(lo - y, 0, y - hi);
    return x >= inset && x <= 1 - inset && y >= inset && y <= 1 - inset && dx * dx + dy * dy <= radius * radius;
  };

const circle =
  (cx: number, cy: number, r: number): Shape =>
  (x, y) =>
    (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

/** A right-pointing triangle with its centroid at (cx, cy). */
const playTriangle =
  (cx: number, cy: number, size: number): Shape =>
  (x, y) => {
    const left = cx - size / 3;
    const right = cx + (2 * size) / 3;
    if (x < left || x > right) return false;
    const half = (size * 0.58 * (right - x)) / size;
    return Math.abs(y - cy) <= half;
  };

function draw(size: number, layers: readonly { shape: Shape; color: (x: number, y: number) => Rgb }[]): Bitmap {
  const rgba = new Uint8Array(size * size * 4);
  const samples = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          for (let i = layers.length - 1; i >= 0; i--) {
            const layer = layers[i];
            if (layer && layer.shape(x, y)) {
              const [lr, lg, lb] = layer.color(x, y);
              r += lr;
              g += lg;
              b += lb;
              a += 1;
              break;
            }
          }
        }
      }
      const o = (py * size + px) * 4;
      if (a > 0) {
        rgba[o] = Math.round(r / a);
        rgba[o + 1] = Math.round(g / a);
        rgba[o + 2] = Math.round(b / a);
        rgba[o + 3] = Math.round((255 * a) / (samples * samples));
      }
    }
  }
  return { width: size, height: size, rgba };
}

const FROM: Rgb = [91, 61, 245];
const TO: Rgb = [214, 36, 112];
const gradient = (x: number, y: number): Rgb => {
  const t = Math.min(1, Math.max(0, (x + y) / 2));
  const mix = (a: number, b: number): number => a + (b - a) * t;
  return [mix(FROM[0], TO[0]), mix(FROM[1], TO[1]), mix(FROM[2], TO[2])];
};
const white = (): Rgb => [255, 255, 255];
const liveRed = (): Rgb => [255, 59, 48];

/** The full-colour app icon (window, installers, tray on Windows and Linux). */
export function drawAppIcon(size: number): Bitmap {
  return draw(size, [
    { shape: roundedSquare(0.04, 0.2), color: gradient },
    { shape: playTriangle(0.47, 0.52, 0.42), color: white },
    { shape: circle(0.76, 0.25, 0.1), color: white },
    { shape: circle(0.76, 0.25, 0.075), color: liveRed },
  ]);
}

/** The macOS menu-bar template: black and alpha only; the OS tints it for light and dark bars. */
export function drawTrayTemplate(size: number): Bitmap {
  const outer = roundedSquare(0.06, 0.22);
  const inner = roundedSquare(0.16, 0.13);
  return draw(size, [
    { shape: (x, y) => outer(x, y) && !inner(x, y), color: () => [0, 0, 0] },
    { shape: playTriangle(0.47, 0.5, 0.36), color: () => [0, 0, 0] },
  ]);
}
