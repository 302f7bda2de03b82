import { splitList } from '../../src-shared/config-auth.js';
import { SSH_HOST_PATTERN } from '../../src-shared/config-scaling.js';
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

/** What a provider's `create` printed: {"id","host","port"?,"user"?,"root"?}. Throws with the reason when it is not that. */
export function parseProviderMachine(stdout: string): { id: string; host: string; port: number; user: string; root: string } {
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
  return { id, host, port, user, root };
}
