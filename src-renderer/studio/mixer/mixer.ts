import type { AudioSettings } from '../../../src-shared/contract/scenes.js';
import { createMeter, type LoudnessReading } from './loudness.js';
import { EQ_BANDS, LIMITER, MAX_DELAY_SEC, clipCurve, stripParams } from './plan.js';
import { GATE_PROCESSOR, METER_PROCESSOR, workletModuleUrl } from './worklets.js';

export { captureConstraints } from './plan.js';

/** What a strip takes its sound from. */
export type MixerInput = MediaStream | MediaStreamTrack | HTMLMediaElement;

/** A strip's or the program's levels: peaks and RMS over the last 400 ms, momentary and short-term loudness. */
export type MeterReading = LoudnessReading;

const SILENT: MeterReading = { peakDb: -Infinity, truePeakDb: -Infinity, rmsDb: -Infinity, momentaryLufs: -Infinity, shortTermLufs: -Infinity };

/**
 * A meter on a bus: the meter worklet (loudness.ts's math every 100 ms), or, where the worklet module
 * cannot load, the same math on the page from a ScriptProcessorNode.
 */
class MeterTap {
  reading: MeterReading = SILENT;
  private node: AudioWorkletNode | ScriptProcessorNode | null = null;

  constructor(
    private readonly ctx: AudioContext,
    private readonly input: AudioNode,
  ) {}

  start(worklets: boolean): void {
    if (worklets) {
      const node = new AudioWorkletNode(this.ctx, METER_PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 0, channelCount: 2, channelCountMode: 'explicit', channelInterpretation: 'speakers' });
      node.port.onmessage = (e: MessageEvent<MeterReading>) => (this.reading = e.data);
      this.node = node;
    } else {
      const meter = createMeter(this.ctx.sampleRate);
      const node = this.ctx.createScriptProcessor(2048, 2, 1);
      node.channelCountMode = 'explicit';
      node.onaudioprocess = (e) => {
        e.outputBuffer.getChannelData(0).fill(0);
        this.reading = meter.push([e.inputBuffer.getChannelData(0), e.inputBuffer.getChannelData(1)]) ?? this.reading;
      };
      // A ScriptProcessor runs only when its output is pulled; it writes silence.
      node.connect(this.ctx.destination);
      this.node = node;
    }
    this.input.connect(this.node);
  }

  stop(): void {
    if (!this.node) return;
    this.input.disconnect(this.node);
    this.node.disconnect();
    if (this.node instanceof AudioWorkletNode) this.node.port.postMessage('stop');
    else this.node.onaudioprocess = null;
    this.node = null;
  }
}

interface Strip {
  source: AudioNode;
  /** Keeps a remote stream's sound flowing (Chromium pulls a WebRTC track only while it plays somewhere). */
  sink: HTMLAudioElement | null;
  /** The gate's slot: `gateIn -> gateOut` until the gate worklet is there, then `gateIn -> gate -> gateOut`. */
  gateIn: GainNode;
  gateOut: GainNode;
  gate: AudioWorkletNode | null;
  gateOpen: boolean;
  compressor: DynamicsCompressorNode;
  /** Whether the sound goes through the compressor now (null: not wired yet). */
  compressing: boolean | null;
  low: BiquadFilterNode;
  mid: BiquadFilterNode;
  high: BiquadFilterNode;
  delay: DelayNode;
  fader: GainNode;
  monitor: GainNode;
  meter: MeterTap;
  settings: AudioSettings;
  audible: boolean;
}

/**
 * The studio's mixer on Web Audio. A strip per source:
 *   source -> (noise suppression: the browser's, at capture, see `captureConstraints`) -> gate (worklet)
 *   -> compressor -> low shelf 200 Hz -> peak 1 kHz -> high shelf 5 kHz -> delay (lip sync, up to 2 s)
 *   -> fader (gain, mute, in the program or not) -> meter, the program bus, and the speakers if monitored;
 * the program bus -> limiter at -1 dBTP -> meter, and `output` (a MediaStream for the encoder).
 * The worklets (gate, meters) load in the background; until then (or if the page's script policy
 * refuses them) the gate passes everything and the meters run on the page.
 * The mixer owns the AudioContext it is given: `dispose()` closes it.
 */
