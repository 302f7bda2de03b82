import type { SourceSettings } from '../../../src-shared/contract/scenes.js';

type DeviceSettings = Extract<SourceSettings, { kind: 'camera' | 'microphone' }>;

export interface DeviceInfo {
  deviceId: string;
  label: string;
  kind: 'videoinput' | 'audioinput';
}

/**
 * Which device a camera or microphone source means on this computer: its deviceId when this browser
 * knows it, else the device with the same label (ids differ per browser profile and origin), else the
 * default when it named none. `missing` when it names a device that is not plugged in.
 */
export function resolveDevice(settings: DeviceSettings, devices: readonly DeviceInfo[]): { deviceId: string | null } | { missing: true } {
  const kind = settings.kind === 'camera' ? 'videoinput' : 'audioinput';
  const ofKind = devices.filter((d) => d.kind === kind);
  if (settings.deviceId === null && settings.label === '') return { deviceId: null };
  const byId = ofKind.find((d) => d.deviceId === settings.deviceId);
  if (byId) return { deviceId: byId.deviceId };
  const byLabel = settings.label ? ofKind.find((d) => d.label === settings.label) : undefined;
  if (byLabel) return { deviceId: byLabel.deviceId };
  // Without permission yet, labels are empty: the id may still be right.
  if (ofKind.length > 0 && ofKind.every((d) => d.label === '')) return { deviceId: settings.deviceId };
  return { missing: true };
}

/** getUserMedia constraints of a camera source (the device resolved by resolveDevice). */
export function cameraConstraints(settings: Extract<SourceSettings, { kind: 'camera' }>, deviceId: string | null): MediaStreamConstraints {
  return {
    video: {
      ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
      width: { ideal: settings.width },
      height: { ideal: settings.height },
      frameRate: { ideal: settings.frameRate },
    },
    audio: false,
  };
}

/** The devices now; labels are empty until the page has had a capture permission. */
export async function listDevices(): Promise<DeviceInfo[]> {
  const all = await navigator.mediaDevices.enumerateDevices();
  return all
    .filter((d): d is MediaDeviceInfo & { kind: DeviceInfo['kind'] } => d.kind === 'videoinput' || d.kind === 'audioinput')
    .map((d) => ({ deviceId: d.deviceId, label: d.label, kind: d.kind }));
}

/** Calls `listener` with the device list now and on every hot-plug; returns the unsubscribe. */
export function watchDevices(listener: (devices: DeviceInfo[]) => void): () => void {
  const update = () => void listDevices().then(listener, () => listener([]));
  navigator.mediaDevices?.addEventListener('devicechange', update);
  update();
  return () => navigator.mediaDevices?.removeEventListener('devicechange', update);
}

/** A NotFoundError as the browser would throw it, for a device that is not plugged in. */
export function deviceMissing(label: string): Error {
  return Object.assign(new Error(`${label || 'the device'} is not connected`), { name: 'NotFoundError' });
}
