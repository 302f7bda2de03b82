// Types of what TypeScript tests use from live.mjs.
export const BARCODE: { bits: number; x0: number; y0: number; blockW: number; blockH: number };
export function barcodeFilter(fps: number, options?: { mediaMs?: number }): string;
