import type { Display } from '../../src-shared/contract/index.js';
import { RtpFeed, type RtpSink } from '../capture/rtp-feed.js';
import type { CaptureArgsBuilder } from '../capture/types.js';
import type { ChildRegistry } from '../core/children.js';
import type { FfmpegCaps } from '../encoder/capabilities.js';
import type { Logger } from '../core/logger.js';
import type { Writable } from 'node:stream';
import type { RawFormat } from '../capture/frame-pump.js';
import { StudioError } from '../core/errors.js';
import type { DesktopCursor, DesktopStatus, WaylandDesktop, WaylandDesktops } from '../displays/wayland.linux.js';
import { deflateSync } from 'node:zlib';
import type { ClipboardBridge, ClipboardOpener } from './clipboard.js';
import { MAX_CLIPBOARD_LENGTH } from './input-protocol.js';
import { encodeSettings, LOWEST_LEVEL, QualityController, type EncodeSettings, type NetworkSample } from './quality.js';

/** The video codec a viewer decodes: H.264, or VP8 for viewers without it. */
export type ViewerCodec = 'h264' | 'vp8';

/** What a display share needs of one viewer. */
export interface ShareViewer {
  readonly id: string;
  readonly control: boolean;
  readonly codec: ViewerCodec;
  video(rtp: Buffer): void;
  audio(rtp: Buffer): void;
  send(message: object): void;
}

/** The host's sound, shared by every viewer that receives audio; undefined when there is none. */
export interface SoundSource {
  attach(sink: RtpSink): Promise<(() => void) | undefined>;
}

export interface ShareSettings {
  bitrateKbps: number;
  adaptive: boolean;
  clipboard: boolean;
}

export interface DisplayShareDeps {
  children: ChildRegistry;
  ffmpegPath: () => Promise<string>;
  captureArgs: CaptureArgsBuilder;
  /** The H.264 encoder (from the capability probe). */
  encoder: () => Promise<string>;
  /** What the found ffmpeg accepts (the capture emits -vsync where it has no -fps_mode). */
  caps: () => Promise<FfmpegCaps>;
  settings: () => ShareSettings;
  sound: SoundSource;
  clipboard: ClipboardOpener | undefined;
  /** The Wayland desktop's monitors (native PipeWire capture), where the host runs in one. */
  wayland?: Pick<WaylandDesktops, 'desktop'>;
  logger: Logger;
}

interface Member {
  viewer: ShareViewer;
  auto: QualityController;
  last: NetworkSample | undefined;
  /** A level the viewer chose by hand, else undefined (automatic). */
  manual: number | undefined;
  detach: (() => void)[];
}

/** A data-channel message stays under 256 KB: a larger pointer image is not sent (the viewer keeps its arrow). */
const MAX_CURSOR_IMAGE_BYTES = 192 * 1024;

/** The pointer's image for viewers: RGBA deflated, base64; undefined without one or when too large. */
export function cursorImageMessage(cursor: DesktopCursor): object | undefined {
  const image = cursor.image;
  if (!image) return undefined;
  const data = deflateSync(image.rgba).toString('base64');
  if (data.length > MAX_CURSOR_IMAGE_BYTES) return undefined;
  return { t: 'cursor-image', width: image.width, height: image.height, hotX: image.hotX, hotY: image.hotY, data };
}

/**
 * Everything one display shares with its viewers: one capture, encoded at the level the worst-placed
 * viewer can take (one encode for all; a viewer on a poor network lowers it for the others too),
 * the host's sound, and the display's clipboard (control viewers only).
 */
export class DisplayShare {
  private readonly members = new Map<string, Member>();
  /** One capture per codec the viewers need (almost always H.264 alone). */
  private readonly feeds = new Map<ViewerCodec, { feed: RtpFeed; encoder: string; caps: FfmpegCaps }>();
  private level = 0;
  private clipboard: Promise<ClipboardBridge | undefined> | undefined;
  private stopped = false;
  /** A Wayland monitor's shared desktop while this share uses it, and the picture it sends. */
  private desktop: { desktop: WaylandDesktop; format: RawFormat; unsubscribe: () => void } | undefined;
  /** The pointer's image message of the shape last seen (deflated once per shape), and a pending position send. */
  private cursorSent = { shape: -1, image: undefined as object | undefined, timer: undefined as NodeJS.Timeout | undefined };

