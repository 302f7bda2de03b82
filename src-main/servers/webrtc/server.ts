import { StudioError } from '../../core/errors.js';
import type { ChildRegistry } from '../../core/children.js';
import type { Service } from '../../core/lifecycle.js';
import type { Logger } from '../../core/logger.js';
import type { PathManager } from '../../media/path-manager.js';
import { STALE_PUBLISHER_MS } from '../../media/path.js';
import type { MediaFeed } from './feed.js';
import { PathFeed } from './path-feed.js';
import type { IceOptions } from '../../protocols/webrtc/ice-options.js';
import { chooseCodecs, firstEncodingOnly, narrowOffer, parseOffer, parseTrickleFragment, pickOpus, restoreRejected, withoutSections, type RejectedSection } from '../../protocols/webrtc/sdp.js';
import type { DataMessage } from '../../../src-shared/contract/data.js';
import type { WhepSession, WhepTimedData } from './whep-session.js';
import { WhipIngest } from './whip-ingest.js';
import { CompositeFeed } from './composite-feed.js';
import type { WhipSession } from './whip-session.js';
import type { LayerInfo } from '../../protocols/webrtc/simulcast.js';
import { monotonicMs } from '../../core/clock.js';

/**
 * The session classes, loaded with werift (and its certificate libraries) by the first WHIP or WHEP
 * session, not at every start of the host. Before that no session exists, so no object is one.
 */
let sessionClasses: { WhipSession: typeof WhipSession; WhepSession: typeof WhepSession } | null = null;
async function loadSessions(): Promise<NonNullable<typeof sessionClasses>> {
  if (!sessionClasses) {
    const [{ WhipSession: whip }, { WhepSession: whep }] = await Promise.all([import('./whip-session.js'), import('./whep-session.js')]);
    sessionClasses = { WhipSession: whip, WhepSession: whep };
  }
  return sessionClasses;
}
const isWhip = (x: unknown): x is WhipSession => sessionClasses !== null && x instanceof sessionClasses.WhipSession;
const isWhep = (x: unknown): x is WhepSession => sessionClasses !== null && x instanceof sessionClasses.WhepSession;

/** A WHEP viewer's simulcast layers: what is sent, what it gets, and what it asked for. */
export interface LayerState {
  layers: LayerInfo[];
  current: string | null;
  wanted: string | null;
}

export interface WebRtcServerOptions {
  paths: PathManager;
  /** Stream key -> stream name (the same check as RTMP and SRT). */
  authorize(key: string): { name: string } | null;
  streamExists(name: string): boolean;
  children: ChildRegistry;
  ffmpegPath: () => Promise<string>;
  logger: Logger;
  ice: () => IceOptions;
  /** A viewer without RTCP, or a publisher without media, for this long is dropped (default 6 s). */
  silenceTimeoutMs?: () => number;
  /** What feeds a joining WHEP viewer (webrtc.fanout): the native fan-out where the addon has it, or werift. */
  fanout?: () => 'auto' | 'js';
  /** Keyframes asked of a WHIP publisher for HLS/DASH segments (the live segment duration). */
  keyframeIntervalMs?: () => number;
  /** Viewer accounting beside HLS/DASH (protocol "webrtc"): a connected viewer is recorded, then kept alive. */
  analytics?: {
    record(name: string, hit: { sid: string; protocol: 'webrtc' }): void;
    leave(name: string, sid: string): void;
  };
  /** Timed data for viewers that open a `data` channel: the media clock and the timed messages (entry/live.ts). */
  timedData?: {
    programDateTime(stream: string, mediaTime: number): number | null;
    messages(stream: string, fromPdt: number): DataMessage[];
    subscribe(stream: string, listener: (message: DataMessage) => void): () => void;
  };
}

/** What a relay-only publisher's caller hears (guests/). */
export interface RelayHooks {
  onLive(media: { video: boolean; audio: boolean }): void;
  onEnded(reason: string): void;
}

/** Connected viewers are recorded again this often, well inside the analytics' idle time. */
const ANALYTICS_HEARTBEAT_MS = 5000;
/**
 * How long the WHEP viewers of a WHIP publisher that dropped (a studio page reloaded, a network cut)
 * are kept for it to come back; the low-latency playlists stay open as long (hls/routes.ts).
 */
