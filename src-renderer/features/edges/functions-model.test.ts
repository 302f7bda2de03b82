import { describe, expect, it } from 'vitest';
import type { EdgeFunction } from '../../../src-shared/contract/index.js';
import { countersLine, edgesLine, functionInput, lastRollback } from './functions-model.js';

const base: EdgeFunction = {
  name: 'cors', enabled: true, route: '/live/**', phase: 'response', code: '', version: 2, canary: null,
  rollback: { errorRate: 0.1, minErrors: 5 },
  versions: [
    { version: 1, route: '/live/**', phase: 'response', code: '', createdAt: 1, state: 'rolled-back', rolledBack: { at: 5, reason: '6 of 10 calls threw on the edges', automatic: true } },
    { version: 2, route: '/live/**', phase: 'response', code: '', createdAt: 2, state: 'stable', rolledBack: null },
  ],
  edges: [{ id: 'e1', version: 2, status: 'applied', error: null }, { id: 'e2', version: 2, status: 'applied', error: null }],
  counters: [{ version: 2, calls: 1204, errors: 2, avgMs: 0.05 }],
  recentErrors: [], createdAt: 1, updatedAt: 2,
};

describe('edge function words', () => {
  it('says where a function runs', () => {
    expect(edgesLine(base)).toBe('applied on 2 of 2 edges');
    expect(edgesLine({ ...base, canary: { version: 3, percent: 50, edges: ['e1'] }, edges: [{ id: 'e1', version: 3, status: 'failed', error: 'x' }, { id: 'e2', version: 2, status: 'pending', error: null }] })).toBe(
      'applied on 0 of 2 edges · canary v3 on e1 · refused by e1 · 1 pending',
    );
    expect(edgesLine({ ...base, enabled: false })).toBe('disabled: runs on no edge');
    expect(edgesLine({ ...base, version: null })).toBe('runs on no edge (rolled back past its first version)');
  });

  it('counts the running versions and tells the last rollback', () => {
    expect(countersLine(base)).toBe('v2: 1,204 calls, 2 errors (0.2 %), 0.05 ms');
    expect(countersLine({ ...base, canary: { version: 3, percent: 50, edges: ['e1'] } })).toBe('v3: no calls yet · v2: 1,204 calls, 2 errors (0.2 %), 0.05 ms');
    expect(lastRollback(base)).toBe('v1 rolled back by itself: 6 of 10 calls threw on the edges');
    expect(lastRollback({ ...base, versions: [base.versions[1]!] })).toBeNull();
  });

  it('reads the form', () => {
    const form = { name: ' cors ', route: '/live/** ', phase: 'response' as const, code: 'function handle() {}', canaryPercent: '', errorRatePercent: '10' };
    expect(functionInput(form)).toEqual({ input: { name: 'cors', route: '/live/**', phase: 'response', code: 'function handle() {}', rollback: { errorRate: 0.1 } } });
    expect(functionInput({ ...form, canaryPercent: '25' })).toMatchObject({ input: { canaryPercent: 25 } });
    expect(functionInput({ ...form, canaryPercent: '100' })).toMatchObject({ field: 'canaryPercent' });
    expect(functionInput({ ...form, errorRatePercent: 'x' })).toMatchObject({ field: 'errorRatePercent' });
  });
});
