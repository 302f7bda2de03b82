/** Audio levels from OBS's InputVolumeMeters event. Pure. */

export const SILENCE_DB = -60;

/**
 * The peak of each input in dBFS (the loudest channel), clamped to [-60, 0]. OBS sends, per input,
 * `inputLevelsMul`: one `[magnitude, peak, inputPeak]` triple of linear values per channel.
 */
export function metersOf(inputs: readonly Record<string, unknown>[]): { name: string; peakDb: number }[] {
  return inputs
    .filter((i) => typeof i.inputName === 'string')
    .map((i) => {
      const channels = Array.isArray(i.inputLevelsMul) ? (i.inputLevelsMul as unknown[]) : [];
      let peak = 0;
      for (const ch of channels) {
        const value = Array.isArray(ch) ? Number(ch[1]) : NaN;
        if (Number.isFinite(value) && value > peak) peak = value;
      }
      const db = peak > 0 ? 20 * Math.log10(peak) : SILENCE_DB;
      return { name: i.inputName as string, peakDb: Math.round(Math.max(SILENCE_DB, Math.min(0, db)) * 10) / 10 };
    });
}

/** Keeps the loudest value seen per input between two pushes (a 200 ms window must not miss a peak). */
export class MeterWindow {
  private peaks = new Map<string, number>();

  add(meters: { name: string; peakDb: number }[]): void {
    for (const m of meters) this.peaks.set(m.name, Math.max(this.peaks.get(m.name) ?? SILENCE_DB, m.peakDb));
  }

  /** The window's values, then a fresh window; undefined when nothing arrived. */
  take(): { name: string; peakDb: number }[] | undefined {
    if (this.peaks.size === 0) return undefined;
    const out = [...this.peaks].map(([name, peakDb]) => ({ name, peakDb }));
    this.peaks = new Map();
    return out;
  }
}