export class Mixer {
  readonly output: MediaStream;
  /** Settles once the worklets are loaded (true) or refused (false: gates pass everything, meters run on the page). */
  readonly ready: Promise<boolean>;
  private worklets: boolean | null = null;
  private readonly strips = new Map<string, Strip>();
  private readonly elementSources = new WeakMap<HTMLMediaElement, MediaElementAudioSourceNode>();
  private readonly bus: GainNode;
  private readonly masterMeter: MeterTap;
  /** Mix-minus buses by the strip they leave out: every other strip's fader (after mute and scene) feeds each. */
  private readonly minus = new Map<string, { bus: GainNode; out: MediaStreamAudioDestinationNode }>();

  constructor(private readonly ctx: AudioContext) {
    this.bus = ctx.createGain();
    const limiter = ctx.createDynamicsCompressor();
    limiter.threshold.value = LIMITER.thresholdDb;
    limiter.ratio.value = LIMITER.ratio;
    limiter.knee.value = LIMITER.knee;
    limiter.attack.value = LIMITER.attack;
    limiter.release.value = LIMITER.release;
    const trim = ctx.createGain();
    trim.gain.value = LIMITER.trim;
    const clip = ctx.createWaveShaper();
    clip.curve = clipCurve(LIMITER.ceiling);
    const out = ctx.createMediaStreamDestination();
    out.channelCount = 2;
    this.bus.connect(limiter).connect(trim).connect(clip).connect(out);
    this.masterMeter = new MeterTap(ctx, clip);
    this.output = out.stream;
    this.ready = this.loadWorklets();
  }

  addStrip(id: string, input: MixerInput, settings: AudioSettings): void {
    if (this.strips.has(id)) this.removeStrip(id);
    const ctx = this.ctx;
    let source: AudioNode;
    let sink: HTMLAudioElement | null = null;
    if (input instanceof HTMLMediaElement) {
      // An element gives its sound to one source node for its whole life: keep it for a strip made again.
      source = this.elementSources.get(input) ?? ctx.createMediaElementSource(input);
      this.elementSources.set(input, source as MediaElementAudioSourceNode);
    } else {
      const stream = input instanceof MediaStream ? input : new MediaStream([input]);
      source = ctx.createMediaStreamSource(stream);
      sink = new Audio();
      sink.muted = true;
      sink.srcObject = stream;
      void sink.play().catch(() => undefined);
    }
    const gateIn = ctx.createGain();
    const gateOut = ctx.createGain();
    const compressor = ctx.createDynamicsCompressor();
    const low = filterNode(ctx, 'lowshelf', EQ_BANDS.lowHz);
    const mid = filterNode(ctx, 'peaking', EQ_BANDS.midHz);
    mid.Q.value = EQ_BANDS.midQ;
    const high = filterNode(ctx, 'highshelf', EQ_BANDS.highHz);
    const delay = ctx.createDelay(MAX_DELAY_SEC);
    const fader = ctx.createGain();
    const monitor = ctx.createGain();
    source.connect(gateIn).connect(gateOut);
    // gateOut -> compressor -> low, or gateOut -> low while the compressor is off (its look-ahead
    // delays the sound 6 ms even at a ratio of 1, and the picture does not wait for it).
    compressor.connect(low).connect(mid).connect(high).connect(delay).connect(fader);
    fader.connect(this.bus);
    fader.connect(monitor).connect(ctx.destination);
    for (const [left, m] of this.minus) if (left !== id) fader.connect(m.bus);
    const strip: Strip = { source, sink, gateIn, gateOut, gate: null, gateOpen: true, compressor, compressing: null, low, mid, high, delay, fader, monitor, meter: new MeterTap(ctx, fader), settings, audible: true };
    this.strips.set(id, strip);
    this.apply(strip);
    if (this.worklets !== null) this.startWorklets(strip, this.worklets);
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
    this.strips.delete(id);
    strip.meter.stop();
    strip.gate?.port.postMessage('stop');
    for (const node of [strip.source, strip.gateIn, strip.gate, strip.gateOut, strip.compressor, strip.low, strip.mid, strip.high, strip.delay, strip.fader, strip.monitor]) node?.disconnect();
    if (strip.sink) strip.sink.srcObject = null;
  }

