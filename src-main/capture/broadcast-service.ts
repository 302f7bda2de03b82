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
}

/**
 * Displays published as live streams. A broadcast is checked whole before anything starts (display,
 * stream, window, rectangle, a free stream); it ends when deleted, when its display goes away, when its
 * stream turns it away, or when the host stops.
 */
export class BroadcastService implements Service {
  readonly name = 'broadcasts';
  private readonly broadcasts = new Map<string, Broadcast>();
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
    if (input.windowId !== undefined) {
      window = (await this.deps.displays.windows(display.id)).find((w) => w.id === input.windowId);
      if (!window) throw new StudioError('NOT_FOUND', `no window ${input.windowId} on display ${display.name}`, { displayId: display.id, windowId: input.windowId });
    }
    const target = broadcastTarget(display, { region: input.region, window });
    const [encoder, ffmpegPath] = await Promise.all([this.deps.encoder(), this.deps.ffmpegPath()]);
    const capture: BroadcastCaptureOptions = {
      target: { display: display.name, ...target },
      fps: input.fps,
      encoder,
      bitrateKbps: input.bitrateKbps,
      keyframeSeconds: this.deps.keyframeSeconds(),
      drawMouse: true,
    };
    // Refuses an OS without broadcast capture (NOT_IMPLEMENTED_ON_OS) before anything starts.
    this.deps.buildArgs(capture);
    // Checked last, after every await: nothing can take the stream between this check and the start.
    this.assertStreamFree(input.stream);
    if (this.disposed) throw new StudioError('UNAVAILABLE', 'the host is stopping');

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
        return { args: this.deps.buildArgs({ ...capture, ...(audio ? { audioInput: audio.input } : {}) }), audio: audio?.source ?? 'silence' };
      },
      publish: (info) => this.deps.paths.publish(input.stream, info),
      onChange: (view) => {
        if (this.broadcasts.get(id) === broadcast) this.deps.bus.emit('broadcast.changed', { id, broadcast: view });
      },
      onKicked: (reason) => void this.remove(broadcast, reason),
      logger: this.deps.logger,
      ...(this.deps.supervision ? { supervision: this.deps.supervision } : {}),
    });
    this.broadcasts.set(id, broadcast);
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
  }
}
