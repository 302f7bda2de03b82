import { useRef, type PointerEvent } from 'react';
import type { Scene } from '../../../src-shared/contract/index.js';
import { snapRect } from '../../studio/compositor/snap.js';
import type { StudioEngine } from '../../studio/engine.js';
import { dragRect, hitTest, toProgram, type Point, type Rect } from './editor-model.js';
import { useStudio } from './store.js';

interface Drag {
  itemId: string;
  part: 'body' | 'resize';
  start: Point;
  original: Rect;
  rect: Rect;
}

/**
 * The preview with the scene editor on it: click to select, drag to move (snapping to the picture's
 * edges and centre and to the other items, with guides), drag the corner to resize (Shift: free).
 * The item follows the pointer in the engine at once; the host keeps it on release.
 */
export function EditorCanvas({ engine, scene, canvasRef, program }: { engine: StudioEngine | null; scene: Scene | null; canvasRef: React.RefObject<HTMLCanvasElement | null>; program: { width: number; height: number } }) {
  const drag = useRef<Drag | null>(null);
  const select = useStudio((s) => s.select);
  const updateScene = useStudio((s) => s.updateScene);

  const point = (e: PointerEvent<HTMLCanvasElement>) => toProgram({ x: e.clientX, y: e.clientY }, e.currentTarget.getBoundingClientRect(), program);

  const onDown = (e: PointerEvent<HTMLCanvasElement>) => {
    if (!scene) return;
    const p = point(e);
    const hit = hitTest(scene.items, p);
    select(hit?.itemId ?? null);
    if (engine) engine.selectedItemId = hit?.itemId ?? null;
    const item = hit && scene.items.find((i) => i.id === hit.itemId);
    if (!hit || !item) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    const original = { x: item.x, y: item.y, width: item.width, height: item.height };
    drag.current = { itemId: item.id, part: hit.part, start: p, original, rect: original };
  };

  const onMove = (e: PointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    if (!d || !scene || !engine) return;
    let rect = dragRect(d.original, d.part, d.start, point(e), e.shiftKey);
    const others = scene.items.filter((i) => i.id !== d.itemId && i.visible);
    if (d.part === 'body' && !e.altKey) {
      const snapped = snapRect(rect, others, program, 10);
      rect = { ...rect, x: snapped.x, y: snapped.y };
      engine.guides = snapped.guides;
    }
    d.rect = rect;
    // Shown at once through the engine's copy of the state; the host gets it on release.
    if (engine.state) {
      engine.setState({
        ...engine.state,
        scenes: engine.state.scenes.map((s) => (s.id !== scene.id ? s : { ...s, items: s.items.map((i) => (i.id === d.itemId ? { ...i, ...rect } : i)) })),
      });
    }
  };

  const onUp = () => {
    const d = drag.current;
    drag.current = null;
    if (engine) engine.guides = [];
    if (!d || !scene) return;
    const moved = d.rect.x !== d.original.x || d.rect.y !== d.original.y || d.rect.width !== d.original.width || d.rect.height !== d.original.height;
    if (moved) void updateScene({ id: scene.id, items: scene.items.map((i) => (i.id === d.itemId ? { ...i, ...d.rect } : i)) });
  };

  return (
    <canvas
      ref={canvasRef}
      className="studio-canvas editor"
      data-testid="studio-preview"
      onPointerDown={onDown}
      onPointerMove={onMove}
      onPointerUp={onUp}
      onPointerCancel={onUp}
    />
  );
}
