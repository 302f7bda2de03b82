import type { RTCRtpSender } from 'werift';
import { nativeFeature, type NativeAddon } from '../../platform/native.js';

/**
 * WebRTC viewers fed by the native fan-out (native/src/srtp-fanout.c): one call per incoming RTP
 * packet rewrites, protects (libsrtp, the keys werift's DTLS agreed) and sends it to every viewer on
 * its own ICE socket. werift keeps signalling, ICE, DTLS and RTCP; its sender gets the counts its
 * sender reports need, and NACKs are answered from the addon's history. Where the addon was built
 * without libsrtp, or a viewer's session is one the addon cannot serve (a relayed candidate, a header
 * extension it does not write), werift sends as before: the JavaScript path.
 */

/** The fan-out functions of the addon (present when it was built with libsrtp). */
export interface NativeFanoutAddon {
  srtpTransport(options: { fd: number; host: string; port: number; profile: number; key: Buffer }): number;
  srtpTransportDest(id: number, fd: number, host: string, port: number): void;
  srtpTransportClose(id: number): void;
  fanStream(transport: number, options: { ssrc: number; pt: number; clockRate: number; rtxPt?: number; rtxSsrc?: number; twccId?: number; absSendTimeId?: number; midId?: number; mid?: string }): number;
  fanStreamClose(id: number): void;
  fanSend(ids: Int32Array, rtp: Buffer): number;
  fanNack(id: number, seqs: number[]): number;
  /** [packets, octets, lastRtpTimestamp, lastSentEpochMs, timestampOffset, sendErrors, resent] */
  fanStats(id: number): [number, number, number, number, number, number, number] | undefined;
}

export type FanoutMode = { native: true; addon: NativeFanoutAddon } | { native: false; reason: string };

/**
 * How a joining viewer is fed (webrtc.fanout): natively where the addon has its srtp part (`auto`),
 * or by werift whatever the addon has (`js`: a comparison, a suspected addon bug).
 */
export function fanoutMode(setting: 'auto' | 'js' = 'auto', feature = () => nativeFeature('srtp')): FanoutMode {
  if (setting === 'js') return { native: false, reason: 'webrtc.fanout is js' };
  const found = feature();
  return found.ok ? { native: true, addon: found.addon as NativeAddon & NativeFanoutAddon } : { native: false, reason: found.reason };
}

/** What the dashboard shows: which path feeds WebRTC viewers that join now, and why not the native one. */
export function fanoutSummary(mode: FanoutMode): { path: 'native' | 'js'; reason: string | null } {
  return mode.native ? { path: 'native', reason: null } : { path: 'js', reason: mode.reason };
}

const URI = {
  mid: 'urn:ietf:params:rtp-hdrext:sdes:mid',
  twcc: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  absSendTime: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
} as const;

/** werift's sender as the fan-out uses it (fields it keeps without declaring them all). */
interface SenderInternals {
  ssrc: number;
  rtxSsrc: number;
  rtxPayloadType?: number;
  codec?: { payloadType: number; clockRate: number };
  headerExtensions: { uri: string; id: number }[];
  mid?: string;
  packetCount: number;
  octetCount: number;
  rtpTimestamp: number;
  ntpTimestamp: bigint;
  timestamp?: number;
  onGenericNack: { subscribe(fn: (feedback: { lost: number[] }) => void): { unSubscribe(): void } };
  runRtcp(): Promise<void>;
  dtlsTransport: DtlsInternals;
}

interface DtlsInternals {
  state: string;
  dtls?: { srtp: { srtpProfile?: number }; extractSessionKeys(keyLength: number, saltLength: number): { localKey: Buffer; localSalt: Buffer } };
  iceTransport: { connection: { nominated?: { protocol: { type?: string; transport?: { socket?: object } }; remoteCandidate: { host: string; port: number } } } };
}

/**
 * The file descriptor of a bound dgram socket: Node keeps its handle under a symbol of its own
 * (`socket._handle` reads the same but is deprecated, DEP0112, and warns). undefined where it is not.
 */
