const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** Three significant digits at most: `817 MiB`, `16.4 GiB`, `2 KiB`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const sign = bytes < 0 ? '-' : '';
  // `2 GiB`, not `2.0 GiB`: axis ticks land on whole units.
  const text = unit === 0 || value >= 100 ? String(Math.round(value)) : value.toFixed(1).replace(/\.0$/, '');
  return `${sign}${text} ${BINARY_UNITS[unit]}`;
}

export function formatRate(bytesPerSec: number | null | undefined): string {
  const text = formatBytes(bytesPerSec);
  return text === '—' ? text : `${text}/s`;
}

export function formatPercent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${value.toFixed(digits)} %`;
}

/** `93784` -> `1d 2h`; `3725` -> `1h 2m`; `65` -> `1m 5s`. Two units are enough to read at a glance. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${sec}s`;
  return `${sec}s`;
}