  constructor(
    readonly display: Display,
    private readonly deps: DisplayShareDeps,
  ) {}

  /** Starts sending to a viewer whose connection is up. */
  async add(viewer: ShareViewer): Promise<void> {
    const member: Member = { viewer, auto: new QualityController(), last: undefined, manual: undefined, detach: [] };
    this.members.set(viewer.id, member);
    member.detach.push(await this.attachVideo(viewer));
    const sound = await this.deps.sound.attach({ id: viewer.id, rtp: (p) => viewer.audio(p) });
    if (sound) member.detach.push(sound);
    const clipboard = viewer.control && this.deps.settings().clipboard ? await this.openClipboard() : undefined;
    if (!this.members.has(viewer.id)) {
      // The viewer left while its media was being set up.
      this.remove(viewer.id, member);
      return;
    }
    viewer.send({ t: 'hello', width: this.display.width, height: this.display.height, audio: sound !== undefined, clipboard: clipboard !== undefined });
    viewer.send(this.qualityMessage(member));
    // A Wayland monitor's pointer as it is now, for a viewer who joins.
    if (this.desktop) {
      const shape = this.cursorImage(this.desktop.desktop.cursor);
      if (shape) viewer.send(shape);
      const where = this.cursorMessage();
      if (where) viewer.send(where);
    }
  }

  /** Stops sending to a viewer; returns true when the share has no viewers left (and has stopped). */
  remove(viewerId: string, known = this.members.get(viewerId)): boolean {
    this.members.delete(viewerId);
    for (const detach of known?.detach ?? []) detach();
    if (this.members.size === 0) {
      void this.stop();
      return true;
    }
    if (![...this.members.values()].some((m) => m.viewer.control)) this.closeClipboard();
    this.applyLevel();
    return false;
  }

  /** A receiver report of a viewer: its automatic level may change, and with it the capture's. */
  report(viewerId: string, sample: NetworkSample): void {
    const member = this.members.get(viewerId);
    if (!member) return;
    member.last = sample;
    if (!this.deps.settings().adaptive) return;
    if (member.auto.observe(sample) !== undefined && member.manual === undefined) this.applyLevel();
  }

  /** A viewer's own choice: a level, or back to automatic. */
  choose(viewerId: string, level: number | 'auto'): void {
    const member = this.members.get(viewerId);
    if (!member) return;
    member.manual = level === 'auto' ? undefined : Math.min(LOWEST_LEVEL, Math.max(0, level));
    if (!this.applyLevel()) member.viewer.send(this.qualityMessage(member));
  }

  /** The viewer's last receiver report and the level it needs, for the host's view of its sessions. */
  network(viewerId: string): { lossPercent: number; rttMs: number | null; level: number; auto: boolean } | undefined {
    const member = this.members.get(viewerId);
    if (!member?.last) return undefined;
    const { lossFraction, rttMs } = member.last;
    return {
      lossPercent: Math.round(lossFraction * 1000) / 10,
      rttMs: rttMs === undefined ? null : Math.round(rttMs),
      level: member.manual ?? member.auto.level,
      auto: member.manual === undefined,
    };
  }

  /** Text a control viewer copied: applications on the display paste it. */
  async setClipboard(text: string): Promise<boolean> {
    const bridge = await (this.clipboard ?? Promise.resolve(undefined));
    bridge?.set(text);
    return bridge !== undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.closeClipboard();
    const feeds = [...this.feeds.values()];
    this.feeds.clear();
    await Promise.all(feeds.map(({ feed }) => feed.stop()));
    const desktop = this.desktop;
    this.desktop = undefined;
    clearTimeout(this.cursorSent.timer);
    desktop?.unsubscribe();
    desktop?.desktop.release();
  }

