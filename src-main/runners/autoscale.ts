import { splitList } from '../../src-shared/config-auth.js';
import { SSH_HOST_PATTERN } from '../../src-shared/config-scaling.js';
import { EDGE_REGION_PATTERN } from '../../src-shared/contract/cdn.js';
import type { ScalingMember } from '../../src-shared/contract/runners.js';

/** The runners autoscaler's policy (config `scaling.*`). */
export interface ScalingPolicy {
  enabled: boolean;
  min: number;
  max: number;
  queueWaitSeconds: number;
  idleSeconds: number;
  cooldownSeconds: number;
}

/** What the autoscaler sees at one tick. */
export interface ScaleInput {
  policy: ScalingPolicy;
  now: number;
  /** Runners connected (any, whoever started them), and how many of them take work (not draining). */
  connected: number;
  /** Slots of the runners that take work, and how many of those are free. */
  freeSlots: number;
  /** Jobs in the queue a runner could take, and how long the oldest has waited (ms). */
  waiting: number;
  oldestWaitMs: number;
  /** The runners the autoscaler added, with how long each has had no work (ms; null while it has some or is not ready). */
  members: readonly (Pick<ScalingMember, 'id' | 'name' | 'state' | 'since'> & { idleMs: number | null })[];
  /** Unix ms of its last action (add or remove), and until when a failure holds new machines back. */
  lastActionAt: number | null;
  backoffUntil: number | null;
}

export type ScaleDecision =
  | { action: 'add'; reason: string }
  | { action: 'remove'; member: string; reason: string }
  | { action: 'none'; reason: string };

const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

/**
 * One tick's decision, pure: add a runner below the minimum, or when a job a runner could take has
 * waited past the target with no slot free (one machine at a time: none while one is being
 * provisioned); remove the runner it added that has been idle longest once past idleSeconds, while
 * nothing waits and the count stays at or above the minimum. Never above the maximum; between two
 * actions the cooldown; after a failure to add, the backoff.
 */
export function decideScale(input: ScaleInput): ScaleDecision {
  const { policy, now } = input;
  if (!policy.enabled) return { action: 'none', reason: 'autoscaling is off' };
  const provisioning = input.members.filter((m) => m.state === 'provisioning').length;
  const draining = input.members.filter((m) => m.state === 'draining' || m.state === 'removing').length;
  // Runners that count: connected ones that take work, and machines on their way.
  const count = Math.max(0, input.connected - draining) + provisioning;
  const backedOff = input.backoffUntil !== null && input.backoffUntil > now;
  const cooling = input.lastActionAt !== null && now - input.lastActionAt < policy.cooldownSeconds * 1000;

  if (count < policy.min && provisioning === 0) {
    if (backedOff) return { action: 'none', reason: `below the minimum of ${policy.min}, but adding waits ${seconds(input.backoffUntil! - now)} after a failure` };
    return { action: 'add', reason: `${count} runner${count === 1 ? '' : 's'}, below the minimum of ${policy.min}` };
  }
  const overdue = input.waiting > 0 && input.oldestWaitMs >= policy.queueWaitSeconds * 1000 && input.freeSlots === 0;
  if (overdue) {
    const why = `${input.waiting} job${input.waiting === 1 ? '' : 's'} waiting, the oldest ${seconds(input.oldestWaitMs)} (target ${policy.queueWaitSeconds} s), no runner slot free`;
    if (count >= policy.max) return { action: 'none', reason: `${why}; at the maximum of ${policy.max}` };
    if (provisioning > 0) return { action: 'none', reason: `${why}; a runner is being added` };
    if (backedOff) return { action: 'none', reason: `${why}; adding waits ${seconds(input.backoffUntil! - now)} after a failure` };
    if (cooling) return { action: 'none', reason: `${why}; cooling down` };
    return { action: 'add', reason: why };
  }
  if (input.waiting === 0 && count > policy.min && !cooling) {
    const idle = input.members
      .filter((m) => m.state === 'ready' && m.idleMs !== null && m.idleMs >= policy.idleSeconds * 1000)
      .sort((a, b) => (b.idleMs ?? 0) - (a.idleMs ?? 0))[0];
    if (idle) return { action: 'remove', member: idle.id, reason: `${idle.name} idle for ${seconds(idle.idleMs!)} (target ${policy.idleSeconds} s), nothing waiting` };
  }
  if (count > policy.max) {
    const extra = input.members.filter((m) => m.state === 'ready').sort((a, b) => (b.idleMs ?? -1) - (a.idleMs ?? -1))[0];
    if (extra && !cooling) return { action: 'remove', member: extra.id, reason: `${count} runners, above the maximum of ${policy.max}` };
  }
  return { action: 'none', reason: input.waiting > 0 ? `${input.waiting} waiting, within the target` : 'steady' };
}

