import type { EdgeFunction } from '../../../src-shared/contract/index.js';

/** Where a function runs, in words: "on 3 of 3 edges", with failures and what runs where during a canary. */
export function edgesLine(fn: EdgeFunction): string {
  if (!fn.enabled) return 'disabled: runs on no edge';
  if (fn.version === null && !fn.canary) return 'runs on no edge (rolled back past its first version)';
  if (fn.edges.length === 0) return 'no edges yet: edges get it when they connect';
  const applied = fn.edges.filter((e) => e.status === 'applied').length;
  const failed = fn.edges.filter((e) => e.status === 'failed');
  const parts = [`applied on ${applied} of ${fn.edges.length} edges`];
  if (fn.canary) parts.push(`canary v${fn.canary.version} on ${fn.canary.edges.join(', ')}`);
  if (failed.length > 0) parts.push(`refused by ${failed.map((e) => e.id).join(', ')}`);
  const pending = fn.edges.length - applied - failed.length;
  if (pending > 0) parts.push(`${pending} pending`);
  return parts.join(' · ');
}

/** Calls and errors of the versions that run now, e.g. "v3: 1,204 calls, 2 errors (0.2 %), 0.05 ms". */
export function countersLine(fn: EdgeFunction): string {
  const running = [fn.canary?.version, fn.version].filter((v): v is number => typeof v === 'number');
  const lines = running.map((version) => {
    const c = fn.counters.find((x) => x.version === version);
    if (!c) return `v${version}: no calls yet`;
    const rate = c.calls > 0 ? ` (${((c.errors / c.calls) * 100).toFixed(1)} %)` : '';
    return `v${version}: ${c.calls.toLocaleString('en-US')} calls, ${c.errors.toLocaleString('en-US')} errors${rate}${c.avgMs !== null ? `, ${c.avgMs} ms` : ''}`;
  });
  return lines.length > 0 ? lines.join(' · ') : '—';
}

/** The last rollback, in words, or null. */
export function lastRollback(fn: EdgeFunction): string | null {
  const rolled = fn.versions.filter((v) => v.rolledBack).sort((a, b) => b.rolledBack!.at - a.rolledBack!.at)[0];
  if (!rolled) return null;
  return `v${rolled.version} rolled back ${rolled.rolledBack!.automatic ? 'by itself' : 'by hand'}: ${rolled.rolledBack!.reason}`;
}

export interface FunctionForm {
  name: string;
  route: string;
  phase: 'request' | 'response';
  code: string;
  /** Empty: every edge at once. */
  canaryPercent: string;
  /** The rollback threshold, as a share of calls in percent. */
  errorRatePercent: string;
}

/** The create or update input of a form, or the field that is wrong. */
export function functionInput(form: FunctionForm): { input: { name: string; route: string; phase: 'request' | 'response'; code: string; canaryPercent?: number; rollback: { errorRate: number } } } | { error: string; field: keyof FunctionForm } {
  const canary = form.canaryPercent.trim();
  const canaryPercent = canary === '' ? undefined : Number(canary);
  if (canaryPercent !== undefined && (!Number.isInteger(canaryPercent) || canaryPercent < 1 || canaryPercent > 99)) return { error: 'a canary share is 1 to 99 % of the edges, or empty for every edge at once', field: 'canaryPercent' };
  const rate = Number(form.errorRatePercent);
  if (!Number.isFinite(rate) || rate < 0.1 || rate > 100) return { error: 'the rollback threshold is 0.1 to 100 % of calls', field: 'errorRatePercent' };
  return { input: { name: form.name.trim(), route: form.route.trim(), phase: form.phase, code: form.code, ...(canaryPercent !== undefined ? { canaryPercent } : {}), rollback: { errorRate: rate / 100 } } };
}