export function socketFd(socket: object | undefined): number | undefined {
  if (!socket) return undefined;
  const state = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  const fd = (state && (socket as Record<symbol, { handle?: { fd?: number } } | undefined>)[state]?.handle?.fd) as number | undefined;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

const PROFILES: Record<number, { key: number; salt: number }> = { 0x0001: { key: 16, salt: 14 }, 0x0007: { key: 16, salt: 12 } };
/** Sender reports count what was sent: werift's sender is told this often. */
const SYNC_MS = 250;
/** NTP's epoch (1900) in Unix ms: sender reports carry NTP time. */
const NTP_EPOCH_MS = Date.UTC(1900, 0, 1);

/** The socket and peer of the nominated ICE pair, when it is a plain UDP one the addon can send on. */
function path(dtls: DtlsInternals): { fd: number; host: string; port: number; socket: object } | string {
  const pair = dtls.iceTransport.connection.nominated;
  if (!pair) return 'no nominated ICE pair';
  if (pair.protocol.type !== 'stun') return `the nominated ICE pair is ${pair.protocol.type ?? 'not UDP'} (a relay)`;
  const fd = socketFd(pair.protocol.transport?.socket);
  if (fd === undefined) return 'the ICE socket has no file descriptor';
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(pair.remoteCandidate.host)) return `the peer ${pair.remoteCandidate.host} is not IPv4`;
  return { fd, host: pair.remoteCandidate.host, port: pair.remoteCandidate.port, socket: pair.protocol.transport!.socket! };
}

/** 64-bit NTP time of a Unix ms time. */
export function ntpOf(unixMs: number): bigint {
  const ms = unixMs - NTP_EPOCH_MS;
  const seconds = Math.floor(ms / 1000);
  const fraction = Math.floor(((ms - seconds * 1000) / 1000) * 2 ** 32);
  return (BigInt(seconds) << 32n) | BigInt(fraction >>> 0);
}

/**
 * One viewer's media through the addon: its SRTP context and path, and one stream per sending track.
 * `open` returns the reason instead where the addon cannot serve it (werift sends then).
 */
export class NativeViewer {
  private readonly subscriptions: { unSubscribe(): void }[] = [];
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private rtcpStarted = new Set<number>();

  private constructor(
    private readonly addon: NativeFanoutAddon,
    private readonly transport: number,
    private readonly dtls: DtlsInternals,
    private readonly fd: number,
    private peer: { host: string; port: number },
    socket: NodeJS.EventEmitter,
    readonly streams: { video?: number; audio?: number },
    private readonly senders: { id: number; sender: SenderInternals }[],
  ) {
    for (const { id, sender } of senders) this.subscriptions.push(sender.onGenericNack.subscribe((feedback) => void this.nack(id, feedback.lost)));
    // A socket closed under us: its descriptor may be reused at once, so nothing more is written to it.
    const onSocketClose = (): void => this.close();
    socket.once('close', onSocketClose);
    this.subscriptions.push({ unSubscribe: () => socket.off('close', onSocketClose) });
    this.timer = setInterval(() => this.sync(), SYNC_MS);
    this.timer.unref();
  }

  static open(addon: NativeFanoutAddon, senders: { kind: 'video' | 'audio'; sender: RTCRtpSender }[]): NativeViewer | string {
    const first = senders[0]?.sender as unknown as SenderInternals | undefined;
    if (!first) return 'no sending track';
    const dtls = first.dtlsTransport;
    if (dtls.state !== 'connected' || !dtls.dtls) return 'DTLS is not connected';
    const profile = dtls.dtls.srtp.srtpProfile ?? 0;
    const lengths = PROFILES[profile];
    if (!lengths) return `SRTP profile ${profile} is not one the addon knows`;
    const route = path(dtls);
    if (typeof route === 'string') return route;
    const plans: { kind: 'video' | 'audio'; sender: SenderInternals; options: Parameters<NativeFanoutAddon['fanStream']>[1] }[] = [];
    for (const { kind, sender: s } of senders) {
      const sender = s as unknown as SenderInternals;
      if (sender.dtlsTransport !== dtls) return 'the tracks are not bundled on one transport';
      if (!sender.codec) return `the ${kind} track has no codec yet`;
      const ids: Record<string, number> = {};
      for (const ext of sender.headerExtensions ?? []) {
        const name = Object.entries(URI).find(([, uri]) => uri === ext.uri)?.[0];
        if (!name) return `the header extension ${ext.uri} is not one the addon writes`;
        ids[name] = ext.id;
      }
      plans.push({
        kind,
        sender,
        options: {
          ssrc: sender.ssrc, pt: sender.codec.payloadType, clockRate: sender.codec.clockRate,
          ...(sender.rtxPayloadType !== undefined ? { rtxPt: sender.rtxPayloadType, rtxSsrc: sender.rtxSsrc } : {}),
          ...(ids.twcc ? { twccId: ids.twcc } : {}), ...(ids.absSendTime ? { absSendTimeId: ids.absSendTime } : {}),
          ...(ids.mid && sender.mid ? { midId: ids.mid, mid: sender.mid } : {}),
        },
      });
    }
    const keys = dtls.dtls.extractSessionKeys(lengths.key, lengths.salt);
    let transport: number;
    try {
      transport = addon.srtpTransport({ fd: route.fd, host: route.host, port: route.port, profile, key: Buffer.concat([keys.localKey, keys.localSalt]) });
    } catch (error) {
      return (error as Error).message;
    }
    const streams: { video?: number; audio?: number } = {};
    const opened: { id: number; sender: SenderInternals }[] = [];
    try {
      for (const plan of plans) {
        const id = addon.fanStream(transport, plan.options);
        streams[plan.kind] = id;
        opened.push({ id, sender: plan.sender });
      }
    } catch (error) {
      for (const { id } of opened) addon.fanStreamClose(id);
      addon.srtpTransportClose(transport);
      return (error as Error).message;
    }
    return new NativeViewer(addon, transport, dtls, route.fd, { host: route.host, port: route.port }, route.socket as NodeJS.EventEmitter, streams, opened);
  }

