import crypto from 'node:crypto';
import {
  edgeClientMessageSchema,
  type EdgeDownloadRecord,
  type EdgeFunctionSpec,
  type EdgeInfo,
  type EdgeServerMessage,
  type EdgeStats,
  type PurgeRequest,
  type PurgeResult,
  type SigningKeys,
  streamTag,
} from '../../src-shared/contract/cdn.js';
import type { EventBus } from '../core/bus.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import type { EdgeStore } from '../store/edges.js';
import { VodPurgeTracker } from './vod-purge.js';
import { StreamPurgeTracker } from './stream-purge.js';
import { monotonicMs } from '../core/clock.js';

/** One edge's socket as the registry sees it. */
export interface EdgeConnection {
  send(message: EdgeServerMessage): void;
  close(code: number, reason: string): void;
}

interface Live {
  conn: EdgeConnection;
  heartbeatMs: number;
  lastSeen: number;
  stats: EdgeStats | null;
  acks: Map<number, (ack: { ok: boolean; objects: number }) => void>;
  /** The last set of edge functions sent, and what the edge said of it. */
  functions: { rev: number; specs: EdgeFunctionSpec[]; status: 'applied' | 'failed' | 'pending'; error: string | null };
  functionAcks: Map<number, (ack: { ok: boolean; error: string | null }) => void>;
}

/** What one edge said of a set of functions sent to it. */
export interface FunctionsRollout {
  id: string;
  status: 'applied' | 'failed' | 'pending';
  error: string | null;
  ms: number | null;
}

export type Drain = NonNullable<EdgeInfo['draining']>;

/** Heartbeats an edge may miss before it leaves rotation. */
export const MISSED_HEARTBEATS = 3;

/**
 * The origin's view of its edges: who is connected and healthy, and the purge fan-out. A purge is
 * appended to the log (its sequence number), pushed to every connected edge, and answered when they
 * confirmed (or after `ackTimeoutMs`); an edge that was away is replayed what it missed on hello.
 */
export class EdgeRegistry implements Service {
  readonly name = 'cdn';
  private readonly live = new Map<string, Live>();
  /**
   * Edges that get no new viewers, and why. An operator's drain is also stored (it outlives a restart
   * of the origin); a job's lasts as long as the job, which a restart ends.
   */
  private readonly draining = new Map<string, Drain>();
  private unsubscribe: (() => void)[] = [];
  private readonly vodPurges = new VodPurgeTracker();
  private readonly streamPurges = new StreamPurgeTracker();
  /** The edge functions each edge runs (cdn/edge-functions.ts sets it); none until then. */
  private functionPlan: (edgeId: string) => EdgeFunctionSpec[] = () => [];
  private functionsRev = 0;
  /** Told of every heartbeat's function counters. */
  onFunctionStats: ((edgeId: string, stats: NonNullable<EdgeStats['functions']>) => void) | null = null;

  constructor(
    private readonly deps: {
      store: EdgeStore;
      keys: () => SigningKeys;
      logger: Logger;
      bus: EventBus;
      /** An edge's podcast download lines (the podcasts count them). */
      onDownloads?: (edgeId: string, records: EdgeDownloadRecord[]) => void;
      ackTimeoutMs?: number;
      now?: () => number;
    },
  ) {
    for (const edge of deps.store.list()) if (edge.drained) this.draining.set(edge.id, 'operator');
  }

  private lastPublished = 0;

