import { RESERVED_CHANNELS, type WindowDefinition } from '../../../src-shared/contract/data.js';
import type { Condition, ProcessorDefinition, ProcessorStep } from '../../../src-shared/contract/processors.js';
import { StudioError } from '../../core/errors.js';
import { WindowState } from '../windows/windows.js';

/**
 * Processors, pure (time is passed in): a pipeline reads one channel or joins two, runs its steps and
 * returns the data to publish on its output channel. `checkProcessors` refuses a bad set of pipelines
 * naming the processor, the step and the field.
 */

/** What a pipeline reads of a message. */
export interface ProcessorInput {
  channel: string;
  at: number;
  data: unknown;
}

/** Messages one side of a join keeps (the oldest are let go first beyond it, whatever withinMs says). */
export const MAX_JOIN_ENTRIES = 10_000;
const MAX_REGEX_LENGTH = 200;

/** The value at a dotted path (`user.name`, `items.0`), undefined when there is none. */
export function fieldAt(data: unknown, path: string): unknown {
  let v: unknown = data;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

const inputsOf = (def: ProcessorDefinition): string[] => (typeof def.input === 'string' ? [def.input] : [def.input.join.left, def.input.join.right]);

const invalid = (path: string, message: string): StudioError => new StudioError('VALIDATION_FAILED', message, { fields: [{ path, message }] });

function checkCondition(c: Condition, where: string, path: string): void {
  const bad = (message: string) => invalid(`${path}.value`, `${where}: ${message}`);
  switch (c.op) {
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (typeof c.value !== 'number' || !Number.isFinite(c.value)) throw bad(`"${c.op}" compares with a number`);
      return;
    case 'in':
      if (!Array.isArray(c.value)) throw bad('"in" takes an array of values');
      return;
    case 'matches':
      if (typeof c.value !== 'string' || c.value.length > MAX_REGEX_LENGTH) throw bad(`"matches" takes a regular expression of at most ${MAX_REGEX_LENGTH} characters`);
      try {
        new RegExp(c.value);
      } catch (error) {
        throw bad(`"${c.value}" is not a regular expression (${(error as Error).message})`);
      }
      return;
    case 'exists':
      if (c.value !== undefined && typeof c.value !== 'boolean') throw bad('"exists" takes true, false or nothing (true)');
      return;
    default:
      if (c.value === undefined) throw bad(`"${c.op}" needs a value`);
  }
}

function checkStep(step: ProcessorStep, j: number, count: number, name: string, path: string): void {
  const where = `processor "${name}", step ${j + 1} (${step.op})`;
  if (step.op === 'filter') {
    if ((step.all?.length ?? 0) + (step.any?.length ?? 0) === 0) throw invalid(path, `${where}: give conditions in "all" or "any"`);
    for (const [k, c] of (step.all ?? []).entries()) checkCondition(c, where, `${path}.all.${k}`);
    for (const [k, c] of (step.any ?? []).entries()) checkCondition(c, where, `${path}.any.${k}`);
  } else if (step.op === 'map') {
    if (Object.keys(step.fields).length === 0) throw invalid(`${path}.fields`, `${where}: name at least one field`);
  } else if (step.op === 'aggregate') {
    if (j !== count - 1) throw invalid(path, `${where}: aggregate must be the last step (what comes out is the window's result)`);
    if (step.kind === 'sliding' && step.stepSec !== undefined && step.stepSec > step.sizeSec) throw invalid(`${path}.stepSec`, `${where}: stepSec is at most sizeSec`);
  }
}

/** Refuses processors that cannot run: the first problem as VALIDATION_FAILED with its path (`processors.1.steps.0.value`). */
export function checkProcessors(defs: readonly ProcessorDefinition[]): void {
  const ids = new Set<string>();
  for (const [i, def] of defs.entries()) {
    const path = `processors.${i}`;
    if (ids.has(def.id)) throw invalid(`${path}.id`, `two processors are named "${def.id}"`);
    ids.add(def.id);
    if ((RESERVED_CHANNELS as readonly string[]).includes(def.output)) throw invalid(`${path}.output`, `processor "${def.id}": "${def.output}" is written by the studio itself`);
    if (inputsOf(def).includes(def.output)) throw invalid(`${path}.output`, `processor "${def.id}": its output "${def.output}" is also its input (a loop)`);
    if (typeof def.input !== 'string' && def.input.join.left === def.input.join.right) throw invalid(`${path}.input.join.right`, `processor "${def.id}": a join reads two different channels`);
    for (const [j, step] of def.steps.entries()) checkStep(step, j, def.steps.length, def.id, `${path}.steps.${j}`);
  }
  // Through other processors: x -> y in one and y -> x in another would publish for ever.
  const feeds = (channel: string): ProcessorDefinition[] => defs.filter((d) => inputsOf(d).includes(channel));
  for (const [i, def] of defs.entries()) {
    const seen = new Set<string>();
    const stack = [def.output];
    while (stack.length > 0) {
      const channel = stack.pop()!;
      if (seen.has(channel)) continue;
      seen.add(channel);
      for (const next of feeds(channel)) {
        if (next.id === def.id) throw invalid(`processors.${i}.output`, `processor "${def.id}": its output "${def.output}" comes back to its input through other processors (a loop)`);
        stack.push(next.output);
      }
    }
  }
}

function passes(c: Condition, data: unknown): boolean {
  const v = fieldAt(data, c.field);
  switch (c.op) {
    case 'exists':
      return (v !== undefined) === (c.value !== false);
    case 'eq':
      return JSON.stringify(v) === JSON.stringify(c.value);
    case 'ne':
      return JSON.stringify(v) !== JSON.stringify(c.value);
    case 'gt':
      return typeof v === 'number' && v > (c.value as number);
    case 'gte':
      return typeof v === 'number' && v >= (c.value as number);
    case 'lt':
      return typeof v === 'number' && v < (c.value as number);
    case 'lte':
      return typeof v === 'number' && v <= (c.value as number);
    case 'in':
      return (c.value as unknown[]).some((x) => JSON.stringify(x) === JSON.stringify(v));
    case 'contains':
      if (typeof v === 'string') return typeof c.value === 'string' && v.includes(c.value);
      return Array.isArray(v) && v.some((x) => JSON.stringify(x) === JSON.stringify(c.value));
    case 'matches':
      return typeof v === 'string' && new RegExp(c.value as string).test(v);
  }
}

/** One step over a batch (filter, map, flatMap); aggregate is the pipeline's own. */
function apply(step: Exclude<ProcessorStep, { op: 'aggregate' }>, batch: unknown[]): unknown[] {
  switch (step.op) {
    case 'filter':
      return batch.filter((d) => (step.all ?? []).every((c) => passes(c, d)) && (step.any === undefined || step.any.length === 0 || step.any.some((c) => passes(c, d))));
    case 'map':
      return batch.map((d) => Object.fromEntries(Object.entries(step.fields).map(([name, from]) => [name, typeof from === 'string' ? (fieldAt(d, from) ?? null) : from.value])));
    case 'flatMap':
      return batch.flatMap((d) => {
        const v = fieldAt(d, step.field);
        return Array.isArray(v) ? (v as unknown[]) : [];
      });
  }
}

interface JoinEntry {
  key: string;
  at: number;
  data: unknown;
}

/** One side of a join: its messages by key, oldest first, and in arrival order for letting them go. */
class JoinSide {
  private readonly byKey = new Map<string, JoinEntry[]>();
  private readonly order: JoinEntry[] = [];
  private head = 0;

  add(entry: JoinEntry): void {
    const list = this.byKey.get(entry.key) ?? [];
    list.push(entry);
    this.byKey.set(entry.key, list);
    this.order.push(entry);
    if (this.order.length - this.head > MAX_JOIN_ENTRIES) this.dropOldest();
  }

  matches(key: string): JoinEntry[] {
    return this.byKey.get(key) ?? [];
  }

  expire(before: number): void {
    while (this.head < this.order.length && this.order[this.head]!.at < before) this.dropOldest();
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }

  private dropOldest(): void {
    const e = this.order[this.head++]!;
    const list = this.byKey.get(e.key)!;
    list.shift();
    if (list.length === 0) this.byKey.delete(e.key);
  }
}

const joinKey = (v: unknown): string | null => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? JSON.stringify(v) : null);

