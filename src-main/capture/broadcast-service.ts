import crypto from 'node:crypto';
import type { Broadcast as BroadcastView, MethodParsedInput } from '../../src-shared/contract/index.js';
import type { EventBus } from '../core/bus.js';
import type { ChildRegistry } from '../core/children.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import type { DisplayService } from '../displays/display-service.js';
import type { PathManager } from '../media/path-manager.js';
import { Broadcast, type BroadcastSupervision } from './broadcast.js';
import type { BroadcastArgsBuilder, BroadcastCaptureOptions } from './broadcast-args.js';
import { broadcastTarget } from './broadcast-target.js';
import type { Writable } from 'node:stream';
import type { WaylandDesktop, WaylandDesktops } from '../displays/wayland.linux.js';

export interface BroadcastServiceDeps {
  displays: Pick<DisplayService, 'get' | 'windows' | 'onChange'>;
  streamExists: (name: string) => boolean;
  paths: Pick<PathManager, 'publish' | 'publisherOf'>;
  children: ChildRegistry;
  ffmpegPath: () => Promise<string>;
  /** The H.264 encoder to use (from the capability probe). */
  encoder: () => Promise<string>;
  buildArgs: BroadcastArgsBuilder;
  /** The host's sound as ffmpeg input arguments, or undefined when no sound server answers. */
  audio: () => Promise<{ source: string; input: string[] } | undefined>;
  /** The live segment length: keyframes come this often. */
  keyframeSeconds: () => number;
  bus: Pick<EventBus, 'emit'>;
  logger: Logger;
  supervision?: Partial<BroadcastSupervision>;
  /** The Wayland desktop's monitors (native PipeWire capture), where the host runs in one. */
  wayland?: Pick<WaylandDesktops, 'desktop'>;
}

/**
 * Displays published as live streams. A broadcast is checked whole before anything starts (display,
 * stream, window, rectangle, a free stream); it ends when deleted, when its display goes away, when its
 * stream turns it away, or when the host stops.
 */
export class BroadcastService implements Service {
  readonly name = 'broadcasts';
  private readonly broadcasts = new Map<string, Broadcast>();
  /** The Wayland desktop each broadcast of a Wayland monitor holds, released when it ends. */
  private readonly desktops = new Map<string, WaylandDesktop>();
  private unsubscribe: (() => void) | undefined;
  private disposed = false;

  constructor(private readonly deps: BroadcastServiceDeps) {}

  start(): void {
    this.unsubscribe = this.deps.displays.onChange((all) => {
      const ids = new Set(all.map((d) => d.id));
      for (const b of [...this.broadcasts.values()]) if (!ids.has(b.displayId)) void this.remove(b, 'display removed');
    });
  }

  list(): BroadcastView[] {
    return [...this.broadcasts.values()].map((b) => b.view());
  }

