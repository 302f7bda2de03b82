// The native addon's wlroots part against a real sway (headless, software rendering, as the desktop's
// unprivileged user): the output listed, frames by screencopy in both buffer modes (JavaScript's
// Buffers over the compositor's shared memory, as in Node; Buffers of its own and one copy, as under
// Electron's V8 sandbox) with the same picture, and the refusals with their reasons.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needs } from '../../test-support/peers.js';
import { waitFor } from '../../test-support/wait.js';
import { startSwaySession, type SwaySession } from '../../test-support/wayland.js';
import { nativeFeature, type CaptureEvent, type NativeAddon } from '../platform/native.js';

/** The first frame of a capture of HEADLESS-1: its format and a copy of its pixels. */
async function firstFrame(addon: NativeAddon, socket: string, copy: boolean): Promise<{ format: Extract<CaptureEvent, { type: 'format' }>; pixels: Buffer; stats: ReturnType<ReturnType<NonNullable<NativeAddon['openWlrCapture']>>['stats']> }> {
  let format: Extract<CaptureEvent, { type: 'format' }> | undefined;
  let pixels: Buffer | undefined;
  const capture = addon.openWlrCapture!({ socket, output: 'HEADLESS-1', fps: 30, cursor: false, copy }, (event) => {
    if (event.type === 'format') format = event;
    else if (event.type === 'frame' && format && !pixels) pixels = Buffer.from(format.buffers[event.index]!);
    if (event.type === 'frame') capture.release(event.index, event.generation);
  });
  try {
    await waitFor('a frame', () => pixels !== undefined, 10_000);
    return { format: format!, pixels: pixels!, stats: capture.stats() };
  } finally {
    capture.stop();
  }
}

const feature = nativeFeature('wlroots');

describe.skipIf(needs('sway', 'root'))('native wlroots capture and input (real sway)', () => {
  let desktop: SwaySession;
  let socket = '';
  const addon = (feature as { addon: NativeAddon }).addon;

  beforeAll(async () => {
    // sway and the part's libraries are here: the part must have been built.
    if (!feature.ok) throw new Error(feature.reason);
    desktop = await startSwaySession({ width: 640, height: 360 });
    socket = `${desktop.env.XDG_RUNTIME_DIR}/${desktop.env.WAYLAND_DISPLAY}`;
  }, 60_000);

  afterAll(async () => {
    await desktop?.stop();
  });

  it("lists the output and what the compositor offers", () => {
    const found = addon.wlrOutputs!(socket);
    expect(found).toMatchObject({ screencopy: true, virtualPointer: true, virtualKeyboard: true });
    expect(found.outputs).toEqual([expect.objectContaining({ name: 'HEADLESS-1', width: 640, height: 360, x: 0, y: 0, scale: 1 })]);
  });

  it('captures the same picture whether the Buffers are the shared memory or copies of it', async () => {
    const direct = await firstFrame(addon, socket, false);
    const copied = await firstFrame(addon, socket, true);
    for (const f of [direct, copied]) {
      expect(f.format).toMatchObject({ width: 640, height: 360 });
      expect(['bgr0', 'bgra', 'rgb0', 'rgba']).toContain(f.format.pixelFormat);
      expect(f.pixels.length).toBe(640 * 360 * 4);
      expect(f.stats.delivered).toBeGreaterThanOrEqual(1);
    }
    // sway's empty workspace: one grey, the same both ways.
    expect(copied.pixels.equals(direct.pixels)).toBe(true);
    expect(direct.pixels.subarray(0, 3).every((v) => v === direct.pixels[0])).toBe(true);
  });

  it('says why it cannot: no such output, no compositor at the socket', () => {
    expect(() => addon.openWlrCapture!({ socket, output: 'HDMI-9', fps: 30, cursor: false }, () => undefined)).toThrow('the Wayland compositor has no output HDMI-9');
    expect(() => addon.openWlrInput!({ socket, output: 'HDMI-9' })).toThrow('the Wayland compositor has no output HDMI-9');
    expect(() => addon.wlrOutputs!(`${socket}-gone`)).toThrow(/the Wayland compositor is not reachable at .*-gone/);
  });

  it('a symbol the keymap lacks is refused with its code; keys by position and the pointer go', () => {
    const input = addon.openWlrInput!({ socket, output: 'HEADLESS-1' });
    try {
      expect(input.pointer && input.keyboard).toBe(true);
      input.move(100, 100);
      input.keycode(30, true);
      input.keycode(30, false);
      input.keysym(0x21, true);
      input.keysym(0x21, false);
      let refused: unknown;
      try {
        input.keysym(0xe9, true);
      } catch (error) {
        refused = error;
      }
      expect(refused).toMatchObject({ code: 'KEY_UNAVAILABLE', message: 'the keyboard layout has no key for keysym 0xe9' });
    } finally {
      input.close();
    }
    expect(() => input.move(1, 1)).toThrow('the Wayland input is closed');
  });
});
