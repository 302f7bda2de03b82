import type { Scene, StudioState, Transition } from '../../src-shared/contract/scenes.js';
import { Compositor } from './compositor/compositor.js';
import { placeItems } from './compositor/layout.js';
import { hiddenItems } from './compositor/occlusion.js';
import { transitionAt } from './compositor/transition.js';
import { Mixer } from './mixer/mixer.js';
import { ReturnFeeds } from './output/return-feeds.js';
import type { ReceiveStats } from './sources/receive-stats.js';
import { ProgramOutput } from './output/program-output.js';
import type { EncoderStats } from './output/encoder-stats.js';
import type { AudioInput, LiveSource } from './sources/base.js';
import { shownSizes } from './sources/layers.js';
import { VideoFileSource } from './sources/drawn-sources.js';
import { captureKey, createSource } from './sources/factory.js';
import { TrackSource } from './sources/track-source.js';
import { audibleSources, reconcileSources, sceneOf } from './reconcile.js';
import type { CompositeFrame, Guide, RenderScene } from './types.js';

interface Running {
  live: LiveSource;
  key: string;
  /** The mixer has a strip for it. */
  mixed: boolean;
  /** The sound its strip plays (a pull made again, a device reopened: a new one, and the strip follows). */
  input: AudioInput | null;
}

interface ActiveTransition {
  from: string | null;
  to: string;
  startedAt: number;
  def: Transition;
  stinger: VideoFileSource | null;
}

/** A wait between two program frames longer than this is a stall (timing.stalls). */
const STALL_MS = 250;
const MAX_STALLS = 100;

export interface EngineOptions {
  preview: HTMLCanvasElement;
  program: HTMLCanvasElement;
  /** The page's audio context (created on a click where the browser wants a gesture). */
  audio: AudioContext;
}

/**
 * The show engine: runs the sources of the host's studio state, composes the preview and the program
 * at the program's frame rate off the display's frame clock, mixes the sound, and publishes the
 * program. It follows the state the host keeps (setState on every `scenes.changed`); a scene switch
 * made here starts at once, before the host has echoed it.
 */
export class StudioEngine {
  state: StudioState | null = null;
  readonly mixer: Mixer;
  /** Each guest's return sound (the program without them), sent to the host. */
  readonly returns: ReturnFeeds;
  output: ProgramOutput | null = null;
  /** Editor overlay on the preview. */
  selectedItemId: string | null = null;
  guides: readonly Guide[] = [];
  /** Called when a source's status changes, the program scene changes or the output changes. */
  onChange: (() => void) | null = null;
  /** Frames composed for the program (tests and the status bar read them). */
  programFrames = 0;
  /** The last scene switch: when it was asked for, and when the program first drew it (performance.now()). */
  lastSwitch: { to: string; requestedAt: number; firstFrameAt: number | null } | null = null;
  /**
   * The program's frame clock: frames drawn, those later than two frame intervals, the longest wait
   * (ms), and the last waits longer than STALL_MS (when each ended, epoch ms): a picture shorter than
   * such a wait may never have been drawn.
   */
  readonly timing = { programFrames: 0, late: 0, longestGapMs: 0, stalls: [] as { endedAt: number; ms: number }[] };
  private lastProgramAt = 0;
  private readonly running = new Map<string, Running>();
  private readonly preview: Compositor;
  private readonly program: Compositor;
  private programSceneId: string | null = null;
  private transition: ActiveTransition | null = null;
  private frameHandle = 0;
  private hiddenTimer: ReturnType<typeof setInterval> | undefined;
  private nextProgramAt = 0;
  private disposed = false;