  async create(input: MethodParsedInput<'broadcasts.create'>): Promise<BroadcastView> {
    if (this.disposed) throw new StudioError('UNAVAILABLE', 'the host is stopping');
    const display = await this.deps.displays.get(input.displayId);
    if (!this.deps.streamExists(input.stream)) throw new StudioError('NOT_FOUND', `no stream named "${input.stream}"`, { stream: input.stream });
    let window;
    if (input.windowId !== undefined && display.kind === 'wayland') {
      throw new StudioError('NOT_IMPLEMENTED_ON_OS', `windows of a Wayland desktop cannot be captured one by one here: broadcast the monitor ${display.name} or a region of it`, { displayId: display.id });
    }
    if (input.windowId !== undefined) {
      window = (await this.deps.displays.windows(display.id)).find((w) => w.id === input.windowId);
      if (!window) throw new StudioError('NOT_FOUND', `no window ${input.windowId} on display ${display.name}`, { displayId: display.id, windowId: input.windowId });
    }
    const target = broadcastTarget(display, { region: input.region, window });
    const [encoder, ffmpegPath] = await Promise.all([this.deps.encoder(), this.deps.ffmpegPath()]);
    // A Wayland monitor: its desktop's screen cast with the pointer in the picture, held while the
    // broadcast lives (CAPTURE_UNAVAILABLE or CAPTURE_FAILED, with the desktop's reason, when it cannot be had).
    const desktop = display.kind === 'wayland' ? await this.waylandDesktop(display.name, input.fps) : undefined;
    const raw = desktop?.status?.state === 'running' ? desktop.status.format : undefined;
    const capture: BroadcastCaptureOptions = {
      target: { display: display.name, ...target },
      fps: input.fps,
      encoder,
      bitrateKbps: input.bitrateKbps,
      keyframeSeconds: this.deps.keyframeSeconds(),
      drawMouse: true,
      ...(raw ? { rawInput: raw } : {}),
    };
    try {
      // Refuses an OS without broadcast capture (NOT_IMPLEMENTED_ON_OS) before anything starts.
      this.deps.buildArgs(capture);
      // Checked last, after every await: nothing can take the stream between this check and the start.
      this.assertStreamFree(input.stream);
      if (this.disposed) throw new StudioError('UNAVAILABLE', 'the host is stopping');
    } catch (error) {
      desktop?.release();
      throw error;
    }

    const id = `bc-${crypto.randomBytes(6).toString('hex')}`;
    const broadcast: Broadcast = new Broadcast({
      id,
      displayId: display.id,
      displayName: display.name,
      stream: input.stream,
      target,
      windowId: input.windowId,
      fps: input.fps,
      bitrateKbps: input.bitrateKbps,
      encoder,
      children: this.deps.children,
      ffmpegPath: () => Promise.resolve(ffmpegPath),
      prepare: async () => {
        const audio = await this.deps.audio();
        // A Wayland monitor's picture as its screen cast negotiated it at this launch.
        const now = desktop?.status?.state === 'running' ? { rawInput: desktop.status.format } : {};
        return { args: this.deps.buildArgs({ ...capture, ...now, ...(audio ? { audioInput: audio.input } : {}) }), audio: audio?.source ?? 'silence' };
      },
      publish: (info) => this.deps.paths.publish(input.stream, info),
      ...(desktop ? { input: (stdin: Writable) => desktop.attach(id, stdin) } : {}),
      onChange: (view) => {
        if (this.broadcasts.get(id) === broadcast) this.deps.bus.emit('broadcast.changed', { id, broadcast: view });
      },
      onKicked: (reason) => void this.remove(broadcast, reason),
      logger: this.deps.logger,
      ...(this.deps.supervision ? { supervision: this.deps.supervision } : {}),
    });
    this.broadcasts.set(id, broadcast);
    if (desktop) this.desktops.set(id, desktop);
    this.deps.logger.info({ broadcast: id, display: display.name, stream: input.stream, target, encoder }, 'broadcast created');
    broadcast.start();
    const view = broadcast.view();
    this.deps.bus.emit('broadcast.changed', { id, broadcast: view });
    return view;
  }

  /** Stops a broadcast; its stream ends cleanly. */
  async delete(id: string): Promise<void> {
    const broadcast = this.broadcasts.get(id);
    if (!broadcast) throw new StudioError('NOT_FOUND', `no broadcast "${id}"`, { id });
    await this.remove(broadcast, 'broadcast stopped');
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.unsubscribe?.();
    await Promise.all([...this.broadcasts.values()].map((b) => this.remove(b, 'host stopping')));
  }

  private assertStreamFree(stream: string): void {
    const other = [...this.broadcasts.values()].find((b) => b.stream === stream);
    const publisher = this.deps.paths.publisherOf(stream);
    if (other || publisher) {
      throw new StudioError('CONFLICT', `stream "${stream}" already has a publisher`, {
        stream,
        ...(other ? { broadcast: other.id } : { protocol: publisher!.protocol }),
      });
    }
  }

  private async remove(broadcast: Broadcast, reason: string): Promise<void> {
    if (this.broadcasts.get(broadcast.id) !== broadcast) return;
    this.broadcasts.delete(broadcast.id);
    this.deps.bus.emit('broadcast.changed', { id: broadcast.id, broadcast: null });
    await broadcast.stop(reason);
    this.desktops.get(broadcast.id)?.release();
    this.desktops.delete(broadcast.id);
  }

  private async waylandDesktop(name: string, fps: number): Promise<WaylandDesktop> {
    if (!this.deps.wayland) throw new StudioError('CAPTURE_UNAVAILABLE', `display ${name} is a Wayland monitor and this host has no Wayland capture`);
    const desktop = this.deps.wayland.desktop(name, 'embedded', fps);
    await desktop.use();
    return desktop;
  }
}
