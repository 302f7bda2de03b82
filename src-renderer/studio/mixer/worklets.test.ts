import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { dbToGain, type LoudnessReading } from './loudness.js';
import { GATE_PROCESSOR, METER_PROCESSOR, workletSource } from './worklets.js';

type Processor = { process(inputs: Float32Array[][], outputs: Float32Array[][], parameters: Record<string, Float32Array>): boolean; port: { posted: unknown[] } };

/** Runs the worklet module as an AudioWorkletGlobalScope would: the processors it registers, by name. */
function loadModule(source: string, sampleRate = 48_000): Map<string, new () => Processor> {
  const registered = new Map<string, new () => Processor>();
  class AudioWorkletProcessor {
    port = { posted: [] as unknown[], onmessage: null, postMessage(m: unknown) { this.posted.push(m); } };
  }
  // The module sees only what an AudioWorkletGlobalScope gives it (and the language's own globals).
  const run = new Function('AudioWorkletProcessor', 'registerProcessor', 'sampleRate', source) as (...args: unknown[]) => void;
  run(AudioWorkletProcessor, (name: string, p: new () => Processor) => registered.set(name, p), sampleRate);
  return registered;
}

/** A 1 kHz stereo sine at -23 dBFS through the meter processor for 2 s; its last reading. */
function meterReads(processors: Map<string, new () => Processor>): LoudnessReading {
  const meter = new (processors.get(METER_PROCESSOR)!)();
  const a = dbToGain(-23);
  for (let n = 0; n < 750; n++) {
    const block = Float32Array.from({ length: 128 }, (_, i) => a * Math.sin((2 * Math.PI * 1000 * (n * 128 + i)) / 48_000));
    expect(meter.process([[block, block]], [], {})).toBe(true);
  }
  return meter.port.posted.at(-1) as LoudnessReading;
}

describe('the worklet module', () => {
  it('registers a meter that reads a -23 dBFS stereo sine as -23 LUFS, and a gate', () => {
    const processors = loadModule(workletSource());
    expect([...processors.keys()]).toEqual([METER_PROCESSOR, GATE_PROCESSOR]);
    const r = meterReads(processors);
    expect(Math.abs(r.momentaryLufs + 23)).toBeLessThan(0.1);
    expect(r.peakDb).toBeCloseTo(-23, 1);
    const gate = new (processors.get(GATE_PROCESSOR)!)();
    const out = [new Float32Array(128)];
    const params = (threshold: number) => ({ threshold: new Float32Array([threshold]), hold: new Float32Array([0]), enabled: new Float32Array([1]) });
    for (let n = 0; n < 100; n++) gate.process([[new Float32Array(128).fill(0.001)]], [out], params(0.1));
    expect(out[0]!.every((v) => v === 0)).toBe(true);
    expect(gate.port.posted).toEqual([{ open: false }]);
  });

  it('survives minification: built from the bundled, minified functions, it still measures', async () => {
    const bundle = await build({
      entryPoints: [decodeURIComponent(new URL('./worklets.ts', import.meta.url).pathname)],
      bundle: true,
      format: 'iife',
      globalName: 'Worklets',
      minify: true,
      write: false,
      platform: 'browser',
      target: 'es2020',
    });
    const minified = (new Function(`${bundle.outputFiles[0]!.text};return Worklets`) as () => { workletSource(): string })();
    const source = minified.workletSource();
    expect(source).not.toContain('createMeter(rate)'); // it is the minified code indeed
    const r = meterReads(loadModule(source));
    expect(Math.abs(r.momentaryLufs + 23)).toBeLessThan(0.1);
    expect(Math.abs(r.shortTermLufs + 23)).toBeLessThan(0.1);
  });
});
