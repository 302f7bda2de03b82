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
});
