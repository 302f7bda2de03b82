import type { Broadcast as BroadcastView, BroadcastState, Rect } from '../../src-shared/contract/index.js';
import type { Writable } from 'node:stream';
import type { ChildRegistry } from '../core/children.js';
import type { Logger } from '../core/logger.js';
import { FlvToPath } from '../media/flv-to-path.js';
import type { PathPublisher, PublisherInfo } from '../media/types.js';
import { DEFAULT_BACKOFF } from '../../src-shared/backoff.js';
import { describeFailures, Supervisor, type RestartPolicy } from '../core/supervisor.js';
import { FfmpegRunner } from '../encoder/ffmpeg-runner.js';

/** maxFailures in a row and the broadcast gives up (state failed); live stableMs and the count starts again from zero. */
export interface BroadcastSupervision extends RestartPolicy {
  stableMs: number;
}

export const DEFAULT_BROADCAST_SUPERVISION: BroadcastSupervision = { maxFailures: 5, stableMs: 10_000, backoff: DEFAULT_BACKOFF };

/** One launch: ffmpeg's arguments and the sound it captures ("silence" or a PulseAudio source). */
export interface BroadcastLaunch {
  args: string[];
  audio: string;
}

export interface BroadcastDeps {
  id: string;
  displayId: string;
  /** The X display (`:5`), shown as the publisher's address. */
  displayName: string;
  stream: string;
  target: Rect;
  windowId?: number | undefined;
  fps: number;
  bitrateKbps: number;
  encoder: string;
  children: ChildRegistry;
  ffmpegPath: () => Promise<string>;
  /** Called per launch: a sound server may have come or gone since the last one. */
  prepare: () => Promise<BroadcastLaunch>;
  /** Feeds ffmpeg's stdin (a native capture's frames) on each launch; returns the detach function. */
  input?: (stdin: Writable) => () => void;
  /** Makes this broadcast the stream's publisher; throws CONFLICT when the stream has another one. */
  publish: (info: PublisherInfo) => PathPublisher;
  onChange: (view: BroadcastView) => void;
  /** The stream turned the publisher away (deleted, key rotated): the broadcast has ended for good. */
  onKicked: (reason: string) => void;
  logger: Logger;
  supervision?: Partial<BroadcastSupervision>;
}

interface Run {
  ffmpeg: FfmpegRunner;
  flv: FlvToPath;
}

/**
 * A display published as a live stream: one supervised ffmpeg (x11grab + sound -> H.264/AAC FLV) whose
 * output is published into the stream's Path at its first tag, so that HLS/DASH, recording, relays and
 * WebRTC read it like any ingest. starting -> live; an ffmpeg exit ends the publish (the next one is a
 * new packager session) and relaunches after the shared backoff (restarting), or gives up (failed).
 */
export class Broadcast {
  private state: BroadcastState = 'starting';
  private audio = 'silence';
  private lastError: string | undefined;
  private run: Run | undefined;
  private closed = false;
  private readonly startedAt = Date.now();
  private readonly supervisor: Supervisor;
  private readonly log: Logger;

  constructor(private readonly deps: BroadcastDeps) {
    this.supervisor = new Supervisor({ ...DEFAULT_BROADCAST_SUPERVISION, ...deps.supervision }, { unref: true });
    this.log = deps.logger.child({ broadcast: deps.id, stream: deps.stream, display: deps.displayName });
  }

  get id(): string {
    return this.deps.id;
  }

  get displayId(): string {
    return this.deps.displayId;
  }

  get stream(): string {
    return this.deps.stream;
  }