  constructor(private readonly options: EngineOptions) {
    // The preview is drawn at half the program's pixels: the editor needs the layout, not every pixel.
    this.preview = new Compositor(options.preview, { width: options.preview.width, height: options.preview.height }, 0.5);
    this.program = new Compositor(options.program, { width: options.program.width, height: options.program.height });
    this.mixer = new Mixer(options.audio);
    this.returns = new ReturnFeeds(this.mixer);
    this.frameHandle = requestAnimationFrame(this.tick);
    // A hidden page gets no animation frames: keep the program going on a timer then.
    this.hiddenTimer = setInterval(() => {
      if (document.hidden) this.tick(performance.now());
    }, 1000 / 30);
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  get sourcesById(): ReadonlyMap<string, LiveSource> {
    return new Map([...this.running].map(([id, r]) => [id, r.live]));
  }

  get programScene(): string | null {
    return this.transition?.to ?? this.programSceneId;
  }

  /** The host's studio state (first load, and every change from any window). */
  setState(next: StudioState): void {
    const size = { width: next.studio.width, height: next.studio.height };
    if (!this.state || this.state.studio.width !== size.width || this.state.studio.height !== size.height) {
      this.program.resize(size);
      this.preview.resize(size);
    }
    this.state = next;
    const plan = reconcileSources(new Map([...this.running].map(([id, r]) => [id, r.key])), next.sources, captureKey);
    for (const id of plan.stop) this.stopSource(id);
    for (const source of plan.start) this.startSource(source.id);
    for (const source of next.sources) {
      const r = this.running.get(source.id);
      if (r?.mixed) this.mixer.updateStrip(source.id, source.audio);
    }
    const wanted = sceneOf(next, next.studio.programSceneId)?.id ?? null;
    // Another window took a scene to program: follow it with the transition.
    if (wanted !== this.programScene) this.switchProgram(wanted ?? '', this.programSceneId === null ? 'cut' : undefined);
    this.updateAudible();
    this.onChange?.();
  }

  /** Takes `sceneId` to program with the studio's transition (or a cut), starting on the next frame. */
  switchProgram(sceneId: string, kind?: 'cut'): void {
    const def = kind === 'cut' || !this.state ? { kind: 'cut' as const, durationMs: 0, stinger: null } : this.state.studio.transition;
    this.transition?.stinger?.dispose();
    this.lastSwitch = { to: sceneId, requestedAt: performance.now(), firstFrameAt: null };
    if (def.kind === 'cut' || def.durationMs === 0 || this.programSceneId === null) {
      this.transition = null;
      this.programSceneId = sceneId || null;
    } else {
      const stinger = def.kind === 'stinger' && def.stinger ? new VideoFileSource('stinger', { kind: 'video', url: def.stinger.url, loop: false }) : null;
      this.transition = { from: this.programSceneId, to: sceneId, startedAt: performance.now(), def, stinger };
    }
    this.nextProgramAt = 0;
    this.updateAudible();
    this.onChange?.();
  }

  /** Starts a screen capture (from a click: the browser's rule), or retries a refused device. */
  async capture(sourceId: string): Promise<void> {
    const live = this.running.get(sourceId)?.live;
    if (live instanceof TrackSource) await live.capture();
  }

  async goLive(whipUrl: string): Promise<void> {
    if (!this.state) throw new Error('the studio has not loaded yet');
    if (this.options.audio.state === 'suspended') await this.options.audio.resume();
    this.output?.stop();
    const s = this.state.studio;
    const output = new ProgramOutput({ canvas: this.options.program, audio: this.mixer.output, fps: s.fps, videoBitrateKbps: s.videoBitrateKbps, audioBitrateKbps: s.audioBitrateKbps, whipUrl });
    output.onState = () => this.onChange?.();
    this.output = output;
    await output.start();
  }

  stopLive(): void {
    this.output?.stop();
    this.output = null;
    this.onChange?.();
  }

  /** Per source: pictures the page fell behind on (replaced before a render took them). */
  sourceStats(): Record<string, { kind: string; status: string; missed: number }> {
    return Object.fromEntries([...this.running].map(([id, r]) => [id, { kind: r.live.kind, status: r.live.status, missed: r.live.missed }]));
  }

  /** How a pulled source (a guest) reaches the studio now; null for the others, or before it connects. */
  sourceNetwork(id: string): Promise<ReceiveStats | null> {
    return this.running.get(id)?.live.network?.() ?? Promise.resolve(null);
  }

  /** A pull of a simulcast guest: its layers, the one received and the one asked for (null for others). */
  sourceLayer(id: string): ReturnType<NonNullable<LiveSource['layer']>> {
    return this.running.get(id)?.live.layer?.() ?? null;
  }

  encoderStats(): Promise<EncoderStats | null> {
    return this.output?.stats() ?? Promise.resolve(null);
  }

  dispose(): void {
    this.disposed = true;
    cancelAnimationFrame(this.frameHandle);
    clearInterval(this.hiddenTimer);
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.stopLive();
    for (const id of [...this.running.keys()]) this.stopSource(id);
    this.transition?.stinger?.dispose();
    this.returns.dispose();
    this.mixer.dispose();
    this.preview.dispose();
    this.program.dispose();
  }

  private startSource(id: string): void {
    const source = this.state!.sources.find((s) => s.id === id)!;
    const live = createSource(source);
    const running: Running = { live, key: captureKey(source), mixed: false, input: null };
    live.onChange = () => {
      this.mixIfAudible(id);
      // A picture's first size can move a grid's boxes.
      this.updateShown();
      this.onChange?.();
    };
    this.running.set(id, running);
    this.mixIfAudible(id);
  }

  /**
   * Gives a source a mixer strip once it has sound (a capture opens after a while), and a new one when
   * its sound is new: a guest's pull or a device opened again hands over another stream, and a strip
   * left on the old one (ended) would be silent in the program and in every return feed.
   */
  private mixIfAudible(id: string): void {
    const r = this.running.get(id);
    const source = this.state?.sources.find((s) => s.id === id);
    if (!r || !source) return;
    const input = r.live.audio();
    if (!input || input === r.input) return;
    this.mixer.addStrip(id, input, source.audio);
    r.mixed = true;
    r.input = input;
    this.updateAudible();
    this.syncReturns();
  }

  /** Guest sources with a strip get a return feed; the others' end. */
  private syncReturns(): void {
    const guests = new Map<string, string>();
    for (const source of this.state?.sources ?? []) if (source.settings.kind === 'guest' && this.running.get(source.id)?.mixed) guests.set(source.id, source.settings.guestId);
    this.returns.sync(guests);
  }

  private stopSource(id: string): void {
    const r = this.running.get(id);
    if (!r) return;
    this.running.delete(id);
    this.syncReturns();
    if (r.mixed) this.mixer.removeStrip(id);
    r.live.onChange = null;
    r.live.dispose();
  }

  private updateAudible(): void {
    if (!this.state) return;
    const scenes = [sceneOf(this.state, this.programSceneId), this.transition ? sceneOf(this.state, this.transition.to) : null];
    const heard = audibleSources(this.state, scenes);
    for (const [id, r] of this.running) if (r.mixed) this.mixer.setAudible(id, heard.has(id));
    this.updateShown();
  }

  /**
   * Tells each pulled source the largest box it is drawn in on the program, the scene a transition goes
   * to, or the preview in studio mode (the next program): a guest shown small is pulled small.
   */
  private updateShown(): void {
    if (!this.state) return;
    const studio = this.state.studio;
    const ids = [this.programSceneId, this.transition?.to ?? null, studio.studioMode ? studio.previewSceneId : null];
    const items = ids.flatMap((id) => this.renderScene(sceneOf(this.state!, id))?.items ?? []);
    const sizes = shownSizes(items.filter((p) => p.item.visible).map(({ item }) => ({ sourceId: item.sourceId, width: item.width, height: item.height, crop: item.crop })));
    for (const [id, r] of this.running) r.live.showAt?.(sizes.get(id) ?? null);
  }

  private renderScene(scene: Scene | null): RenderScene | null {
    if (!scene || !this.state) return null;
    const size = { width: this.state.studio.width, height: this.state.studio.height };
    const sizeOf = (sourceId: string) => {
      const live = this.running.get(sourceId)?.live;
      return live && live.width > 0 ? { width: live.width, height: live.height } : null;
    };
    const items = placeItems(scene.layout, scene.items, size, sizeOf);
    const hidden = hiddenItems(items, (id) => this.isOpaque(id));
    return { id: scene.id, items: items.filter((i) => i.visible && !hidden.has(i.id)).map((item) => ({ item, source: this.running.get(item.sourceId)?.live ?? null })) };
  }

  /** A source whose every pixel is opaque (what it covers need not be drawn). */
  private isOpaque(sourceId: string): boolean {
    const source = this.state?.sources.find((s) => s.id === sourceId);
    const live = this.running.get(sourceId)?.live;
    if (!source || !live) return false;
    const s = source.settings;
    if (s.kind === 'color') return s.color.length === 7 || s.color.toLowerCase().endsWith('ff');
    return (s.kind === 'camera' || s.kind === 'screen' || s.kind === 'stream' || s.kind === 'video') && live.width > 0;
  }

  private programFrame(now: number): CompositeFrame {
    const t = this.transition;
    if (!t || !this.state) return { from: this.renderScene(sceneOf(this.state ?? { scenes: [] }, this.programSceneId)) };
    const at = transitionAt(t.def, t.startedAt, now);
    if (at.done) {
      t.stinger?.dispose();
      this.transition = null;
      this.programSceneId = t.to;
      this.updateAudible();
      queueMicrotask(() => this.onChange?.());
      return { from: this.renderScene(sceneOf(this.state, t.to)) };
    }
    return {
      from: this.renderScene(sceneOf(this.state, t.from)),
      to: this.renderScene(sceneOf(this.state, t.to)),
      transition: { kind: t.def.kind, progress: at.progress, stinger: t.stinger, cut: at.cut },
    };
  }

  /** Back from hidden: the animation frames start again. */
  private readonly onVisibility = (): void => {
    if (!document.hidden && !this.disposed) {
      cancelAnimationFrame(this.frameHandle);
      this.frameHandle = requestAnimationFrame(this.tick);
    }
  };

  private readonly tick = (now: number): void => {
    if (this.disposed) return;
    if (!document.hidden) this.frameHandle = requestAnimationFrame(this.tick);
    if (!this.state) return;
    const interval = 1000 / this.state.studio.fps;
    // The program runs at its own frame rate, whatever the display's refresh rate.
    if (now + 2 < this.nextProgramAt) return;
    this.nextProgramAt = Math.max(this.nextProgramAt + interval, now + interval / 2);
    const frame = this.programFrame(now);
    this.program.render(frame);
    if (this.lastProgramAt > 0) {
      const gap = now - this.lastProgramAt;
      if (gap > 2 * interval) this.timing.late += 1;
      this.timing.longestGapMs = Math.max(this.timing.longestGapMs, gap);
      if (gap > STALL_MS) {
        this.timing.stalls.push({ endedAt: Math.round(performance.timeOrigin + now), ms: Math.round(gap) });
        if (this.timing.stalls.length > MAX_STALLS) this.timing.stalls.shift();
      }
    }
    this.lastProgramAt = now;
    this.timing.programFrames += 1;
    if (this.lastSwitch && this.lastSwitch.firstFrameAt === null && (frame.to?.id === this.lastSwitch.to || frame.from?.id === this.lastSwitch.to)) this.lastSwitch.firstFrameAt = performance.now();
    this.output?.frameDrawn();
    this.programFrames += 1;
    // The preview at half the program's rate, unless something is being dragged in it.
    if (this.programFrames % 2 === 1 && this.guides.length === 0) return;
    const previewScene = this.state.studio.studioMode ? this.renderScene(sceneOf(this.state, this.state.studio.previewSceneId)) : frame.to ?? frame.from;
    this.preview.render({ from: previewScene, overlay: { selectedItemId: this.selectedItemId, guides: this.guides } });
  };
}
