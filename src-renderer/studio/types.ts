import type { SceneItem, Transition } from '../../src-shared/contract/scenes.js';

/**
 * The shapes the studio engine's parts share. Sources produce frames, the compositor draws them, the
 * mixer takes their sound, the output encodes what the compositor and the mixer make. Plain TypeScript:
 * React only drives the engine (features/studio).
 */

/** What a source's picture can be handed to WebGL as. */
export type Drawable = TexImageSource;

export type SourceStatus =
  /** Asking for the device or loading the file. */
  | 'starting'
  /** Frames arrive. */
  | 'live'
  /** No new frame for a while: the last one stays on screen. */
  | 'stalled'
  /** The device went away (unplugged, capture ended): a placeholder is drawn until it returns. */
  | 'lost'
  /** Refused or broken (permission denied, not media): a placeholder with the reason. */
  | 'error';

/** The latest picture of one source, for the compositor. */
export interface FrameSource {
  readonly id: string;
  /** Natural size of the picture in pixels; 0 while there is none. */
  readonly width: number;
  readonly height: number;
  readonly status: SourceStatus;
  /** Why the status is `lost` or `error`, in the user's words. */
  readonly reason: string | null;
  /** Raised whenever the picture changed: the compositor uploads a texture only when it moved on. */
  readonly version: number;
  /** The picture now, or null when there has never been one (the compositor draws a placeholder). */
  current(): Drawable | null;
  /** What to show instead of its own picture now (a guest who dropped: their name, reconnecting), else null. */
  standIn?(): FrameSource | null;
}

/** A scene item with its place settled (by the scene's layout) and its source's picture. */
export interface PlacedItem {
  item: SceneItem;
  source: FrameSource | null;
}

/** One scene to draw. */
export interface RenderScene {
  id: string;
  items: readonly PlacedItem[];
}

/** One program or preview frame: a scene, or two during a transition. */
export interface CompositeFrame {
  from: RenderScene | null;
  /** Present during a transition. */
  to?: RenderScene | null;
  transition?: { kind: Transition['kind']; progress: number; stinger?: FrameSource | null; cut?: boolean };
  /** Draw the editor's outlines and alignment guides (preview only). */
  overlay?: { selectedItemId: string | null; guides: readonly Guide[] };
}

/** An alignment guide the editor shows while a source is dragged (program pixels). */
export interface Guide {
  axis: 'x' | 'y';
  at: number;
}