  /** The edge list for clients (UI); heartbeats publish at most once a second. */
  private publish(force: boolean): void {
    const now = this.now();
    if (!force && now - this.lastPublished < 1000) return;
    this.lastPublished = now;
    this.deps.bus.emit('cdn.edges', this.list());
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  start(): void {
    this.unsubscribe.push(
      this.deps.bus.on('stream.state', ({ name, state }) => {
        // Ended: its objects go. Live again: 404s cached while it was off go too.
        const request: PurgeRequest | null =
          state === 'ended' || state === 'error' ? { tags: [streamTag(name)] } : state === 'live' ? { prefix: `/live/${name}/` } : null;
        this.autoPurge(request, { stream: name });
      }),
      // A stream made private or encrypted, or deleted: no public copy of it stays at the edges.
      this.deps.bus.on('streams.changed', ({ name, stream }) => this.autoPurge(this.streamPurges.onStreamChanged(name, stream), { stream: name })),
      // A recording deleted or converted (again): its VOD and download leave the edges.
      this.deps.bus.on('recording.changed', ({ id, recording }) => this.autoPurge(this.vodPurges.onRecordingChanged(id, recording), { recording: id })),
      // A library video deleted, processed again or with other subtitles or chapters.
      this.deps.bus.on('video.changed', ({ id, video }) => this.autoPurge(this.vodPurges.onVideoChanged(id, video), { video: id })),
    );
  }

  /** A purge the origin decides by itself; logged even with every edge away (they are replayed it when they return). */
  autoPurge(request: PurgeRequest | null, context: Record<string, string>): void {
    if (!request || this.deps.store.list().length === 0) return;
    this.purge(request).catch((error: unknown) => this.deps.logger.error({ err: error, ...context }, 'automatic purge failed'));
  }

  dispose(): void {
    for (const off of this.unsubscribe) off();
    for (const live of this.live.values()) live.conn.close(1001, 'origin stopping');
    this.live.clear();
  }

  /** A new socket: returns its message and close handlers. The first message must be a hello. */
  attach(conn: EdgeConnection): { onMessage(raw: string): void; onClose(): void } {
    let id: string | null = null;
    return {
      onMessage: (raw) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw);
        } catch {
          conn.close(1003, 'not JSON');
          return;
        }
        const result = edgeClientMessageSchema.safeParse(parsed);
        if (!result.success) {
          conn.close(1003, 'bad message');
          return;
        }
        const message = result.data;
        if (message.type === 'hello') {
          id = message.id;
          this.hello(conn, message);
          return;
        }
        const live = id ? this.live.get(id) : undefined;
        if (!live || live.conn !== conn) {
          conn.close(1008, 'hello first');
          return;
        }
        live.lastSeen = this.now();
        if (message.type === 'heartbeat') {
          const before = this.outOfRotation(live);
          live.stats = message.stats;
          this.deps.store.seen(id!, live.lastSeen);
          // Into or out of rotation: clients hear it at once, not with the next throttled update.
          this.publish(this.outOfRotation(live) !== before);
          if (message.stats.functions) this.onFunctionStats?.(id!, message.stats.functions);
        } else if (message.type === 'downloads') {
          this.deps.onDownloads?.(id!, message.records);
        } else if (message.type === 'functionsAck') {
          if (live.functions.rev === message.rev) Object.assign(live.functions, { status: message.ok ? 'applied' : 'failed', error: message.ok ? null : (message.error ?? 'refused') });
          live.functionAcks.get(message.rev)?.({ ok: message.ok, error: message.error ?? null });
          live.functionAcks.delete(message.rev);
        } else {
          if (message.ok) this.deps.store.applied(id!, message.seq);
          live.acks.get(message.seq)?.({ ok: message.ok, objects: message.objects });
          live.acks.delete(message.seq);
        }
      },
      onClose: () => {
        if (id && this.live.get(id)?.conn === conn) {
          const live = this.live.get(id)!;
          for (const resolve of live.acks.values()) resolve({ ok: false, objects: 0 });
          for (const resolve of live.functionAcks.values()) resolve({ ok: false, error: null });
          this.live.delete(id);
          this.deps.logger.info({ edge: id }, 'edge disconnected');
          this.publish(true);
        }
      },
    };
  }

  private hello(conn: EdgeConnection, hello: { id: string; url: string; region: string; version: string; heartbeatMs: number; lastSeq: number | null }): void {
    const previous = this.live.get(hello.id);
    if (previous && previous.conn !== conn) previous.conn.close(4000, 'replaced by a new connection');
    this.deps.store.upsert(hello);
    const now = this.now();
    const live: Live = { conn, heartbeatMs: hello.heartbeatMs, lastSeen: now, stats: null, acks: new Map(), functions: { rev: 0, specs: [], status: 'pending', error: null }, functionAcks: new Map() };
    this.live.set(hello.id, live);
    const seq = this.deps.store.lastSeq();
    conn.send({ type: 'welcome', seq, keys: this.deps.keys() });
    // Every edge is told its functions when it (re)connects: none is a set too (it may run an old one).
    this.sendFunctions(hello.id, live);
    const missed = hello.lastSeq === null ? [] : this.deps.store.purgesAfter(hello.lastSeq);
    for (const purge of missed) conn.send({ type: 'purge', seq: purge.seq, id: purge.id, request: purge.request });
    this.deps.logger.info({ edge: hello.id, url: hello.url, replayed: missed.length }, 'edge registered');
    this.publish(true);
  }

  /**
   * Why an edge is out of rotation, or null when it is in: connected, heartbeating, nginx up and its
   * data plane answered the last probe. A fresh edge is out until its first heartbeat says it serves.
   */
  private outOfRotation(live: Live | undefined): string | null {
    if (!live) return 'offline: not connected to the origin';
    const silentMs = this.now() - live.lastSeen;
    if (silentMs > MISSED_HEARTBEATS * live.heartbeatMs) return `missed heartbeats: the last one ${(silentMs / 1000).toFixed(1)} s ago`;
    const stats = live.stats;
    if (!stats) return 'waiting for its first heartbeat';
    if (!stats.nginxUp) return 'nginx is not running';
    if (stats.dataPlane === undefined) return 'its agent does not probe its data plane (older than this origin: provision it again)';
    if (stats.dataPlane === null) return 'waiting for its first data-plane probe';
    if (!stats.dataPlane.ok) return `data plane: ${stats.dataPlane.error ?? `nginx answered ${String(stats.dataPlane.status)}`}`;
    return null;
  }

  list(): EdgeInfo[] {
    return this.deps.store.list().map((edge) => {
      const live = this.live.get(edge.id);
      const reason = this.outOfRotation(live);
      return {
        id: edge.id,
        url: edge.url,
        region: edge.region,
        version: edge.version,
        healthy: reason === null,
        unhealthyReason: reason,
        connected: live !== undefined,
        draining: this.draining.get(edge.id) ?? null,
        hitRatio: live?.stats?.hitRatio ?? 0,
        lastSeen: live?.lastSeen ?? edge.lastSeenAt,
        lastSeq: edge.lastSeq,
        stats: live?.stats ?? null,
        registeredAt: edge.registeredAt,
      };
    });
  }

  /** Resolves null once edge `id` is in rotation, else (after `timeoutMs`) why it is not. */
  async waitInRotation(id: string, timeoutMs: number): Promise<string | null> {
    const deadline = monotonicMs() + timeoutMs;
    for (;;) {
      const reason = this.live.has(id) ? this.outOfRotation(this.live.get(id)) : 'it did not connect to the origin (check the origin URL and token)';
      if (reason === null) return null;
      if (monotonicMs() > deadline) return reason;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Edges in rotation: connected, heartbeating, and serving (their data-plane probe passed). */
  healthyEdges(): EdgeInfo[] {
    return this.list().filter((e) => e.healthy);
  }

  /** An operator drains edge `id` (`draining` true) or puts it back for new viewers (false, whoever drained it). */
  setDraining(id: string, draining: boolean): EdgeInfo {
    if (!this.list().some((e) => e.id === id)) throw new StudioError('NOT_FOUND', `no edge "${id}"`);
    this.applyDrain(id, draining ? 'operator' : null);
    return this.list().find((e) => e.id === id)!;
  }

  /**
   * A decommission or an upgrade drains the edge it works on for as long as it runs; `release` undoes
   * only that drain (an operator's drain, set before or meanwhile, stays).
   */
  drainFor(id: string, why: Exclude<Drain, 'operator'>): { release(): void } {
    if (!this.draining.has(id)) this.applyDrain(id, why);
    return { release: () => this.draining.get(id) === why && this.applyDrain(id, null) };
  }

  private applyDrain(id: string, why: Drain | null): void {
    this.deps.store.setDrained(id, why === 'operator');
    if (why === null) this.draining.delete(id);
    else this.draining.set(id, why);
    this.deps.logger.info({ edge: id, draining: why }, why ? 'edge draining: no new viewers' : 'edge takes new viewers again');
    this.publish(true);
  }

  remove(id: string): void {
    const live = this.live.get(id);
    if (!this.deps.store.remove(id) && !live) throw new StudioError('NOT_FOUND', `no edge "${id}"`);
    this.draining.delete(id);
    live?.conn.close(4001, 'removed by the origin');
    this.live.delete(id);
    this.publish(true);
  }

  /** New signing keys (a rotation): every connected edge reloads nginx with both. */
  pushKeys(): void {
    const keys = this.deps.keys();
    for (const live of this.live.values()) live.conn.send({ type: 'keys', keys });
  }

  /** Where each edge's functions come from (cdn/edge-functions.ts). */
  setFunctionPlan(plan: (edgeId: string) => EdgeFunctionSpec[]): void {
    this.functionPlan = plan;
  }

  /** What edge `id` runs of the functions (null: not connected). */
  functionsOf(id: string): Live['functions'] | null {
    return this.live.get(id)?.functions ?? null;
  }

  /**
   * Sends every connected edge its set of functions (from the plan) and resolves with what each said,
   * once all answered or after `timeoutMs` (pending).
   */
  async pushFunctions(timeoutMs = 15_000): Promise<FunctionsRollout[]> {
    const started = performance.now();
    return Promise.all(
      [...this.live.entries()].map(([edgeId, live]) => {
        return new Promise<FunctionsRollout>((resolve) => {
          const rev = this.sendFunctions(edgeId, live);
          const timer = setTimeout(() => {
            live.functionAcks.delete(rev);
            resolve({ id: edgeId, status: 'pending', error: null, ms: null });
          }, timeoutMs);
          live.functionAcks.set(rev, (ack) => {
            clearTimeout(timer);
            const ms = Math.round(performance.now() - started);
            resolve({ id: edgeId, status: ack.ok ? 'applied' : ack.error === null ? 'pending' : 'failed', error: ack.error, ms });
          });
        });
      }),
    );
  }

  /** Sends edge `edgeId` its set of functions from the plan, as a new revision (returned), pending until it answers. */
  private sendFunctions(edgeId: string, live: Live): number {
    const rev = ++this.functionsRev;
    const specs = this.functionPlan(edgeId);
    live.functions = { rev, specs, status: 'pending', error: null };
    live.conn.send({ type: 'functions', rev, functions: specs });
    return rev;
  }

  async purge(request: PurgeRequest): Promise<PurgeResult> {
    const id = `pg_${crypto.randomBytes(8).toString('hex')}`;
    const seq = this.deps.store.appendPurge(id, request);
    const started = performance.now();
    const timeoutMs = this.deps.ackTimeoutMs ?? 5000;
    // Every connected edge is sent the purge (one out of rotation may return); only those in rotation
    // are waited for and counted in propagatedMs. An edge's ack updates its lastSeq either way.
    const inRotation = new Set(this.healthyEdges().map((e) => e.id));
    const targets = [...this.live.entries()];
    const pending = new Set(this.deps.store.list().map((e) => e.id));
    const results = await Promise.all(
      targets.map(([edgeId, live]) => {
        pending.delete(edgeId);
        const counted = inRotation.has(edgeId);
        return new Promise<PurgeResult['edges'][number]>((resolve) => {
          const timer = setTimeout(() => {
            live.acks.delete(seq);
            resolve({ id: edgeId, status: 'pending', ms: null, objects: null, inRotation: counted });
          }, counted ? timeoutMs : 0);
          live.acks.set(seq, (ack) => {
            clearTimeout(timer);
            const ms = Math.round((performance.now() - started) * 10) / 10;
            resolve({ id: edgeId, status: ack.ok ? 'done' : 'failed', ms, objects: ack.objects, inRotation: counted });
          });
          live.conn.send({ type: 'purge', seq, id, request });
        });
      }),
    );
    for (const edgeId of pending) results.push({ id: edgeId, status: 'pending', ms: null, objects: null, inRotation: false });
    const counted = results.filter((r) => r.inRotation);
    const done = counted.filter((r) => r.status === 'done').map((r) => r.ms!);
    const propagatedMs = counted.length > 0 && done.length === counted.length ? Math.max(...done) : null;
    this.deps.logger.info({ id, seq, edges: results.length, propagatedMs }, 'purge sent');
    return { id, seq, edges: results, propagatedMs };
  }
}
