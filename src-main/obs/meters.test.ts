import { describe, expect, it } from 'vitest';
import { MeterWindow, metersOf } from './meters.js';

describe('audio meters', () => {
  it('takes the loudest channel peak in dBFS, clamped to -60..0', () => {
    const meters = metersOf([
      { inputName: 'Mic', inputLevelsMul: [[0.1, 0.5, 0.5], [0.1, 0.25, 0.25]] },
      { inputName: 'Silent', inputLevelsMul: [[0, 0, 0]] },
      { inputName: 'Hot', inputLevelsMul: [[1, 2, 2]] },
      { inputName: 'Empty', inputLevelsMul: [] },
      { nothing: true },
    ]);
    expect(meters).toEqual([
      { name: 'Mic', peakDb: -6 },
      { name: 'Silent', peakDb: -60 },
      { name: 'Hot', peakDb: 0 },
      { name: 'Empty', peakDb: -60 },
    ]);
  });

  it('keeps the peak of a window and starts a new one after each take', () => {
    const w = new MeterWindow();
    expect(w.take()).toBeUndefined();
    w.add([{ name: 'Mic', peakDb: -30 }]);
    w.add([{ name: 'Mic', peakDb: -12 }]);
    w.add([{ name: 'Mic', peakDb: -40 }]);
    expect(w.take()).toEqual([{ name: 'Mic', peakDb: -12 }]);
    expect(w.take()).toBeUndefined();
  });
});
