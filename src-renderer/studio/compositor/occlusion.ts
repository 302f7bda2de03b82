import type { SceneItem } from '../../../src-shared/contract/scenes.js';

/**
 * Which items can be left out of a frame because an opaque item above covers them whole (pure). On a
 * software renderer every full-picture quad costs milliseconds, and a scene usually has a backdrop
 * under a full-screen camera or screen. An item hides what is under it only when it is sure to be
 * opaque: visible, opacity 1, no chroma key, not turned, and a source that `isOpaque` says has no
 * transparency (a camera, a screen, an opaque colour), with no crop.
 */
export function hiddenItems(items: readonly SceneItem[], isOpaque: (sourceId: string) => boolean): Set<string> {
  const hidden = new Set<string>();
  const covers: SceneItem[] = [];
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i]!;
    if (!it.visible) continue;
    const under = covers.some((c) => c.x <= it.x && c.y <= it.y && c.x + c.width >= it.x + it.width && c.y + c.height >= it.y + it.height);
    if (under) {
      hidden.add(it.id);
      continue;
    }
    const crop = it.crop;
    const uncropped = crop.left === 0 && crop.top === 0 && crop.right === 0 && crop.bottom === 0;
    if (it.opacity >= 1 && it.chromaKey === null && it.rotationDeg % 360 === 0 && uncropped && isOpaque(it.sourceId)) covers.push(it);
  }
  return hidden;
}
