import { describe, expect, it } from 'vitest';
import { cameraConstraints, resolveDevice, type DeviceInfo } from './devices.js';

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
