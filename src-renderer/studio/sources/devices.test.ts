import { describe, expect, it } from 'vitest';
import { cameraConstraints, cameraModes, resolveDevice, type DeviceInfo } from './devices.js';

const cam = (deviceId: string | null, label = '') => ({ kind: 'camera' as const, deviceId, label, width: 1280, height: 720, frameRate: 30 });
const devices: DeviceInfo[] = [
  { deviceId: 'a1', label: 'Front camera', kind: 'videoinput' },
  { deviceId: 'b2', label: 'Desk camera', kind: 'videoinput' },
  { deviceId: 'm1', label: 'Headset', kind: 'audioinput' },
];

describe('which device a source means here', () => {
  it('the default when it names none', () => expect(resolveDevice(cam(null), devices)).toEqual({ deviceId: null }));
  it('its id when this browser knows it', () => expect(resolveDevice(cam('b2', 'Desk camera'), devices)).toEqual({ deviceId: 'b2' }));
  it('the same label in another browser (ids differ)', () => expect(resolveDevice(cam('zz', 'Desk camera'), devices)).toEqual({ deviceId: 'b2' }));
  it('missing when unplugged', () => expect(resolveDevice(cam('zz', 'Old camera'), devices)).toEqual({ missing: true }));
  it('never a device of the other kind', () => expect(resolveDevice({ kind: 'microphone', deviceId: 'a1', label: 'Front camera' }, devices)).toEqual({ missing: true }));
  it('trusts the id while labels are hidden (no permission yet)', () =>
    expect(resolveDevice(cam('q', 'Desk camera'), [{ deviceId: 'x', label: '', kind: 'videoinput' }])).toEqual({ deviceId: 'q' }));
  it('asks for the size and rate, and the exact device', () =>
    expect(cameraConstraints(cam('b2'), 'b2')).toEqual({ video: { deviceId: { exact: 'b2' }, width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } }, audio: false }));
});

describe('the sizes and rates a camera is offered at', () => {
  it('the usual 16:9 sizes that fit, and the usual rates up to its fastest', () => {
    const m = cameraModes({ width: { max: 1920 }, height: { max: 1080 }, frameRate: { max: 30 } });
    expect(m.sizes).toEqual([[1920, 1080], [1280, 720], [960, 540], [640, 360]]);
    expect(m.rates).toEqual([30, 25, 24, 15, 10, 5]);
  });
  it('its own largest size and rate when they are not usual ones', () => {
    const m = cameraModes({ width: { max: 640 }, height: { max: 480 }, frameRate: { max: 7.5 } });
    expect(m.sizes).toEqual([[640, 480], [640, 360]]);
    expect(m.rates).toEqual([8, 5]);
  });
  it('the usual ones where the browser says nothing, and never an empty list', () => {
    expect(cameraModes(null).sizes[0]).toEqual([3840, 2160]);
    expect(cameraModes({}).rates).toContain(30);
    expect(cameraModes({ width: { max: 320 }, height: { max: 180 }, frameRate: { max: 0.5 } })).toEqual({ sizes: [[320, 180]], rates: [30] });
  });
});