  private settingsAt(level: number): EncodeSettings {
    const fps = Math.min(60, this.display.refreshHz);
    return encodeSettings(level, { width: this.display.width, height: this.display.height, fps }, this.deps.settings().bitrateKbps);
  }

  /** Sends the capture in the viewer's codec, starting it for the first viewer of that codec. */
  private async attachVideo(viewer: ShareViewer): Promise<() => void> {
    if (this.display.kind === 'wayland') await this.useDesktop();
    let entry = this.feeds.get(viewer.codec);
    if (!entry) {
      // VP8 realtime for viewers without H.264; H.264 from the probe (hardware first, else x264).
      const encoder = viewer.codec === 'vp8' ? 'libvpx' : await this.deps.encoder();
      const caps = await this.deps.caps();
      entry = this.feeds.get(viewer.codec) ?? {
        encoder,
        caps,
        feed: new RtpFeed({
          children: this.deps.children,
          ffmpegPath: this.deps.ffmpegPath,
          args: this.argsAt(this.level, encoder, caps),
          clockRate: 90_000,
          label: { display: this.display.name, encoder },
          logger: this.deps.logger,
          ...(this.desktop ? { input: this.desktopInput(viewer.codec) } : {}),
        }),
      };
      this.feeds.set(viewer.codec, entry);
    }
    // A feed stops when its last viewer leaves and starts again (at the current level) with the next.
    return entry.feed.attach({ id: viewer.id, rtp: (p) => viewer.video(p) });
  }

  private argsAt(level: number, encoder: string, caps: FfmpegCaps): (rtpPort: number) => string[] {
    const s = this.settingsAt(level);
    // A Wayland monitor's frames come as the screen cast negotiated them, scaled to the display's size.
    const raw = this.desktop?.format;
    const { width, height } = raw ?? this.display;
    const wanted = s.width !== this.display.width || s.height !== this.display.height || width !== this.display.width || height !== this.display.height;
    return (rtpPort) =>
      this.deps.captureArgs({
        target: { display: this.display.name, width, height },
        fps: s.fps,
        encoder,
        caps,
        bitrateKbps: s.bitrateKbps,
        drawMouse: true,
        rtpPort,
        ...(wanted ? { outputSize: { width: s.width, height: s.height } } : {}),
        ...(raw ? { rawInput: { pixelFormat: raw.pixelFormat } } : {}),
      });
  }

  /**
   * A Wayland monitor: its desktop (capture and input) opened for this share, and its news passed on:
   * viewers hear when the capture is lost and when it is back; a new picture size restarts the encoders.
   */
  private async useDesktop(): Promise<void> {
    if (this.desktop) return;
    const wayland = this.deps.wayland;
    if (!wayland) throw new StudioError('CAPTURE_UNAVAILABLE', `display ${this.display.name} is a Wayland monitor and this host has no Wayland capture`);
    const desktop = wayland.desktop(this.display.name, 'metadata', this.settingsAt(0).fps);
    const format = await desktop.use();
    if (this.desktop || this.stopped) {
      desktop.release();
      return;
    }
    const offStatus = desktop.onStatus((status) => this.desktopStatus(status));
    const offCursor = desktop.onCursor((cursor) => this.cursorMoved(cursor));
    this.desktop = { desktop, format, unsubscribe: () => (offStatus(), offCursor()) };
  }

  /**
   * The pointer of a Wayland monitor is not in the picture (the screen cast sends it as metadata):
   * viewers draw it. Its image goes when the shape changes (deflated RGBA), its position at most every
   * 16 ms, as fractions of the picture like the viewers' own pointer messages.
   */
  private cursorMoved(cursor: DesktopCursor): void {
    if (cursor.shape !== this.cursorSent.shape) {
      const image = this.cursorImage(cursor);
      if (image) for (const m of this.members.values()) m.viewer.send(image);
    }
    this.cursorSent.timer ??= setTimeout(() => {
      this.cursorSent.timer = undefined;
      const message = this.cursorMessage();
      if (message) for (const m of this.members.values()) m.viewer.send(message);
    }, 16);
  }

