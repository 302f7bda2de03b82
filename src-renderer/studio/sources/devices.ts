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

/** Picture sizes a camera is offered at (16:9, then what the camera itself is at most). */
const SIZES: readonly [number, number][] = [
  [3840, 2160],
  [2560, 1440],
  [1920, 1080],
  [1280, 720],
  [960, 540],
  [640, 360],
];
const RATES = [60, 50, 30, 25, 24, 15, 10, 5];

/**
 * The sizes and frame rates to offer for a camera, from its track's capabilities (`getCapabilities()`):
 * the usual 16:9 sizes that fit in its largest, and its largest itself when that is none of them; the
 * usual rates up to its fastest. Without capabilities (a browser that has none), the usual ones.
 */
export function cameraModes(caps: { width?: { max?: number }; height?: { max?: number }; frameRate?: { max?: number } } | null): { sizes: [number, number][]; rates: number[] } {
  const maxW = caps?.width?.max;
  const maxH = caps?.height?.max;
  const maxRate = caps?.frameRate?.max;
  const sizes = SIZES.filter(([w, h]) => (maxW === undefined || w <= maxW) && (maxH === undefined || h <= maxH));
  if (maxW && maxH && maxW <= 4096 && maxH <= 4096 && !sizes.some(([w, h]) => w === maxW && h === maxH)) sizes.unshift([maxW, maxH]);
  const rates = RATES.filter((r) => maxRate === undefined || r <= Math.round(maxRate));
  if (maxRate !== undefined && maxRate >= 1 && maxRate <= 60 && !rates.includes(Math.round(maxRate))) rates.unshift(Math.round(maxRate));
  return { sizes: sizes.length > 0 ? sizes : [[1280, 720]], rates: rates.length > 0 ? rates : [30] };
}
