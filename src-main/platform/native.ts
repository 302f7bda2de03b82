import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { packageRoot } from './paths.js';

/** One screen capture read by the addon (a PipeWire screen cast, or wlroots' screencopy). */
export interface NativeCapture {
  /** JavaScript is done with the frame buffer `index` of `generation`. */
  release(index: number, generation: number): void;
  /** The newest frame again (the screen did not change), or null while it is in use. */
  repeat(): { index: number; generation: number } | null;
  stats(): { delivered: number; skipped: number; busy: number; repeated: number };
  stop(): void;
}

export type CaptureEvent =
  | { type: 'format'; width: number; height: number; pixelFormat: string; buffers: Buffer[]; generation: number }
  | { type: 'frame'; index: number; generation: number; ptsNs: number }
  | { type: 'cursor'; visible: boolean; x: number; y: number; hotX: number; hotY: number; image?: Buffer; imageWidth?: number; imageHeight?: number }
  | { type: 'state'; state: string }
  | { type: 'error'; message: string };

/** An output of a wlroots compositor (sway...), and what that compositor offers its clients. */
export interface WlrOutputs {
  outputs: { name: string; description: string; width: number; height: number; refreshMhz: number; x: number; y: number; logicalWidth: number; logicalHeight: number; scale: number }[];
  screencopy: boolean;
  virtualPointer: boolean;
  virtualKeyboard: boolean;
}

/** Virtual pointer and keyboard on a wlroots compositor (native/src/wlroots.c); calls throw once it is gone. */
export interface WlrInput {
  readonly pointer: boolean;
  readonly keyboard: boolean;
  move(x: number, y: number): void;
  button(code: number, down: boolean): void;
  scroll(axis: number, steps: number): void;
  keycode(code: number, down: boolean): void;
  keysym(sym: number, down: boolean): void;
  close(): void;
}

export interface NativeAddon {
  readonly features: readonly string[];
  readonly napiVersion: number;
  openCapture?(options: { nodeId: number; fd?: number; fps: number; width?: number; height?: number }, onEvent: (event: CaptureEvent) => void): NativeCapture;
  /** The compositor's outputs (socket: a path, or a name in $XDG_RUNTIME_DIR); throws when it cannot be reached. */
  wlrOutputs?(socket: string): WlrOutputs;
  /** An output's frames by wlr-screencopy, as openCapture's events (format, frame, error); `cursor` draws the pointer in. */
  openWlrCapture?(options: { socket: string; output: string; fps: number; cursor: boolean; /** JavaScript's own Buffers and one copy (as under Electron), for tests. */ copy?: boolean }, onEvent: (event: CaptureEvent) => void): NativeCapture;
  openWlrInput?(options: { socket: string; output: string }): WlrInput;
}

export type NativeStatus =
  | { ok: true; addon: NativeAddon; features: readonly string[]; missing: readonly string[]; path: string }
  | { ok: false; reason: string };

let loaded: NativeStatus | undefined;

/** Where the build is: beside the package, or unpacked next to Electron's asar archive. */
function buildDir(): string {
  return path.join(packageRoot(), 'native', 'build').replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
}

/**
 * The native addon, loaded once. Where it was not built (no compiler or headers at install, another
 * OS) or does not load, the reason comes back, in the build's own words where it left them: the host
 * runs without the parts that need it and says why.
 */
export function loadNative(dir = buildDir()): NativeStatus {
  if (loaded && dir === buildDir()) return loaded;
  const file = path.join(dir, 'streams_native.node');
  let status: NativeStatus;
  let built: { ok?: boolean; reason?: string; missing?: string[] } = {};
  try {
    built = JSON.parse(fs.readFileSync(path.join(dir, 'status.json'), 'utf8')) as typeof built;
  } catch {
    // never built: said below
  }
  if (!fs.existsSync(file)) {
    status = { ok: false, reason: built.reason ?? 'the native addon was not built (run `npm ci` or `node native/build.mjs`)' };
  } else {
    try {
      const addon = createRequire(import.meta.url)(file) as NativeAddon;
      status = { ok: true, addon, features: addon.features, missing: built.missing ?? [], path: file };
    } catch (error) {
      status = { ok: false, reason: `the native addon does not load: ${(error as Error).message}` };
    }
  }
  if (dir === buildDir()) loaded = status;
  return status;
}

/** Whether a part of the addon is there; the reason it is not otherwise. */
export function nativeFeature(name: string, status = loadNative()): { ok: true; addon: NativeAddon } | { ok: false; reason: string } {
  if (!status.ok) return status;
  if (status.features.includes(name)) return { ok: true, addon: status.addon };
  const why = status.missing.find((m) => m.startsWith(`${name}:`));
  return { ok: false, reason: why ? `the native addon was built without ${why}` : `the native addon has no ${name} part` };
}

/** The addon's parts built here and, where it or a part is missing, why (the host's system info). */
export function nativeSummary(status = loadNative()): { features: string[]; reason: string | null } {
  if (!status.ok) return { features: [], reason: status.reason };
  return { features: [...status.features], reason: status.missing.length > 0 ? `built without ${status.missing.join('; ')}` : null };
}
