import { describe, expect, it } from 'vitest';
import type { ProcessorDefinition } from '../../../src-shared/contract/processors.js';
import { StudioError } from '../../core/errors.js';
import { checkProcessors, fieldAt, MAX_JOIN_ENTRIES, Pipeline } from './pipeline.js';

const T0 = 1_700_000_040_000;
const run = (def: ProcessorDefinition, messages: [string, number, unknown][]) => {
  const p = new Pipeline('show', def, T0);
  return messages.flatMap(([channel, at, data]) => p.push({ channel, at, data }));
};
const refusal = (defs: ProcessorDefinition[]): { path: string; message: string } => {
  try {
    checkProcessors(defs);
  } catch (error) {
    expect(error).toBeInstanceOf(StudioError);
    expect((error as StudioError).code).toBe('VALIDATION_FAILED');
    return ((error as StudioError).details as { fields: { path: string; message: string }[] }).fields[0]!;
  }
  throw new Error('accepted');
};

describe('processors', () => {
  it('read dotted paths through objects and arrays', () => {
    expect(fieldAt({ user: { name: 'ada' }, items: [{ p: 3 }] }, 'items.0.p')).toBe(3);
    expect(fieldAt({ user: null }, 'user.name')).toBeUndefined();
    expect(fieldAt(5, 'x')).toBeUndefined();
  });

  it('filter (all and any), map (paths and fixed values) and flatMap, in order', () => {
    const def: ProcessorDefinition = {
      id: 'hot',
      input: 'sensors',
      steps: [
        { op: 'flatMap', field: 'readings' },
        { op: 'filter', all: [{ field: 'temp', op: 'gte', value: 30 }], any: [{ field: 'room', op: 'in', value: ['a', 'b'] }, { field: 'tag', op: 'matches', value: '^urgent' }] },
        { op: 'map', fields: { where: 'room', celsius: 'temp', unit: { value: 'C' }, missing: 'nope' } },
      ],
      output: 'alerts',
    };
    const out = run(def, [
      ['sensors', T0, { readings: [{ room: 'a', temp: 31 }, { room: 'c', temp: 35 }, { room: 'c', temp: 40, tag: 'urgent!' }, { room: 'b', temp: 29 }] }],
      ['other', T0, { readings: [{ room: 'a', temp: 99 }] }],
      ['sensors', T0, { readings: 'not an array' }],
    ]);
    expect(out).toEqual([
      { where: 'a', celsius: 31, unit: 'C', missing: null },
      { where: 'c', celsius: 40, unit: 'C', missing: null },
    ]);
  });

  it('conditions: eq/ne compare JSON, contains reads strings and arrays, exists false, number ops refuse non-numbers', () => {
    const f = (where: ProcessorDefinition['steps'][number]) => (data: unknown) => run({ id: 'f', input: 'in', steps: [where], output: 'out' }, [['in', T0, data]]).length === 1;
    expect(f({ op: 'filter', all: [{ field: 'a', op: 'eq', value: { x: 1 } }] })({ a: { x: 1 } })).toBe(true);
    expect(f({ op: 'filter', all: [{ field: 'a', op: 'ne', value: 1 }] })({ a: 1 })).toBe(false);
    expect(f({ op: 'filter', all: [{ field: 'a', op: 'contains', value: 'll' }] })({ a: 'hello' })).toBe(true);
    expect(f({ op: 'filter', all: [{ field: 'a', op: 'contains', value: 2 }] })({ a: [1, 2] })).toBe(true);
    expect(f({ op: 'filter', all: [{ field: 'a', op: 'exists', value: false }] })({ b: 1 })).toBe(true);
    expect(f({ op: 'filter', all: [{ field: 'a', op: 'gt', value: 1 }] })({ a: '5' })).toBe(false);
  });

  it('join two channels on a key within a window: each pair once, as it completes, older ones let go', () => {
    const def: ProcessorDefinition = { id: 'paid', input: { join: { left: 'orders', right: 'payments', leftKey: 'id', rightKey: 'order.id', withinMs: 1000 } }, steps: [], output: 'paid' };
    const out = run(def, [
      ['orders', T0, { id: 1, item: 'cap' }],
      ['orders', T0 + 100, { id: 2, item: 'mug' }],
      ['payments', T0 + 200, { order: { id: 1 }, eur: 20 }],
      ['payments', T0 + 300, { order: { id: 3 }, eur: 5 }],
      ['orders', T0 + 400, { id: 3, item: 'pin' }],
      // 2's order is 1.5 s old: let go, no pair.
      ['payments', T0 + 1600, { order: { id: 2 }, eur: 9 }],
      ['payments', T0 + 1700, { order: { id: { nested: true } } }],
    ]);
    expect(out).toEqual([
      { key: 1, left: { id: 1, item: 'cap' }, right: { order: { id: 1 }, eur: 20 } },
      { key: 3, left: { id: 3, item: 'pin' }, right: { order: { id: 3 }, eur: 5 } },
    ]);
  });

  it('a join side keeps at most MAX_JOIN_ENTRIES messages', () => {
    const def: ProcessorDefinition = { id: 'j', input: { join: { left: 'a', right: 'b', leftKey: 'k', rightKey: 'k', withinMs: 3_600_000 } }, steps: [], output: 'o' };
    const p = new Pipeline('show', def, T0);
    for (let i = 0; i <= MAX_JOIN_ENTRIES; i++) p.push({ channel: 'a', at: T0, data: { k: i } });
    expect(p.push({ channel: 'b', at: T0, data: { k: 0 } })).toEqual([]);
    expect(p.push({ channel: 'b', at: T0, data: { k: 1 } })).toHaveLength(1);
  });

  it('aggregate: a tumbling window closes into one message with counts, groups and sums', () => {
    const def: ProcessorDefinition = { id: 'tips', input: 'tips', steps: [{ op: 'filter', all: [{ field: 'amount', op: 'gt', value: 0 }] }, { op: 'aggregate', kind: 'tumbling', sizeSec: 60, groupBy: 'currency', sumOf: 'amount' }], output: 'tips-per-minute' };
    const p = new Pipeline('show', def, T0);
    expect(p.push({ channel: 'tips', at: T0 + 1000, data: { amount: 5, currency: 'EUR' } })).toEqual([]);
    p.push({ channel: 'tips', at: T0 + 2000, data: { amount: 3, currency: 'USD' } });
    p.push({ channel: 'tips', at: T0 + 3000, data: { amount: -1, currency: 'USD' } });
    expect(p.tick(T0 + 30_000)).toEqual([]);
    const [closed] = p.tick(T0 + 60_000) as Record<string, unknown>[];
    expect(closed).toMatchObject({ window: 'tips', kind: 'tumbling', closed: true, count: 2, groups: { EUR: 1, USD: 1 }, sum: 8, avg: 4 });
    expect(closed).not.toHaveProperty('stream');
  });

  it('refuses what cannot run, naming the processor, the step and the field', () => {
    const base: ProcessorDefinition = { id: 'p', input: 'in', steps: [], output: 'out' };
    expect(refusal([base, base])).toMatchObject({ path: 'processors.1.id' });
    expect(refusal([{ ...base, output: 'chat' }])).toMatchObject({ path: 'processors.0.output' });
    expect(refusal([{ ...base, output: 'in' }]).message).toContain('a loop');
    expect(refusal([{ ...base, input: { join: { left: 'a', right: 'a', leftKey: 'k', rightKey: 'k', withinMs: 10 } } }])).toMatchObject({ path: 'processors.0.input.join.right' });
    expect(refusal([{ ...base, steps: [{ op: 'filter' }] }])).toMatchObject({ path: 'processors.0.steps.0', message: 'processor "p", step 1 (filter): give conditions in "all" or "any"' });
    expect(refusal([{ ...base, steps: [{ op: 'map', fields: { a: 'a' } }, { op: 'filter', any: [{ field: 'x', op: 'gt', value: 'high' }] }] }])).toMatchObject({ path: 'processors.0.steps.1.any.0.value', message: 'processor "p", step 2 (filter): "gt" compares with a number' });
    expect(refusal([{ ...base, steps: [{ op: 'filter', all: [{ field: 'x', op: 'matches', value: '(' }] }] }]).message).toContain('is not a regular expression');
    expect(refusal([{ ...base, steps: [{ op: 'filter', all: [{ field: 'x', op: 'in', value: 1 }] }] }]).message).toContain('array');
    expect(refusal([{ ...base, steps: [{ op: 'filter', all: [{ field: 'x', op: 'eq' }] }] }]).message).toContain('needs a value');
    expect(refusal([{ ...base, steps: [{ op: 'map', fields: {} }] }])).toMatchObject({ path: 'processors.0.steps.0.fields' });
    expect(refusal([{ ...base, steps: [{ op: 'aggregate', kind: 'tumbling', sizeSec: 60 }, { op: 'flatMap', field: 'x' }] }]).message).toContain('aggregate must be the last step');
    // A loop through two processors.
    expect(refusal([base, { id: 'q', input: 'out', steps: [], output: 'in' }])).toMatchObject({ path: 'processors.0.output' });
    expect(() => checkProcessors([base, { id: 'q', input: 'out', steps: [], output: 'more' }])).not.toThrow();
  });
});
