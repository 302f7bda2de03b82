import type { z } from 'zod';
import type { EdgeFunctionSpec, EdgeStats } from '../../src-shared/contract/cdn.js';
import type { cdnFunctionMethods, EdgeFunction, EdgeFunctionVersion } from '../../src-shared/contract/cdn-functions.js';
import type { AuditPort } from '../auth/types.js';
import type { EventBus } from '../core/bus.js';
import { StudioError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { FunctionStore, StoredFunction } from '../store/cdn-functions.js';
import type { EdgeRegistry, FunctionsRollout } from './edge-registry.js';

type CreateInput = z.output<(typeof cdnFunctionMethods)['cdn.createFunction']['input']>;
type UpdateInput = Omit<z.output<(typeof cdnFunctionMethods)['cdn.updateFunction']['input']>, 'name'>;
type EdgeCounters = NonNullable<EdgeStats['functions']>;

const DEFAULT_ROLLBACK = { errorRate: 0.1, minErrors: 5 };
/** Errors kept per function for the Edges page. */
const RECENT_ERRORS = 20;

/** The edges a canary of `percent` goes to: that share of the connected edges (rounded, at least one), in id order. */
export function canaryEdges(edgeIds: readonly string[], percent: number): string[] {
  const sorted = [...edgeIds].sort();
  return sorted.slice(0, Math.max(1, Math.round((sorted.length * percent) / 100)));
}

/** The version to go back to from `from`: the newest before it that was not rolled back, or null (none). */
export function previousGood(versions: readonly EdgeFunctionVersion[], from: number): number | null {
  const older = versions.filter((v) => v.version < from && v.state !== 'rolled-back').map((v) => v.version);
  return older.length > 0 ? Math.max(...older) : null;
}

/** Whether a version's calls on the edges pass its rollback threshold. */
export function pastThreshold(counts: { calls: number; errors: number }, policy: { errorRate: number; minErrors: number }): boolean {
  return counts.errors >= policy.minErrors && counts.calls > 0 && counts.errors / counts.calls >= policy.errorRate;
}

/**
 * The origin's edge functions: checked (nginx on this host), versioned (SQLite), rolled out through the
 * edge registry (every edge is sent its whole set; a canary's edges get the canary version), counted
 * from the edges' heartbeats, and rolled back when an edge refuses a version, when a version's errors
 * pass its threshold, or on request. Changes are made one at a time.
 */
export class EdgeFunctions {
  private readonly docs = new Map<string, StoredFunction>();
  /** Per edge, its last reported counters. */
  private readonly counters = new Map<string, EdgeCounters>();
  private readonly recent = new Map<string, EdgeFunction['recentErrors']>();
  private chain: Promise<unknown> = Promise.resolve();
  private lastPublished = 0;

  constructor(
    private readonly deps: {
      store: FunctionStore;
      registry: Pick<EdgeRegistry, 'setFunctionPlan' | 'pushFunctions' | 'functionsOf' | 'list'> & { onFunctionStats: EdgeRegistry['onFunctionStats'] };
      check: (spec: EdgeFunctionSpec) => Promise<void>;
      bus: Pick<EventBus, 'emit'>;
      logger: Logger;
      audit?: Pick<AuditPort, 'record'>;
      now?: () => number;
      rolloutTimeoutMs?: number;
    },
  ) {
    for (const doc of deps.store.list()) this.docs.set(doc.name, doc);
    deps.registry.setFunctionPlan((edgeId) => this.planFor(edgeId));
    deps.registry.onFunctionStats = (edgeId, stats) => this.onStats(edgeId, stats);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** One change at a time (checks and rollouts take seconds; two at once would race on the edges). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** What edge `edgeId` runs: each enabled function's canary version on its canary edges, else its stable version. */
  planFor(edgeId: string): EdgeFunctionSpec[] {
    const specs: EdgeFunctionSpec[] = [];
    for (const doc of this.docs.values()) {
      if (!doc.enabled) continue;
      const version = doc.canary?.edges.includes(edgeId) ? doc.canary.version : doc.version;
      const v = doc.versions.find((x) => x.version === version);
      if (v) specs.push({ name: doc.name, version: v.version, route: v.route, phase: v.phase, code: v.code });
    }
    return specs;
  }

  list(): EdgeFunction[] {
    return [...this.docs.values()].map((doc) => this.view(doc));
  }

  get(name: string): EdgeFunction {
    return this.view(this.doc(name));
  }

  private doc(name: string): StoredFunction {
    const doc = this.docs.get(name);
    if (!doc) throw new StudioError('NOT_FOUND', `no edge function "${name}"`, { name });
    return doc;
  }

  private view(doc: StoredFunction): EdgeFunction {
    const shown = doc.versions.find((v) => v.version === (doc.version ?? doc.canary?.version)) ?? doc.versions[doc.versions.length - 1]!;
    const edges = this.deps.registry.list().map((edge) => {
      const sent = this.deps.registry.functionsOf(edge.id);
      const expected = this.planFor(edge.id).find((s) => s.name === doc.name)?.version ?? null;
      const version = sent?.specs.find((s) => s.name === doc.name)?.version ?? null;
      // The edge's answer is about the last set it was sent: until that set holds this function's version, it is pending.
      const status = sent && version === expected ? sent.status : ('pending' as const);
      return { id: edge.id, version: expected, status, error: status === 'pending' ? null : (sent?.error ?? null) };
    });
    return {
      name: doc.name,
      enabled: doc.enabled,
      route: shown.route,
      phase: shown.phase,
      code: shown.code,
      version: doc.version,
      canary: doc.canary,
      rollback: doc.rollback,
      versions: doc.versions,
      edges,
      counters: doc.versions.map((v) => ({ version: v.version, ...this.countsOf(doc.name, v.version) })).filter((c) => c.calls > 0).reverse(),
      recentErrors: this.recent.get(doc.name) ?? [],
      createdAt: doc.createdAt,
      updatedAt: doc.updatedAt,
    };
  }

  private countsOf(name: string, version: number): { calls: number; errors: number; avgMs: number | null } {
    let calls = 0;
    let errors = 0;
    let totalMs = 0;
    for (const list of this.counters.values()) {
      for (const c of list) {
        if (c.name !== name || c.version !== version) continue;
        calls += c.calls;
        errors += c.errors;
        totalMs += c.totalMs;
      }
    }
    return { calls, errors, avgMs: calls > 0 ? Math.round((totalMs / calls) * 100) / 100 : null };
  }

  create(input: CreateInput, actor = 'system'): Promise<EdgeFunction> {
    return this.serial(async () => {
      if (this.docs.has(input.name)) throw new StudioError('CONFLICT', `an edge function "${input.name}" exists: change it with PATCH`, { name: input.name });
      const spec = { name: input.name, version: 1, route: input.route, phase: input.phase, code: input.code };
      await this.deps.check(spec);
      const now = this.now();
      const doc: StoredFunction = {
        name: input.name,
        enabled: input.enabled,
        version: null,
        canary: null,
        rollback: { ...DEFAULT_ROLLBACK, ...input.rollback },
        versions: [],
        createdAt: now,
        updatedAt: now,
      };
      return this.release(doc, spec, input.canaryPercent, actor, 'create');
    });
  }

  update(name: string, input: UpdateInput, actor = 'system'): Promise<EdgeFunction> {
    return this.serial(async () => {
      const current = this.doc(name);
      const doc: StoredFunction = structuredClone(current);
      if (input.rollback) doc.rollback = { ...doc.rollback, ...input.rollback };
      if (input.enabled !== undefined) doc.enabled = input.enabled;
      const base = doc.versions.find((v) => v.version === (doc.canary?.version ?? doc.version)) ?? doc.versions[doc.versions.length - 1]!;
      const changed = (input.code !== undefined && input.code !== base.code) || (input.route !== undefined && input.route !== base.route) || (input.phase !== undefined && input.phase !== base.phase);
      if (!changed) {
        doc.updatedAt = this.now();
        const rollout = current.enabled !== doc.enabled;
        this.commit(doc);
        if (rollout) await this.rollout(doc.name);
        this.deps.audit?.record({ actor, action: 'edge.function.update', target: name, ip: null, result: 'ok', detail: doc.enabled ? 'enabled' : 'disabled' });
        return this.view(doc);
      }
      const version = Math.max(...doc.versions.map((v) => v.version)) + 1;
      const spec = { name, version, route: input.route ?? base.route, phase: input.phase ?? base.phase, code: input.code ?? base.code };
      await this.deps.check(spec);
      return this.release(doc, spec, input.canaryPercent, actor, 'update');
    });
  }

  /** A checked new version: stored, rolled out (to the canary edges, or as the stable version), undone if an edge refuses it. */
  private async release(doc: StoredFunction, spec: EdgeFunctionSpec, canaryPercent: number | undefined, actor: string, action: 'create' | 'update'): Promise<EdgeFunction> {
    const now = this.now();
    // A canary still out is replaced by the new version (it was never promoted).
    for (const v of doc.versions) if (v.state === 'canary') v.state = 'superseded';
    const connected = this.deps.registry.list().filter((e) => e.connected).map((e) => e.id);
    if (canaryPercent !== undefined && connected.length > 0) {
      doc.canary = { version: spec.version, percent: canaryPercent, edges: canaryEdges(connected, canaryPercent) };
      doc.versions.push({ version: spec.version, route: spec.route, phase: spec.phase, code: spec.code, createdAt: now, state: 'canary', rolledBack: null });
    } else {
      for (const v of doc.versions) if (v.state === 'stable') v.state = 'superseded';
      doc.canary = null;
      doc.version = spec.version;
      doc.versions.push({ version: spec.version, route: spec.route, phase: spec.phase, code: spec.code, createdAt: now, state: 'stable', rolledBack: null });
    }
    doc.updatedAt = now;
    this.commit(doc);
    const results = await this.rollout(doc.name);
    const failed = results.filter((r) => r.status === 'failed');
    if (failed.length > 0) {
      const reason = `edge ${failed[0]!.id} refused it: ${failed[0]!.error ?? 'no reason given'}`;
      if (action === 'create') {
        // A new function no edge would run leaves nothing behind: it can be sent again as it was.
        this.docs.delete(doc.name);
        this.deps.store.remove(doc.name);
        await this.rollout(doc.name);
      } else {
        await this.undo(doc.name, spec.version, reason, true, actor);
      }
      this.deps.audit?.record({ actor, action: `edge.function.${action}`, target: doc.name, ip: null, result: 'failed', detail: reason });
      const what = action === 'create' ? `"${doc.name}" was taken off every edge and not kept` : `version ${spec.version} of "${doc.name}" was rolled back`;
      throw new StudioError('ROLLOUT_FAILED', `${what}: ${reason}`, { name: doc.name, version: spec.version, edges: results });
    }
    this.deps.audit?.record({ actor, action: `edge.function.${action}`, target: doc.name, ip: null, result: 'ok', detail: `version ${spec.version}${doc.canary?.version === spec.version ? ` on ${doc.canary.edges.length} canary edge(s)` : ''}` });
    this.deps.logger.info({ fn: doc.name, version: spec.version, edges: results.map((r) => `${r.id}:${r.status}`) }, 'edge function rolled out');
    return this.view(this.doc(doc.name));
  }

  remove(name: string, actor = 'system'): Promise<{ name: string; deleted: true }> {
    return this.serial(async () => {
      this.doc(name);
      this.docs.delete(name);
      this.deps.store.remove(name);
      this.recent.delete(name);
      await this.rollout(name);
      this.deps.audit?.record({ actor, action: 'edge.function.delete', target: name, ip: null, result: 'ok', detail: null });
      return { name, deleted: true as const };
    });
  }

  rollback(name: string, version: number | undefined, actor = 'system'): Promise<EdgeFunction> {
    return this.serial(async () => {
      const doc = this.doc(name);
      if (version !== undefined) {
        if (!doc.versions.some((v) => v.version === version)) throw new StudioError('NOT_FOUND', `"${name}" has no version ${version}`, { name, version });
        if (version === doc.version && !doc.canary) throw new StudioError('CONFLICT', `version ${version} of "${name}" is what the edges run`, { name, version });
      }
      const from = doc.canary?.version ?? doc.version;
      if (from === null && version === undefined) throw new StudioError('CONFLICT', `"${name}" runs nowhere: there is nothing to roll back (give a version to put back)`, { name });
      if (from === null) {
        // Back to a version after the function was rolled back past its first: it runs again.
        const next = structuredClone(doc);
        this.makeStable(next, version!);
        next.updatedAt = this.now();
        this.commit(next);
        await this.rollout(name);
        this.deps.audit?.record({ actor, action: 'edge.function.rollback', target: name, ip: null, result: 'ok', detail: `version none -> ${version!}` });
        return this.view(next);
      }
      await this.undo(name, from, `rolled back by ${actor}`, false, actor, version);
      return this.view(this.doc(name));
    });
  }

  promote(name: string, actor = 'system'): Promise<EdgeFunction> {
    return this.serial(async () => {
      const doc = structuredClone(this.doc(name));
      if (!doc.canary) throw new StudioError('CONFLICT', `"${name}" has no canary to promote`, { name });
      for (const v of doc.versions) {
        if (v.state === 'stable') v.state = 'superseded';
        if (v.version === doc.canary.version) v.state = 'stable';
      }
      doc.version = doc.canary.version;
      doc.canary = null;
      doc.updatedAt = this.now();
      this.commit(doc);
      await this.rollout(name);
      this.deps.audit?.record({ actor, action: 'edge.function.promote', target: name, ip: null, result: 'ok', detail: `version ${doc.version}` });
      return this.view(this.doc(name));
    });
  }

  /**
   * Takes version `from` off the edges: a canary is dropped; a stable version gives way to `to` (or the
   * one before it that was not rolled back; none: the function runs nowhere). Not serialised (callers are).
   */
  private async undo(name: string, from: number, reason: string, automatic: boolean, actor: string, to?: number): Promise<void> {
    const doc = structuredClone(this.doc(name));
    const at = this.now();
    const fromVersion = doc.versions.find((v) => v.version === from)!;
    fromVersion.state = 'rolled-back';
    fromVersion.rolledBack = { at, reason, automatic };
    if (doc.canary?.version === from) {
      doc.canary = null;
      if (to !== undefined && to !== doc.version) this.makeStable(doc, to);
    } else {
      const target = to ?? previousGood(doc.versions, from);
      doc.version = null;
      if (target !== null) this.makeStable(doc, target);
    }
    doc.updatedAt = at;
    this.commit(doc);
    this.deps.audit?.record({ actor: automatic ? 'system' : actor, action: 'edge.function.rollback', target: name, ip: null, result: 'ok', detail: `version ${from} -> ${doc.version ?? 'none'}: ${reason}` });
    await this.rollout(name);
    this.deps.logger.warn({ fn: name, from, to: doc.version, reason, automatic }, 'edge function rolled back');
  }

  private makeStable(doc: StoredFunction, version: number): void {
    for (const v of doc.versions) {
      if (v.state === 'stable') v.state = 'superseded';
      if (v.version === version) Object.assign(v, { state: 'stable', rolledBack: null });
    }
    doc.version = version;
  }

  private commit(doc: StoredFunction): void {
    this.deps.store.save(doc);
    this.docs.set(doc.name, doc);
  }

  /** Every connected edge gets its new set; answers what each said (the view has it too). */
  private async rollout(name: string): Promise<FunctionsRollout[]> {
    this.publish(true);
    const results = await this.deps.registry.pushFunctions(this.deps.rolloutTimeoutMs);
    this.deps.logger.debug({ fn: name, results }, 'edge functions pushed');
    this.publish(true);
    return results;
  }

  private publish(force: boolean): void {
    const now = this.now();
    if (!force && now - this.lastPublished < 1000) return;
    this.lastPublished = now;
    this.deps.bus.emit('cdn.functions', this.list());
  }

  /** An edge's heartbeat counters: kept, their new errors listed, and each running version checked against its threshold. */
  onStats(edgeId: string, stats: EdgeCounters): void {
    const before = this.counters.get(edgeId) ?? [];
    this.counters.set(edgeId, stats);
    for (const c of stats) {
      const old = before.find((b) => b.name === c.name && b.version === c.version);
      const fresh = c.recent.filter((e) => !old?.recent.some((o) => o.at === e.at && o.message === e.message && o.uri === e.uri));
      if (fresh.length > 0) {
        const list = [...fresh.map((e) => ({ ...e, edge: edgeId, version: c.version })).reverse(), ...(this.recent.get(c.name) ?? [])];
        this.recent.set(c.name, list.slice(0, RECENT_ERRORS));
      }
    }
    for (const doc of this.docs.values()) {
      for (const version of [doc.canary?.version, doc.version]) {
        if (version === undefined || version === null) continue;
        const counts = this.countsOf(doc.name, version);
        if (!pastThreshold(counts, doc.rollback)) continue;
        const last = this.recent.get(doc.name)?.find((e) => e.version === version);
        const reason = `${counts.errors} of ${counts.calls} calls threw on the edges${last ? ` (last: ${last.message})` : ''}`;
        void this.serial(async () => {
          // Still running and still past it once its turn came (a rollback may have happened meanwhile).
          const now = this.docs.get(doc.name);
          if (!now || (now.version !== version && now.canary?.version !== version)) return;
          await this.undo(doc.name, version, reason, true, 'system');
        }).catch((error: unknown) => this.deps.logger.error({ err: error, fn: doc.name }, 'automatic rollback failed'));
      }
    }
    this.publish(false);
  }
}
