import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { closedSignal } from './waits.js';

describe('closedSignal', () => {
  it('fires when the connection closes before the answer went out, with one reason made once', () => {
    const first = Object.assign(new EventEmitter(), { writableFinished: false });
    const second = Object.assign(new EventEmitter(), { writableFinished: false });
    const a = closedSignal(first);
    const b = closedSignal(second);
    expect(a.aborted).toBe(false);
    first.emit('close');
    second.emit('close');
    expect(a.aborted).toBe(true);
    expect(b.aborted).toBe(true);
    expect(a.reason).toBeInstanceOf(Error);
    expect(a.reason).toBe(b.reason);
  });

  it('stays quiet when the close comes after the whole answer (a kept-alive request\'s end)', () => {
    const raw = Object.assign(new EventEmitter(), { writableFinished: true });
    const signal = closedSignal(raw);
    raw.emit('close');
    expect(signal.aborted).toBe(false);
  });
});