  /** The image message of the pointer's current shape, made once per shape. */
  private cursorImage(cursor: DesktopCursor): object | undefined {
    if (cursor.shape !== this.cursorSent.shape) {
      this.cursorSent.shape = cursor.shape;
      this.cursorSent.image = cursorImageMessage(cursor);
    }
    return this.cursorSent.image;
  }

  private cursorMessage(): object | undefined {
    const desktop = this.desktop;
    if (!desktop) return undefined;
    const { cursor } = desktop.desktop;
    const { width, height } = desktop.format;
    return { t: 'cursor', visible: cursor.visible, x: cursor.x / width, y: cursor.y / height };
  }

  private desktopStatus(status: DesktopStatus): void {
    const current = this.desktop;
    if (!current) return;
    if (status.state === 'lost') {
      this.deps.logger.warn({ display: this.display.name, reason: status.reason }, 'remote capture lost');
      for (const m of this.members.values()) m.viewer.send({ t: 'capture', state: 'lost', code: 'CAPTURE_FAILED', message: status.reason });
      return;
    }
    for (const m of this.members.values()) m.viewer.send({ t: 'capture', state: 'running' });
    const { format } = status;
    if (format.width === current.format.width && format.height === current.format.height && format.pixelFormat === current.format.pixelFormat) return;
    current.format = format;
    for (const { feed, encoder, caps } of this.feeds.values()) {
      void feed.reconfigure(this.argsAt(this.level, encoder, caps)).catch((error: unknown) => this.deps.logger.warn({ err: error, display: this.display.name }, 'capture reconfiguration failed'));
    }
  }

  /** Feeds an encoder's stdin with the desktop's frames (on each start of its ffmpeg). */
  private desktopInput(codec: ViewerCodec): (stdin: Writable) => () => void {
    return (stdin) => this.desktop?.desktop.attach(`${this.display.id}:${codec}`, stdin) ?? (() => undefined);
  }

  /** The capture's level is the highest (poorest) any viewer needs; returns true when it changed. */
  private applyLevel(): boolean {
    const level = Math.max(0, ...[...this.members.values()].map((m) => m.manual ?? m.auto.level));
    if (level === this.level || this.stopped) return false;
    this.level = level;
    const s = this.settingsAt(level);
    this.deps.logger.info({ display: this.display.name, level, ...s }, 'remote capture quality changed');
    for (const { feed, encoder, caps } of this.feeds.values()) {
      void feed.reconfigure(this.argsAt(level, encoder, caps)).catch((error: unknown) => this.deps.logger.warn({ err: error, display: this.display.name }, 'capture reconfiguration failed'));
    }
    for (const member of this.members.values()) member.viewer.send(this.qualityMessage(member));
    return true;
  }

  private qualityMessage(member: Member): object {
    return { t: 'quality', level: this.level, choice: member.manual ?? 'auto', levels: LOWEST_LEVEL + 1, ...this.settingsAt(this.level) };
  }

  private openClipboard(): Promise<ClipboardBridge | undefined> {
    const opener = this.deps.clipboard;
    if (!opener) return Promise.resolve(undefined);
    this.clipboard ??= opener(
      this.display.name,
      (text) => {
        // A data-channel message stays under 256 KB: larger clipboard text is not shared, and the viewer is told.
        const message = text.length <= MAX_CLIPBOARD_LENGTH
          ? { t: 'clipboard', text }
          : { t: 'error', code: 'PAYLOAD_TOO_LARGE', message: `the host clipboard holds more than ${MAX_CLIPBOARD_LENGTH} characters: not shared` };
        for (const m of this.members.values()) if (m.viewer.control) m.viewer.send(message);
      },
      (error) => this.deps.logger.warn({ display: this.display.name, err: error }, 'clipboard'),
    ).catch((error: unknown) => {
      this.deps.logger.warn({ display: this.display.name, err: error }, 'clipboard unavailable');
      this.clipboard = undefined;
      return undefined;
    });
    return this.clipboard;
  }

  private closeClipboard(): void {
    const pending = this.clipboard;
    this.clipboard = undefined;
    void pending?.then((bridge) => bridge?.close());
  }
}
