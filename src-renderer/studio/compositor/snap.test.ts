import { describe, expect, it } from 'vitest';
import { snapRect } from './snap.js';

const P = { width: 1280, height: 720 };

describe('snapping while dragging', () => {
  it('snaps edges to the program edges', () => {
    expect(snapRect({ x: 6, y: 713 - 100, width: 200, height: 100 }, [], P, 10)).toEqual({ x: 0, y: 620, guides: [{ axis: 'x', at: 0 }, { axis: 'y', at: 720 }] });
  });
  it('snaps the centre to the program centre', () => {
    expect(snapRect({ x: 545, y: 200, width: 200, height: 50 }, [], P, 10)).toMatchObject({ x: 540, guides: [{ axis: 'x', at: 640 }] });
  });
  it('snaps to another item, nearest line first, and leaves far things alone', () => {
    const other = { x: 100, y: 100, width: 300, height: 200 };
    expect(snapRect({ x: 404, y: 250, width: 100, height: 100 }, [other], P, 10)).toMatchObject({ x: 400, y: 250 });
    expect(snapRect({ x: 500, y: 250, width: 10, height: 10 }, [other], P, 10)).toEqual({ x: 500, y: 250, guides: [] });
  });
  it('snaps the middle to another item\'s middle, and the bottom to its top', () => {
    const other = { x: 600, y: 300, width: 200, height: 100 };
    // Middle 353 -> 350 (the other's middle).
    expect(snapRect({ x: 100, y: 328, width: 50, height: 50 }, [other], P, 5)).toEqual({ x: 100, y: 325, guides: [{ axis: 'y', at: 350 }] });
    // Bottom 297 -> 300 (the other's top).
    expect(snapRect({ x: 100, y: 247, width: 50, height: 50 }, [other], P, 5)).toEqual({ x: 100, y: 250, guides: [{ axis: 'y', at: 300 }] });
  });
  it('snaps at exactly the threshold, not past it', () => {
    expect(snapRect({ x: 10, y: 200, width: 100, height: 100 }, [], P, 10).x).toBe(0);
    expect(snapRect({ x: 11, y: 200, width: 100, height: 100 }, [], P, 10).x).toBe(11);
  });
  it('the nearest line wins when several are within reach', () => {
    // Left edge 3 from 0; right edge 2 from the other's left (at 105).
    expect(snapRect({ x: 3, y: 200, width: 100, height: 50 }, [{ x: 105, y: 0, width: 10, height: 10 }], P, 10)).toMatchObject({ x: 5, guides: [{ axis: 'x', at: 105 }] });
  });
});

