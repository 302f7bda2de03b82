/** The meters' scale: -60 dBFS at the left, 0 at the right. */
const FLOOR = -60;

/** dB to a meter's width (0..100 %), -60 dB at the left (silence: 0). */
export const meterPercent = (db: number): number => (Number.isFinite(db) ? Math.max(0, Math.min(100, ((db - FLOOR) / -FLOOR) * 100)) : 0);