/** The edges' policy (config `scaling.edge*`); the cooldown is the runners' one. */
export interface EdgePolicy {
  enabled: boolean;
  min: number;
  max: number;
  /** Bytes/s per edge core at which an edge is added. */
  targetBps: number;
  drainSeconds: number;
  cooldownSeconds: number;
}

/** An edge as the edges' autoscaler weighs it. */
export interface ScaleEdge {
  id: string;
  /** Bytes/s over the last minute (all cores), and its cores. */
  bps: number;
  cores: number;
  /** In rotation (connected, heartbeating, serving) and taking new viewers (not draining). */
  healthy: boolean;
  draining: boolean;
}

export interface EdgeScaleInput {
  policy: EdgePolicy;
  now: number;
  edges: readonly ScaleEdge[];
  /** The edges the autoscaler added (`edgeId` once registered). */
  members: readonly (Pick<ScalingMember, 'id' | 'name' | 'state' | 'edgeId'>)[];
  lastActionAt: number | null;
  backoffUntil: number | null;
}

/** An edge the scaler added is removed only when the others would carry its traffic below this share of the target. */
export const EDGE_SCALE_IN_SHARE = 0.5;

const mbps = (bps: number): string => `${(bps * 8 / 1e6).toFixed(bps * 8 >= 1e7 ? 0 : 1)} Mbit/s`;

/** What the edges carry: traffic of every edge in rotation (a draining one's viewers move to the others), and the edges and cores that take new viewers. */
export function edgeFleetLoad(edges: readonly ScaleEdge[]): { bps: number; taking: number; cores: number } {
  const healthy = edges.filter((e) => e.healthy);
  const taking = healthy.filter((e) => !e.draining);
  return { bps: healthy.reduce((sum, e) => sum + e.bps, 0), taking: taking.length, cores: taking.reduce((sum, e) => sum + Math.max(1, e.cores), 0) };
}

/**
 * The edges' decision at one tick, pure: add an edge below the minimum, or when the traffic per core
 * of the edges taking viewers (a draining edge's traffic counted on them: its viewers are moving) has
 * reached the target; remove the edge it added that carries least once the others would carry the
 * whole traffic below EDGE_SCALE_IN_SHARE of the target (the gap between the two keeps it from
 * flapping), never below the minimum; above the maximum, remove one. One machine at a time, the
 * cooldown between actions, the backoff after a failure, as for runners.
 */
export function decideEdgeScale(input: EdgeScaleInput): ScaleDecision {
  const { policy, now } = input;
  if (!policy.enabled) return { action: 'none', reason: 'edge autoscaling is off' };
  const provisioning = input.members.filter((m) => m.state === 'provisioning').length;
  const load = edgeFleetLoad(input.edges);
  const count = load.taking + provisioning;
  const perCore = load.cores > 0 ? load.bps / load.cores : load.bps > 0 ? Infinity : 0;
  const backedOff = input.backoffUntil !== null && input.backoffUntil > now;
  const cooling = input.lastActionAt !== null && now - input.lastActionAt < policy.cooldownSeconds * 1000;
  const plural = (n: number): string => `${n} edge${n === 1 ? '' : 's'}`;

  if (count < policy.min && provisioning === 0) {
    if (backedOff) return { action: 'none', reason: `below the minimum of ${policy.min}, but adding waits ${seconds(input.backoffUntil! - now)} after a failure` };
    return { action: 'add', reason: `${plural(count)} in rotation, below the minimum of ${policy.min}` };
  }
  const carrying = load.cores > 0 ? `${mbps(load.bps)} on ${plural(load.taking)} (${load.cores} core${load.cores === 1 ? '' : 's'}), ${mbps(perCore)} per core` : `${mbps(load.bps)} and no edge taking viewers`;
  if (load.bps > 0 && perCore >= policy.targetBps) {
    const why = `${carrying}, at or above the target of ${mbps(policy.targetBps)}`;
    if (count >= policy.max) return { action: 'none', reason: `${why}; at the maximum of ${policy.max}` };
    if (provisioning > 0) return { action: 'none', reason: `${why}; an edge is being added` };
    if (backedOff) return { action: 'none', reason: `${why}; adding waits ${seconds(input.backoffUntil! - now)} after a failure` };
    if (cooling) return { action: 'none', reason: `${why}; cooling down` };
    return { action: 'add', reason: why };
  }
  const removable = input.members
    .filter((m) => m.state === 'ready' && m.edgeId !== null)
    .flatMap((m) => {
      const edge = input.edges.find((e) => e.id === m.edgeId && e.healthy && !e.draining);
      return edge ? [{ member: m, edge }] : [];
    })
    .sort((a, b) => a.edge.bps - b.edge.bps);
  if (count > policy.max && removable[0] && provisioning === 0 && !cooling) {
    return { action: 'remove', member: removable[0].member.id, reason: `${plural(count)} in rotation, above the maximum of ${policy.max}` };
  }
  if (count > policy.min && provisioning === 0 && !cooling) {
    const candidate = removable[0];
    if (candidate) {
      const rest = load.cores - Math.max(1, candidate.edge.cores);
      const after = rest > 0 ? load.bps / rest : Infinity;
      if (after < policy.targetBps * EDGE_SCALE_IN_SHARE) {
        return {
          action: 'remove',
          member: candidate.member.id,
          reason: `${carrying}; without ${candidate.member.name} ${mbps(after)} per core, below half the target of ${mbps(policy.targetBps)}`,
        };
      }
    }
  }
  return { action: 'none', reason: load.bps > 0 ? `${carrying}, within the target of ${mbps(policy.targetBps)}` : 'steady: no edge traffic' };
}

