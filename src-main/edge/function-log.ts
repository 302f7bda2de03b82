import type { EdgeStats } from '../../src-shared/contract/cdn.js';
import type { FunctionCallRecord } from './njs-functions.js';

type Counters = NonNullable<EdgeStats['functions']>[number];

/** Errors kept per function version for the origin (its Edges page lists them). */
const RECENT = 10;

/**
 * The edge functions' calls, counted from nginx's function log (njs-functions.ts: a line per request
 * that ran a function, `fn` holding a JSON object per call): calls, errors and time per function
 * version since the agent started, and its last errors. Sent with each heartbeat.
 */
export class FunctionLog {
  private readonly counters = new Map<string, Counters>();

  readonly onLine = (line: string): void => {
    let raw: { t?: unknown; u?: unknown; fn?: unknown };
    try {
      raw = JSON.parse(line) as typeof raw;
    } catch {
      return;
    }
    if (typeof raw.fn !== 'string' || typeof raw.t !== 'number') return;
    const at = Math.round(raw.t * 1000);
    const uri = typeof raw.u === 'string' ? raw.u.slice(0, 2048) : '';
    for (const text of raw.fn.split('\n')) {
      let call: FunctionCallRecord;
      try {
        call = JSON.parse(text) as FunctionCallRecord;
      } catch {
        continue;
      }
      if (typeof call.f !== 'string' || typeof call.v !== 'number') continue;
      const key = `${call.f}@${call.v}`;
      let c = this.counters.get(key);
      if (!c) {
        c = { name: call.f.slice(0, 64), version: call.v, calls: 0, errors: 0, totalMs: 0, recent: [] };
        this.counters.set(key, c);
      }
      c.calls += 1;
      c.totalMs += typeof call.ms === 'number' && call.ms >= 0 ? call.ms : 0;
      if (!call.ok) {
        c.errors += 1;
        c.recent.push({ at, uri, message: String(call.e ?? 'failed').slice(0, 500) });
        if (c.recent.length > RECENT) c.recent.shift();
      }
    }
  };

  stats(): Counters[] {
    return [...this.counters.values()].map((c) => ({ ...c, recent: [...c.recent] }));
  }
}