  /**
   * The program's sound without strip `id` (mix-minus: a guest hears the show, not themselves), as
   * its own stream: every other strip after its fader, so mutes and scenes apply as in the program.
   */
  mixMinus(id: string): MediaStream {
    const existing = this.minus.get(id);
    if (existing) return existing.out.stream;
    const bus = this.ctx.createGain();
    const out = this.ctx.createMediaStreamDestination();
    out.channelCount = 2;
    bus.connect(out);
    for (const [other, strip] of this.strips) if (other !== id) strip.fader.connect(bus);
    this.minus.set(id, { bus, out });
    return out.stream;
  }

  /** Ends a mix-minus (its guest left). */
  dropMixMinus(id: string): void {
    const m = this.minus.get(id);
    if (!m) return;
    this.minus.delete(id);
    for (const strip of this.strips.values()) {
      try {
        strip.fader.disconnect(m.bus);
      } catch {
        // not connected (the strip left out)
      }
    }
    m.bus.disconnect();
    for (const track of m.out.stream.getTracks()) track.stop();
  }

  /** Every strip's meter (by id) and the program's (`master`), as last measured (every 100 ms). */
  meters(): Record<string, MeterReading> {
    const out: Record<string, MeterReading> = { master: { ...this.masterMeter.reading } };
    for (const [id, strip] of this.strips) out[id] = { ...strip.meter.reading };
    return out;
  }

  /** Whether a strip's gate lets sound through now (null: no such strip). */
  gateOpen(id: string): boolean | null {
    const strip = this.strips.get(id);
    return strip ? strip.gateOpen : null;
  }

  dispose(): void {
    for (const id of [...this.minus.keys()]) this.dropMixMinus(id);
    for (const id of [...this.strips.keys()]) this.removeStrip(id);
    this.masterMeter.stop();
    this.bus.disconnect();
    void this.ctx.close().catch(() => undefined);
  }

  private async loadWorklets(): Promise<boolean> {
    let ok = false;
    try {
      // Absent where the page is not a secure context; refused where its script policy forbids blob:.
      if (this.ctx.audioWorklet) {
        await this.ctx.audioWorklet.addModule(workletModuleUrl());
        ok = true;
      }
    } catch {
      ok = false;
    }
    if (this.ctx.state === 'closed') return ok;
    this.worklets = ok;
    this.masterMeter.start(ok);
    for (const strip of this.strips.values()) this.startWorklets(strip, ok);
    return ok;
  }

  private startWorklets(strip: Strip, worklets: boolean): void {
    strip.meter.start(worklets);
    if (!worklets) return;
    const gate = new AudioWorkletNode(this.ctx, GATE_PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 1 });
    gate.port.onmessage = (e: MessageEvent<{ open: boolean }>) => (strip.gateOpen = e.data.open);
    strip.gate = gate;
    this.apply(strip);
    strip.gateIn.disconnect(strip.gateOut);
    strip.gateIn.connect(gate).connect(strip.gateOut);
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
    if (strip.compressing !== strip.settings.compressor.enabled) {
      if (strip.compressing !== null) strip.gateOut.disconnect();
      strip.gateOut.connect(strip.settings.compressor.enabled ? c : strip.low);
      strip.compressing = strip.settings.compressor.enabled;
    }
    c.threshold.value = p.compressor.threshold;
    c.ratio.value = p.compressor.ratio;
    c.attack.value = p.compressor.attack;
    c.release.value = p.compressor.release;
    c.knee.value = p.compressor.knee;
    const gate: Record<string, number> = { threshold: p.gate.threshold, hold: p.gate.holdSec, enabled: p.gate.enabled ? 1 : 0 };
    strip.gate?.parameters.forEach((param, name) => param.setValueAtTime(gate[name] ?? param.value, t));
    if (!p.gate.enabled) strip.gateOpen = true;
  }
}

function filterNode(ctx: AudioContext, type: BiquadFilterType, hz: number): BiquadFilterNode {
  const node = ctx.createBiquadFilter();
  node.type = type;
  node.frequency.value = hz;
  return node;
}