const RETURN_GRACE_MS = 15_000;
/** A publisher that left on purpose may still come back (a studio page reloading): it says so on its DELETE. */
export const RETURNING_REASON = 'publisher disconnected: it is coming back (the studio page reloaded)';
/** How long a WHEP request waits for a just-connected publisher's codec parameters. */
const TRACKS_WAIT_MS = 5000;
const sidOf = (session: WhepSession): string => `w${session.id}`;
const timedDataOf = (t: NonNullable<WebRtcServerOptions['timedData']>, name: string): WhepTimedData => ({
  programDateTime: (mediaTime) => t.programDateTime(name, mediaTime),
  recent: (fromPdt) => t.messages(name, fromPdt),
  subscribe: (listener) => t.subscribe(name, listener),
});

/**
 * WHIP ingest and WHEP playback on werift. A WHEP viewer is fed by the stream's WHIP publisher
 * directly (SFU), or by a PathFeed that bridges an RTMP/SRT publisher from the Path; a WHIP
 * publisher also publishes into the Path (through ffmpeg) for HLS/DASH, recording and restreaming.
 */
export class WebRtcServer implements Service {
  readonly name = 'webrtc';
  private readonly sessions = new Map<string, WhipSession | WhepSession>();
  private readonly whipByName = new Map<string, WhipSession>();
  private readonly pathFeeds = new Map<string, PathFeed>();
  private readonly viewersByName = new Map<string, Set<WhepSession>>();
  /** Names whose publisher is (or was) a relay-only WHIP session: their viewers are not counted as an audience. */
  private readonly relays = new Set<string>();
  /** Streams whose WHIP publisher dropped, with their viewers parked until it returns or this fires. */
  private readonly awaitingReturn = new Map<string, NodeJS.Timeout>();
  private stopping = false;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly options: WebRtcServerOptions) {}

  start(): void {
    const { analytics } = this.options;
    if (!analytics) return;
    this.heartbeat = setInterval(() => {
      for (const [name, set] of this.viewersByName) if (!this.relays.has(name)) for (const s of set) if (s.connected) analytics.record(name, { sid: sidOf(s), protocol: 'webrtc' });
    }, ANALYTICS_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private get silenceTimeoutMs(): number {
    return this.options.silenceTimeoutMs?.() ?? 6000;
  }

  /** Open WHIP and WHEP sessions of one address (limits.connectionsPerIp). */
  sessionsFrom(ip: string): number {
    let n = 0;
    for (const session of this.sessions.values()) if (session.remoteAddress === ip) n += 1;
    return n;
  }

  /** Connected WHEP viewers by what feeds them: the native fan-out, or werift (the JavaScript path). */
  viewerPaths(): { native: number; js: number } {
    const out = { native: 0, js: 0 };
    for (const set of this.viewersByName.values()) {
      for (const viewer of set) {
        if (!viewer.connected) continue;
        if (viewer.native && !viewer.native.isClosed) out.native += 1;
        else out.js += 1;
      }
    }
    return out;
  }

  /** Viewers of one stream over WHEP. */
  viewersOf(name: string): number {
    return this.viewersByName.get(name)?.size ?? 0;
  }

  /** Whether `key` (or a studio operator) may publish to `name`: throws NOT_FOUND or UNAUTHORIZED; reads no offer. */
  authorizePublish(name: string, key: string | undefined, operator: boolean): void {
    if (!this.options.streamExists(name)) throw new StudioError('NOT_FOUND', `no stream named "${name}"`, { name });
    const owner = key ? this.options.authorize(key) : null;
    if (!operator && (!owner || owner.name !== name)) throw new StudioError('UNAUTHORIZED', 'send Authorization: Bearer <stream key> of this stream');
  }

  /**
   * WHIP: the key must be the stream's (or `operator`: a signed-in studio client, which may publish to
   * any stream); the stream must have no other publisher.
   */
  async publish(name: string, key: string | undefined, offer: unknown, remoteAddress: string, operator = false): Promise<{ id: string; answer: string }> {
    this.assertRunning();
    this.authorizePublish(name, key, operator);
    return this.accept(name, offer, remoteAddress);
  }

  /**
   * WHIP for a relay only (a show's guest, admitted by its caller): WHEP viewers of `name` (the studio)
   * are fed by it directly; nothing goes into a Path (no packager, recorder or analytics), so no ffmpeg
   * runs for it. `hooks` hear when it connects (with what it sends) and when it ends.
   */
  async publishRelay(name: string, offer: unknown, remoteAddress: string, hooks: RelayHooks): Promise<{ id: string; answer: string }> {
    this.assertRunning();
    return this.accept(name, offer, remoteAddress, hooks);
  }

  /** Ends the WHIP publisher of `name` and its viewers (a guest taken off the show). */
  closePublisher(name: string, reason: string): void {
    this.whipByName.get(name)?.close(reason);
    for (const viewer of [...(this.viewersByName.get(name) ?? [])]) viewer.close(reason);
  }

  private async accept(name: string, offer: unknown, remoteAddress: string, relay?: RelayHooks): Promise<{ id: string; answer: string }> {
    const parsed = parseOffer(offer);
    const choice = chooseCodecs(parsed, 'receive', ['h264', 'vp8']);
    // Simulcast is relayed to viewers that each choose an encoding (a guest to the studio). A stream
    // going into the Path is read as one encoding: only the first is accepted, and sent alone.
    const rids = choice.video?.rids;
    const single = relay === undefined && rids !== undefined && rids.length > 1;
    if (single) choice.video!.rids = rids.slice(0, 1);
    const ice = this.options.ice();
    const narrowed = narrowOffer(offer as string, choice, ice.twcc);
    const log = this.options.logger.child({ stream: name });
    // A publisher silent for a while (a killed browser, a dropped link not yet timed out) gives way.
    const previous = this.whipByName.get(name);
    if (previous && previous.silentMs < STALE_PUBLISHER_MS) throw new StudioError('CONFLICT', `stream "${name}" already has a publisher`, { name, protocol: 'whip' });
    const current = this.options.paths.publisherOf(name);
    if (current && (this.options.paths.publisherSilentMs(name) ?? 0) < STALE_PUBLISHER_MS) {
      throw new StudioError('CONFLICT', `stream "${name}" already has a publisher`, { name, protocol: current.protocol });
    }
    if (previous) {
      log.warn({ publisher: previous.id, silentMs: previous.silentMs }, 'a silent WHIP publisher is replaced');
      previous.close(`publisher disconnected: replaced by a new publisher after ${(previous.silentMs / 1000).toFixed(1)} s of silence`);
    }
    let session: WhipSession;
    let answer: string;
    try {
      const created = await (await loadSessions()).WhipSession.create({
        name,
        offer: single ? firstEncodingOnly(narrowed, rids[0]!) : narrowed,
        choice,
        ice,
        logger: log,
        remoteAddress,
        silenceTimeoutMs: this.silenceTimeoutMs,
        onConnected: (s) => {
          this.resumeViewers(s);
          if (relay) relay.onLive({ video: s.video !== undefined, audio: s.payloadTypes.audio !== undefined });
          else this.startIngest(s);
        },
        onClosed: (s, reason) => {
          this.onWhipClosed(s, reason);
          relay?.onEnded(reason);
          this.forgetRelayIfIdle(name);
        },
      });
      session = created.session;
      answer = created.answer;
    } catch (error) {
      throw negotiationError(error);
    }
    this.sessions.set(session.id, session);
    this.whipByName.set(name, session);
    if (relay) this.relays.add(name);
    log.info({ publisher: session.id, remoteAddress, video: choice.video?.name, audio: choice.audio ? 'opus' : undefined, layers: choice.video?.rids }, 'WHIP publisher accepted');
    return { id: session.id, answer };
  }

  /** WHEP: any live stream, whatever its ingest. `layered`: its publisher sends simulcast, and the viewer may choose its layer (selectLayer). */
  async view(name: string, offer: unknown, remoteAddress: string): Promise<{ id: string; answer: string; layered: boolean }> {
    this.assertRunning();
    const parsed = parseOffer(offer);
    if (!this.relays.has(name) && !this.options.streamExists(name)) throw new StudioError('NOT_FOUND', `no stream named "${name}"`, { name });
    return this.openViewer(name, await this.feedFor(name), parsed, offer, remoteAddress);
  }

  /**
   * WHEP of a return feed: the sound of the relay `name` (the studio's mix for one guest) with the
   * picture of stream `program` when it is live (else sound only). STREAM_OFFLINE until the relay sends.
   */
  async viewReturn(name: string, program: string, offer: unknown, remoteAddress: string): Promise<{ id: string; answer: string }> {
    this.assertRunning();
    const parsed = parseOffer(offer);
    const sound = this.whipByName.get(name);
    if (!sound || !this.relays.has(name)) throw new StudioError('STREAM_OFFLINE', 'the studio is not sending this return feed yet', { name });
    let picture: MediaFeed | null = null;
    if (this.whipByName.has(program) || this.options.paths.publisherOf(program)) picture = await this.feedFor(program).catch(() => null);
    return this.openViewer(name, new CompositeFeed(name, picture, sound), parsed, offer, remoteAddress, () => this.releaseFeedIfIdle(program));
  }

  private async openViewer(
    name: string,
    feed: MediaFeed,
    parsed: ReturnType<typeof parseOffer>,
    offer: unknown,
    remoteAddress: string,
    released?: () => void,
  ): Promise<{ id: string; answer: string; layered: boolean }> {
    // A stream without audio still answers an audio section that offers Opus (a silent track): a
    // browser offers audio and video whatever the stream carries.
    const choice = chooseCodecs(
      { media: parsed.media.filter((m) => (m.kind === 'video' ? feed.video !== undefined : feed.hasAudio || pickOpus(m) !== undefined)) },
      'send',
      feed.video ? [feed.video.codec] : [],
      feed.video?.h264Profile,
    );
    let created: { session: WhepSession; answer: string };
    const ice = this.options.ice();
    // A feed without a picture (a guest who blocked the camera, a return feed before the show is live):
    // the offer's video section is answered rejected.
    let rejected: RejectedSection[];
    try {
      const narrowed = withoutSections(narrowOffer(offer as string, choice, ice.twcc), feed.video ? [] : ['video']);
      rejected = narrowed.rejected;
      created = await (await loadSessions()).WhepSession.create({
        feed,
        ...(this.options.timedData && parsed.dataChannel ? { timedData: timedDataOf(this.options.timedData, name) } : {}),
        offer: narrowed.offer,
        choice,
        ice,
        logger: this.options.logger.child({ stream: name }),
        remoteAddress,
        silenceTimeoutMs: this.silenceTimeoutMs,
        fanout: this.options.fanout?.() ?? 'auto',
        onConnected: (s) => !this.relays.has(name) && this.options.analytics?.record(name, { sid: sidOf(s), protocol: 'webrtc' }),
        onClosed: (s) => {
          this.onWhepClosed(s);
          released?.();
        },
      });
    } catch (error) {
      this.releaseFeedIfIdle(name);
      released?.();
      throw negotiationError(error);
    }
    const { session } = created;
    this.sessions.set(session.id, session);
    let set = this.viewersByName.get(name);
    if (!set) this.viewersByName.set(name, (set = new Set()));
    set.add(session);
    return { id: session.id, answer: restoreRejected(created.answer, rejected), layered: isWhip(feed) && feed.layers !== undefined };
  }

  /**
   * DELETE of a session's Location: frees it at once. `returning`: a WHIP publisher that will publish
   * again in a moment (a studio page reloading): its viewers wait for it, as for a dropped one.
   */
  end(id: string, options: { returning?: boolean } = {}): boolean {
    const session = this.sessions.get(id);
    session?.close(options.returning && isWhip(session) ? RETURNING_REASON : 'ended by the client');
    return session !== undefined;
  }

  /** PATCH with a trickle-ice-sdpfrag: the candidates are added; an ICE restart is refused. */
  async trickle(id: string, fragment: unknown): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) throw new StudioError('NOT_FOUND', 'no such WebRTC session');
    const { ufrag, candidates } = parseTrickleFragment(fragment);
    if (ufrag !== undefined && ufrag !== session.iceUfrag) {
      throw new StudioError('ICE_RESTART_UNSUPPORTED', 'ICE restarts are not supported: the fragment names another ICE ufrag');
    }
    for (const c of candidates) await session.addIceCandidate(c.candidate, c.mid);
  }

  /**
   * The simulcast encodings a WHEP viewer may choose from, and what it gets (the WHEP layer
   * extension's state): LAYER_UNAVAILABLE when its publisher sends one encoding only.
   */
  layers(id: string): LayerState {
    const { viewer, feed } = this.simulcastViewer(id);
    const state = feed.layersOf(viewer)!;
    return { ...state, wanted: viewer.layer };
  }

  /** A WHEP viewer asks for one encoding (`null`: the publisher's default); it switches at that encoding's next keyframe. */
  selectLayer(id: string, encodingId: string | null): LayerState {
    const { viewer, feed } = this.simulcastViewer(id);
    if (encodingId !== null && !feed.layers!.has(encodingId)) {
      throw new StudioError('LAYER_UNAVAILABLE', `the publisher sends no encoding "${encodingId}"`, { encodingId, encodings: [...feed.layers!.rids] });
    }
    viewer.layer = encodingId;
    feed.requestKeyframe(viewer);
    return this.layers(id);
  }

  private simulcastViewer(id: string): { viewer: WhepSession; feed: WhipSession } {
    const viewer = this.sessions.get(id);
    if (!isWhep(viewer)) throw new StudioError('NOT_FOUND', 'no such WHEP session');
    const feed = viewer.source;
    if (!isWhip(feed) || !feed.layers) {
      throw new StudioError('LAYER_UNAVAILABLE', 'this stream is sent in one encoding only: there is no layer to choose', { name: viewer.name });
    }
    return { viewer, feed };
  }

  /** Which stream and direction a session id belongs to. */
  sessionInfo(id: string): { kind: 'whip' | 'whep'; name: string } | undefined {
    const session = this.sessions.get(id);
    return session ? { kind: isWhip(session) ? 'whip' : 'whep', name: session.name } : undefined;
  }

  async dispose(): Promise<void> {
    this.stopping = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const timer of this.awaitingReturn.values()) clearTimeout(timer);
    this.awaitingReturn.clear();
    const ingests: Promise<void>[] = [];
    for (const session of [...this.sessions.values()]) {
      session.close('host stopping');
      if (isWhip(session) && session.ingest) ingests.push(session.ingest.stop('host stopping'));
    }
    for (const feed of this.pathFeeds.values()) feed.stop('host stopping');
    this.pathFeeds.clear();
    await Promise.all(ingests);
  }

  private assertRunning(): void {
    if (this.stopping) throw new StudioError('UNAVAILABLE', 'the host is stopping');
  }

  private async feedFor(name: string): Promise<MediaFeed> {
    const whip = this.whipByName.get(name);
    if (whip) return whip;
    const existing = this.pathFeeds.get(name);
    if (existing) return existing;
    if (!this.options.paths.publisherOf(name)) throw new StudioError('STREAM_OFFLINE', `stream "${name}" is not live`, { name });
    // A publisher that just connected has not sent its codec parameters yet: wait a little for them.
    const until = monotonicMs() + TRACKS_WAIT_MS;
    let tracks = this.options.paths.tracksOf(name);
    while (!tracks?.video && monotonicMs() < until && this.options.paths.publisherOf(name)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      tracks = this.options.paths.tracksOf(name);
    }
    if (!tracks) throw new StudioError('STREAM_OFFLINE', `stream "${name}" is not live`, { name });
    const again = this.whipByName.get(name) ?? this.pathFeeds.get(name);
    if (again) return again;
    const video = tracks.video;
    if (video && video.codec !== 'h264') {
      throw new StudioError('CODEC_UNSUPPORTED', `stream "${name}" carries ${video.codec} video: WebRTC playback needs H.264 from RTMP/SRT`, { codec: video.codec });
    }
    if (!video) throw new StudioError('UNAVAILABLE', `stream "${name}" has not sent its video parameters yet`, { name });
    const feed = new PathFeed(name, tracks.audio?.codec === 'aac', {
      children: this.options.children,
      ffmpegPath: this.options.ffmpegPath,
      logger: this.options.logger.child({ stream: name }),
      onEnded: (f, reason) => this.onPathFeedEnded(f, reason),
    });
    this.pathFeeds.set(name, feed);
    try {
      await feed.start((reader) => this.options.paths.addReader(name, reader));
    } catch (error) {
      this.pathFeeds.delete(name);
      feed.stop('start failed');
      throw StudioError.from(error);
    }
    return feed;
  }

  private startIngest(session: WhipSession): void {
    if (this.sessions.get(session.id) !== session || session.isClosed) return;
    const { payloadTypes } = session;
    const ingest = new WhipIngest({
      name: session.name,
      ...(session.video && payloadTypes.video !== undefined ? { video: { codec: session.video.codec, payloadType: payloadTypes.video } } : {}),
      ...(payloadTypes.audio !== undefined ? { audio: { payloadType: payloadTypes.audio } } : {}),
      publish: () => this.options.paths.publish(session.name, { protocol: 'whip', remoteAddress: session.remoteAddress, kick: (reason) => session.close(reason) }),
      keyframeIntervalMs: this.options.keyframeIntervalMs?.() ?? 2000,
      children: this.options.children,
      ffmpegPath: this.options.ffmpegPath,
      logger: this.options.logger,
      requestKeyframe: () => session.requestKeyframe(),
      failed: (reason) => session.close(reason),
    });
    session.ingest = ingest;
    ingest.start().catch((error: unknown) => session.close(`ingest failed: ${error instanceof Error ? error.message : String(error)}`));
  }

  private onWhipClosed(session: WhipSession, reason: string): void {
    this.sessions.delete(session.id);
    if (this.whipByName.get(session.name) === session) this.whipByName.delete(session.name);
    void session.ingest?.stop(reason);
    const viewers = [...(this.viewersByName.get(session.name) ?? [])];
    // A publisher that dropped (rather than stopped) often comes back within seconds: its viewers wait.
    if (/disconnected/.test(reason) && !this.stopping && viewers.length > 0) {
      const { name } = session;
      for (const viewer of viewers) viewer.park(RETURN_GRACE_MS);
      clearTimeout(this.awaitingReturn.get(name));
      const timer = setTimeout(() => {
        this.awaitingReturn.delete(name);
        for (const viewer of [...(this.viewersByName.get(name) ?? [])]) if (viewer.parked) viewer.close('publisher ended');
      }, RETURN_GRACE_MS);
      timer.unref();
      this.awaitingReturn.set(name, timer);
      this.options.logger.info({ stream: name, viewers: viewers.length, graceMs: RETURN_GRACE_MS }, 'WHIP publisher dropped: its viewers wait for it');
      return;
    }
    for (const viewer of viewers) viewer.close('publisher ended');
  }

  /** A publisher of a stream whose viewers wait for it: they are fed by it from now on (same video codec), else closed. */
  private resumeViewers(session: WhipSession): void {
    const timer = this.awaitingReturn.get(session.name);
    if (timer === undefined || this.whipByName.get(session.name) !== session) return;
    clearTimeout(timer);
    this.awaitingReturn.delete(session.name);
    let resumed = 0;
    for (const viewer of [...(this.viewersByName.get(session.name) ?? [])]) {
      if (!viewer.parked) continue;
      if (viewer.videoCodec !== session.video?.codec) {
        viewer.close('the returning publisher sends another video codec');
        continue;
      }
      viewer.resume(session);
      resumed += 1;
    }
    this.options.logger.info({ stream: session.name, publisher: session.id, viewers: resumed }, 'WHIP publisher back: its viewers go on');
  }

  private onWhepClosed(session: WhepSession): void {
    this.sessions.delete(session.id);
    const set = this.viewersByName.get(session.name);
    set?.delete(session);
    if (set && set.size === 0) this.viewersByName.delete(session.name);
    this.releaseFeedIfIdle(session.name);
    if (session.connected && !this.relays.has(session.name)) this.options.analytics?.leave(session.name, sidOf(session));
    this.forgetRelayIfIdle(session.name);
  }

  private forgetRelayIfIdle(name: string): void {
    if (!this.whipByName.has(name) && !this.viewersByName.has(name) && !this.awaitingReturn.has(name)) this.relays.delete(name);
  }

  /** The Opus encoder and the Path reader run only while a stream has WebRTC viewers. */
  private releaseFeedIfIdle(name: string): void {
    const feed = this.pathFeeds.get(name);
    if (feed && feed.sinkCount === 0 && !this.viewersByName.get(name)?.size) {
      this.pathFeeds.delete(name);
      feed.stop('no viewers left');
    }
  }

  private onPathFeedEnded(feed: PathFeed, reason: string): void {
    if (this.pathFeeds.get(feed.name) === feed) this.pathFeeds.delete(feed.name);
    for (const viewer of [...(this.viewersByName.get(feed.name) ?? [])]) viewer.close(reason);
  }
}

/** werift's own negotiation errors are the offer's fault (no common transport, bad fingerprint). */
function negotiationError(error: unknown): StudioError {
  if (error instanceof StudioError) return error;
  return new StudioError('SDP_INVALID', `the offer could not be negotiated: ${error instanceof Error ? error.message : String(error)}`);
}
