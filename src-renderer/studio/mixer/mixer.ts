import type { AudioSettings } from '../../../src-shared/contract/scenes.js';
import type { AudioInput } from '../sources/base.js';
import { kWeighting, lufs, meanSquare, peakDb, rmsDb } from './loudness.js';
import { EQ_BANDS, LIMITER, clipCurve, gateStep, stripParams } from './plan.js';

export interface MeterReading {
  peakDb: number;
  rmsDb: number;
  /** Over the last 400 ms (BS.1770 momentary). */
  momentaryLufs: number;
  /** Over the last 3 s (from the momentary readings of that span). */
  shortTermLufs: number;
}

/** Post-fader taps of a bus: the plain signal per channel, and the K-weighted one for loudness. */
class Meter {
  private readonly plain: AnalyserNode[];
  private readonly weighted: AnalyserNode[];
  private readonly buffer: Float32Array<ArrayBuffer>;
  private readonly history: { at: number; ms: number }[] = [];
  private readonly window: number;

  constructor(ctx: AudioContext, input: AudioNode) {
    const k = kWeighting(ctx.sampleRate);
    const splitter = ctx.createChannelSplitter(2);
    input.connect(splitter);
    this.window = Math.round(ctx.sampleRate * 0.4);
    this.plain = [0, 1].map((ch) => {
      const a = ctx.createAnalyser();
      a.fftSize = 2048;
      splitter.connect(a, ch);
      return a;
    });
    this.weighted = [0, 1].map((ch) => {
      const pre = ctx.createIIRFilter(k.pre.b, k.pre.a);
      const rlb = ctx.createIIRFilter(k.rlb.b, k.rlb.a);
      const a = ctx.createAnalyser();
      a.fftSize = 32768;
      splitter.connect(pre, ch);
      pre.connect(rlb).connect(a);
      return a;
    });
    this.buffer = new Float32Array(32768);
  }

  read(now: number): MeterReading {
    let peak = -Infinity;
    let rms = -Infinity;
    const block = new Float32Array(2048);
    for (const a of this.plain) {
      a.getFloatTimeDomainData(block);
      peak = Math.max(peak, peakDb(block));
      rms = Math.max(rms, rmsDb(block));
    }
    const squares = this.weighted.map((a) => {
      a.getFloatTimeDomainData(this.buffer);
      return meanSquare(this.buffer, this.buffer.length - this.window);
    });
    const sum = squares.reduce((x, y) => x + y, 0);
    this.history.push({ at: now, ms: sum });
    while (this.history.length > 0 && now - this.history[0]!.at > 3000) this.history.shift();
    const shortTerm = this.history.reduce((x, h) => x + h.ms, 0) / this.history.length;
    return { peakDb: peak, rmsDb: rms, momentaryLufs: lufs(squares), shortTermLufs: lufs([shortTerm]) };
  }
}

interface Strip {
  input: AudioNode;
  /** Keeps a remote stream's sound flowing (Chromium needs it played somewhere). */
  sink: HTMLAudioElement | null;
  gate: GainNode;
  gateState: { open: boolean; quietSince: number | null };
  compressor: DynamicsCompressorNode;
  low: BiquadFilterNode;
  mid: BiquadFilterNode;
  high: BiquadFilterNode;
  delay: DelayNode;
  fader: GainNode;
  monitor: GainNode;
  meter: Meter;
  settings: AudioSettings;
  audible: boolean;
}

const GATE_TICK_MS = 20;

/**
 * The studio's mixer on Web Audio: a strip per source (gate, compressor, 3-band EQ, lip-sync delay,
 * fader with mute, monitor to the speakers, a post-fader meter), summed on the program bus into a
 * limiter at -1 dBTP, whose output is the program's sound (`output`, for the encoder). Noise
 * suppression is the browser's own, asked for at capture (sources/factory.ts). The gate is driven
 * from the page every 20 ms from the strip's own level (no AudioWorklet to load).
 */
export class Mixer {
  readonly output: MediaStream;
  private readonly strips = new Map<string, Strip>();
  private readonly bus: GainNode;
  private readonly masterMeter: Meter;
  private readonly gateTimer: ReturnType<typeof setInterval>;

  constructor(private readonly ctx: AudioContext) {
    this.bus = ctx.createGain();
    const limiter = ctx.createDynamicsCompressor();
    limiter.threshold.value = LIMITER.thresholdDb;
    limiter.ratio.value = LIMITER.ratio;
    limiter.knee.value = LIMITER.knee;
    limiter.attack.value = LIMITER.attack;
    limiter.release.value = LIMITER.release;
    const clip = ctx.createWaveShaper();
    clip.curve = clipCurve(LIMITER.ceiling);
    const out = ctx.createMediaStreamDestination();
    out.channelCount = 2;
    this.bus.connect(limiter).connect(clip).connect(out);
    this.masterMeter = new Meter(ctx, clip);
    this.output = out.stream;
    this.gateTimer = setInterval(() => this.gates(), GATE_TICK_MS);
  }

