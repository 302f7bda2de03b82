import dbus from 'dbus-next';
import { describe, expect, it } from 'vitest';
import { parseMonitors } from './mutter.linux.js';

const mode = (id: string, w: number, h: number, hz: number, props: Record<string, boolean>) =>
  [id, w, h, hz, 1, [1], Object.fromEntries(Object.entries(props).map(([k, v]) => [k, new dbus.Variant('b', v)]))];

describe('mutter DisplayConfig', () => {
  it("reads each monitor's connector and current mode from GetCurrentState (shape of mutter 43's reply)", () => {
    const state = [
      1,
      [
        [['Meta-0', 'MetaProducts Inc.', 'MetaMonitor', '0x123456'], [mode('1280x720@60', 1280, 720, 60, { 'is-current': true, 'is-preferred': true }), mode('640x360@60', 640, 360, 60, {})], {}],
        [['HDMI-1', 'Dell', 'U2720Q', 'X'], [mode('3840x2160@59.997', 3840, 2160, 59.997, { 'is-preferred': true }), mode('1920x1080@60', 1920, 1080, 60, { 'is-current': true })], {}],
        // A monitor with no current or preferred mode (off) is left out.
        [['DP-2', 'x', 'y', 'z'], [mode('1024x768@60', 1024, 768, 60, {})], {}],
      ],
      [],
      {},
    ];
    expect(parseMonitors(state)).toEqual([
      { connector: 'Meta-0', width: 1280, height: 720, refreshHz: 60 },
      { connector: 'HDMI-1', width: 1920, height: 1080, refreshHz: 60 },
    ]);
    expect(parseMonitors([1, [], [], {}])).toEqual([]);
  });
});
