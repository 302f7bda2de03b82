import { gateKit } from './gate.js';
import { loudnessKit } from './loudness.js';

/**
 * The mixer's AudioWorklet module, built as a string and loaded from a Blob URL: no extra asset for the
 * bundler. The math comes from `loudnessKit` and `gateKit` through `Function.prototype.toString`, which
 * gives the function's code as bundled: a minifier renames consistently inside it and it closes over
 * nothing, so the text stays valid. Only the thin processor classes are written here as a string (a
 * minifier never touches a string's contents). The page must allow `blob:` scripts (CSP `script-src`).
 */

export const METER_PROCESSOR = 'streams-studio-meter';
export const GATE_PROCESSOR = 'streams-studio-gate';

export function workletSource(): string {
  return `"use strict";
const loudness = (${loudnessKit.toString()})();
const gates = (${gateKit.toString()})();
const silence = [new Float32Array(128), new Float32Array(128)];

registerProcessor(${JSON.stringify(METER_PROCESSOR)}, class extends AudioWorkletProcessor {
  constructor() {
    super();
    this.meter = loudness.createMeter(sampleRate);
    this.running = true;
    this.port.onmessage = (e) => { if (e.data === 'stop') this.running = false; };
  }
  process(inputs) {
    const input = inputs[0] && inputs[0].length > 0 ? inputs[0] : silence;
    const reading = this.meter.push(input);
    if (reading) this.port.postMessage(reading);
    return this.running;
  }
});

registerProcessor(${JSON.stringify(GATE_PROCESSOR)}, class extends AudioWorkletProcessor {
  static get parameterDescriptors() {
    return [
      { name: 'threshold', defaultValue: 0, minValue: 0, maxValue: 1, automationRate: 'k-rate' },
      { name: 'hold', defaultValue: 0.2, minValue: 0, maxValue: 10, automationRate: 'k-rate' },
      { name: 'enabled', defaultValue: 0, minValue: 0, maxValue: 1, automationRate: 'k-rate' },
    ];
  }
  constructor() {
    super();
    this.gate = gates.createGate(sampleRate);
    this.open = true;
    this.running = true;
    this.port.onmessage = (e) => { if (e.data === 'stop') this.running = false; };
  }
  process(inputs, outputs, parameters) {
    const input = inputs[0] && inputs[0].length > 0 ? inputs[0] : silence;
    const open = this.gate.process(input, outputs[0], parameters.threshold[0], parameters.hold[0], parameters.enabled[0] >= 0.5);
    if (open !== this.open) this.port.postMessage({ open });
    this.open = open;
    return this.running;
  }
});
`;
}

let moduleUrl: string | null = null;

/** The module's Blob URL, made once per page (every AudioContext may load it). */
export function workletModuleUrl(): string {
  moduleUrl ??= URL.createObjectURL(new Blob([workletSource()], { type: 'text/javascript' }));
  return moduleUrl;
}