  addStrip(id: string, source: AudioInput, settings: AudioSettings): void {
    if (this.strips.has(id)) this.removeStrip(id);
    const ctx = this.ctx;
    let input: AudioNode;
    let sink: HTMLAudioElement | null = null;
    if (source instanceof MediaStream) {
      input = ctx.createMediaStreamSource(source);
      sink = new Audio();
      sink.muted = true;
      sink.srcObject = source;
      void sink.play().catch(() => undefined);
    } else {
      input = ctx.createMediaElementSource(source);
    }
    const gate = ctx.createGain();
    const compressor = ctx.createDynamicsCompressor();
    const low = Object.assign(ctx.createBiquadFilter(), { type: 'lowshelf' as const });
    low.frequency.value = EQ_BANDS.lowHz;
    const mid = Object.assign(ctx.createBiquadFilter(), { type: 'peaking' as const });
    mid.frequency.value = EQ_BANDS.midHz;
    mid.Q.value = EQ_BANDS.midQ;
    const high = Object.assign(ctx.createBiquadFilter(), { type: 'highshelf' as const });
    high.frequency.value = EQ_BANDS.highHz;
    const delay = ctx.createDelay(2);
    const fader = ctx.createGain();
    const monitor = ctx.createGain();
    input.connect(gate).connect(compressor).connect(low).connect(mid).connect(high).connect(delay).connect(fader);
    fader.connect(this.bus);
    fader.connect(monitor).connect(ctx.destination);
    const strip: Strip = { input, sink, gate, gateState: { open: true, quietSince: null }, compressor, low, mid, high, delay, fader, monitor, meter: new Meter(ctx, fader), settings, audible: true };
    this.strips.set(id, strip);
    this.apply(strip);
  }

  updateStrip(id: string, settings: AudioSettings): void {
    const strip = this.strips.get(id);
    if (!strip) return;
    strip.settings = settings;
    this.apply(strip);
  }

  /** Heard in the program or not (a source's sound follows its scene). */
  setAudible(id: string, audible: boolean): void {
    const strip = this.strips.get(id);
    if (!strip || strip.audible === audible) return;
    strip.audible = audible;
    this.apply(strip);
  }

  removeStrip(id: string): void {
    const strip = this.strips.get(id);
    if (!strip) return;
    strip.input.disconnect();
    strip.fader.disconnect();
    strip.monitor.disconnect();
    if (strip.sink) strip.sink.srcObject = null;
    this.strips.delete(id);
  }

  /** Every strip's meter (by source id) and the program's (`master`). */
  meters(): Record<string, MeterReading> {
    const now = performance.now();
    const out: Record<string, MeterReading> = { master: this.masterMeter.read(now) };
    for (const [id, strip] of this.strips) out[id] = strip.meter.read(now);
    return out;
  }

  dispose(): void {
    clearInterval(this.gateTimer);
    for (const id of [...this.strips.keys()]) this.removeStrip(id);
    void this.ctx.close().catch(() => undefined);
  }

  private apply(strip: Strip): void {
    const p = stripParams(strip.settings, strip.audible);
    const t = this.ctx.currentTime;
    // Short ramps: no clicks when a fader jumps or a scene cuts.
    strip.fader.gain.setTargetAtTime(p.fader, t, 0.01);
    strip.monitor.gain.setTargetAtTime(p.monitor, t, 0.01);
    strip.delay.delayTime.setValueAtTime(p.delaySec, t);
    strip.low.gain.value = p.eq.low;
    strip.mid.gain.value = p.eq.mid;
    strip.high.gain.value = p.eq.high;
    const c = strip.compressor;
    c.threshold.value = p.compressor.threshold;
    c.ratio.value = p.compressor.ratio;
    c.attack.value = p.compressor.attack;
    c.release.value = p.compressor.release;
    c.knee.value = p.compressor.knee;
    if (!p.gate.enabled) strip.gate.gain.setTargetAtTime(1, t, 0.005);
  }

  private readonly level = new Float32Array(1024);
  private gateAnalysers = new WeakMap<Strip, AnalyserNode>();

  /** Opens and closes each enabled gate from its input's level. */
  private gates(): void {
    const now = performance.now();
    for (const strip of this.strips.values()) {
      const p = stripParams(strip.settings, strip.audible).gate;
      if (!p.enabled) continue;
      let analyser = this.gateAnalysers.get(strip);
      if (!analyser) {
        analyser = this.ctx.createAnalyser();
        analyser.fftSize = 1024;
        strip.input.connect(analyser);
        this.gateAnalysers.set(strip, analyser);
      }
      analyser.getFloatTimeDomainData(this.level);
      const next = gateStep(strip.gateState, Math.sqrt(meanSquare(this.level)), now, p);
      if (next.open !== strip.gateState.open) strip.gate.gain.setTargetAtTime(next.open ? 1 : 0, this.ctx.currentTime, next.open ? 0.002 : 0.03);
      strip.gateState = next;
    }
  }
}