/** A running processor: what goes in, what comes out. */
export class Pipeline {
  private readonly window: WindowState | null;
  private readonly steps: Exclude<ProcessorStep, { op: 'aggregate' }>[];
  private readonly join: { left: JoinSide; right: JoinSide } | null;
  private nextSlide = 0;
  /** The channels it reads. */
  readonly inputs: readonly string[];

  constructor(
    stream: string,
    readonly def: ProcessorDefinition,
    now: number,
  ) {
    const last = def.steps.at(-1);
    this.steps = def.steps.filter((s): s is Exclude<ProcessorStep, { op: 'aggregate' }> => s.op !== 'aggregate');
    if (last?.op === 'aggregate') {
      const { op: _op, ...window } = last;
      const wdef: WindowDefinition = { id: def.id, label: def.id, channel: '*', ...window };
      this.window = new WindowState(stream, wdef, now);
    } else {
      this.window = null;
    }
    this.join = typeof def.input === 'string' ? null : { left: new JoinSide(), right: new JoinSide() };
    this.inputs = inputsOf(def);
  }


  push(message: ProcessorInput): unknown[] {
    let batch: unknown[];
    if (typeof this.def.input === 'string') {
      if (message.channel !== this.def.input) return [];
      batch = [message.data];
    } else {
      batch = this.joined(message, this.def.input.join);
    }
    for (const step of this.steps) batch = apply(step, batch);
    if (!this.window) return batch;
    const out: unknown[] = [];
    for (const data of batch) out.push(...this.window.add({ channel: 'processor', at: message.at, data }).map(publicResult));
    return out;
  }

  /** Moves an aggregate on (closed tumbling windows and sessions; a sliding window every stepSec). */
  tick(now: number): unknown[] {
    if (!this.window) return [];
    const closed = this.window.advance(now).map(publicResult);
    const step = this.def.steps.at(-1);
    if (step?.op === 'aggregate' && step.kind === 'sliding' && now >= this.nextSlide) {
      this.nextSlide = now + (step.stepSec ?? 1) * 1000;
      closed.push(publicResult(this.window.current()));
    }
    return closed;
  }

  private joined(message: ProcessorInput, join: Extract<ProcessorDefinition['input'], { join: unknown }>['join']): unknown[] {
    const sides = this.join!;
    const isLeft = message.channel === join.left;
    if (!isLeft && message.channel !== join.right) return [];
    const key = joinKey(fieldAt(message.data, isLeft ? join.leftKey : join.rightKey));
    sides.left.expire(message.at - join.withinMs);
    sides.right.expire(message.at - join.withinMs);
    if (key === null) return [];
    const other = isLeft ? sides.right : sides.left;
    const pairs = other.matches(key).map((o) => ({ key: JSON.parse(key) as unknown, left: isLeft ? message.data : o.data, right: isLeft ? o.data : message.data }));
    (isLeft ? sides.left : sides.right).add({ key, at: message.at, data: message.data });
    return pairs;
  }
}

/** A window's result as a processor's message: without the stream (the channel says it). */
function publicResult(r: ReturnType<WindowState['current']>): unknown {
  const { stream: _stream, ...rest } = r;
  return rest;
}