/** Whether a draining edge can go: its viewers moved on (the last minute's requests at most a trickle), it left, or the drain took its longest. */
export const DRAINED_REQUESTS_PER_MINUTE = 12;
export function edgeDrained(edge: { connected: boolean; requests: number | null } | undefined, drainingMs: number, drainSeconds: number): string | null {
  if (!edge || !edge.connected) return 'it is no longer connected';
  if (edge.requests !== null && edge.requests <= DRAINED_REQUESTS_PER_MINUTE) return `${edge.requests} request${edge.requests === 1 ? '' : 's'} in the last minute`;
  if (drainingMs >= drainSeconds * 1000) return `its viewers still there after ${drainSeconds} s of draining`;
  return null;
}

/** A machine of the SSH pool. */
export interface PoolHost {
  target: string;
  user: string;
  host: string;
  port: number;
}

/** `scaling.sshHosts` as machines (entries that do not parse are skipped: the config refuses them anyway). */
export function parseSshPool(value: string): PoolHost[] {
  return splitList(value).flatMap((entry) => {
    const m = SSH_HOST_PATTERN.exec(entry);
    if (!m) return [];
    const host = m[2]!.replace(/^\[|\]$/g, '');
    const port = m[3] ? Number(m[3]) : 22;
    return [{ target: `${m[1]}@${host}:${port}`, user: m[1]!, host, port }];
  });
}

/**
 * What a provider's `create` printed: {"id","host","port"?,"user"?,"root"?} and, for an edge,
 * "httpPort"? and "region"?. Throws with the reason when it is not that.
 */
export function parseProviderMachine(stdout: string): { id: string; host: string; port: number; user: string; root: string; httpPort: number | null; region: string | null } {
  const line = stdout.trim().split('\n').filter((l) => l.trim().startsWith('{')).at(-1);
  if (!line) throw new Error('the provider printed no JSON machine ({"id","host"})');
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`the provider printed JSON that does not parse: ${line.slice(0, 200)}`);
  }
  const id = typeof value.id === 'string' && value.id.length > 0 && value.id.length <= 200 ? value.id : null;
  const host = typeof value.host === 'string' && /^[A-Za-z0-9.:-]{1,253}$/.test(value.host) ? value.host : null;
  const port = value.port === undefined ? 22 : Number(value.port);
  const user = value.user === undefined ? 'root' : String(value.user);
  if (!id || !host) throw new Error(`the provider's machine needs an "id" and a "host": ${line.slice(0, 200)}`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`the provider's machine has a bad port: ${String(value.port)}`);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(user)) throw new Error(`the provider's machine has a bad user: ${user.slice(0, 64)}`);
  const root = typeof value.root === 'string' && value.root.startsWith('/') ? value.root : '/';
  const httpPort = value.httpPort === undefined ? null : Number(value.httpPort);
  if (httpPort !== null && (!Number.isInteger(httpPort) || httpPort < 1 || httpPort > 65535)) throw new Error(`the provider's machine has a bad httpPort: ${String(value.httpPort)}`);
  const region = typeof value.region === 'string' && value.region.length <= 64 && EDGE_REGION_PATTERN.test(value.region) ? value.region : null;
  return { id, host, port, user, root, httpPort, region };
}
