/**
 * The noise gate's sample loop, pure. It runs inside an AudioWorklet built from `gateKit.toString()`
 * (worklets.ts), so, like `loudnessKit`, it uses nothing from outside its own body.
 */

export interface GateCore {
  /**
   * Gates `input` into `output` (same channel count and length). `threshold` is a linear RMS level the
   * sound must reach to open the gate; `holdSec` how long it stays open once the sound falls under the
   * close level. Returns whether the gate is open after the run.
   */
  process(input: readonly Float32Array[], output: Float32Array[], threshold: number, holdSec: number, enabled: boolean): boolean;
}

export function gateKit() {
  /** The gate closes under the threshold less 4 dB: a level hovering at the threshold does not chatter. */
  const HYSTERESIS = 10 ** (-4 / 20);

  function createGate(rate: number): GateCore {
    // The level: a mean square over about 10 ms, the loudest channel's.
    const detect = 1 - Math.exp(-1 / (rate * 0.01));
    // Opens in about 1 ms (keeps the first syllable); fades out with a 10 ms time constant (no click),
    // down to -100 dB in about 115 ms, where it snaps to silence.
    const attack = 1 - Math.exp(-1 / (rate * 0.001));
    const release = 1 - Math.exp(-1 / (rate * 0.01));
    let level = 0;
    let gain = 1;
    let open = true;
    let quiet = 0;

    function process(input: readonly Float32Array[], output: Float32Array[], threshold: number, holdSec: number, enabled: boolean): boolean {
      const channels = Math.min(input.length, output.length);
      const length = channels > 0 ? input[0]!.length : 0;
      if (!enabled) {
        for (let c = 0; c < channels; c++) output[c]!.set(input[c]!);
        gain = 1;
        open = true;
        quiet = 0;
        return open;
      }
      const hold = holdSec * rate;
      for (let i = 0; i < length; i++) {
        let square = 0;
        for (let c = 0; c < channels; c++) square = Math.max(square, input[c]![i]! * input[c]![i]!);
        level += detect * (square - level);
        const rms = Math.sqrt(level);
        if (rms >= threshold) {
          open = true;
          quiet = 0;
        } else if (rms < threshold * HYSTERESIS && open && ++quiet > hold) {
          open = false;
        }
        gain += (open ? attack : release) * ((open ? 1 : 0) - gain);
        if (!open && gain < 1e-5) gain = 0;
        for (let c = 0; c < channels; c++) output[c]![i] = input[c]![i]! * gain;
      }
      return open;
    }

    return { process };
  }

  return { createGate, HYSTERESIS };
}

export const createGate = gateKit().createGate;