  /** Sends one packet to this viewer alone (a feed that filters per viewer, a cached GOP on join). */
  send(kind: 'video' | 'audio', rtp: Buffer): void {
    const id = this.streams[kind];
    if (id && !this.closed) this.addon.fanSend(Int32Array.of(id), rtp);
  }

  /** What the stream adds to a source's timestamps (a spliced-on source): a time map adds it too. */
  timestampOffset(kind: 'video' | 'audio'): number {
    const id = this.streams[kind];
    return (id && this.addon.fanStats(id)?.[4]) || 0;
  }

  private nack(id: number, lost: number[]): void {
    if (!this.closed) this.addon.fanNack(id, lost);
  }

  /** werift's sender reports count what the addon sent; the ICE pair may have changed. */
  private sync(): void {
    if (this.closed) return;
    const route = path(this.dtls);
    // The socket went (ICE closed under us): nothing more may be written to its descriptor.
    if (typeof route === 'string') return this.close();
    if (route.fd !== this.fd) return this.close();
    // ICE may nominate another pair of the same socket (the peer's address changed).
    if (route.host !== this.peer.host || route.port !== this.peer.port) {
      this.addon.srtpTransportDest(this.transport, route.fd, route.host, route.port);
      this.peer = { host: route.host, port: route.port };
    }
    for (const { id, sender } of this.senders) {
      const s = this.addon.fanStats(id);
      if (!s || s[0] === 0) continue;
      sender.packetCount = s[0] >>> 0;
      sender.octetCount = s[1] >>> 0;
      sender.rtpTimestamp = s[2];
      sender.timestamp = s[2];
      sender.ntpTimestamp = ntpOf(s[3]);
      if (!this.rtcpStarted.has(id)) {
        this.rtcpStarted.add(id);
        void sender.runRtcp();
      }
    }
  }

  /** Stops sending: before werift closes the sockets (their descriptors may be reused). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const s of this.subscriptions) s.unSubscribe();
    for (const { id } of this.senders) this.addon.fanStreamClose(id);
    this.addon.srtpTransportClose(this.transport);
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

let scratch = new Int32Array(64);
/** The addon, once a natively fed viewer exists (only then are there stream ids to send to). */
let fanAddon: FanoutMode | undefined;

/**
 * Hands one packet to every viewer of a feed: the natively fed ones in one call, the others (the
 * JavaScript path) one by one.
 */
export function deliver(sinks: Iterable<{ native?: { streams: { video?: number; audio?: number }; isClosed: boolean } | undefined; video(rtp: Buffer): void; audio(rtp: Buffer): void }>, kind: 'video' | 'audio', rtp: Buffer): void {
  let n = 0;
  for (const sink of sinks) {
    const id = sink.native && !sink.native.isClosed ? sink.native.streams[kind] : undefined;
    if (id === undefined) {
      sink[kind](rtp);
      continue;
    }
    if (n === scratch.length) {
      const bigger = new Int32Array(scratch.length * 2);
      bigger.set(scratch);
      scratch = bigger;
    }
    scratch[n++] = id;
  }
  if (n === 0) return;
  fanAddon ??= fanoutMode('auto');
  if (fanAddon.native) fanAddon.addon.fanSend(scratch.subarray(0, n), rtp);
}