  view(): BroadcastView {
    const d = this.deps;
    return {
      id: d.id,
      displayId: d.displayId,
      stream: d.stream,
      target: { ...d.target },
      ...(d.windowId !== undefined ? { windowId: d.windowId } : {}),
      fps: d.fps,
      bitrateKbps: d.bitrateKbps,
      encoder: d.encoder,
      audio: this.audio,
      state: this.state,
      startedAt: this.startedAt,
      restarts: this.supervisor.failures,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  start(): void {
    void this.launch();
  }

  /**
   * Ends the broadcast: ffmpeg is asked to stop (its last tags still reach the stream), then the
   * publish ends with `reason`, so that the stream ends cleanly (playlists closed, recording finished).
   */
  async stop(reason: string): Promise<void> {
    this.closed = true;
    this.supervisor.stop();
    const run = this.run;
    this.run = undefined;
    if (!run) return;
    await run.ffmpeg.stop();
    run.flv.publisher?.end(reason);
    this.log.info({ reason }, 'broadcast stopped');
  }

  private async launch(): Promise<void> {
    if (this.closed) return;
    let command: string;
    let launch: BroadcastLaunch;
    try {
      [command, launch] = await Promise.all([this.deps.ffmpegPath(), this.deps.prepare()]);
    } catch (error) {
      this.failed(`cannot start the capture: ${(error as Error).message}`);
      return;
    }
    if (this.closed) return;
    this.audio = launch.audio;
    this.supervisor.starting();
    const run: Run = {
      ffmpeg: FfmpegRunner.start(this.deps.children, command, launch.args, { stderrMax: 4000, onUnexpectedExit: (reason) => this.onExit(run, reason) }),
      flv: new FlvToPath('capture', () => this.publish(run)),
    };
    this.run = run;
    const stdin = run.ffmpeg.child.stdin;
    if (this.deps.input && stdin) {
      const detach = this.deps.input(stdin);
      void run.ffmpeg.exited.then(detach);
    }
    run.ffmpeg.child.stdout?.on('data', (data: Buffer) => this.onFlv(run, data));
    this.log.info({ pid: run.ffmpeg.child.pid, encoder: this.deps.encoder, audio: launch.audio, target: this.deps.target, failures: this.supervisor.failures }, 'broadcast ffmpeg started');
  }

  private onFlv(run: Run, data: Buffer): void {
    if (this.closed || this.run !== run) return;
    try {
      run.flv.push(data);
    } catch (error) {
      // Not FLV, or the stream refused the publish (it has another publisher).
      void run.ffmpeg.stop();
      this.onExit(run, (error as Error).message);
    }
  }

  /** Called at ffmpeg's first tag (its header and onMetaData come first): the stream goes live when media really flows. */
  private publish(run: Run): PathPublisher {
    const publisher = this.deps.publish({
      protocol: 'capture',
      remoteAddress: `display ${this.deps.displayName}`,
      // The path manager ends the publish itself right after kick(): stop on the next microtask.
      kick: (reason) => queueMicrotask(() => this.kicked(reason)),
    });
    this.lastError = undefined;
    this.set('live');
    // Live long enough: the failure count (shown as restarts) starts again from zero.
    const hadFailures = this.supervisor.failures > 0;
    this.supervisor.running(() => {
      if (this.run === run && hadFailures) this.set('live');
    });
    return publisher;
  }

  private kicked(reason: string): void {
    if (this.closed) return;
    this.log.info({ reason }, 'broadcast publisher kicked');
    void this.stop(reason);
    this.deps.onKicked(reason);
  }

  private onExit(run: Run, reason: string): void {
    if (this.closed || this.run !== run) return;
    this.run = undefined;
    run.flv.publisher?.end(`capture restarting: ${reason}`);
    const decision = this.supervisor.failed(() => void this.launch());
    if (decision.action === 'give-up') {
      this.failed(`${reason} (${describeFailures(decision.failures, this.supervisor.policy)})`);
      return;
    }
    this.log.warn({ reason, failures: decision.failures, retryInMs: decision.delayMs }, 'broadcast ffmpeg exited: restarting');
    this.lastError = reason;
    this.set('restarting');
  }

  private failed(reason: string): void {
    this.supervisor.giveUp();
    this.log.error({ reason, failures: this.supervisor.failures }, 'broadcast failed');
    this.lastError = reason;
    this.set('failed');
  }

  private set(state: BroadcastState): void {
    this.state = state;
    try {
      this.deps.onChange(this.view());
    } catch (error) {
      this.log.warn({ err: error }, 'broadcast listener failed');
    }
  }
}
